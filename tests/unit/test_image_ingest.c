/* The write path of image data: bytes fed in pieces of every size (single
 * bytes, HTTP-sized pieces, pieces larger than the write buffer, with and
 * without bytes already buffered) land in the file in order, with the
 * digests of the whole, across several writeback steps; the quota limit
 * refuses the piece that crosses it. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/arena.h"
#include "image/checksum.h"
#include "image/ingest.h"

#define TOTAL ((20u << 20) + 12345)

static void ingest_in_pieces(const char *dir, const unsigned char *data, const size_t *pieces,
                             size_t npieces)
{
	struct arena *a = arena_new();
	struct image_ingest ing;
	struct api_error err = {0};
	CHECK(image_ingest_open(a, dir, "img", -1, &ing, &err) == 0);
	size_t off = 0;
	for (size_t i = 0; off < TOTAL; i++) {
		size_t n = pieces[i % npieces];
		if (n > TOTAL - off)
			n = TOTAL - off;
		CHECK(image_ingest_write(&ing, data + off, n, &err) == 0);
		off += n;
	}
	CHECK(ing.written == TOTAL);
	CHECK(image_ingest_close(&ing, "raw", &err) == 0);
	char path[512];
	snprintf(path, sizeof(path), "%s/placed", dir);
	CHECK(image_ingest_place(&ing, path, &err) == 0);

	char md5[33], sha[129];
	struct image_hash *h = image_hash_new();
	image_hash_update(h, data, TOTAL);
	CHECK(image_hash_final(h, md5, sha) == 0);
	image_hash_free(h);
	CHECK_STR(ing.md5, md5);
	CHECK_STR(ing.sha512, sha);

	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	unsigned char *back = malloc(TOTAL + 1);
	CHECK(back != NULL);
	size_t got = 0;
	ssize_t n;
	while (back && (n = read(fd, back + got, TOTAL + 1 - got)) > 0)
		got += (size_t)n;
	CHECK(got == TOTAL);
	CHECK(back && !memcmp(back, data, TOTAL));
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

int main(void)
{
	char dir[] = "/tmp/test_image_ingest.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	unsigned char *data = malloc(TOTAL);
	CHECK(data != NULL);
	if (!data)
		return check_done("test_image_ingest");
	srand(3);
	for (size_t i = 0; i < TOTAL; i++)
		data[i] = (unsigned char)rand();

	static const size_t http[] = {16384, 15915, 7, 16384};
	static const size_t big[] = {3u << 20, 1, (1u << 20) - 1, 1u << 20, 5u << 20};
	static const size_t tiny[] = {1, 2, 3, 4093};
	ingest_in_pieces(dir, data, http, 4);
	ingest_in_pieces(dir, data, big, 5);
	ingest_in_pieces(dir, data, tiny, 4);
	test_quota(dir);

	free(data);
	CHECK(rmdir(dir) == 0); /* nothing left behind */
	return check_done("test_image_ingest");
}
