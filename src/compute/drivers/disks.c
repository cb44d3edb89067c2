/* Disk files through qemu-img. The image cache takes a lock file per image
 * (flock) and converts to a temporary name renamed into place, so concurrent
 * creates of servers from one image convert it exactly once. */
#include "compute/drivers/disks.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compute/drivers/run.h"

int qemu_disk_size(const char *path, long long *bytes, struct api_error *err)
{
	char out[8192];
	const char *argv[] = {"qemu-img", "info", "-U", "--output=json", path, NULL};
	if (qemu_run_output(argv, out, sizeof(out), err) < 0)
		return -1;
	json_error_t jerr;
	json_t *info = json_loads(out, 0, &jerr);
	json_t *vs = info ? json_object_get(info, "virtual-size") : NULL;
	int rc = -1;
	if (!json_is_integer(vs)) {
		api_fail(err, API_INTERNAL, "qemu-img info gave no virtual size for %s", path);
		goto out;
	}
	*bytes = json_integer_value(vs);
	rc = 0;
out:
	json_decref(info);
	return rc;
}

static int valid_key(const char *key)
{
	if (!*key || strlen(key) > 128)
		return 0;
	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return 0;
	return key[0] != '.';
}

int qemu_image_cache(const char *cache_dir, const char *key, const char *src, char *out,
                     size_t outsz, struct api_error *err)
{
	char lockpath[4096], tmp[4096];
	int lockfd = -1, rc = -1;
	struct stat st;
	if (!valid_key(key))
		return api_fail(err, API_INTERNAL, "bad image cache key %s", key);
	if (mkdir(cache_dir, 0750) < 0 && errno != EEXIST)
		return api_fail(err, API_INTERNAL, "cannot create %s: %s", cache_dir,
		                strerror(errno));
	snprintf(out, outsz, "%s/%s.qcow2", cache_dir, key);
	if (stat(out, &st) == 0)
		return 0;
	snprintf(lockpath, sizeof(lockpath), "%s/%s.lock", cache_dir, key);
	snprintf(tmp, sizeof(tmp), "%s/%s.qcow2.part", cache_dir, key);
	lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (lockfd < 0) {
		api_fail(err, API_INTERNAL, "cannot open %s: %s", lockpath, strerror(errno));
		goto out;
	}
	while (flock(lockfd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			api_fail(err, API_INTERNAL, "flock %s: %s", lockpath, strerror(errno));
			goto out;
		}
	}
	if (stat(out, &st) == 0) { /* converted while we waited */
		rc = 0;
		goto out;
	}
	const char *argv[] = {"qemu-img", "convert", "-q", "-O", "qcow2", src, tmp, NULL};
	if (qemu_run(argv, err) < 0) {
		unlink(tmp);
		goto out;
	}
	int fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	if (rename(tmp, out) < 0) {
		api_fail(err, API_INTERNAL, "rename %s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	if (lockfd >= 0)
		close(lockfd); /* releases the lock */
	return rc;
}

int qemu_disk_overlay(const char *backing, const char *path, long long size_gb,
                      struct api_error *err)
{
	long long backing_bytes;
	char size[32];
	if (qemu_disk_size(backing, &backing_bytes, err) < 0)
		return -1;
	long long bytes = size_gb > 0 ? size_gb * 1024 * 1024 * 1024 : backing_bytes;
	if (bytes < backing_bytes)
		return api_fail(err, API_BAD_REQUEST,
		                "image of %lld bytes does not fit a root disk of %lld GB",
		                backing_bytes, size_gb);
	snprintf(size, sizeof(size), "%lld", bytes);
	const char *argv[] = {"qemu-img", "create", "-q",    "-f", "qcow2", "-F",
	                      "qcow2",    "-b",     backing, path, size,    NULL};
	return qemu_run(argv, err);
}

int qemu_disk_blank(const char *path, long long size_gb, struct api_error *err)
{
	char size[32];
	snprintf(size, sizeof(size), "%lldG", size_gb);
	const char *argv[] = {"qemu-img", "create", "-q", "-f", "qcow2", path, size, NULL};
	return qemu_run(argv, err);
}

int qemu_disk_swap(const char *path, long long size_mb, struct api_error *err)
{
	char size[32];
	snprintf(size, sizeof(size), "%lldM", size_mb);
	const char *create[] = {"qemu-img", "create", "-q", "-f", "raw", path, size, NULL};
	const char *mkswap[] = {"mkswap", "-q", path, NULL};
	if (qemu_run(create, err) < 0)
		return -1;
	return qemu_run(mkswap, err);
}

int qemu_disk_flatten(const char *disk, const char *dest, int force_share, struct api_error *err)
{
	const char *argv[] = {"qemu-img", "convert", "-q", "-O", "qcow2", disk, dest, NULL, NULL};
	if (force_share) {
		argv[5] = "-U";
		argv[6] = disk;
		argv[7] = dest;
	}
	return qemu_run(argv, err);
}
