/* MD5 and SHA-512 over a byte stream, through OpenSSL's EVP interface (its
 * assembly implementations), optionally with the SHA-512 on a helper thread
 * trailing the writer through the file (see checksum.h). */
#include "image/checksum.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define READ_CHUNK (128 * 1024) /* sized as ingest.c's writes: see there */

struct image_hash {
	EVP_MD_CTX *md5, *sha512;
	/* File mode: the thread hashes [done, avail) of fd. */
	bool threaded, finished;
	int fd;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t avail, done;
	bool closing, stop, failed;
};

static EVP_MD_CTX *digest_new(const EVP_MD *md)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || EVP_DigestInit_ex(c, md, NULL) != 1)
		abort(); /* like an allocation failure: nothing sensible to do */
	return c;
}

struct image_hash *image_hash_new(void)
{
	struct image_hash *h = calloc(1, sizeof(*h));
	if (!h)
		abort();
	h->fd = -1;
	h->md5 = digest_new(EVP_md5());
	h->sha512 = digest_new(EVP_sha512());
	return h;
}

static void *hash_thread(void *arg)
{
	struct image_hash *h = arg;
	char *buf = malloc(READ_CHUNK);
	if (!buf)
		abort();
	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (h->done == h->avail && !h->closing && !h->stop)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->stop || (h->closing && h->done == h->avail))
			break;
		uint64_t target = h->avail, done = h->done;
		pthread_mutex_unlock(&h->mu);
		bool failed = false;
		while (done < target) {
			size_t want =
			    target - done < READ_CHUNK ? (size_t)(target - done) : READ_CHUNK;
			ssize_t n = pread(h->fd, buf, want, (off_t)done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				failed = true;
				break;
			}
			EVP_DigestUpdate(h->sha512, buf, (size_t)n);
			done += (uint64_t)n;
		}
		pthread_mutex_lock(&h->mu);
		h->done = done;
		if (failed) {
			h->failed = true;
			break;
		}
	}
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	free(buf);
	return NULL;
}

struct image_hash *image_hash_new_file(const char *path)
{
	struct image_hash *h = image_hash_new();
	h->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (h->fd < 0)
		goto fail;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	if (pthread_create(&h->thread, NULL, hash_thread, h) != 0) {
		pthread_mutex_destroy(&h->mu);
		pthread_cond_destroy(&h->cv);
		goto fail;
	}
	h->threaded = true;
	return h;
fail:
	image_hash_free(h);
	return NULL;
}

void image_hash_update(struct image_hash *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->md5, data, len);
	if (!h->threaded) {
		EVP_DigestUpdate(h->sha512, data, len);
		return;
	}
	pthread_mutex_lock(&h->mu);
	h->avail += len;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* Lets the thread end (after catching up unless stop) and joins it. */
static void join(struct image_hash *h, bool stop)
{
	if (!h->threaded || h->finished)
		return;
	pthread_mutex_lock(&h->mu);
	h->closing = true;
	h->stop = stop;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	h->finished = true;
}

static void to_hex(const unsigned char *in, unsigned len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (unsigned i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int image_hash_final(struct image_hash *h, char md5_hex[33], char sha512_hex[129])
{
	join(h, false);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	EVP_DigestFinal_ex(h->md5, md, &len);
	to_hex(md, len, md5_hex);
	EVP_DigestFinal_ex(h->sha512, md, &len);
	to_hex(md, len, sha512_hex);
	return h->failed || (h->threaded && h->done != h->avail) ? -1 : 0;
}

void image_hash_free(struct image_hash *h)
{
	if (!h)
		return;
	if (h->threaded) {
		join(h, true);
		pthread_mutex_destroy(&h->mu);
		pthread_cond_destroy(&h->cv);
	}
	if (h->fd >= 0)
		close(h->fd);
	EVP_MD_CTX_free(h->md5);
	EVP_MD_CTX_free(h->sha512);
	free(h);
}
