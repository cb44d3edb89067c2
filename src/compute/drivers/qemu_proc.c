/* QEMU process life: the command line of a guest, a detached start through
 * QEMU's own -daemonize (so the guest is reparented away from stackd and
 * survives its restarts), and pid-file based lookup and termination. */
#include "compute/drivers/qemu_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compute/drivers/qmp.h"
#include "compute/drivers/run.h"

static void argv_add(struct qemu_argv *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void argv_add(struct qemu_argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	if (a->n >= QEMU_ARGV_MAX)
		abort(); /* a bug: the table above is bounded */
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void qemu_argv_free(struct qemu_argv *a)
{
	for (int i = 0; i < a->n; i++) {
		free(a->v[i]);
		a->v[i] = NULL;
	}
	a->n = 0;
}

/* A path QEMU's option parser takes as is: no commas (they would need
 * doubling) and no quotes (the migration command goes through sh). */
static int check_path(const char *what, const char *p, struct api_error *err)
{
	if (strpbrk(p, ",'\"\n"))
		return api_fail(err, API_INTERNAL, "%s path has characters QEMU cannot take: %s",
		                what, p);
	return 0;
}

static void add_drive(struct qemu_argv *a, const char *dir, const char *file, const char *id,
                      const char *format, bool readonly, int bootindex, int slot)
{
	argv_add(a, "-drive");
	argv_add(a, "file=%s/%s,if=none,id=%s,format=%s,discard=unmap%s", dir, file, id, format,
	         readonly ? ",readonly=on" : "");
	argv_add(a, "-device");
	if (bootindex >= 0)
		argv_add(a, "virtio-blk-pci,drive=%s,addr=0x%x,bootindex=%d", id, slot, bootindex);
	else
		argv_add(a, "virtio-blk-pci,drive=%s,addr=0x%x", id, slot);
}

int qemu_proc_argv(const char *binary, const struct qemu_guest *g, struct qemu_argv *a,
                   struct api_error *err)
{
	a->n = 0;
	a->v[0] = NULL;
	if (check_path("instance", g->dir, err) < 0)
		return -1;
	if (g->nnics > 16)
		return api_fail(err, API_BAD_REQUEST, "at most 16 NICs per server");
	argv_add(a, "%s", binary);
	argv_add(a, "-name");
	argv_add(a, "instance-%s,debug-threads=on", g->uuid);
	argv_add(a, "-uuid");
	argv_add(a, "%s", g->uuid);
	argv_add(a, "-smbios");
	argv_add(a,
	         "type=1,manufacturer=OpenStack Foundation,product=OpenStack Nova,"
	         "version=stackd,serial=%s,uuid=%s,family=Virtual Machine",
	         g->uuid, g->uuid);
	argv_add(a, "-machine");
	argv_add(a, "%s", g->machine && *g->machine ? g->machine : "pc");
	argv_add(a, "-accel");
	if (g->accel == QEMU_ACCEL_KVM) {
		argv_add(a, "kvm");
		argv_add(a, "-cpu");
		argv_add(a, "host");
	} else if (g->tb_size_mb > 0) {
		argv_add(a, "tcg,tb-size=%d", g->tb_size_mb);
	} else {
		argv_add(a, "tcg");
	}
	argv_add(a, "-m");
	argv_add(a, "%d", g->ram_mb);
	argv_add(a, "-smp");
	argv_add(a, "%d", g->vcpus);
	argv_add(a, "-nodefaults");
	argv_add(a, "-no-user-config");
	argv_add(a, "-display");
	argv_add(a, "none");
	/* QEMU creates the sockets before it leaves for "/": a relative path
	 * (it is started in the instance directory) always fits sun_path. */
	bool abs_fits =
	    strlen(g->dir) + sizeof(QEMU_SERIAL) + 1 < sizeof(((struct sockaddr_un *)0)->sun_path);
	/* The serial port on a socket for the console proxy; its logfile
	 * keeps everything the guest writes, client or not, for
	 * os-getConsoleOutput. */
	argv_add(a, "-chardev");
	argv_add(a, "socket,id=console,path=%s%s%s,server=on,wait=off,logfile=%s/%s,logappend=on",
	         abs_fits ? g->dir : "", abs_fits ? "/" : "", QEMU_SERIAL, g->dir, QEMU_CONSOLE);
	argv_add(a, "-serial");
	argv_add(a, "chardev:console");
	if (g->vnc) {
		argv_add(a, "-device");
		argv_add(a, "VGA,addr=0x%x", QEMU_VGA_SLOT);
		argv_add(a, "-vnc");
		argv_add(a, "unix:%s%s%s", abs_fits ? g->dir : "", abs_fits ? "/" : "", QEMU_VNC);
	}
	argv_add(a, "-qmp");
	if (strlen(g->dir) + sizeof(QEMU_QMP) + 1 < sizeof(((struct sockaddr_un *)0)->sun_path))
		argv_add(a, "unix:%s/%s,server=on,wait=off", g->dir, QEMU_QMP);
	else
		argv_add(a, "unix:%s,server=on,wait=off", QEMU_QMP);
	argv_add(a, "-pidfile");
	argv_add(a, "%s/%s", g->dir, QEMU_PIDFILE);
	argv_add(a, "-daemonize");
	/* Rescued (as Nova's libvirt driver): the rescue disk first, the
	 * server's own root disk second, where the rescue system finds it. */
	if (g->rescue)
		add_drive(a, g->dir, QEMU_DISK_RESCUE, "rescue", "qcow2", false, 0,
		          QEMU_DISK_SLOT_RESCUE);
	add_drive(a, g->dir, QEMU_DISK, "root", "qcow2", false, g->rescue ? 1 : 0,
	          QEMU_DISK_SLOT_ROOT);
	if (g->ephemeral)
		add_drive(a, g->dir, QEMU_DISK_EPH, "eph0", "qcow2", false, -1, QEMU_DISK_SLOT_EPH);
	if (g->swap)
		add_drive(a, g->dir, QEMU_DISK_SWAP, "swap", "raw", false, -1, QEMU_DISK_SLOT_SWAP);
	if (g->config_drive)
		add_drive(a, g->dir, QEMU_DISK_CONFIG, "config", "raw", true, -1,
		          QEMU_DISK_SLOT_CONFIG);
	for (size_t i = 0; i < g->nnics; i++) {
		const struct qemu_nic *nic = &g->nics[i];
		if (!nic->tap || strpbrk(nic->tap, ",=/ ") || strlen(nic->tap) > 15)
			return api_fail(err, API_BAD_REQUEST, "bad tap device name for NIC %zu", i);
		/* Ids named after the tap, as hot-plug names them: detach
		 * finds a NIC the same way whether it came at boot or later. */
		argv_add(a, "-netdev");
		argv_add(a, "tap,id=nd-%s,ifname=%s,script=no,downscript=no", nic->tap, nic->tap);
		argv_add(a, "-device");
		char addr[24] = "";
		if (nic->slot > 0)
			snprintf(addr, sizeof(addr), ",addr=0x%x", nic->slot);
		if (nic->mac && *nic->mac)
			argv_add(a, "virtio-net-pci,id=nic-%s,netdev=nd-%s,mac=%s%s", nic->tap,
			         nic->tap, nic->mac, addr);
		else
			argv_add(a, "virtio-net-pci,id=nic-%s,netdev=nd-%s%s", nic->tap, nic->tap,
			         addr);
	}
	if (g->incoming) {
		argv_add(a, "-incoming");
		argv_add(a, "exec:cat '%s/%s'", g->dir, QEMU_SUSPEND);
	}
	return 0;
}

int qemu_proc_start(const char *binary, const struct qemu_guest *g, struct api_error *err)
{
	struct qemu_argv a;
	char path[4096];
	int errfd = -1, rc = -1;
	if (qemu_proc_argv(binary, g, &a, err) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/%s", g->dir, QEMU_STDERR);
	errfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (errfd < 0) {
		api_fail(err, API_INTERNAL, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	pid_t pid = fork();
	if (pid < 0) {
		api_fail(err, API_INTERNAL, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		qemu_child_setup(-1, errfd);
		if (chdir(g->dir) < 0)
			_exit(126);
		execvp(a.v[0], a.v);
		fprintf(stderr, "cannot run %s: %s\n", a.v[0], strerror(errno));
		_exit(127);
	}
	/* With -daemonize the first process exits once the guest is set up. */
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			api_fail(err, API_INTERNAL, "waitpid: %s", strerror(errno));
			goto out;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char msg[400] = "";
		FILE *f = fopen(path, "r");
		if (f) {
			char line[400];
			while (fgets(line, sizeof(line), f))
				if (line[0] != '\n')
					snprintf(msg, sizeof(msg), "%s", line);
			fclose(f);
		}
		msg[strcspn(msg, "\n")] = '\0';
		api_fail(err, API_INTERNAL, "QEMU failed to start: %s", msg[0] ? msg : "no reason");
		goto out;
	}
	rc = 0;
out:
	if (errfd >= 0)
		close(errfd);
	qemu_argv_free(&a);
	return rc;
}

static bool cmdline_has(pid_t pid, const char *needle)
{
	char path[64], buf[8192];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static bool pid_is_zombie(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return true;
	bool zombie = false;
	if (fgets(buf, sizeof(buf), f)) {
		char *p = strrchr(buf, ')');
		zombie = p && (p[2] == 'Z' || p[2] == 'X');
	}
	fclose(f);
	return zombie;
}

pid_t qemu_proc_pid(const char *dir, const char *uuid)
{
	char path[4096], buf[32];
	snprintf(path, sizeof(path), "%s/%s", dir, QEMU_PIDFILE);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	long pid = strtol(buf, NULL, 10);
	if (pid <= 1)
		return 0;
	/* A pid file may outlive its process and the pid be reused: the uuid on
	 * the command line tells it is still our guest. */
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 0;
	if (!cmdline_has((pid_t)pid, uuid) || pid_is_zombie((pid_t)pid))
		return 0;
	return (pid_t)pid;
}

int qemu_proc_wait_gone(pid_t pid, int timeout_ms)
{
	for (int waited = 0;; waited += 50) {
		if ((kill(pid, 0) < 0 && errno == ESRCH) || pid_is_zombie(pid))
			return 0;
		if (waited >= timeout_ms)
			return -1;
		usleep(50 * 1000);
	}
}

int qemu_proc_kill(const char *dir, const char *uuid, struct api_error *err)
{
	pid_t pid = qemu_proc_pid(dir, uuid);
	char qmp[4096];
	if (!pid)
		return 0;
	snprintf(qmp, sizeof(qmp), "%s/%s", dir, QEMU_QMP);
	struct api_error ignored = {0};
	if (qmp_run(qmp, "quit", NULL, 2000, NULL, &ignored) == 0 &&
	    qemu_proc_wait_gone(pid, 5000) == 0)
		return 0;
	kill(pid, SIGTERM);
	if (qemu_proc_wait_gone(pid, 5000) == 0)
		return 0;
	kill(pid, SIGKILL);
	if (qemu_proc_wait_gone(pid, 5000) == 0)
		return 0;
	return api_fail(err, API_INTERNAL, "QEMU process %d of %s does not end", (int)pid, uuid);
}

int qemu_proc_shutdown(const char *dir, const char *uuid, int timeout_s, int *clean,
                       struct api_error *err)
{
	pid_t pid = qemu_proc_pid(dir, uuid);
	char qmp[4096];
	*clean = 1;
	if (!pid)
		return 0;
	snprintf(qmp, sizeof(qmp), "%s/%s", dir, QEMU_QMP);
	struct api_error ignored = {0};
	if (qmp_run(qmp, "system_powerdown", NULL, 2000, NULL, &ignored) == 0 &&
	    qemu_proc_wait_gone(pid, timeout_s * 1000) == 0)
		return 0;
	*clean = 0;
	return qemu_proc_kill(dir, uuid, err);
}
