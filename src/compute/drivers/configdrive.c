/* Config drive ISO: a scratch directory tree written file by file, then
 * genisoimage with Nova's options (Joliet + Rock Ridge, volume id config-2). */
#include "compute/drivers/configdrive.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compute/drivers/run.h"

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdir -p of the parents of root/rel. */
static int make_parents(const char *root, const char *rel, struct api_error *err)
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return api_fail(err, API_INTERNAL, "config drive path too long");
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return api_fail(err, API_INTERNAL, "mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	return 0;
}

static int write_file(const char *path, const char *data, size_t len, struct api_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return api_fail(err, API_INTERNAL, "cannot create %s: %s", path, strerror(errno));
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return api_fail(err, API_INTERNAL, "write %s: %s", path, strerror(errno));
		}
		off += w;
	}
	close(fd);
	return 0;
}

int qemu_configdrive_build(const char *iso_path, const struct qemu_cd_file *files, size_t n,
                           struct api_error *err)
{
	char tree[4096], tmp[4096], path[4096];
	int rc = -1;
	snprintf(tree, sizeof(tree), "%s.tree", iso_path);
	snprintf(tmp, sizeof(tmp), "%s.part", iso_path);
	rm_tree(tree);
	if (mkdir(tree, 0755) < 0)
		return api_fail(err, API_INTERNAL, "mkdir %s: %s", tree, strerror(errno));
	for (size_t i = 0; i < n; i++) {
		const char *rel = files[i].path;
		if (!rel || rel[0] == '/' || strstr(rel, "..")) {
			api_fail(err, API_INTERNAL, "bad config drive path");
			goto out;
		}
		if (make_parents(tree, rel, err) < 0)
			goto out;
		int len = snprintf(path, sizeof(path), "%s/%s", tree, rel);
		if (len < 0 || (size_t)len >= sizeof(path)) {
			api_fail(err, API_INTERNAL, "config drive path too long");
			goto out;
		}
		if (write_file(path, files[i].data, files[i].len, err) < 0)
			goto out;
	}
	const char *argv[] = {"genisoimage",
	                      "-o",
	                      tmp,
	                      "-ldots",
	                      "-allow-lowercase",
	                      "-allow-multidot",
	                      "-l",
	                      "-publisher",
	                      "Stackd",
	                      "-quiet",
	                      "-J",
	                      "-r",
	                      "-V",
	                      "config-2",
	                      tree,
	                      NULL};
	if (qemu_run(argv, err) < 0)
		goto out;
	if (rename(tmp, iso_path) < 0) {
		api_fail(err, API_INTERNAL, "rename %s: %s", tmp, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	unlink(tmp);
	rm_tree(tree);
	return rc;
}

static const char *const openstack_versions[] = {
    "2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30",
    "2016-10-06", "2017-02-22", "2018-08-27", "2020-10-14", "latest",
};

json_t *qemu_ec2_metadata(json_t *meta, const char *instance_type)
{
	const char *uuid = json_string_value(json_object_get(meta, "uuid"));
	const char *hostname = json_string_value(json_object_get(meta, "hostname"));
	const char *az = json_string_value(json_object_get(meta, "availability_zone"));
	json_int_t launch = json_integer_value(json_object_get(meta, "launch_index"));
	json_t *keys = json_object_get(meta, "public_keys");
	json_t *ec2_keys = json_object();
	const char *kname;
	json_t *kval;
	int idx = 0;
	json_object_foreach(keys, kname, kval)
	{
		char k[16];
		snprintf(k, sizeof(k), "%d", idx++);
		json_object_set_new(ec2_keys, k, json_pack("{sO}", "openssh-key", kval));
	}
	/* EC2's instance id is "i-" and eight hex digits; Nova uses its
	 * internal integer id, a stable hash of the uuid serves the same. */
	unsigned h = 2166136261u;
	for (const char *p = uuid ? uuid : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	char iid[16];
	snprintf(iid, sizeof(iid), "i-%08x", h);
	/* "FIXME" is what Nova itself answers for the manifest path. */
	return json_pack("{ss ss sI ss ss ss ss ss ss s{ss} so s[s] ss}", "ami-id", "ami-00000001",
	                 "ami-manifest-path", "FIXME", "ami-launch-index", launch, "hostname",
	                 hostname ? hostname : "", "instance-action", "none", "instance-id", iid,
	                 "instance-type", instance_type ? instance_type : "", "local-hostname",
	                 hostname ? hostname : "", "public-hostname", hostname ? hostname : "",
	                 "placement", "availability-zone", az ? az : "nova", "public-keys",
	                 ec2_keys, "security-groups", "default", "reservation-id", "r-00000000");
}

struct files_buf {
	struct qemu_cd_file *v;
	size_t n, cap;
};

static void add_file(struct files_buf *b, const char *path, const char *data, size_t len)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 32;
		b->v = realloc(b->v, b->cap * sizeof(*b->v));
		if (!b->v)
			abort();
	}
	char *p = strdup(path);
	char *d = malloc(len + 1);
	if (!p || !d)
		abort();
	memcpy(d, data, len);
	d[len] = '\0';
	b->v[b->n++] = (struct qemu_cd_file){.path = p, .data = d, .len = len};
}

static void add_json(struct files_buf *b, const char *path, json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (!text)
		abort();
	add_file(b, path, text, strlen(text));
	free(text);
}

int qemu_configdrive_files(json_t *meta, const char *user_data, size_t user_data_len,
                           json_t *network_data, const char *instance_type,
                           struct qemu_cd_file **files, size_t *nfiles, struct api_error *err)
{
	struct files_buf b = {0};
	char path[128];
	if (!json_is_object(meta))
		return api_fail(err, API_INTERNAL, "config drive needs meta_data");
	json_t *empty = json_object();
	json_t *ec2 = qemu_ec2_metadata(meta, instance_type);
	for (size_t i = 0; i < sizeof(openstack_versions) / sizeof(*openstack_versions); i++) {
		const char *v = openstack_versions[i];
		snprintf(path, sizeof(path), "openstack/%s/meta_data.json", v);
		add_json(&b, path, meta);
		snprintf(path, sizeof(path), "openstack/%s/vendor_data.json", v);
		add_json(&b, path, empty);
		if (user_data) {
			snprintf(path, sizeof(path), "openstack/%s/user_data", v);
			add_file(&b, path, user_data, user_data_len);
		}
		/* network_data.json came with 2015-10-15, vendor_data2 with 2017-02-22 */
		if (strcmp(v, "2015-10-15") >= 0) {
			snprintf(path, sizeof(path), "openstack/%s/network_data.json", v);
			add_json(&b, path, network_data ? network_data : empty);
		}
		if (strcmp(v, "2017-02-22") >= 0) {
			snprintf(path, sizeof(path), "openstack/%s/vendor_data2.json", v);
			add_json(&b, path, empty);
		}
	}
	const char *ec2_versions[] = {"2009-04-04", "latest"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "ec2/%s/meta-data.json", ec2_versions[i]);
		add_json(&b, path, ec2);
		if (user_data) {
			snprintf(path, sizeof(path), "ec2/%s/user-data", ec2_versions[i]);
			add_file(&b, path, user_data, user_data_len);
		}
	}
	json_decref(ec2);
	json_decref(empty);
	*files = b.v;
	*nfiles = b.n;
	return 0;
}

void qemu_configdrive_files_free(struct qemu_cd_file *files, size_t nfiles)
{
	for (size_t i = 0; i < nfiles; i++) {
		free((char *)files[i].path);
		free((char *)files[i].data);
	}
	free(files);
}
