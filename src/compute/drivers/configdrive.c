/* Config drive ISO: a scratch directory tree written file by file, then
 * genisoimage with Nova's options (Joliet + Rock Ridge, volume id config-2). */
#include "compute/drivers/configdrive.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
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
		snprintf(path, sizeof(path), "%s/%s", tree, rel);
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
