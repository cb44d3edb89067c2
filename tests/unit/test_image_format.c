/* Image header inspection: crafted qcow2, VMDK, VHD, VHDX, VDI, ISO and
 * LUKS headers, the unsafe variants (backing file, external data file,
 * descriptor naming other files, differencing disks), truncated input, the
 * VHDX metadata scan fed as an upload feeds it, and the declared-format
 * rule. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "image/format.h"

static unsigned char buf[IMAGE_FORMAT_HEAD];

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static void put_be64(unsigned char *p, uint64_t v)
{
	put_be32(p, v >> 32), put_be32(p + 4, (uint32_t)v);
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v, p[1] = v >> 8, p[2] = v >> 16, p[3] = v >> 24;
}

static void put_le64(unsigned char *p, uint64_t v)
{
	put_le32(p, (uint32_t)v), put_le32(p + 4, v >> 32);
}

static struct image_inspect inspect(size_t len, uint64_t size)
{
	struct image_inspect in;
	size_t tail = size < IMAGE_FORMAT_TAIL ? size : IMAGE_FORMAT_TAIL;
	image_format_inspect(buf, len, buf + len - tail, tail, size, NULL, &in);
	return in;
}

static bool accepted(const char *declared, const struct image_inspect *in)
{
	struct api_error err = {0};
	return image_format_check(declared, in, &err) == 0;
}

static void qcow2(uint32_t version, uint64_t backing, uint64_t incompatible)
{
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "QFI\xfb", 4);
	put_be32(buf + 4, version);
	put_be64(buf + 8, backing);
	put_be32(buf + 16, backing ? 10 : 0);
	put_be32(buf + 20, 16);
	put_be64(buf + 24, 1ull << 30);
	put_be64(buf + 72, incompatible);
	put_be32(buf + 100, 112);
}

static void test_qcow2(void)
{
	qcow2(3, 0, 0);
	struct image_inspect in = inspect(4096, 4096);
	CHECK_STR(in.format, "qcow2");
	CHECK(in.virtual_size == 1 << 30);
	CHECK(in.unsafe == NULL);
	CHECK(accepted("qcow2", &in));
	CHECK(!accepted("raw", &in)); /* a qcow2 must never pass as raw */
	CHECK(!accepted("vmdk", &in));

	qcow2(2, 0, 0);
	in = inspect(4096, 4096);
	CHECK(in.unsafe == NULL && accepted("qcow2", &in));

	qcow2(3, 512, 0);
	in = inspect(4096, 4096);
	CHECK(in.unsafe && strstr(in.unsafe, "backing"));
	CHECK(!accepted("qcow2", &in));

	qcow2(3, 0, 1 << 2);
	in = inspect(4096, 4096);
	CHECK(in.unsafe && strstr(in.unsafe, "external data"));

	/* The data-file header extension alone is refused too. */
	qcow2(3, 0, 0);
	put_be32(buf + 112, 0x44415441);
	put_be32(buf + 116, 8);
	memcpy(buf + 120, "/etc/pwd", 8);
	in = inspect(4096, 4096);
	CHECK(in.unsafe && strstr(in.unsafe, "external data"));

	qcow2(4, 0, 0);
	in = inspect(4096, 4096);
	CHECK(in.unsafe != NULL);

	qcow2(3, 0, 0);
	in = inspect(40, 40); /* truncated */
	CHECK(in.unsafe != NULL);
}

static void vmdk(const char *create_type, const char *extents)
{
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "KDMV", 4);
	put_le32(buf + 4, 1);
	put_le64(buf + 12, 2048); /* sectors */
	put_le64(buf + 20, 128);
	put_le64(buf + 28, 1);  /* descriptor at sector 1 */
	put_le64(buf + 36, 20); /* 20 sectors */
	char desc[2048];
	snprintf(desc, sizeof(desc),
	         "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\n"
	         "createType=\"%s\"\n\n# Extent description\n%s\n",
	         create_type, extents);
	memcpy(buf + 512, desc, strlen(desc));
}

