/* The write path of image data (see ingest.h): temporary file, streaming
 * digests, head and tail kept for the format inspector, fsync, rename.
 *
 * Upload speed is CPU-bound here (MD5 and SHA-512 cost more than the disk
 * takes to write), so the disk must write while the body arrives rather
 * than at the final fsync: with the kernel's default thresholds a 1 GiB
 * upload stays dirty in the page cache until then, and the fsync added the
 * whole write time after the receive time. Writeback of each 8 MiB written
 * is started at once (sync_file_range, which does not wait); the fsync
 * then finds little left. The body's 16 KiB pieces are gathered into
 * 128 KiB writes: an eighth of the system calls and of the wake-ups of the
 * hash thread. Measured on this 2-core machine (stackd CPU per 1 GiB
 * upload): unbatched 4.2-4.5 s, 64-256 KiB 3.7-3.9 s, 1 MiB 5.0-6.0 s (likely a
 * buffer past the L2 cache makes both the copy into it and the copy into
 * the page cache miss). */
#include "image/ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/ids.h"
#include "image/checksum.h"

#define WRITE_BUF (128u * 1024)
#define WRITEBACK_EVERY (8u << 20)

static void release(void *p)
{
	struct image_ingest *ing = p;
	if (ing->fd >= 0)
		close(ing->fd);
	ing->fd = -1;
	image_hash_free(ing->hash);
	ing->hash = NULL;
}

void image_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int image_ingest_open(struct arena *a, const char *dir, const char *id, int64_t limit,
                      struct image_ingest *ing, struct api_error *err)
{
	memset(ing, 0, sizeof(*ing));
	ing->fd = -1;
	ing->limit = limit;
	ing->arena = a;
	ing->dir = arena_strdup(a, dir);
	char rnd[33];
	ids_hex32(rnd);
	ing->tmp_path = arena_printf(a, "%s/.tmp-%s-%.8s", dir, id, rnd);
	ing->fd = open(ing->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (ing->fd < 0)
		return api_fail(err, API_INTERNAL, "Cannot create image file: %s", strerror(errno));
	/* SHA-512 on a second core, reading back what this thread writes. */
	ing->hash = image_hash_new_file(ing->tmp_path);
	if (!ing->hash)
		ing->hash = image_hash_new();
	ing->head = arena_alloc(a, IMAGE_FORMAT_HEAD);
	ing->buf = arena_alloc(a, WRITE_BUF);
	arena_defer(a, release, ing);
	return 0;
}

/* Writes bytes that follow those already in the file, hashes them, and
 * starts writeback of every WRITEBACK_EVERY bytes. */
static int write_out(struct image_ingest *ing, const unsigned char *p, size_t len,
                     struct api_error *err)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(ing->fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			if (errno == ENOSPC || errno == EDQUOT)
				return api_fail(err, API_TOO_LARGE, "Image storage media is full.");
			return api_fail(err, API_INTERNAL, "Cannot write image data: %s",
			                strerror(errno));
		}
		off += (size_t)w;
	}
	image_hash_update(ing->hash, p, len); /* after the write: see checksum.h */
	ing->flushed += len;
	if (ing->flushed - ing->writeback >= WRITEBACK_EVERY) {
		/* Only starts the writes: errors surface at the fsync. */
		sync_file_range(ing->fd, (off_t)ing->writeback,
		                (off_t)(ing->flushed - ing->writeback), SYNC_FILE_RANGE_WRITE);
		ing->writeback = ing->flushed;
	}
	return 0;
}

static int flush(struct image_ingest *ing, struct api_error *err)
{
	size_t n = ing->buf_len;
	ing->buf_len = 0;
	return n ? write_out(ing, ing->buf, n, err) : 0;
}

int image_ingest_write(struct image_ingest *ing, const void *data, size_t len,
                       struct api_error *err)
{
	if (ing->limit >= 0 && ing->written + len > (uint64_t)ing->limit)
		return api_fail(err, API_TOO_LARGE,
		                "Denying attempt to upload image because it exceeds the quota of "
		                "image storage for this project.");
	const unsigned char *p = data;
	if (ing->head_len < IMAGE_FORMAT_HEAD) {
		size_t n = IMAGE_FORMAT_HEAD - ing->head_len;
		if (n > len)
			n = len;
		memcpy(ing->head + ing->head_len, p, n);
		ing->head_len += n;
		if (ing->head_len == IMAGE_FORMAT_HEAD &&
		    image_vhdx_detect(ing->head, ing->head_len)) {
			ing->vhdx = arena_alloc(ing->arena, sizeof(*ing->vhdx));
			image_vhdx_scan_begin(ing->vhdx, ing->head, ing->head_len);
		}
	}
	if (ing->vhdx)
		image_vhdx_scan_feed(ing->vhdx, ing->written, p, len);
	if (len >= IMAGE_FORMAT_TAIL) {
		memcpy(ing->tail, p + len - IMAGE_FORMAT_TAIL, IMAGE_FORMAT_TAIL);
		ing->tail_len = IMAGE_FORMAT_TAIL;
	} else {
		size_t keep = ing->tail_len + len > IMAGE_FORMAT_TAIL ? IMAGE_FORMAT_TAIL - len
		                                                      : ing->tail_len;
		memmove(ing->tail, ing->tail + ing->tail_len - keep, keep);
		memcpy(ing->tail + keep, p, len);
		ing->tail_len = keep + len;
	}
	while (len > 0) {
		/* A large piece with nothing buffered goes out as it is. */
		if (ing->buf_len == 0 && len >= WRITE_BUF) {
			if (write_out(ing, p, len, err) != 0)
				return -1;
			ing->written += len;
			return 0;
		}
		size_t n = WRITE_BUF - ing->buf_len;
		if (n > len)
			n = len;
		memcpy(ing->buf + ing->buf_len, p, n);
		ing->buf_len += n;
		ing->written += n;
		p += n;
		len -= n;
		if (ing->buf_len == WRITE_BUF && flush(ing, err) != 0)
			return -1;
	}
	return 0;
}

int image_ingest_close(struct image_ingest *ing, const char *disk_format, struct api_error *err)
{
	if (flush(ing, err) != 0)
		return -1;
	if (fsync(ing->fd) != 0)
		return api_fail(err, API_INTERNAL, "Cannot flush image data: %s", strerror(errno));
	if (image_hash_final(ing->hash, ing->md5, ing->sha512) != 0)
		return api_fail(err, API_INTERNAL, "Cannot read back the image data to hash it.");
	image_format_inspect(ing->head, ing->head_len, ing->tail, ing->tail_len, ing->written,
	                     ing->vhdx, &ing->inspect);
	return image_format_check(disk_format, &ing->inspect, err);
}

int image_ingest_place(struct image_ingest *ing, const char *path, struct api_error *err)
{
	if (rename(ing->tmp_path, path) != 0)
		return api_fail(err, API_INTERNAL, "Cannot store image file: %s", strerror(errno));
	ing->placed = true;
	image_sync_dir(ing->dir);
	return 0;
}

void image_ingest_discard(struct image_ingest *ing)
{
	if (!ing->placed && ing->tmp_path) {
		unlink(ing->tmp_path);
		ing->tmp_path = NULL;
	}
}
