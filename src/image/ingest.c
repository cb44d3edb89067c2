/* The write path of image data (see ingest.h): temporary file, streaming
 * digests, head and tail kept for the format inspector, fsync, rename.
 *
 * An upload is CPU-bound on this kind of machine (2 cores): MD5 and
 * SHA-512 cost ~1.3-1.4 s of CPU per GiB each, the body's receive copy
 * and the write more. So the bytes go through a pipeline: the receiving
 * thread (libmicrohttpd's, or a local copy) only copies each piece into a
 * ring of RING_SLOTS slots of SLOT bytes; three threads take every slot in
 * order: the writer (into the file), MD5 and SHA-512. A slot is reused
 * once all three are done with it, so memory stays at the ring's size and
 * a slow disk or digest holds the sender back (TCP flow control).
 *
 * The writer writes with O_DIRECT where the file system takes it: the
 * bytes go from the ring to the disk with no copy into the page cache
 * (which cost ~0.3-1.2 s of system CPU per GiB here, on top of the
 * writeback work), an image does not push other data out of the cache,
 * and the final fsync finds only metadata left. Offsets and lengths are
 * multiples of the slot; only the last slot's unaligned end is written
 * through the page cache. Where O_DIRECT is refused (tmpfs), the writer
 * writes through the page cache and starts writeback of every
 * WRITEBACK_EVERY bytes at once (sync_file_range, which does not wait),
 * so that the fsync does not add the whole write time at the end.
 * Measurements: bench/README.md, image section. */
#include "image/ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/ids.h"
#include "image/checksum.h"

#define SLOT (1u << 20)
#define RING_SLOTS 4
#define RING_BYTES ((size_t)RING_SLOTS * SLOT)
#define DIRECT_ALIGN 4096u
#define WRITEBACK_EVERY (8u << 20)

enum { C_WRITE, C_MD5, C_SHA512, CONSUMERS };

struct consumer {
	struct ingest_pipe *p;
	int which;
	pthread_t thread;
	bool started;
};

struct ingest_pipe {
	unsigned char *ring; /* RING_BYTES, page-aligned for O_DIRECT */
	size_t len[RING_SLOTS];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t produced;            /* slots handed to the consumers */
	uint64_t consumed[CONSUMERS]; /* slots each consumer is done with */
	bool closing;                 /* no more slots will come */
	bool stop;                    /* abandon what is left */
	int werr;                     /* errno of the writer's first failure */
	/* The receiving side's slot being filled: index produced % RING_SLOTS. */
	size_t fill;
	/* Writer's own state. */
	int fd;
	bool direct;
	uint64_t writeback;
	struct image_hash *hash;
	struct consumer c[CONSUMERS];
};

static int pwrite_all(int fd, const unsigned char *p, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t w = pwrite(fd, p, len, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		off += (uint64_t)w;
		len -= (size_t)w;
	}
	return 0;
}

/* Drops O_DIRECT: writes from here on go through the page cache. */
static int go_buffered(struct ingest_pipe *p)
{
	int fl = fcntl(p->fd, F_GETFL);
	if (fl < 0 || fcntl(p->fd, F_SETFL, fl & ~O_DIRECT) != 0)
		return -1;
	p->direct = false;
	return 0;
}

/* Writes slot number seq (all slots but the last are full, so its offset
 * is seq * SLOT). Returns 0 or an errno. */
static int write_slot(struct ingest_pipe *p, const unsigned char *b, size_t len, uint64_t seq)
{
	uint64_t off = seq * SLOT;
	if (p->direct) {
		size_t aligned = len & ~(size_t)(DIRECT_ALIGN - 1);
		if (aligned && pwrite_all(p->fd, b, aligned, off) != 0) {
			/* Some file systems open with O_DIRECT and refuse the
			 * write: the page cache then. */
			if (errno != EINVAL || go_buffered(p) != 0)
				return errno;
			aligned = 0;
		}
		if (aligned == len)
			return 0;
		if (p->direct && go_buffered(p) != 0)
			return errno;
		b += aligned;
		off += aligned;
		len -= aligned;
	}
	if (pwrite_all(p->fd, b, len, off) != 0)
		return errno;
	uint64_t end = off + len;
	if (end - p->writeback >= WRITEBACK_EVERY) {
		/* Only starts the writes: errors surface at the fsync. */
		sync_file_range(p->fd, (off_t)p->writeback, (off_t)(end - p->writeback),
		                SYNC_FILE_RANGE_WRITE);
		p->writeback = end;
	}
	return 0;
}

