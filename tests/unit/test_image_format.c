/* Image header inspection: crafted qcow2, VMDK, VHD, VHDX, VDI, ISO and
 * LUKS headers, the unsafe variants (backing file, external data file,
 * descriptor naming other files, differencing disks), truncated input, and
 * the declared-format rule. */
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
	image_format_inspect(buf, len, buf + len - tail, tail, size, &in);
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
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "vhdxfile", 8);
	struct image_inspect in = inspect(IMAGE_FORMAT_HEAD, 1 << 22);
	CHECK_STR(in.format, "vhdx");
	CHECK(accepted("vhdx", &in) && !accepted("raw", &in) && !accepted("vhd", &in));

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
		image_format_inspect(buf, len, buf, len < 512 ? len : 512, len, &in);
		CHECK(in.format != NULL);
	}
}

int main(void)
{
	test_qcow2();
	test_vmdk();
	test_vhd();
	test_others();
	test_garbage();
	return check_done("test_image_format");
}
