/* Header parsing of qcow2, VMDK (sparse and descriptor), VHD, VHDX, VDI,
 * ISO 9660 and LUKS, and the rule deciding whether an upload matches its
 * declared disk_format. Every offset read is checked against the bytes at
 * hand: the input is whatever a client sent. */
#include "image/format.h"

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

void image_format_inspect(const unsigned char *head, size_t head_len, const unsigned char *tail,
                          size_t tail_len, uint64_t size, struct image_inspect *out)
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
	if (head_len >= 8 && !memcmp(head, "vhdxfile", 8)) {
		out->format = "vhdx";
		out->virtual_size = -1;
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
