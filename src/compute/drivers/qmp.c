/* QMP over a unix socket: newline-delimited JSON, read with poll() so every
 * exchange has a deadline; a QEMU that stopped answering never blocks a
 * worker thread for longer than the caller allows. */
#include "compute/drivers/qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct qmp {
	int fd;
	char buf[65536];
	size_t len;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int qmp_connect_fd(const char *path, int *out, struct api_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int dirfd = -1, fd = -1, rc = -1;
	if (strlen(path) < sizeof(sa.sun_path)) {
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	} else {
		/* Too long for sun_path: go through the directory's descriptor. */
		const char *slash = strrchr(path, '/');
		char dir[4096];
		if (!slash || (size_t)(slash - path) >= sizeof(dir)) {
			api_fail(err, API_INTERNAL, "QMP socket path too long: %s", path);
			goto out;
		}
		memcpy(dir, path, slash - path);
		dir[slash - path] = '\0';
		dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0) {
			api_fail(err, API_INTERNAL, "cannot open %s: %s", dir, strerror(errno));
			goto out;
		}
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, slash + 1);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		api_fail(err, API_INTERNAL, "socket: %s", strerror(errno));
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		api_fail(err, API_INTERNAL, "cannot connect to QMP at %s: %s", path,
		         strerror(errno));
		goto out;
	}
	*out = fd;
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

/* Reads one JSON line before the deadline; *msg is a new reference. */
static int qmp_read(struct qmp *q, long long deadline, json_t **msg, struct api_error *err)
{
	for (;;) {
		char *nl = memchr(q->buf, '\n', q->len);
		if (nl) {
			json_error_t jerr;
			size_t linelen = nl - q->buf;
			json_t *v = json_loadb(q->buf, linelen, 0, &jerr);
			memmove(q->buf, nl + 1, q->len - linelen - 1);
			q->len -= linelen + 1;
			if (!v)
				return api_fail(err, API_INTERNAL, "bad QMP message: %s",
				                jerr.text);
			*msg = v;
			return 0;
		}
		if (q->len == sizeof(q->buf))
			return api_fail(err, API_INTERNAL, "QMP message too long");
		long long left = deadline - now_ms();
		if (left <= 0)
			return api_fail(err, API_INTERNAL, "QMP did not answer in time");
		struct pollfd pfd = {.fd = q->fd, .events = POLLIN};
		int n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		ssize_t got = read(q->fd, q->buf + q->len, sizeof(q->buf) - q->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return api_fail(err, API_INTERNAL, "QMP connection closed");
		q->len += got;
	}
}

static int qmp_send(struct qmp *q, json_t *msg, struct api_error *err)
{
	char *text = json_dumps(msg, JSON_COMPACT);
	int rc = -1;
	if (!text)
		return api_fail(err, API_INTERNAL, "cannot encode QMP command");
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t n = send(q->fd, text + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			api_fail(err, API_INTERNAL, "QMP write failed: %s", strerror(errno));
			goto out;
		}
		off += n;
	}
	if (send(q->fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		api_fail(err, API_INTERNAL, "QMP write failed: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

int qmp_execute(struct qmp *q, const char *cmd, json_t *args, int timeout_ms, json_t **ret,
                struct api_error *err)
{
	long long deadline = now_ms() + timeout_ms;
	json_t *req = json_pack("{ss}", "execute", cmd);
	int rc = -1;
	if (args)
		json_object_set(req, "arguments", args);
	if (qmp_send(q, req, err) < 0)
		goto out;
	for (;;) {
		json_t *msg = NULL;
		if (qmp_read(q, deadline, &msg, err) < 0)
			goto out;
		json_t *r = json_object_get(msg, "return");
		json_t *e = json_object_get(msg, "error");
		if (r) {
			if (ret)
				*ret = json_incref(r);
			json_decref(msg);
			rc = 0;
			goto out;
		}
		if (e) {
			const char *desc = json_string_value(json_object_get(e, "desc"));
			api_fail(err, API_INTERNAL, "QMP %s failed: %s", cmd, desc ? desc : "?");
			json_decref(msg);
			goto out;
		}
		json_decref(msg); /* an event: not ours */
	}
out:
	json_decref(req);
	return rc;
}

int qmp_connect(const char *path, int timeout_ms, struct qmp **out, struct api_error *err)
{
	struct qmp *q = calloc(1, sizeof(*q));
	json_t *greeting = NULL;
	if (!q)
		abort();
	q->fd = -1;
	if (qmp_connect_fd(path, &q->fd, err) < 0)
		goto fail;
	if (qmp_read(q, now_ms() + timeout_ms, &greeting, err) < 0)
		goto fail;
	if (!json_object_get(greeting, "QMP")) {
		api_fail(err, API_INTERNAL, "no QMP greeting on %s", path);
		goto fail;
	}
	json_decref(greeting);
	greeting = NULL;
	if (qmp_execute(q, "qmp_capabilities", NULL, timeout_ms, NULL, err) < 0)
		goto fail;
	*out = q;
	return 0;
fail:
	json_decref(greeting);
	qmp_close(q);
	return -1;
}

void qmp_close(struct qmp *q)
{
	if (!q)
		return;
	if (q->fd >= 0)
		close(q->fd);
	free(q);
}

int qmp_run(const char *path, const char *cmd, json_t *args, int timeout_ms, json_t **ret,
            struct api_error *err)
{
	struct qmp *q = NULL;
	if (qmp_connect(path, timeout_ms, &q, err) < 0)
		return -1;
	int rc = qmp_execute(q, cmd, args, timeout_ms, ret, err);
	qmp_close(q);
	return rc;
}
