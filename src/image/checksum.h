/* Streaming digests of image data: Glance's `checksum` (MD5) and its
 * multihash (`os_hash_algo` sha512, `os_hash_value`), both computed while
 * the bytes stream by, never over a buffered image. Each digest can be fed
 * on a thread of its own (the upload pipeline in ingest.c does): MD5 and
 * SHA-512 cost ~1.3-1.4 s of CPU per GiB each here, more than the disk
 * takes to write. */
#ifndef STACKD_IMAGE_CHECKSUM_H
#define STACKD_IMAGE_CHECKSUM_H

#include <stddef.h>

#define IMAGE_HASH_ALGO "sha512"

struct image_hash; /* malloc'ed: image_hash_free releases it */

struct image_hash *image_hash_new(void);
/* Both digests over the same bytes. */
void image_hash_update(struct image_hash *h, const void *data, size_t len);
/* One digest each: the two may be called from two threads at once, each
 * function from one thread only. */
void image_hash_update_md5(struct image_hash *h, const void *data, size_t len);
void image_hash_update_sha512(struct image_hash *h, const void *data, size_t len);
/* Writes lowercase hex digests; the hash cannot be updated afterwards. */
void image_hash_final(struct image_hash *h, char md5_hex[33], char sha512_hex[129]);
void image_hash_free(struct image_hash *h); /* accepts NULL */

#endif
