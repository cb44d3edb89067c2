/* Child processes of the data plane (see run.h). fork + exec with every
 * descriptor above stderr closed, so that no dnsmasq ever holds stackd's
 * listening socket or database across a restart. */
#include "network/dataplane/run.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/forker.h"

#define DP_MAX_ARGS 64

/* Splits buf in place; the first word is resolved to an absolute path of
 * the known tools (execv in the child needs no PATH search). */
static int split(char *buf, char **argv)
{
	int n = 0;
	for (char *p = strtok(buf, " "); p && n < DP_MAX_ARGS - 1; p = strtok(NULL, " "))
		argv[n++] = p;
	argv[n] = NULL;
	return n;
}

static void tool_path(const char *name, char *path, size_t len)
{
	static const char *const dirs[] = {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"};
	snprintf(path, len, "%s", name);
	if (strchr(name, '/'))
		return;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, len, "%s%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return;
	}
	snprintf(path, len, "%s", name);
}

static int vrun(struct api_error *err, const char *input, char *out, size_t outlen,
                const char *log_path, const char *fmt, va_list ap)
{
	char cmd[32768];
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	char line[32768];
	snprintf(line, sizeof(line), "%s", cmd);
	char *argv[DP_MAX_ARGS];
	if (split(line, argv) == 0)
		return api_fail(err, API_INTERNAL, "empty command");
	char exe[256];
	tool_path(argv[0], exe, sizeof(exe));
	int in[2] = {-1, -1}, o[2] = {-1, -1}, e[2] = {-1, -1};
	int logfd = -1;
	if (log_path) {
		logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (logfd < 0)
			return api_fail(err, API_INTERNAL, "%s: %s", log_path, strerror(errno));
	}
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(o, O_CLOEXEC) != 0 || pipe2(e, O_CLOEXEC) != 0) {
		api_fail(err, API_INTERNAL, "pipe: %s", strerror(errno));
		goto fail_fds;
	}
	pid_t pid = fork();
	if (pid < 0) {
		api_fail(err, API_INTERNAL, "fork: %s", strerror(errno));
		goto fail_fds;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(logfd >= 0 ? logfd : o[1], 1);
		dup2(logfd >= 0 ? logfd : e[1], 2);
		closefrom(3);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execv(exe, argv);
		_exit(127);
	}
	close(in[0]);
	close(o[1]);
	close(e[1]);
	in[0] = o[1] = e[1] = -1;
	if (logfd >= 0)
		close(logfd);
	logfd = -1;
	if (input) {
		size_t len = strlen(input), off = 0;
		while (off < len) {
			ssize_t w = write(in[1], input + off, len - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	close(in[1]);
	in[1] = -1;
	char errbuf[1024] = "";
	size_t elen = 0, olen = 0;
	struct pollfd pf[2] = {{o[0], POLLIN, 0}, {e[0], POLLIN, 0}};
	int open_fds = 2;
	while (open_fds > 0) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char tmp[4096];
			ssize_t r = read(pf[i].fd, tmp, sizeof(tmp));
			if (r <= 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
				open_fds--;
				continue;
			}
			if (i == 0 && out && olen + 1 < outlen) {
				size_t n =
				    (size_t)r < outlen - 1 - olen ? (size_t)r : outlen - 1 - olen;
				memcpy(out + olen, tmp, n);
				olen += n;
			} else if (i == 1 && elen + 1 < sizeof(errbuf)) {
				size_t n = (size_t)r < sizeof(errbuf) - 1 - elen
				               ? (size_t)r
				               : sizeof(errbuf) - 1 - elen;
				memcpy(errbuf + elen, tmp, n);
				elen += n;
			}
		}
	}
	if (out && outlen)
		out[olen] = '\0';
	errbuf[elen] = '\0';
	while (elen > 0 && (errbuf[elen - 1] == '\n' || errbuf[elen - 1] == ' '))
		errbuf[--elen] = '\0';
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return api_fail(err, API_INTERNAL, "`%s` failed (%d): %s", cmd,
	                WIFEXITED(status) ? WEXITSTATUS(status) : -1, errbuf);
fail_fds:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (o[i] >= 0)
			close(o[i]);
		if (e[i] >= 0)
			close(e[i]);
	}
	if (logfd >= 0)
		close(logfd);
	return -1;
}

int dp_run(struct api_error *err, const char *input, char *out, size_t outlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vrun(err, input, out, outlen, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

/* What fork_child needs, and the pid it gives back. */
struct spawn {
	const char *exe;
	char **argv;
	int logfd, devnull;
	pid_t pid;
};

/* Runs on the forker thread (core/forker.h): the child's PR_SET_PDEATHSIG
 * follows the thread that forked it, which must outlive the request. */
static void fork_child(void *arg)
{
	struct spawn *sp = arg;
	pid_t parent = getpid();
	sp->pid = fork();
	if (sp->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1); /* stackd died between fork and prctl */
		dup2(sp->devnull, 0);
		dup2(sp->logfd, 1);
		dup2(sp->logfd, 2);
		closefrom(3);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		execv(sp->exe, sp->argv);
		_exit(127);
	}
}

int dp_spawn_child(struct api_error *err, const char *log_path, const char *pid_path,
                   const char *fmt, ...)
{
	char cmd[32768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	char line[32768];
	snprintf(line, sizeof(line), "%s", cmd);
	char *argv[DP_MAX_ARGS];
	if (split(line, argv) == 0)
		return api_fail(err, API_INTERNAL, "empty command");
	char exe[256];
	tool_path(argv[0], exe, sizeof(exe));
	int logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (logfd < 0 || devnull < 0) {
		if (logfd >= 0)
			close(logfd);
		if (devnull >= 0)
			close(devnull);
		return api_fail(err, API_INTERNAL, "%s: %s", log_path, strerror(errno));
	}
	struct spawn spawn = {.exe = exe, .argv = argv, .logfd = logfd, .devnull = devnull};
	forker_call(fork_child, &spawn);
	pid_t pid = spawn.pid;
	close(logfd);
	close(devnull);
	if (pid < 0)
		return api_fail(err, API_INTERNAL, "fork: %s", strerror(errno));
	FILE *f = fopen(pid_path, "w");
	if (f) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	/* A child that fails at once (bad option, address in use) is an
	 * error now rather than a silent DHCP outage. */
	usleep(50000);
	int status;
	if (waitpid(pid, &status, WNOHANG) == pid)
		return api_fail(err, API_INTERNAL, "`%s` exited at once (status %d), see %s", cmd,
		                WIFEXITED(status) ? WEXITSTATUS(status) : -1, log_path);
	return 0;
}

void dp_reap(pid_t pid)
{
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, NULL, WNOHANG) != 0)
			return; /* reaped, or not our child (started by a previous stackd) */
		usleep(10000);
	}
}

bool dp_link_exists(const char *name)
{
	return if_nametoindex(name) != 0;
}

bool dp_netns_exists(const char *name)
{
	char path[300];
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	return access(path, F_OK) == 0;
}

pid_t dp_pidfile_alive(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	long pid = 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 1 || kill((pid_t)pid, 0) != 0)
		return 0;
	char cpath[64], cmd[4096];
	snprintf(cpath, sizeof(cpath), "/proc/%ld/cmdline", pid);
	int fd = open(cpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	for (ssize_t i = 0; i < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	cmd[n] = '\0';
	return strstr(cmd, needle) ? (pid_t)pid : 0;
}