static void test_vmdk(void)
{
	vmdk("monolithicSparse", "RW 2048 SPARSE \"disk.vmdk\"");
	struct image_inspect in = inspect(65536, 65536);
	CHECK_STR(in.format, "vmdk");
	CHECK(in.virtual_size == 2048 * 512);
	CHECK(in.unsafe == NULL);
	CHECK(accepted("vmdk", &in));
	CHECK(!accepted("qcow2", &in));

	vmdk("streamOptimized", "RW 2048 SPARSE \"disk.vmdk\"");
	in = inspect(65536, 65536);
	CHECK(in.unsafe == NULL);

	vmdk("monolithicFlat", "RW 2048 FLAT \"/etc/shadow\" 0");
	in = inspect(65536, 65536);
	CHECK(in.unsafe != NULL && !accepted("vmdk", &in));

	vmdk("monolithicSparse", "RW 2048 SPARSE \"disk.vmdk\"\nRW 2048 FLAT \"/etc/passwd\" 0");
	in = inspect(65536, 65536);
	CHECK(in.unsafe != NULL);

	vmdk("twoGbMaxExtentSparse", "RW 2048 SPARSE \"disk-s001.vmdk\"");
	in = inspect(65536, 65536);
	CHECK(in.unsafe != NULL);

	/* A descriptor beyond the inspected head. */
	vmdk("monolithicSparse", "RW 2048 SPARSE \"disk.vmdk\"");
	put_le64(buf + 28, 100000);
	in = inspect(65536, 65536);
	CHECK(in.unsafe != NULL);

	/* A bare descriptor file always names other files. */
	memset(buf, 0, sizeof(buf));
	const char *d = "# Disk DescriptorFile\ncreateType=\"monolithicFlat\"\n"
	                "RW 2048 FLAT \"/dev/sda\" 0\n";
	memcpy(buf, d, strlen(d));
	in = inspect(strlen(d), strlen(d));
	CHECK_STR(in.format, "vmdk");
	CHECK(in.unsafe != NULL && !accepted("vmdk", &in) && !accepted("raw", &in));
}

static void vhd_footer(unsigned char *f, uint32_t type)
{
	memset(f, 0, 512);
	memcpy(f, "conectix", 8);
	put_be64(f + 40, 1 << 20);
	put_be64(f + 48, 1 << 20);
	put_be32(f + 60, type);
}

static void test_vhd(void)
{
	/* Fixed: footer only at the end. */
	memset(buf, 0, sizeof(buf));
	vhd_footer(buf + 4096 - 512, 2);
	struct image_inspect in = inspect(4096, 4096);
	CHECK_STR(in.format, "vhd");
	CHECK(in.virtual_size == 1 << 20);
	CHECK(accepted("vhd", &in) && !accepted("raw", &in));

	/* Dynamic: a copy of the footer first. */
	memset(buf, 0, sizeof(buf));
	vhd_footer(buf, 3);
	in = inspect(4096, 4096);
	CHECK_STR(in.format, "vhd");
	CHECK(in.unsafe == NULL);

	/* Differencing: has a parent file. */
	memset(buf, 0, sizeof(buf));
	vhd_footer(buf, 4);
	in = inspect(4096, 4096);
	CHECK(in.unsafe != NULL && !accepted("vhd", &in));
}

static void test_others(void)
{
	/* A VHDX head without its scan (test_vhdx has the real thing). */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "vhdxfile", 8);
	struct image_inspect in = inspect(IMAGE_FORMAT_HEAD, 1 << 22);
	CHECK_STR(in.format, "vhdx");
	CHECK(!accepted("vhdx", &in) && !accepted("raw", &in) && !accepted("vhd", &in));

	memset(buf, 0, sizeof(buf));
	put_le32(buf + 0x40, 0xbeda107f);
	put_le32(buf + 0x4c, 1);
	put_le64(buf + 0x170, 1 << 25);
	in = inspect(4096, 4096);
	CHECK_STR(in.format, "vdi");
	CHECK(in.virtual_size == 1 << 25);
	CHECK(accepted("vdi", &in));
	put_le32(buf + 0x4c, 4); /* differencing */
	in = inspect(4096, 4096);
	CHECK(in.unsafe != NULL);

	memset(buf, 0, sizeof(buf));
	memcpy(buf + 0x8001, "CD001", 5);
	in = inspect(0x9000, 0x9000);
	CHECK_STR(in.format, "iso");
	CHECK(in.virtual_size == 0x9000);
	CHECK(accepted("iso", &in) && accepted("raw", &in) && !accepted("qcow2", &in));

	memset(buf, 0, sizeof(buf));
	memcpy(buf, "LUKS\xba\xbe", 6);
	in = inspect(4096, 4096);
	CHECK_STR(in.format, "luks");
	CHECK(!accepted("raw", &in) && !accepted("qcow2", &in));

	/* Plain bytes are raw; raw, ami, ploop accept them; iso does not. */
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	in = inspect(sizeof(buf), 10 << 20);
	CHECK_STR(in.format, "raw");
	CHECK(in.virtual_size == 10 << 20);
	CHECK(accepted("raw", &in) && accepted("ami", &in) && accepted("ploop", &in));
	CHECK(!accepted("iso", &in) && !accepted("qcow2", &in) && !accepted(NULL, &in));

	/* Empty data. */
	in = inspect(0, 0);
	CHECK_STR(in.format, "raw");
	CHECK(accepted("raw", &in) && !accepted("qcow2", &in));

	CHECK(image_disk_format_valid("qcow2") && image_disk_format_valid("ploop"));
	CHECK(!image_disk_format_valid("qcow3") && !image_disk_format_valid(NULL));
	CHECK(image_container_format_valid("bare") && image_container_format_valid("compressed"));
	CHECK(!image_container_format_valid("zip"));
}

