/* Streaming digests of image data: Glance's `checksum` (MD5) and its
 * multihash (`os_hash_algo` sha512, `os_hash_value`), both computed while
 * the bytes stream by, never over a buffered image. Hashing both on the
 * receiving thread costs more CPU than the disk takes to write, so an
 * upload can have the SHA-512 computed on a second thread that reads the
 * bytes back from the file being written (from the page cache). */
#ifndef STACKD_IMAGE_CHECKSUM_H
#define STACKD_IMAGE_CHECKSUM_H

#include <stddef.h>

#define IMAGE_HASH_ALGO "sha512"

struct image_hash; /* malloc'ed: image_hash_free releases it */

/* Both digests over the bytes given to image_hash_update. */
struct image_hash *image_hash_new(void);
/* MD5 over the bytes given to image_hash_update; SHA-512 on a thread of
 * its own over the file at path, up to as many bytes as were given to
 * image_hash_update: give bytes only once they are written to the file.
 * NULL (errno set) when the file cannot be opened or no thread started. */
struct image_hash *image_hash_new_file(const char *path);
void image_hash_update(struct image_hash *h, const void *data, size_t len);
/* Writes lowercase hex digests; the hash cannot be updated afterwards.
 * -1 when the file behind a file hash could not be read. */
int image_hash_final(struct image_hash *h, char md5_hex[33], char sha512_hex[129]);
void image_hash_free(struct image_hash *h); /* accepts NULL; stops the thread */

#endif