static void *consume(void *arg)
{
	static const char *const names[CONSUMERS] = {"img-write", "img-md5", "img-sha512"};
	struct consumer *c = arg;
	struct ingest_pipe *p = c->p;
	pthread_setname_np(pthread_self(), names[c->which]); /* for top -H, perf */
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->consumed[c->which] == p->produced && !p->closing && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop || p->consumed[c->which] == p->produced)
			break; /* abandoned, or closing and all done */
		uint64_t seq = p->consumed[c->which];
		size_t idx = (size_t)(seq % RING_SLOTS), len = p->len[idx];
		bool skip = c->which == C_WRITE && p->werr;
		pthread_mutex_unlock(&p->mu);
		const unsigned char *b = p->ring + idx * SLOT;
		int e = 0;
		if (c->which == C_MD5)
			image_hash_update_md5(p->hash, b, len);
		else if (c->which == C_SHA512)
			image_hash_update_sha512(p->hash, b, len);
		else if (!skip)
			e = write_slot(p, b, len, seq);
		pthread_mutex_lock(&p->mu);
		if (e && !p->werr)
			p->werr = e;
		p->consumed[c->which] = seq + 1;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Stops the consumers (after they finish every slot unless stop) and
 * joins them. */
static void pipe_join(struct ingest_pipe *p, bool stop)
{
	pthread_mutex_lock(&p->mu);
	p->closing = true;
	if (stop)
		p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < CONSUMERS; i++)
		if (p->c[i].started) {
			pthread_join(p->c[i].thread, NULL);
			p->c[i].started = false;
		}
}

static void release(void *arg)
{
	struct image_ingest *ing = arg;
	struct ingest_pipe *p = ing->pipe;
	if (p) {
		pipe_join(p, true);
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
		image_hash_free(p->hash);
		munmap(p->ring, RING_BYTES);
		free(p);
		ing->pipe = NULL;
	}
	if (ing->fd >= 0)
		close(ing->fd);
	ing->fd = -1;
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
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
	bool direct = true;
	ing->fd = open(ing->tmp_path, flags | O_DIRECT, 0600);
	if (ing->fd < 0 && errno == EINVAL) {
		direct = false;
		ing->fd = open(ing->tmp_path, flags, 0600);
	}
	if (ing->fd < 0)
		return api_fail(err, API_INTERNAL, "Cannot create image file: %s", strerror(errno));
	ing->head = arena_alloc(a, IMAGE_FORMAT_HEAD);
	arena_defer(a, release, ing);

	/* The ring is mapped on its own: page-aligned for O_DIRECT, and given
	 * back to the system when the upload ends (malloc could keep it). */
	struct ingest_pipe *p = calloc(1, sizeof(*p));
	void *ring =
	    mmap(NULL, RING_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!p || ring == MAP_FAILED)
		abort(); /* like any allocation failure */
	p->ring = ring;
	p->fd = ing->fd;
	p->direct = direct;
	p->hash = image_hash_new();
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	ing->pipe = p; /* from here release joins what started */
	for (int i = 0; i < CONSUMERS; i++) {
		p->c[i].p = p;
		p->c[i].which = i;
		if (pthread_create(&p->c[i].thread, NULL, consume, &p->c[i]) != 0) {
			image_ingest_discard(ing);
			return api_fail(err, API_INTERNAL, "Cannot start the image writer: %s",
			                strerror(errno));
		}
		p->c[i].started = true;
	}
	return 0;
}

static int write_error(int e, struct api_error *err)
{
	if (e == ENOSPC || e == EDQUOT)
		return api_fail(err, API_TOO_LARGE, "Image storage media is full.");
	return api_fail(err, API_INTERNAL, "Cannot write image data: %s", strerror(e));
}

/* Hands the slot being filled to the consumers and waits until the next
 * one is free. */
static int hand_over(struct ingest_pipe *p, struct api_error *err)
{
	pthread_mutex_lock(&p->mu);
	p->len[p->produced % RING_SLOTS] = p->fill;
	p->produced++;
	p->fill = 0;
	pthread_cond_broadcast(&p->cv);
	for (;;) {
		uint64_t oldest = p->produced;
		for (int i = 0; i < CONSUMERS; i++)
			if (p->consumed[i] < oldest)
				oldest = p->consumed[i];
		if (p->produced - oldest < RING_SLOTS)
			break;
		pthread_cond_wait(&p->cv, &p->mu);
	}
	int e = p->werr;
	pthread_mutex_unlock(&p->mu);
	return e ? write_error(e, err) : 0;
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
	struct ingest_pipe *pp = ing->pipe;
	while (len > 0) {
		/* The slot at produced % RING_SLOTS is free: hand_over waited. */
		unsigned char *slot = pp->ring + (pp->produced % RING_SLOTS) * SLOT;
		size_t n = SLOT - pp->fill;
		if (n > len)
			n = len;
		memcpy(slot + pp->fill, p, n);
		pp->fill += n;
		ing->written += n;
		p += n;
		len -= n;
		if (pp->fill == SLOT && hand_over(pp, err) != 0)
			return -1;
	}
	return 0;
}

int image_ingest_close(struct image_ingest *ing, const char *disk_format, struct api_error *err)
{
	struct ingest_pipe *p = ing->pipe;
	if (p->fill && hand_over(p, err) != 0)
		return -1;
	pipe_join(p, false);
	if (p->werr)
		return write_error(p->werr, err);
	if (fsync(ing->fd) != 0)
		return api_fail(err, API_INTERNAL, "Cannot flush image data: %s", strerror(errno));
	image_hash_final(p->hash, ing->md5, ing->sha512);
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
