/* Remote consoles of QEMU guests: the serial port is a unix socket in the
 * instance directory (serial.sock, qemu_proc.c's command line), which the
 * console proxy connects to for one websocket session at a time; a guest
 * spawned with VNC graphics has its VNC server on vnc.sock. Guests booted
 * before the serial socket existed (a file chardev) have no remote serial
 * console until their next boot; guests spawned without VNC never get it
 * (the VGA card is part of a suspended guest's saved state). */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "compute/drivers/qemu.h"
#include "compute/drivers/qemu_guest.h"
#include "compute/drivers/qemu_proc.h"

static int kind_socket(const char *kind, const char **name, struct api_error *err)
{
	if (strcmp(kind, "serial") == 0) {
		*name = QEMU_SERIAL;
		return 0;
	}
	if (strcmp(kind, "vnc") == 0) {
		*name = QEMU_VNC;
		return 0;
	}
	/* As Nova's libvirt driver for a domain without that graphics. */
	return api_fail(err, API_BAD_REQUEST, "Unavailable console type %s.", kind);
}

int qemu_guest_console_check(struct qemu_driver *d, const char *uuid, const char *kind, char *where,
                             size_t len, struct api_error *err)
{
	const char *name = NULL;
	char dir[QEMU_PATH_MAX], path[QEMU_PATH_MAX];
	if (qemu_check_uuid(uuid, err) < 0 || kind_socket(kind, &name, err) < 0)
		return -1;
	qemu_guest_dir(d, uuid, dir, sizeof(dir));
	qemu_guest_file(d, uuid, name, path, sizeof(path));
	if (strcmp(kind, "vnc") == 0) {
		struct qemu_rec r;
		if (qemu_rec_load(d, uuid, &r, err) < 0)
			return -1;
		bool vnc = r.g.vnc;
		qemu_rec_free(&r);
		/* As the libvirt driver for a domain without VNC graphics. */
		if (!vnc)
			return api_fail(err, API_BAD_REQUEST, "Unavailable console type %s.", kind);
	}
	struct stat st;
	/* A running QEMU without the socket was started by an older stackd
	 * (file chardev). One that is off gets it at its next boot. */
	if (qemu_proc_pid(dir, uuid) && (stat(path, &st) != 0 || !S_ISSOCK(st.st_mode)))
		return api_fail(err, API_BAD_REQUEST, "Unavailable console type %s.", kind);
	snprintf(where, len, "%s", path);
	return 0;
}

int qemu_guest_console_open(struct qemu_driver *d, const char *uuid, const char *kind, int *out,
                            struct api_error *err)
{
	const char *name = NULL;
	char path[QEMU_PATH_MAX];
	if (qemu_check_uuid(uuid, err) < 0 || kind_socket(kind, &name, err) < 0)
		return -1;
	qemu_guest_dir(d, uuid, path, sizeof(path));
	/* Long instance paths do not fit sun_path: connect through the
	 * directory's descriptor. */
	int dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return api_fail(err, API_NOT_FOUND, "The guest %s has no instance directory.",
		                uuid);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, name);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		close(dirfd);
		return api_fail(err, API_INTERNAL, "socket: %s", strerror(errno));
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		close(fd);
		close(dirfd);
		/* No socket, or nobody behind it: QEMU does not run. */
		return api_fail(err, API_CONFLICT, "The %s console of %s is not available: %s",
		                kind, uuid, strerror(e));
	}
	close(dirfd);
	*out = fd;
	return 0;
}
