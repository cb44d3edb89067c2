/* The guest's side of os-server-password: a guest (cloudbase-init, or any
 * tool encrypting a generated password with the server's key) POSTs it to
 * /openstack/<version>/password once; GET reads it back; the API's DELETE
 * clears it, after which the guest may POST again. As Nova: 409 while one
 * is set, 400 above 4 * 255 bytes (Nova's four system_metadata chunks),
 * 400 for methods other than GET and POST. HEAD is answered as GET, as
 * everywhere in the metadata tree. */
#include <string.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/error.h"
#include "network/network.h"

#define PASSWORD_MAX (4 * 255)

static void plain(struct arena *a, int code, const char *msg, int *status, char **body, size_t *len,
                  const char **ctype)
{
	*status = code;
	*body = arena_strdup(a, msg);
	*len = strlen(msg);
	*ctype = "text/plain";
}

static int post(struct arena *a, const char *server_id, const struct net_md_request *rq,
                int *status, char **body, size_t *len, const char **ctype)
{
	struct api_error err;
	if (*compute_server_password(a, server_id)) {
		plain(a, 409, "a password is already set\n", status, body, len, ctype);
		return 0;
	}
	if (rq->body_len > PASSWORD_MAX) {
		plain(a, 400, "request is too large\n", status, body, len, ctype);
		return 0;
	}
	/* An empty body stores nothing (Nova keeps an empty password as none). */
	if (rq->body_len == 0) {
		plain(a, 200, "", status, body, len, ctype);
		return 0;
	}
	char *pw = arena_strndup(a, rq->body, rq->body_len);
	if (memchr(rq->body, '\0', rq->body_len) || !api_utf8_valid(pw)) {
		plain(a, 400, "the password is not UTF-8 text\n", status, body, len, ctype);
		return 0;
	}
	int rc = compute_server_password_set(server_id, pw, rq->body_len, &err);
	if (rc < 0)
		return -1;
	/* 0: another request set one since the check above */
	if (rc == 0)
		plain(a, 409, "a password is already set\n", status, body, len, ctype);
	else
		plain(a, 200, "", status, body, len, ctype);
	return 0;
}

int compute_metadata_password(struct arena *a, const char *server_id,
                              const struct net_md_request *rq, int *status, char **body,
                              size_t *len, const char **ctype)
{
	if (!strcmp(rq->method, "POST"))
		return post(a, server_id, rq, status, body, len, ctype);
	if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD")) {
		plain(a, 400, "GET and POST only are supported\n", status, body, len, ctype);
		return 0;
	}
	const char *pw = compute_server_password(a, server_id);
	plain(a, 200, pw, status, body, len, ctype);
	return 0;
}
