/* Header parsing of qcow2, VMDK (sparse and descriptor), VHD, VHDX (with
 * its streaming scan of the metadata region), VDI, ISO 9660 and LUKS, and
 * the rule deciding whether an upload matches its declared disk_format.
 * Every offset read is checked against the bytes at hand: the input is
 * whatever a client sent. */
#include "image/format.h"

#include <assert.h>
#include <string.h>
#include <strings.h>

static const char *const disk_formats[] = {"ami", "ari",   "aki", "vhd",   "vhdx", "vmdk",
                                           "raw", "qcow2", "vdi", "ploop", "iso",  NULL};
static const char *const container_formats[] = {"ami", "ari",    "aki",        "bare", "ovf",
                                                "ova", "docker", "compressed", NULL};

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; s && list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

bool image_disk_format_valid(const char *s)
{
	return in_list(disk_formats, s);
}

bool image_container_format_valid(const char *s)
{
	return in_list(container_formats, s);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p + 4) << 32 | le32(p);
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[1] << 8 | p[0]);
}

static int64_t clamp_size(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? -1 : (int64_t)v;
}

/* qcow2: big-endian header; version 3 adds feature bits at 72. */
static void inspect_qcow2(const unsigned char *h, size_t n, struct image_inspect *out)
{
	out->format = "qcow2";
	if (n < 72) {
		out->unsafe = "the qcow2 header is truncated";
		return;
	}
	uint32_t version = be32(h + 4);
	if (version != 2 && version != 3) {
		out->unsafe = "the qcow2 version is not 2 or 3";
		return;
	}
	out->virtual_size = clamp_size(be64(h + 24));
	if (be64(h + 8) != 0 || be32(h + 16) != 0) {
		out->unsafe = "the qcow2 image has a backing file";
		return;
	}
	if (version == 3) {
		if (n < 104) {
			out->unsafe = "the qcow2 header is truncated";
			return;
		}
		uint64_t incompatible = be64(h + 72);
		if (incompatible & (1u << 2)) {
			out->unsafe = "the qcow2 image has an external data file";
			return;
		}
		uint32_t header_len = be32(h + 100);
		/* Header extensions follow the header; "data file name"
		 * (0x44415441) names an external file even without the bit. */
		size_t off = header_len;
		while (off + 8 <= n) {
			uint32_t type = be32(h + off), len = be32(h + off + 4);
			if (type == 0)
				break;
			if (type == 0x44415441) {
				out->unsafe = "the qcow2 image names an external data file";
				return;
			}
			off += 8 + (((size_t)len + 7) & ~(size_t)7);
		}
	}
}

/* Finds `key="value"` in a VMDK descriptor line set; copies the value. */
static bool vmdk_field(const char *desc, size_t len, const char *key, char *buf, size_t buflen)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i + klen < len; i++) {
		if ((i == 0 || desc[i - 1] == '\n') && !strncmp(desc + i, key, klen)) {
			size_t j = i + klen;
			while (j < len && (desc[j] == ' ' || desc[j] == '='))
				j++;
			if (j < len && desc[j] == '"')
				j++;
			size_t k = 0;
			while (j < len && desc[j] != '"' && desc[j] != '\n' && k + 1 < buflen)
				buf[k++] = desc[j++];
			buf[k] = '\0';
			return true;
		}
	}
	return false;
}

/* Counts the extent lines ("RW 2048 SPARSE \"file\"") of a descriptor and
 * remembers the type of the last one. */
static int vmdk_extents(const char *desc, size_t len, char *type, size_t typelen)
{
	int count = 0;
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && desc[end] != '\n')
			end++;
		const char *line = desc + i;
		size_t llen = end - i;
		if ((llen > 3 && !strncmp(line, "RW ", 3)) ||
		    (llen > 7 && !strncmp(line, "RDONLY ", 7)) ||
		    (llen > 9 && !strncmp(line, "NOACCESS ", 9))) {
			count++;
			/* access, sectors, then the type word */
			size_t p = 0, word = 0;
			while (p < llen && word < 2) {
				while (p < llen && line[p] != ' ')
					p++;
				while (p < llen && line[p] == ' ')
					p++;
				word++;
			}
			size_t k = 0;
			while (p < llen && line[p] != ' ' && k + 1 < typelen)
				type[k++] = line[p++];
			type[k] = '\0';
		}
		i = end + 1;
	}
	return count;
}

