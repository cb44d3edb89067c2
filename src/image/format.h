/* Disk image format inspection: what the first bytes and the last 512
 * bytes of an upload say the data is, its virtual size, and whether a
 * hypervisor opening it could be led to read other files of the host
 * (qcow2 backing or external data files, VMDK descriptors naming extents,
 * differencing VHD/VDI). Pure logic, no I/O: the upload feeds it. */
#ifndef STACKD_IMAGE_FORMAT_H
#define STACKD_IMAGE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Bytes of the head the inspector looks at (ISO's descriptor is at 32 KiB,
 * VMDK descriptors and VHDX region tables sit within the first 256 KiB),
 * and of the tail (a fixed VHD has its footer only at the end). */
#define IMAGE_FORMAT_HEAD (256 * 1024)
#define IMAGE_FORMAT_TAIL 512

struct image_inspect {
	/* "qcow2", "vmdk", "vhd", "vhdx", "vdi", "iso", "luks", or "raw" when
	 * nothing is recognized. */
	const char *format;
	int64_t virtual_size; /* -1 when the header does not say */
	/* Why the data must not be used (a static string), or NULL. */
	const char *unsafe;
};

/* VHDX keeps its virtual size in its metadata region, which the region
 * table (at 192 KiB, a copy at 256 KiB) places at 1 MiB or further: past
 * the head (qemu-img puts it at 3 MiB). The scan follows the stream: begun
 * on the full head, then fed every piece of the stream with its offset, it
 * captures the windows it needs as they pass (the second region table when
 * the first is damaged, the metadata table, the Virtual Disk Size item),
 * each after the one before, so nothing is ever read back. Pure logic. */
#define IMAGE_VHDX_TABLE (64 * 1024) /* a region table; a metadata table */

struct image_vhdx_scan {
	int stage;   /* what the window is for; see format.c */
	uint64_t at; /* the window: stream offset, length, bytes captured */
	uint32_t len, got;
	uint64_t meta_at; /* the metadata region */
	uint32_t meta_len;
	int64_t virtual_size; /* -1 until read */
	const char *problem;  /* why the image is refused (static), or NULL */
	unsigned char buf[IMAGE_VHDX_TABLE];
};

/* True when head starts a VHDX file (a scan is worth keeping). */
bool image_vhdx_detect(const unsigned char *head, size_t head_len);
/* head: the first IMAGE_FORMAT_HEAD bytes of the stream. */
void image_vhdx_scan_begin(struct image_vhdx_scan *s, const unsigned char *head, size_t head_len);
/* data: the stream's bytes at [offset, offset + len), fed in order, without
 * gaps from the end of the head on (bytes before a window are skipped). */
void image_vhdx_scan_feed(struct image_vhdx_scan *s, uint64_t offset, const unsigned char *data,
                          size_t len);

/* head: the first min(size, IMAGE_FORMAT_HEAD) bytes; tail: the last
 * min(size, IMAGE_FORMAT_TAIL) bytes; size: the whole length; vhdx: the
 * scan of a VHDX stream (NULL when none was begun: the stream ended within
 * the head, or it is not VHDX). */
void image_format_inspect(const unsigned char *head, size_t head_len, const unsigned char *tail,
                          size_t tail_len, uint64_t size, const struct image_vhdx_scan *vhdx,
                          struct image_inspect *out);

/* Accepts data whose inspection agrees with the declared disk_format and is
 * safe; otherwise -1 with a 400 saying why. */
int image_format_check(const char *declared, const struct image_inspect *in, struct api_error *err);

bool image_disk_format_valid(const char *s);
bool image_container_format_valid(const char *s);

#endif
