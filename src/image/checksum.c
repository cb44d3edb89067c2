/* MD5 and SHA-512 over a byte stream, through OpenSSL's EVP interface (its
 * assembly implementations): one context per digest, so that each can be
 * fed from a thread of its own (see checksum.h). */
#include "image/checksum.h"

#include <openssl/evp.h>
#include <stdlib.h>

struct image_hash {
	EVP_MD_CTX *md5, *sha512;
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
	h->md5 = digest_new(EVP_md5());
	h->sha512 = digest_new(EVP_sha512());
	return h;
}

void image_hash_update_md5(struct image_hash *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->md5, data, len);
}

void image_hash_update_sha512(struct image_hash *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->sha512, data, len);
}

void image_hash_update(struct image_hash *h, const void *data, size_t len)
{
	image_hash_update_md5(h, data, len);
	image_hash_update_sha512(h, data, len);
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

void image_hash_final(struct image_hash *h, char md5_hex[33], char sha512_hex[129])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	EVP_DigestFinal_ex(h->md5, md, &len);
	to_hex(md, len, md5_hex);
	EVP_DigestFinal_ex(h->sha512, md, &len);
	to_hex(md, len, sha512_hex);
}

void image_hash_free(struct image_hash *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->md5);
	EVP_MD_CTX_free(h->sha512);
	free(h);
}