static void vmdk_check_descriptor(const char *desc, size_t len, struct image_inspect *out)
{
	char create_type[64] = "", extent_type[32] = "";
	if (!vmdk_field(desc, len, "createType", create_type, sizeof(create_type))) {
		out->unsafe = "the VMDK descriptor has no createType";
		return;
	}
	if (strcmp(create_type, "monolithicSparse") != 0 &&
	    strcmp(create_type, "streamOptimized") != 0) {
		out->unsafe = "the VMDK descriptor refers to other files (only monolithicSparse "
		              "and streamOptimized are accepted)";
		return;
	}
	int n = vmdk_extents(desc, len, extent_type, sizeof(extent_type));
	if (n != 1 || strcmp(extent_type, "SPARSE") != 0)
		out->unsafe = "the VMDK descriptor refers to other files (it must describe exactly "
		              "one sparse extent, the file itself)";
}

/* VMDK sparse extent: little-endian header, the descriptor embedded at
 * descriptorOffset sectors. */
static void inspect_vmdk_sparse(const unsigned char *h, size_t n, struct image_inspect *out)
{
	out->format = "vmdk";
	if (n < 44) {
		out->unsafe = "the VMDK header is truncated";
		return;
	}
	out->virtual_size =
	    clamp_size(le64(h + 12) > UINT64_MAX / 512 ? UINT64_MAX : le64(h + 12) * 512);
	uint64_t off = le64(h + 28), len = le64(h + 36);
	if (off == 0 || len == 0) {
		out->unsafe = "the VMDK image has no embedded descriptor";
		return;
	}
	if (off > n / 512 || len > n / 512 || (off + len) * 512 > n) {
		out->unsafe = "the VMDK descriptor lies beyond the inspected head of the image";
		return;
	}
	const char *desc = (const char *)h + off * 512;
	size_t dlen = strnlen(desc, len * 512);
	vmdk_check_descriptor(desc, dlen, out);
}

static bool is_vmdk_descriptor(const unsigned char *h, size_t n)
{
	static const char magic[] = "# Disk DescriptorFile";
	return n >= sizeof(magic) - 1 && !memcmp(h, magic, sizeof(magic) - 1);
}

/* VHD footer: "conectix", current size at 48, disk type at 60. */
static void inspect_vhd_footer(const unsigned char *f, struct image_inspect *out)
{
	out->format = "vhd";
	out->virtual_size = clamp_size(be64(f + 48));
	uint32_t type = be32(f + 60);
	if (type == 4)
		out->unsafe = "the VHD image is a differencing disk with a parent file";
	else if (type != 2 && type != 3)
		out->unsafe = "the VHD disk type is unknown";
}

/* VDI: signature at 0x40, image type at 0x4c, disk size at 0x170. */
static void inspect_vdi(const unsigned char *h, size_t n, struct image_inspect *out)
{
	out->format = "vdi";
	if (n < 0x178) {
		out->unsafe = "the VDI header is truncated";
		return;
	}
	uint32_t type = le32(h + 0x4c);
	out->virtual_size = clamp_size(le64(h + 0x170));
	if (type != 1 && type != 2)
		out->unsafe = "the VDI image is not a plain dynamic or fixed disk";
}

/* ---- VHDX (MS-VHDX 1.0). All fields little-endian; GUIDs in their
 * on-disk (mixed-endian) byte order. ---- */

enum {
	VHDX_REGION = 1, /* the window is the second region table */
	VHDX_META,       /* ... the metadata table */
	VHDX_SIZE,       /* ... the Virtual Disk Size item */
	VHDX_DONE,
	VHDX_FAILED,
};

