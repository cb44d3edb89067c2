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

/* head: the first min(size, IMAGE_FORMAT_HEAD) bytes; tail: the last
 * min(size, IMAGE_FORMAT_TAIL) bytes; size: the whole length. */
void image_format_inspect(const unsigned char *head, size_t head_len, const unsigned char *tail,
                          size_t tail_len, uint64_t size, struct image_inspect *out);

/* Accepts data whose inspection agrees with the declared disk_format and is
 * safe; otherwise -1 with a 400 saying why. */
int image_format_check(const char *declared, const struct image_inspect *in, struct api_error *err);

bool image_disk_format_valid(const char *s);
bool image_container_format_valid(const char *s);

#endif
