/* The config drive: an ISO 9660 image labelled config-2 with the OpenStack
 * (openstack/<version>/...) and EC2 (ec2/<version>/...) metadata trees, as
 * Nova writes it, for guests to read without a metadata service. */
#ifndef STACKD_COMPUTE_CONFIGDRIVE_H
#define STACKD_COMPUTE_CONFIGDRIVE_H

#include <jansson.h>
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

/* Nova's config drive layout for the given contents: meta_data.json,
 * user_data (if any), vendor_data*.json and network_data.json under every
 * openstack/<version>/ Nova knows up to Zed and latest/, and EC2's
 * meta-data.json (derived from meta) and user-data under ec2/2009-04-04/ and
 * ec2/latest/. meta is the OpenStack meta_data.json object (uuid, name,
 * hostname, availability_zone, launch_index, public_keys, ...);
 * instance_type is the flavor name for EC2. The returned array and its
 * strings are malloc'ed: free with qemu_configdrive_files_free. */
int qemu_configdrive_files(json_t *meta, const char *user_data, size_t user_data_len,
                           json_t *network_data, const char *instance_type,
                           struct qemu_cd_file **files, size_t *nfiles, struct api_error *err);
void qemu_configdrive_files_free(struct qemu_cd_file *files, size_t nfiles);

/* The EC2 meta-data.json equivalent of an OpenStack meta_data.json object. */
json_t *qemu_ec2_metadata(json_t *meta, const char *instance_type);

#endif
