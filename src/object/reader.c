/* Response bodies made of pieces (literal text and file regions), streamed
 * in order with one file open at a time: multipart/byteranges, segments of
 * large objects, and server-side copies. Memory stays constant whatever the
 * size. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "object/internal.h"

#define LOOKAHEAD ((uint64_t)32 << 20)

struct pieces_reader {
	struct object_piece *p;
	size_t n, cur;
	uint64_t done;    /* bytes of p[cur] already sent */
	uint64_t advised; /* p[cur] is asked into the page cache up to here */
	int fd;           /* of p[cur], or -1 */
};

static ssize_t pieces_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct pieces_reader *r = cls;
	while (r->cur < r->n && r->done == r->p[r->cur].length) {
		if (r->fd >= 0)
			close(r->fd);
		r->fd = -1;
		r->cur++;
		r->done = 0;
	}
	if (r->cur == r->n)
		return 0;
	struct object_piece *pc = &r->p[r->cur];
	uint64_t left = pc->length - r->done;
	size_t want = left < max ? (size_t)left : max;
	if (pc->text) {
		memcpy(buf, pc->text + r->done, want);
		r->done += want;
		return (ssize_t)want;
	}
	if (r->fd < 0) {
		r->fd = open(pc->path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0)
			return -1;
		posix_fadvise(r->fd, (off_t)pc->offset, (off_t)pc->length, POSIX_FADV_SEQUENTIAL);
		r->advised = 0;
	}
	/* Keep LOOKAHEAD bytes being read ahead of the sender: cold files
	 * stream at the disk's rate, not at the default read-ahead's. */
	if (r->advised < pc->length && r->done + LOOKAHEAD / 2 >= r->advised) {
		uint64_t from = r->advised, len = LOOKAHEAD;
		posix_fadvise(r->fd, (off_t)(pc->offset + from), (off_t)len, POSIX_FADV_WILLNEED);
		r->advised = from + len;
	}
	ssize_t got = pread(r->fd, buf, want, (off_t)(pc->offset + r->done));
	if (got <= 0)
		return -1; /* a segment shorter than its manifest says: cut the body */
	r->done += (uint64_t)got;
	return got;
}

static void pieces_free(void *cls)
{
	struct pieces_reader *r = cls;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

void object_reply_pieces(struct http_response *resp, int status, struct arena *a,
                         struct object_piece *pieces, size_t npieces)
{
	struct pieces_reader *r = arena_alloc(a, sizeof(*r));
	r->p = pieces;
	r->n = npieces;
	r->fd = -1;
	uint64_t total = 0;
	for (size_t i = 0; i < npieces; i++)
		total += pieces[i].length;
	http_reply_reader(resp, status, total, pieces_read, r, pieces_free);
}

int object_copy_pieces(struct object_piece *pieces, size_t npieces, int fd, void *md5,
                       struct api_error *err)
{
	struct pieces_reader r = {.p = pieces, .n = npieces, .fd = -1};
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	if (!buf)
		abort();
	int rc = -1;
	for (;;) {
		ssize_t n = pieces_read(&r, 0, buf, cap);
		if (n == 0)
			break;
		if (n < 0) {
			api_fail(err, API_CONFLICT, "A segment of the source is missing or short.");
			goto out;
		}
		if (md5)
			EVP_DigestUpdate(md5, buf, (size_t)n);
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				api_fail(err, API_INTERNAL, "cannot write the copy: %s",
				         strerror(errno));
				goto out;
			}
			off += w;
		}
	}
	rc = 0;
out:
	pieces_free(&r);
	free(buf);
	return rc;
}
