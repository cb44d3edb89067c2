/* The write path of image data: bytes fed in pieces of every size (single
 * bytes, HTTP-sized pieces, pieces larger than a ring slot, with and
 * without bytes already in the slot) land in the file in order, with the
 * digests of the whole, for totals around the slot and O_DIRECT alignment
 * (empty, under one block, one byte past a slot, many slots and an odd
 * tail), with O_DIRECT (a disk file system) and without (tmpfs, where it
 * is refused); the quota limit refuses the piece that crosses it; an
 * ingest abandoned midway (client gone) leaves no file. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/arena.h"
#include "image/checksum.h"
#include "image/ingest.h"

#define TOTAL ((20u << 20) + 12345)

static void ingest_in_pieces(const char *dir, const unsigned char *data, size_t total,
                             const size_t *pieces, size_t npieces)
{
	struct arena *a = arena_new();
	struct image_ingest ing;
	struct api_error err = {0};
	CHECK(image_ingest_open(a, dir, "img", -1, &ing, &err) == 0);
	size_t off = 0;
	for (size_t i = 0; off < total; i++) {
		size_t n = pieces[i % npieces];
		if (n > total - off)
			n = total - off;
		CHECK(image_ingest_write(&ing, data + off, n, &err) == 0);
		off += n;
	}
	CHECK(ing.written == total);
	CHECK(image_ingest_close(&ing, "raw", &err) == 0);
	char path[512];
	snprintf(path, sizeof(path), "%s/placed", dir);
	CHECK(image_ingest_place(&ing, path, &err) == 0);

	char md5[33], sha[129];
	struct image_hash *h = image_hash_new();
	image_hash_update(h, data, total);
	image_hash_final(h, md5, sha);
	image_hash_free(h);
	CHECK_STR(ing.md5, md5);
	CHECK_STR(ing.sha512, sha);

	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	unsigned char *back = malloc(total + 1);
	CHECK(back != NULL);
	size_t got = 0;
	ssize_t n;
	while (back && (n = read(fd, back + got, total + 1 - got)) > 0)
		got += (size_t)n;
	CHECK(got == total);
	CHECK(back && !memcmp(back, data, total));
	free(back);
	close(fd);
	unlink(path);
	arena_free(a);
}

static void test_quota(const char *dir)
{
	struct arena *a = arena_new();
	struct image_ingest ing;
	struct api_error err = {0};
	static unsigned char piece[3000];
	CHECK(image_ingest_open(a, dir, "quota", 10000, &ing, &err) == 0);
	CHECK(image_ingest_write(&ing, piece, sizeof(piece), &err) == 0);
	CHECK(image_ingest_write(&ing, piece, sizeof(piece), &err) == 0);
	CHECK(image_ingest_write(&ing, piece, sizeof(piece), &err) == 0);
	CHECK(image_ingest_write(&ing, piece, sizeof(piece), &err) == -1);
	CHECK(err.kind == API_TOO_LARGE);
	image_ingest_discard(&ing);
	arena_free(a);
}

/* Abandoned after a few slots, as when the client goes away: release
 * stops the threads and discard leaves nothing behind. */
static void test_abandon(const char *dir, const unsigned char *data)
{
	struct arena *a = arena_new();
	struct image_ingest ing;
	struct api_error err = {0};
	CHECK(image_ingest_open(a, dir, "gone", -1, &ing, &err) == 0);
	for (size_t off = 0; off < (6u << 20); off += 16384)
		CHECK(image_ingest_write(&ing, data + off, 16384, &err) == 0);
	image_ingest_discard(&ing);
	arena_free(a);
}

static void run_all(const char *dir, const unsigned char *data)
{
	static const size_t http[] = {16384, 15915, 7, 16384};
	static const size_t big[] = {3u << 20, 1, (1u << 20) - 1, 1u << 20, 5u << 20};
	static const size_t tiny[] = {1, 2, 3, 4093};
	ingest_in_pieces(dir, data, TOTAL, http, 4);
	ingest_in_pieces(dir, data, TOTAL, big, 5);
	ingest_in_pieces(dir, data, TOTAL, tiny, 4);
	static const size_t totals[] = {
	    0, 1, 4095, 4096, 4097, (1u << 20), (1u << 20) + 1, (4u << 20), (5u << 20) - 4096};
	for (size_t i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
		ingest_in_pieces(dir, data, totals[i], http, 4);
		ingest_in_pieces(dir, data, totals[i], big, 5);
	}
	test_quota(dir);
	test_abandon(dir, data);
}

int main(void)
{
	/* /var/tmp is a disk file system here (O_DIRECT); /dev/shm is tmpfs,
	 * which refuses O_DIRECT at open: the page-cache path. */
	char dir[] = "/var/tmp/test_image_ingest.XXXXXX";
	char shm[] = "/dev/shm/test_image_ingest.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	unsigned char *data = malloc(TOTAL);
	CHECK(data != NULL);
	if (!data)
		return check_done("test_image_ingest");
	srand(3);
	for (size_t i = 0; i < TOTAL; i++)
		data[i] = (unsigned char)rand();

	run_all(dir, data);
	CHECK(rmdir(dir) == 0); /* nothing left behind */
	if (mkdtemp(shm) != NULL) {
		run_all(shm, data);
		CHECK(rmdir(shm) == 0);
	}
	free(data);
	return check_done("test_image_ingest");
}
