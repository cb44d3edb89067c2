/* Taking in an image's bytes, from an HTTP upload or from a local file:
 * written to a temporary file beside their final place, hashed and
 * inspected as they pass, fsync'ed, checked against the declared format,
 * then renamed into place. Nothing is ever held in memory but the header
 * bytes the format check needs (and, for VHDX, the 64 KiB windows its
 * metadata scan captures as the stream passes them). */
#ifndef STACKD_IMAGE_INGEST_H
#define STACKD_IMAGE_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "image/format.h"

struct arena;
struct ingest_pipe;

struct image_ingest {
	int fd;
	const char *tmp_path, *dir;
	unsigned char *head; /* IMAGE_FORMAT_HEAD bytes */
	size_t head_len;
	unsigned char tail[IMAGE_FORMAT_TAIL];
	size_t tail_len;
	struct arena *arena;
	struct image_vhdx_scan *vhdx; /* begun once a full head says VHDX */
	uint64_t written;             /* bytes taken in (some may still be on their way) */
	int64_t limit;                /* bytes allowed in all (quota left); < 0: unlimited */
	/* The bytes go through a ring of slots to three threads: the file's
	 * writer, MD5 and SHA-512 (see ingest.c). */
	struct ingest_pipe *pipe;
	bool placed;
	/* Results of image_ingest_close. */
	struct image_inspect inspect;
	char md5[33], sha512[129];
};

/* Opens a temporary file in dir and starts the pipeline's threads. The
 * arena owns the descriptor, the threads and the ring: they are stopped
 * and released with it. */
int image_ingest_open(struct arena *a, const char *dir, const char *id, int64_t limit,
                      struct image_ingest *ing, struct api_error *err);
/* 413 past the limit or when the disk is full (a write error of the
 * writer thread shows at a later call or at close). */
int image_ingest_write(struct image_ingest *ing, const void *data, size_t len,
                       struct api_error *err);
/* Writes what is buffered, flushes the data to disk, finishes the
 * digests and checks the bytes against disk_format (400 on mismatch or
 * unsafe content; 413 when the disk is full). */
int image_ingest_close(struct image_ingest *ing, const char *disk_format, struct api_error *err);
/* Renames the temporary file to path and makes the rename durable. */
int image_ingest_place(struct image_ingest *ing, const char *path, struct api_error *err);
/* Removes the temporary file unless it was placed. Safe to call twice. */
void image_ingest_discard(struct image_ingest *ing);

/* fsync of a directory, after a rename or unlink in it. */
void image_sync_dir(const char *dir);

#endif