/* ---- VHDX: a file built in memory, scanned as the upload path does. ---- */

#define VHDX_LEN (4u << 20)
#define VHDX_META_AT (3u << 20)
static unsigned char *vhdx;

static const unsigned char guid_meta[16] = {0x06, 0xa2, 0x7c, 0x8b, 0x90, 0x47, 0x9a, 0x4b,
                                            0xb8, 0xfe, 0x57, 0x5f, 0x05, 0x0f, 0x88, 0x6e};
static const unsigned char guid_bat[16] = {0x66, 0x77, 0xc2, 0x2d, 0x23, 0xf6, 0x00, 0x42,
                                           0x9d, 0x64, 0x11, 0x5e, 0x9b, 0xfd, 0x4a, 0x08};
static const unsigned char guid_size[16] = {0x24, 0x42, 0xa5, 0x2f, 0x1b, 0xcd, 0x76, 0x48,
                                            0xb2, 0x11, 0x5d, 0xbe, 0xd8, 0x3b, 0xf4, 0xb8};
static const unsigned char guid_parent[16] = {0x2d, 0x5f, 0xd3, 0xa8, 0x0b, 0xb3, 0x4d, 0x45,
                                              0xab, 0xf7, 0xd3, 0xd8, 0x48, 0x34, 0xab, 0x0c};

/* CRC-32C, table-driven (an implementation apart from the one tested). */
static uint32_t crc32c(const unsigned char *p, size_t n)
{
	static uint32_t table[256];
	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
			table[i] = c;
		}
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++)
		c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return ~c;
}

static void vhdx_seal_region_table(unsigned char *t)
{
	put_le32(t + 4, 0);
	put_le32(t + 4, crc32c(t, 64 * 1024));
}

static void vhdx_region_entry(unsigned char *t, int i, const unsigned char *guid, uint64_t at,
                              uint32_t len, uint32_t required)
{
	unsigned char *e = t + 16 + 32 * i;
	memcpy(e, guid, 16);
	put_le64(e + 16, at);
	put_le32(e + 24, len);
	put_le32(e + 28, required);
}

static void vhdx_meta_entry(int i, const unsigned char *guid, uint32_t off, uint32_t len)
{
	unsigned char *m = vhdx + VHDX_META_AT;
	unsigned char *e = m + 32 + 32 * i;
	memcpy(e, guid, 16);
	put_le32(e + 16, off);
	put_le32(e + 20, len);
	put_le32(e + 24, 6);
	m[10] = (unsigned char)(i + 1);
}

/* The layout qemu-img writes: region tables at 192 and 256 KiB, BAT at
 * 2 MiB, metadata at 3 MiB with its items from 64 KiB into it. */
static void vhdx_build(uint64_t virtual_size)
{
	memset(vhdx, 0, VHDX_LEN);
	memcpy(vhdx, "vhdxfile", 8);
	for (int copy = 0; copy < 2; copy++) {
		unsigned char *t = vhdx + (192 + 64 * copy) * 1024;
		memcpy(t, "regi", 4);
		put_le32(t + 8, 2);
		vhdx_region_entry(t, 0, guid_bat, 2u << 20, 1u << 20, 1);
		vhdx_region_entry(t, 1, guid_meta, VHDX_META_AT, 1u << 20, 1);
		vhdx_seal_region_table(t);
	}
	memcpy(vhdx + VHDX_META_AT, "metadata", 8);
	vhdx_meta_entry(0, guid_size, 0x10008, 8);
	put_le64(vhdx + VHDX_META_AT + 0x10008, virtual_size);
}