#define VHDX_REGION_AT1 (192u * 1024)
#define VHDX_REGION_AT2 (256u * 1024)
#define VHDX_MIB (1024u * 1024)
#define VHDX_MAX_ENTRIES 2047u
/* The format allows 64 TiB. */
#define VHDX_MAX_SIZE (64ull << 40)

static_assert(IMAGE_FORMAT_HEAD >= VHDX_REGION_AT1 + IMAGE_VHDX_TABLE,
              "the head holds the first VHDX region table");

/* 8B7CA206-4790-4B9A-B8FE-575F050F886E */
static const unsigned char vhdx_metadata_region[16] = {
    0x06, 0xa2, 0x7c, 0x8b, 0x90, 0x47, 0x9a, 0x4b, 0xb8, 0xfe, 0x57, 0x5f, 0x05, 0x0f, 0x88, 0x6e};
/* 2DC27766-F623-4200-9D64-115E9BFD4A08 */
static const unsigned char vhdx_bat_region[16] = {0x66, 0x77, 0xc2, 0x2d, 0x23, 0xf6, 0x00, 0x42,
                                                  0x9d, 0x64, 0x11, 0x5e, 0x9b, 0xfd, 0x4a, 0x08};
/* 2FA54224-CD1B-4876-B211-5DBED83BF4B8 */
static const unsigned char vhdx_virtual_disk_size[16] = {
    0x24, 0x42, 0xa5, 0x2f, 0x1b, 0xcd, 0x76, 0x48, 0xb2, 0x11, 0x5d, 0xbe, 0xd8, 0x3b, 0xf4, 0xb8};
/* A8D35F2D-B30B-454D-ABF7-D3D84834AB0C: only differencing disks have it. */
static const unsigned char vhdx_parent_locator[16] = {
    0x2d, 0x5f, 0xd3, 0xa8, 0x0b, 0xb3, 0x4d, 0x45, 0xab, 0xf7, 0xd3, 0xd8, 0x48, 0x34, 0xab, 0x0c};

/* CRC-32C (Castagnoli) of a 64 KiB table whose checksum field (bytes 4-7)
 * counts as zero. Bitwise: it runs once per VHDX upload. */
static uint32_t vhdx_table_crc(const unsigned char *t)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < IMAGE_VHDX_TABLE; i++) {
		crc ^= i >= 4 && i < 8 ? 0 : t[i];
		for (int k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0x82f63b78u & -(crc & 1));
	}
	return ~crc;
}

static bool vhdx_region_table_valid(const unsigned char *t)
{
	return !memcmp(t, "regi", 4) && le32(t + 8) <= VHDX_MAX_ENTRIES &&
	       le32(t + 4) == vhdx_table_crc(t);
}

static void vhdx_fail(struct image_vhdx_scan *s, const char *why)
{
	s->stage = VHDX_FAILED;
	s->problem = why;
}

static void vhdx_window(struct image_vhdx_scan *s, int stage, uint64_t at, uint32_t len)
{
	assert(len <= sizeof(s->buf));
	s->stage = stage;
	s->at = at;
	s->len = len;
	s->got = 0;
}

/* A valid region table: where the metadata region is. */
static void vhdx_use_region_table(struct image_vhdx_scan *s, const unsigned char *t)
{
	uint32_t n = le32(t + 8);
	bool found = false;
	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *e = t + 16 + 32 * i;
		if (!memcmp(e, vhdx_metadata_region, 16)) {
			s->meta_at = le64(e + 16);
			s->meta_len = le32(e + 24);
			found = true;
		} else if (memcmp(e, vhdx_bat_region, 16) != 0 && (le32(e + 28) & 1)) {
			/* A reader must refuse a required region it does not know. */
			vhdx_fail(s, "the VHDX image has a required region of an unknown kind");
			return;
		}
	}
	if (!found) {
		vhdx_fail(s, "the VHDX region table has no metadata region");
		return;
	}
	/* Regions start on a MiB boundary, past the 1 MiB of headers: so the
	 * window lies after the region tables, and the stream has not passed it. */
	if (s->meta_at < VHDX_MIB || s->meta_at % VHDX_MIB || s->meta_len < IMAGE_VHDX_TABLE) {
		vhdx_fail(s, "the VHDX metadata region is misplaced");
		return;
	}
	vhdx_window(s, VHDX_META, s->meta_at, IMAGE_VHDX_TABLE);
}

