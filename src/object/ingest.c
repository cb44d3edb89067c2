/* The write side of a PUT's body (put.c): the body's pieces (libmicrohttpd
 * hands them over in pieces of up to its 32 KiB connection pool, 15.8 KiB
 * on average for a large upload) are gathered into writes of up to 128 KiB,
 * and the ETag's MD5, the largest CPU cost of a large upload, runs on a
 * second thread once the body passes 1 MiB, reading back what this thread
 * wrote from the page cache (as the image service does: src/image/). The
 * disk is set writing every 8 MiB (sync_file_range, which does not wait)
 * so that the commit's fsync finds little left to write. Memory stays
 * constant: the 128 KiB batch and the hash thread's 128 KiB read buffer.
 * Small bodies are hashed in the request thread: no thread is started. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "object/internal.h"

#define INGEST_BUF (128u * 1024)
#define INGEST_THREAD_AFTER (1u << 20)
#define INGEST_WRITEBACK_EVERY (8u << 20)

struct object_ingest {
	int fd;
	char *tmp;
	EVP_MD_CTX *md5; /* the hash thread's once it runs */
	char *buf;
	size_t len, cap;
	uint64_t written, writeback;
	bool threaded, joined;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t avail, done; /* the thread hashes [done, avail) of fd */
	bool closing, stop, failed;
};

static void *hash_thread(void *arg)
{
	struct object_ingest *g = arg;
	char *buf = malloc(INGEST_BUF);
	if (!buf)
		abort();
	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (g->done == g->avail && !g->closing && !g->stop)
			pthread_cond_wait(&g->cv, &g->mu);
		if (g->stop || (g->closing && g->done == g->avail))
			break;
		uint64_t target = g->avail, done = g->done;
		pthread_mutex_unlock(&g->mu);
		bool failed = false;
		while (done < target) {
			size_t want =
			    target - done < INGEST_BUF ? (size_t)(target - done) : INGEST_BUF;
			ssize_t n = pread(g->fd, buf, want, (off_t)done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				failed = true;
				break;
			}
			EVP_DigestUpdate(g->md5, buf, (size_t)n);
			done += (uint64_t)n;
		}
		pthread_mutex_lock(&g->mu);
		g->done = done;
		if (failed) {
			g->failed = true;
			break;
		}
	}
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	free(buf);
	return NULL;
}

static void join(struct object_ingest *g, bool stop)
{
	if (!g->threaded || g->joined)
		return;
	pthread_mutex_lock(&g->mu);
	g->closing = true;
	g->stop = stop;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->thread, NULL);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	g->joined = true;
}

/* Runs when the request ends, committed or not. */
static void release(void *p)
{
	struct object_ingest *g = p;
	join(g, true);
	object_store_discard(g->fd, g->tmp);
	g->fd = -1;
	EVP_MD_CTX_free(g->md5);
	g->md5 = NULL;
}

struct object_ingest *object_ingest_open(struct arena *a, const struct object_svc *svc,
                                         int64_t expect, struct api_error *err)
{
	struct object_ingest *g = arena_alloc(a, sizeof(*g));
	memset(g, 0, sizeof(*g));
	g->fd = -1;
	if (object_store_tmp(a, svc, &g->fd, &g->tmp, err) != 0)
		return NULL;
	g->md5 = EVP_MD_CTX_new();
	if (!g->md5)
		abort();
	EVP_DigestInit_ex(g->md5, EVP_md5(), NULL);
	arena_defer(a, release, g);
	/* A small body is written in one piece from a buffer of its size. */
	g->cap = expect >= 0 && expect < (int64_t)INGEST_BUF ? (size_t)expect : INGEST_BUF;
	if (g->cap)
		g->buf = arena_alloc(a, g->cap);
	return g;
}

static int write_out(struct object_ingest *g, const char *p, size_t len, struct api_error *err)
{
	for (size_t off = 0; off < len;) {
		ssize_t w = write(g->fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return api_fail(err, API_INTERNAL, "cannot write the object: %s",
			                strerror(errno));
		off += (size_t)w;
	}
	g->written += len;
	if (g->threaded) {
		pthread_mutex_lock(&g->mu);
		g->avail = g->written;
		pthread_cond_signal(&g->cv);
		pthread_mutex_unlock(&g->mu);
	} else {
		EVP_DigestUpdate(g->md5, p, len);
		if (g->written >= INGEST_THREAD_AFTER) {
			g->avail = g->done = g->written;
			pthread_mutex_init(&g->mu, NULL);
			pthread_cond_init(&g->cv, NULL);
			if (pthread_create(&g->thread, NULL, hash_thread, g) == 0) {
				g->threaded = true;
			} else {
				pthread_mutex_destroy(&g->mu);
				pthread_cond_destroy(&g->cv);
			}
		}
	}
	if (g->written - g->writeback >= INGEST_WRITEBACK_EVERY) {
		/* Only starts the writes: errors surface at the commit's fsync. */
		sync_file_range(g->fd, (off_t)g->writeback, (off_t)(g->written - g->writeback),
		                SYNC_FILE_RANGE_WRITE);
		g->writeback = g->written;
	}
	return 0;
}

int object_ingest_write(struct object_ingest *g, const char *data, size_t len,
                        struct api_error *err)
{
	while (len) {
		if (!g->len && len >= g->cap) /* nothing gathered: no copy needed */
			return write_out(g, data, len, err);
		size_t n = g->cap - g->len < len ? g->cap - g->len : len;
		memcpy(g->buf + g->len, data, n);
		g->len += n;
		data += n;
		len -= n;
		if (g->len == g->cap) {
			g->len = 0;
			if (write_out(g, g->buf, g->cap, err) != 0)
				return -1;
		}
	}
	return 0;
}

int object_ingest_finish(struct object_ingest *g, const char *extra, size_t extra_len, char hex[33],
                         struct api_error *err)
{
	size_t n = g->len;
	g->len = 0;
	if ((n && write_out(g, g->buf, n, err) != 0) ||
	    (extra_len && write_out(g, extra, extra_len, err) != 0))
		return -1;
	join(g, false);
	if (g->threaded && (g->failed || g->done != g->written))
		return api_fail(err, API_INTERNAL, "cannot read the object back to hash it");
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_DigestFinal_ex(g->md5, d, &len);
	for (unsigned i = 0; i < len && i < 16; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	return 0;
}

int object_ingest_fd(const struct object_ingest *g)
{
	return g->fd;
}

const char *object_ingest_tmp(const struct object_ingest *g)
{
	return g->tmp;
}

void object_ingest_abort(struct object_ingest *g)
{
	release(g);
}

void object_ingest_committed(struct object_ingest *g)
{
	close(g->fd);
	g->fd = -1;
}