/* Feeds the first len bytes in pieces of chunk, as ingest.c does: the scan
 * begins once the head is full and sees every piece from then on. */
static struct image_inspect vhdx_scan(size_t len, size_t chunk)
{
	static struct image_vhdx_scan scan;
	bool begun = false;
	for (size_t off = 0; off < len;) {
		size_t n = len - off < chunk ? len - off : chunk;
		if (!begun && off + n >= IMAGE_FORMAT_HEAD) {
			image_vhdx_scan_begin(&scan, vhdx, IMAGE_FORMAT_HEAD);
			begun = true;
		}
		if (begun)
			image_vhdx_scan_feed(&scan, off, vhdx + off, n);
		off += n;
	}
	struct image_inspect in;
	size_t head = len < IMAGE_FORMAT_HEAD ? len : IMAGE_FORMAT_HEAD;
	size_t tail = len < IMAGE_FORMAT_TAIL ? len : IMAGE_FORMAT_TAIL;
	image_format_inspect(vhdx, head, vhdx + len - tail, tail, len, begun ? &scan : NULL, &in);
	return in;
}

static bool refused_for(const struct image_inspect *in, const char *why)
{
	return in->unsafe && strstr(in->unsafe, why) && !accepted("vhdx", in) &&
	       !accepted("raw", in);
}

