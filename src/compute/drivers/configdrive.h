/* The config drive: an ISO 9660 image labelled config-2 with the OpenStack
 * (openstack/<version>/...) and EC2 (ec2/<version>/...) metadata trees, as
 * Nova writes it, for guests to read without a metadata service. */
#ifndef STACKD_COMPUTE_CONFIGDRIVE_H
#define STACKD_COMPUTE_CONFIGDRIVE_H

#include <stddef.h>

#include "core/error.h"

struct qemu_cd_file {
	const char *path; /* relative, e.g. "openstack/latest/meta_data.json" */
	const char *data;
	size_t len;
};

/* Writes the files into a scratch tree next to iso_path and makes the ISO
 * with genisoimage (temporary name, renamed into place). */
int qemu_configdrive_build(const char *iso_path, const struct qemu_cd_file *files, size_t n,
                           struct api_error *err);

#endif
