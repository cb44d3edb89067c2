/* Streaming digests of image data: Glance's `checksum` (MD5) and its
 * multihash (`os_hash_algo` sha512, `os_hash_value`), both computed while
 * the bytes stream by, never over a buffered image. */
#ifndef STACKD_IMAGE_CHECKSUM_H
#define STACKD_IMAGE_CHECKSUM_H

#include <stddef.h>

#define IMAGE_HASH_ALGO "sha512"

struct image_hash; /* malloc'ed: image_hash_free releases it */

struct image_hash *image_hash_new(void);
void image_hash_update(struct image_hash *h, const void *data, size_t len);
/* Writes lowercase hex digests; the hash cannot be updated afterwards. */
void image_hash_final(struct image_hash *h, char md5_hex[33], char sha512_hex[129]);
void image_hash_free(struct image_hash *h); /* accepts NULL */

#endif