static void test_vhdx(void)
{
	vhdx = malloc(VHDX_LEN);
	CHECK(vhdx != NULL);
	if (!vhdx)
		return;
	static const size_t chunks[] = {1, 4093, 65536, 1u << 20, VHDX_LEN};
	vhdx_build(64ull << 30);
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		if (chunks[i] == 1)
			continue; /* byte by byte below, on a shorter scan */
		struct image_inspect in = vhdx_scan(VHDX_LEN, chunks[i]);
		CHECK_STR(in.format, "vhdx");
		CHECK(in.virtual_size == 64ll << 30);
		CHECK(in.unsafe == NULL);
		CHECK(accepted("vhdx", &in) && !accepted("raw", &in) && !accepted("vhd", &in));
	}
	/* Up to the size item, one byte at a time, is enough. */
	struct image_inspect in = vhdx_scan(VHDX_META_AT + 0x10010, 1);
	CHECK(in.virtual_size == 64ll << 30 && in.unsafe == NULL);
	in = vhdx_scan(VHDX_META_AT + 0x1000f, 65536);
	CHECK(refused_for(&in, "ends before its metadata"));

	/* A torn first region table: the copy at 256 KiB serves. */
	vhdx[192 * 1024 + 40] ^= 1;
	in = vhdx_scan(VHDX_LEN, 65536);
	CHECK(in.virtual_size == 64ll << 30 && in.unsafe == NULL);
	vhdx[256 * 1024 + 40] ^= 1;
	in = vhdx_scan(VHDX_LEN, 65536);
	CHECK(refused_for(&in, "region tables are damaged"));

	/* Truncated: within the head, before the second table, before the
	 * metadata region. */
	vhdx_build(1 << 30);
	in = vhdx_scan(100 * 1024, 4096);
	CHECK(refused_for(&in, "ends within its headers"));
	CHECK(in.virtual_size == -1);
	vhdx[192 * 1024 + 40] ^= 1;
	in = vhdx_scan(300 * 1024, 4096);
	CHECK(refused_for(&in, "ends before its metadata"));
	vhdx_build(1 << 30);
	in = vhdx_scan(2u << 20, 65536);
	CHECK(refused_for(&in, "ends before its metadata"));

	/* A differencing disk names its parent. */
	vhdx_build(1 << 30);
	vhdx_meta_entry(1, guid_parent, 0x10010, 64);
	in = vhdx_scan(VHDX_LEN, 65536);
	CHECK(refused_for(&in, "differencing"));

	/* Items inside the table, lengths other than 8, past the region. */
	vhdx_build(1 << 30);
	vhdx_meta_entry(0, guid_size, 0x100, 8);
	in = vhdx_scan(VHDX_LEN, 65536);
	CHECK(refused_for(&in, "misplaced"));
	vhdx_meta_entry(0, guid_size, 0x10008, 4);
	in = vhdx_scan(VHDX_LEN, 65536);
	CHECK(refused_for(&in, "misplaced"));
	vhdx_meta_entry(0, guid_size, (1u << 20) - 4, 8);
	in = vhdx_scan(VHDX_LEN, 65536);
	CHECK(refused_for(&in, "misplaced"));
	vhdx_meta_entry(0, guid_bat, 0x10008, 8); /* no size item at all */
	in = vhdx_scan(VHDX_LEN, 65536);
	CHECK(refused_for(&in, "no virtual disk size"));

	/* Sizes out of range; a damaged metadata table. */
	vhdx_build(0);
	in = vhdx_scan(VHDX_LEN, 65536);
	CHECK(refused_for(&in, "out of range"));
	vhdx_build(UINT64_MAX);
	in = vhdx_scan(VHDX_LEN, 65536);
	CHECK(refused_for(&in, "out of range"));
	vhdx_build(1 << 30);
	vhdx[VHDX_META_AT] = 'M';
	in = vhdx_scan(VHDX_LEN, 65536);
	CHECK(refused_for(&in, "metadata table is damaged"));

	/* Region tables: metadata region misplaced, unknown required region,
	 * none for metadata, too many entries (even with a good checksum). */
	unsigned char *t1 = vhdx + 192 * 1024, *t2 = vhdx + 256 * 1024;
	static const struct {
		uint64_t at;
		const char *why;
	} places[] = {{0, "misplaced"}, {(1u << 20) + 512, "misplaced"}, {128 * 1024, "misplaced"}};
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		vhdx_build(1 << 30);
		vhdx_region_entry(t1, 1, guid_meta, places[i].at, 1u << 20, 1);
		vhdx_seal_region_table(t1);
		in = vhdx_scan(VHDX_LEN, 65536);
		CHECK(refused_for(&in, places[i].why));
	}
	vhdx_build(1 << 30);
	vhdx_region_entry(t1, 1, guid_parent, VHDX_META_AT, 1u << 20, 1);
	vhdx_seal_region_table(t1);
	in = vhdx_scan(VHDX_LEN, 65536);
	CHECK(refused_for(&in, "required region"));
	vhdx_region_entry(t1, 1, guid_parent, VHDX_META_AT, 1u << 20, 0);
	vhdx_seal_region_table(t1);
	in = vhdx_scan(VHDX_LEN, 65536);
	CHECK(refused_for(&in, "no metadata region"));
	vhdx_build(1 << 30);
	put_le32(t1 + 8, 5000);
	vhdx_seal_region_table(t1);
	put_le32(t2 + 8, 5000);
	vhdx_seal_region_table(t2);
	in = vhdx_scan(VHDX_LEN, 65536);
	CHECK(refused_for(&in, "region tables are damaged"));

	/* Garbage behind the signature, and random metadata behind valid
	 * region tables: refused, never a crash (ASan/UBSan builds). */
	srand(7);
	for (int round = 0; round < 40; round++) {
		vhdx_build(1 << 30);
		size_t from = round % 2 ? 8 : VHDX_META_AT;
		for (size_t i = from; i < VHDX_LEN; i++)
			vhdx[i] = (unsigned char)rand();
		if (round % 4 == 0) {
			memcpy(vhdx + VHDX_META_AT, "metadata", 8);
			vhdx[VHDX_META_AT + 10] = (unsigned char)rand();
			vhdx[VHDX_META_AT + 11] = (unsigned char)(rand() % 8);
		}
		in = vhdx_scan(VHDX_LEN, (size_t)(rand() % 200000) + 1);
		CHECK_STR(in.format, "vhdx");
		CHECK(in.unsafe != NULL || in.virtual_size > 0);
	}
	free(vhdx);
	vhdx = NULL;
}

/* Random bytes must never crash the inspector, with any magic in front. */
static void test_garbage(void)
{
	static const char *const magics[] = {"QFI\xfb", "KDMV", "vhdxfile", "conectix", ""};
	srand(42);
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)rand() % 2048;
		for (size_t i = 0; i < len; i++)
			buf[i] = (unsigned char)rand();
		const char *m = magics[round % 5];
		if (len >= strlen(m))
			memcpy(buf, m, strlen(m));
		struct image_inspect in;
		image_format_inspect(buf, len, buf, len < 512 ? len : 512, len, NULL, &in);
		CHECK(in.format != NULL);
	}
}

int main(void)
{
	test_qcow2();
	test_vmdk();
	test_vhd();
	test_others();
	test_vhdx();
	test_garbage();
	return check_done("test_image_format");
}