static void vhdx_use_metadata_table(struct image_vhdx_scan *s)
{
	const unsigned char *t = s->buf;
	if (memcmp(t, "metadata", 8) != 0 || le16(t + 10) > VHDX_MAX_ENTRIES) {
		vhdx_fail(s, "the VHDX metadata table is damaged");
		return;
	}
	uint32_t n = le16(t + 10), off = 0, len = 0;
	bool found = false;
	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *e = t + 32 + 32 * i;
		if (!memcmp(e, vhdx_parent_locator, 16)) {
			vhdx_fail(s, "the VHDX image is a differencing disk with a parent file");
			return;
		}
		if (!memcmp(e, vhdx_virtual_disk_size, 16)) {
			off = le32(e + 16);
			len = le32(e + 20);
			found = true;
		}
	}
	if (!found) {
		vhdx_fail(s, "the VHDX metadata has no virtual disk size");
		return;
	}
	/* Items follow the 64 KiB table: again a window further on. */
	if (len != 8 || off < IMAGE_VHDX_TABLE || off > s->meta_len - 8) {
		vhdx_fail(s, "the VHDX virtual disk size item is misplaced");
		return;
	}
	vhdx_window(s, VHDX_SIZE, s->meta_at + off, 8);
}

static void vhdx_window_full(struct image_vhdx_scan *s)
{
	switch (s->stage) {
	case VHDX_REGION:
		if (!vhdx_region_table_valid(s->buf)) {
			vhdx_fail(s, "the VHDX region tables are damaged");
			return;
		}
		vhdx_use_region_table(s, s->buf);
		return;
	case VHDX_META:
		vhdx_use_metadata_table(s);
		return;
	case VHDX_SIZE: {
		uint64_t size = le64(s->buf);
		if (size == 0 || size > VHDX_MAX_SIZE) {
			vhdx_fail(s, "the VHDX virtual disk size is out of range");
			return;
		}
		s->virtual_size = (int64_t)size;
		s->stage = VHDX_DONE;
		return;
	}
	default:
		assert(!"no window to fill");
	}
}

bool image_vhdx_detect(const unsigned char *head, size_t head_len)
{
	return head_len >= 8 && !memcmp(head, "vhdxfile", 8);
}

void image_vhdx_scan_begin(struct image_vhdx_scan *s, const unsigned char *head, size_t head_len)
{
	s->virtual_size = -1;
	s->problem = NULL;
	s->meta_at = 0;
	s->meta_len = 0;
	if (!image_vhdx_detect(head, head_len)) {
		vhdx_fail(s, "the data is not VHDX");
		return;
	}
	if (head_len >= VHDX_REGION_AT1 + IMAGE_VHDX_TABLE &&
	    vhdx_region_table_valid(head + VHDX_REGION_AT1)) {
		vhdx_use_region_table(s, head + VHDX_REGION_AT1);
		return;
	}
	/* The first copy is damaged (a write torn by a crash): the second
	 * follows right after the head. */
	vhdx_window(s, VHDX_REGION, VHDX_REGION_AT2, IMAGE_VHDX_TABLE);
}

