/* Streaming digests: known MD5 and SHA-512 vectors, and a stream fed in
 * uneven pieces gives the digest of the whole. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "image/checksum.h"

static void digest(const void *data, size_t len, size_t piece, char md5[33], char sha[129])
{
	struct image_hash *h = image_hash_new();
	const char *p = data;
	for (size_t off = 0; off < len;) {
		size_t n = len - off < piece ? len - off : piece;
		image_hash_update(h, p + off, n);
		off += n;
	}
	image_hash_final(h, md5, sha);
	image_hash_free(h);
}

/* The two digests fed from two threads at once, as the upload pipeline
 * does. */
struct feed {
	struct image_hash *h;
	const unsigned char *data;
	size_t len, piece;
	bool md5;
};

static void *feed_one(void *arg)
{
	struct feed *f = arg;
	for (size_t off = 0; off < f->len;) {
		size_t n = f->len - off < f->piece ? f->len - off : f->piece;
		if (f->md5)
			image_hash_update_md5(f->h, f->data + off, n);
		else
			image_hash_update_sha512(f->h, f->data + off, n);
		off += n;
	}
	return NULL;
}

static void digest_threads(const unsigned char *data, size_t len, size_t piece, char md5[33],
                           char sha[129])
{
	struct image_hash *h = image_hash_new();
	struct feed a = {h, data, len, piece, true}, b = {h, data, len, piece, false};
	pthread_t t;
	CHECK(pthread_create(&t, NULL, feed_one, &a) == 0);
	feed_one(&b);
	pthread_join(t, NULL);
	image_hash_final(h, md5, sha);
	image_hash_free(h);
}

int main(void)
{
	char md5[33], sha[129];
	digest("", 0, 1, md5, sha);
	CHECK_STR(md5, "d41d8cd98f00b204e9800998ecf8427e");
	CHECK_STR(sha, "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
	               "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
	digest("abc", 3, 1, md5, sha);
	CHECK_STR(md5, "900150983cd24fb0d6963f7d28e17f72");
	CHECK_STR(sha, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	               "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");

	size_t len = 3 * 1024 * 1024 + 17;
	unsigned char *data = malloc(len);
	for (size_t i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 31 + (i >> 9));
	char md5_a[33], sha_a[129];
	digest(data, len, len, md5_a, sha_a);
	static const size_t pieces[] = {1, 7, 512, 4093, 65536, 1 << 20};
	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		if (pieces[i] == 1)
			continue; /* too slow over 3 MiB; covered by "abc" above */
		digest(data, len, pieces[i], md5, sha);
		CHECK_STR(md5, md5_a);
		CHECK_STR(sha, sha_a);
	}
	digest_threads(data, len, 65536, md5, sha);
	CHECK_STR(md5, md5_a);
	CHECK_STR(sha, sha_a);
	digest_threads(data, 1000, 7, md5, sha);
	digest(data, 1000, 1000, md5_a, sha_a);
	CHECK_STR(md5, md5_a);
	CHECK_STR(sha, sha_a);

	image_hash_free(NULL);
	free(data);
	return check_done("test_image_checksum");
}