void image_vhdx_scan_feed(struct image_vhdx_scan *s, uint64_t offset, const unsigned char *data,
                          size_t len)
{
	while (s->stage == VHDX_REGION || s->stage == VHDX_META || s->stage == VHDX_SIZE) {
		uint64_t want = s->at + s->got;
		if (want < offset) {
			/* Bytes of the window went by unseen: cannot happen
			 * with windows in stream order fed without gaps. */
			vhdx_fail(s, "the VHDX metadata could not be read in order");
			return;
		}
		if (want - offset >= len)
			return;
		size_t from = (size_t)(want - offset);
		size_t n = len - from;
		if (n > s->len - s->got)
			n = s->len - s->got;
		memcpy(s->buf + s->got, data + from, n);
		s->got += (uint32_t)n;
		if (s->got < s->len)
			return;
		vhdx_window_full(s);
	}
}

static void inspect_vhdx(const struct image_vhdx_scan *s, struct image_inspect *out)
{
	out->format = "vhdx";
	out->virtual_size = -1;
	if (!s) {
		out->unsafe = "the VHDX image ends within its headers";
		return;
	}
	if (s->stage == VHDX_DONE) {
		out->virtual_size = s->virtual_size;
		return;
	}
	out->unsafe = s->problem ? s->problem : "the VHDX image ends before its metadata";
}

void image_format_inspect(const unsigned char *head, size_t head_len, const unsigned char *tail,
                          size_t tail_len, uint64_t size, const struct image_vhdx_scan *vhdx,
                          struct image_inspect *out)
{
	out->format = "raw";
	out->virtual_size = clamp_size(size);
	out->unsafe = NULL;

	if (head_len >= 4 && !memcmp(head, "QFI\xfb", 4)) {
		inspect_qcow2(head, head_len, out);
		return;
	}
	if (head_len >= 4 && !memcmp(head, "KDMV", 4)) {
		inspect_vmdk_sparse(head, head_len, out);
		return;
	}
	if (is_vmdk_descriptor(head, head_len)) {
		out->format = "vmdk";
		out->virtual_size = -1;
		out->unsafe = "the VMDK file is a bare descriptor, which refers to other files";
		return;
	}
	if (image_vhdx_detect(head, head_len)) {
		inspect_vhdx(vhdx, out);
		return;
	}
	if (head_len >= 0x44 && le32(head + 0x40) == 0xbeda107f) {
		inspect_vdi(head, head_len, out);
		return;
	}
	if (head_len >= 6 && !memcmp(head, "LUKS\xba\xbe", 6)) {
		out->format = "luks";
		out->virtual_size = -1;
		return;
	}
	/* A dynamic VHD starts with a copy of its footer; a fixed one has it
	 * only at the end. */
	if (head_len >= 512 && !memcmp(head, "conectix", 8)) {
		inspect_vhd_footer(head, out);
		return;
	}
	if (tail_len == 512 && size >= 512 && !memcmp(tail, "conectix", 8)) {
		inspect_vhd_footer(tail, out);
		return;
	}
	if (head_len >= 0x8006 && !memcmp(head + 0x8001, "CD001", 5)) {
		out->format = "iso";
		return;
	}
}

/* Formats a hypervisor would parse as something other than plain bytes. */
static bool is_structured(const char *fmt)
{
	return strcmp(fmt, "raw") != 0 && strcmp(fmt, "iso") != 0;
}

int image_format_check(const char *declared, const struct image_inspect *in, struct api_error *err)
{
	if (in->unsafe)
		return api_fail(err, API_BAD_REQUEST, "Image data refused: %s.", in->unsafe);
	if (!declared)
		return api_fail(err, API_BAD_REQUEST,
		                "Properties disk_format, container_format must be set prior to "
		                "saving data.");
	bool ok;
	if (!strcmp(declared, "qcow2") || !strcmp(declared, "vmdk") || !strcmp(declared, "vhd") ||
	    !strcmp(declared, "vhdx") || !strcmp(declared, "vdi") || !strcmp(declared, "iso"))
		ok = !strcmp(declared, in->format);
	else /* raw, ami, ari, aki, ploop: no header we know of */
		ok = !is_structured(in->format);
	if (!ok)
		return api_fail(err, API_BAD_REQUEST,
		                "Image data refused: disk_format is %s but the data is %s.",
		                declared, in->format);
	return 0;
}
