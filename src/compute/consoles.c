/* Remote consoles, as Nova's remote_consoles.py, compute API and manager
 * answer them with the libvirt driver: the legacy actions (os-getVNCConsole,
 * os-getSPICEConsole, os-getRDPConsole, os-getSerialConsole; 2.1-2.5) and
 * POST /servers/{id}/remote-consoles (2.6; mks from 2.8), the console
 * tokens they hand out (os-console-auth-tokens, 2.31 for every type) and
 * the websocket endpoint the URLs point at (/compute/serial/?token=...,
 * Nova's nova-serialproxy), which relays to the driver's console socket.
 *
 * What this cloud offers: the serial console and noVNC (when the driver has
 * remote consoles; VNC as Nova's [vnc] enabled, here [compute] vnc_enabled,
 * default on; a guest without VNC graphics is the libvirt driver's
 * "Unavailable console type vnc."). noVNC's own pages are served from
 * [compute] novnc_path (Debian's novnc package) under /compute/vnc/, its
 * websocket at /compute/vnc/websockify. SPICE, RDP and MKS are disabled as
 * in Nova's defaults ("Unavailable console type <type>."). A driver without
 * consoles (fake) answers as Nova's base ComputeDriver: NotImplementedError,
 * 501.
 *
 * Tokens are kept in the database as Nova's console_auth_tokens (table
 * compute_console_tokens), by their SHA-256 only, for [compute]
 * console_token_ttl seconds (Nova's [consoleauth] token_ttl, 600) and may
 * be used any number of times until then, as Nova's; they outlive a
 * restart of stackd and die with the server. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/websocket.h"
#include "service.h"

/* ---- tokens ---- */

/* What a live token opens (a row of compute_console_tokens). */
struct console_token {
	const char *instance;
	const char *type; /* Nova's console type: "serial", "novnc" */
	const char *kind; /* the driver's console kind: "serial", "vnc" */
	const char *host;
	const char *where;
};

static const char SQL_TOKEN_PRUNE[] = "DELETE FROM compute_console_tokens WHERE expires <= ?";
static const char SQL_TOKEN_INSERT[] =
    "INSERT INTO compute_console_tokens (token_hash, instance_uuid, console_type, kind, host,"
    " internal_access_path, created_at, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
/* A token dies with its server: the delete trigger removes its rows, and
 * the join covers a token issued while the server was being deleted (an
 * INSERT after the DELETE; the row goes when it expires). */
static const char SQL_TOKEN_FIND[] =
    "SELECT t.instance_uuid, t.console_type, t.kind, t.host, t.internal_access_path"
    " FROM compute_console_tokens t JOIN compute_servers s ON s.id = t.instance_uuid"
    " WHERE t.token_hash = ? AND t.expires > ?";

/* The token's SHA-256 in hex (Nova's token_hash). */
static void token_hash(const char *token, char out[65])
{
	unsigned char h[32];
	unsigned int n = sizeof(h);
	if (EVP_Digest(token, strlen(token), h, &n, EVP_sha256(), NULL) != 1)
		abort();
	for (size_t i = 0; i < sizeof(h); i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* A new token for the instance's console, in out; only its hash is kept.
 * Drops the expired tokens on the way. */
static int token_issue(const struct compute_svc *svc, const char *instance, const char *type,
                       const char *kind, const char *where, int ttl, char out[37],
                       struct api_error *err)
{
	char hash[65];
	ids_uuid4(out);
	token_hash(out, hash);
	double now = ids_now();
	sqlite3_stmt *st = db_stmt(SQL_TOKEN_PRUNE, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_double(st, 1, now);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	if ((st = db_stmt(SQL_TOKEN_INSERT, err)) == NULL)
		return -1;
	db_bind_text(st, 1, hash);
	db_bind_text(st, 2, instance);
	db_bind_text(st, 3, type);
	db_bind_text(st, 4, kind);
	db_bind_text(st, 5, svc->host.name);
	db_bind_text(st, 6, where);
	sqlite3_bind_double(st, 7, now);
	sqlite3_bind_double(st, 8, now + ttl);
	return db_exec_stmt(st, err);
}

/* The live token's record, from a; 1 when found, 0 when unknown, expired
 * or its server gone, -1 with err when the database fails. */
static int token_find(struct arena *a, const char *token, struct console_token *out,
                      struct api_error *err)
{
	if (!token || !*token)
		return 0;
	char hash[65];
	token_hash(token, hash);
	sqlite3_stmt *st = db_stmt(SQL_TOKEN_FIND, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, hash);
	sqlite3_bind_double(st, 2, ids_now());
	int rc = db_step(st, err);
	if (rc == SQLITE_ROW) {
		out->instance = arena_strdup(a, db_column_text(st, 0));
		out->type = arena_strdup(a, db_column_text(st, 1));
		out->kind = arena_strdup(a, db_column_text(st, 2));
		out->host = arena_strdup(a, db_column_text(st, 3));
		out->where = arena_strdup(a, db_column_text(st, 4));
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int token_ttl(const struct compute_svc *svc)
{
	long long ttl = config_get_int(svc->env->cfg, "compute", "console_token_ttl", 600);
	return ttl > 0 ? (int)ttl : 600;
}

/* ---- issuing a console ---- */

/* Nova's protocols, their console types and whether this cloud enables
 * them (Nova's defaults: [vnc] on, [spice], [rdp], [mks] off; the serial
 * console is on here). */
static const struct {
	const char *protocol;
	const char *type;   /* the one type the manager accepts */
	const char *kind;   /* the driver's console */
	const char *option; /* [compute] switch, or NULL: always as enabled */
	bool enabled;
} protocols[] = {
    {"vnc", "novnc", "vnc", "vnc_enabled", true}, {"spice", "spice-html5", NULL, NULL, false},
    {"rdp", "rdp-html5", NULL, NULL, false},      {"serial", "serial", "serial", NULL, true},
    {"mks", "webmks", NULL, NULL, false},
};

/* The compute API's checks and the manager's for a console of protocol and
 * type; on success *url is the URL to hand out. */
static int console_get(struct http_request *req, const struct compute_server *s,
                       const char *protocol, const char *type, const char **url,
                       struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	size_t i = 0;
	while (i < sizeof(protocols) / sizeof(protocols[0]) &&
	       strcmp(protocols[i].protocol, protocol) != 0)
		i++;
	if (i == sizeof(protocols) / sizeof(protocols[0]))
		return api_fail(err, API_BAD_REQUEST, "Invalid console type %s", type);
	/* compute API: check_instance_host, then the task states. */
	if (s->host == NULL)
		return api_fail(err, API_CONFLICT, "Instance %s is not ready", s->id);
	if (s->task_state &&
	    (strcmp(s->task_state, "deleting") == 0 || strcmp(s->task_state, "migrating") == 0))
		return api_fail(err, API_CONFLICT,
		                "Cannot 'get_%s_console' instance %s while it is in task_state %s",
		                protocol, s->id, s->task_state);
	/* manager: enabled, then the type, then the driver. */
	bool enabled = protocols[i].enabled;
	if (protocols[i].option)
		enabled = config_get_bool(svc->env->cfg, "compute", protocols[i].option, enabled);
	if (!enabled)
		return api_fail(err, API_BAD_REQUEST, "Unavailable console type %s.", type);
	if (strcmp(type, protocols[i].type) != 0)
		return api_fail(err, API_BAD_REQUEST, "Invalid console type %s", type);
	if (svc->drv->console_check == NULL || svc->drv->console_open == NULL)
		return api_fail(err, API_NOT_IMPLEMENTED,
		                "The requested functionality is not supported.");
	char where[512];
	if (svc->drv->console_check(svc->drv_state, s->id, protocols[i].kind, where, sizeof(where),
	                            err) != 0)
		return -1;
	char token[37];
	if (token_issue(svc, s->id, type, protocols[i].kind, where, token_ttl(svc), token, err) !=
	    0)
		return -1;
	/* The proxies are on this listener: the URL the client came in on. */
	const char *base = req->base_url;
	if (strcmp(protocols[i].kind, "vnc") == 0) {
		/* Nova's form: the page, and the websocket's path (with the
		 * token) in its path parameter, for noVNC to connect to. */
		*url = arena_printf(req->arena,
		                    "%s/compute/vnc/vnc_lite.html?path=compute%%2Fvnc%%2Fwebsockify"
		                    "%%3Ftoken%%3D%s",
		                    base, token);
		return 0;
	}
	const char *host = strstr(base, "://");
	bool tls = strncmp(base, "https://", 8) == 0;
	*url = arena_printf(req->arena, "%s%s/compute/serial/?token=%s", tls ? "wss://" : "ws://",
	                    host ? host + 3 : base, token);
	return 0;
}

/* ---- the legacy actions (2.1-2.5) ---- */

static const struct {
	const char *action;
	const char *protocol;
	const char *types[3];
} legacy[] = {
    {"os-getVNCConsole", "vnc", {"novnc", "xvpvnc", NULL}},
    {"os-getSPICEConsole", "spice", {"spice-html5", NULL, NULL}},
    {"os-getRDPConsole", "rdp", {"rdp-html5", NULL, NULL}},
    {"os-getSerialConsole", "serial", {"serial", NULL, NULL}},
};

/* "'x' is not one of ['a', 'b']" as jsonschema words it. */
static const char *enum_text(struct arena *a, const char *const *values, size_t n)
{
	char *out = arena_strdup(a, "[");
	for (size_t i = 0; i < n && values[i]; i++)
		out = arena_printf(a, "%s%s'%s'", out, i ? ", " : "", values[i]);
	return arena_printf(a, "%s]", out);
}

bool compute_console_action(const char *action)
{
	for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
		if (strcmp(action, legacy[i].action) == 0)
			return true;
	return false;
}

int compute_console_legacy(struct http_request *req, struct http_response *resp,
                           const struct compute_server *s, const char *action, json_t *arg,
                           struct api_error *err)
{
	size_t i = 0;
	while (strcmp(legacy[i].action, action) != 0)
		i++;
	/* Replaced by remote-consoles at 2.6: the action is gone (404). */
	if (compute_mv(req) >= 6)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	static const char *const only_type[] = {"type", NULL};
	if (!json_is_object(arg))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute %s. Value: %s. "
		                "must be an object",
		                action, json_is_null(arg) ? "None" : "not an object");
	if (json_only_keys(arg, only_type, action, err) != 0)
		return -1;
	json_t *t = json_object_get(arg, "type");
	if (t == NULL)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute %s. Value: {}. "
		                "'type' is a required property",
		                action);
	const char *type = json_string_value(t);
	bool ok = false;
	for (size_t k = 0; type && k < 3 && legacy[i].types[k]; k++)
		ok = ok || strcmp(type, legacy[i].types[k]) == 0;
	if (!ok)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute type. Value: %s. %s is not one "
		                "of %s",
		                type ? type : "(not a string)", type ? type : "value",
		                enum_text(req->arena, legacy[i].types, 3));
	const char *url;
	if (console_get(req, s, legacy[i].protocol, type, &url, err) != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:{s:s,s:s}}", "console", "type", type, "url", url));
	return 0;
}

/* ---- POST /servers/{id}/remote-consoles (2.6) ---- */

COMPUTE_HANDLER(compute_remote_console_create)
{
	if (compute_mv(req) < 6)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	struct compute_server s;
	json_t *body, *rc = NULL;
	/* Nova validates the body before it looks the server up. */
	if (http_body_json(req, &body, err) != 0)
		return -1;
	static const char *const top[] = {"remote_console", NULL};
	static const char *const fields[] = {"protocol", "type", NULL};
	if (!json_is_object(body) || json_only_keys(body, top, "request body", err) != 0 ||
	    json_get_object(body, "remote_console", true, &rc, err) != 0 ||
	    json_only_keys(rc, fields, "remote_console", err) != 0)
		return json_is_object(body)
		           ? -1
		           : api_fail(err, API_BAD_REQUEST, "The request body must be an object.");
	const char *protocol = NULL, *type = NULL;
	if (json_get_string(rc, "protocol", true, &protocol, err) != 0 ||
	    json_get_string(rc, "type", true, &type, err) != 0)
		return -1;
	bool mks = compute_mv(req) >= 8;
	static const char *const protos[] = {"vnc", "spice", "rdp", "serial", "mks"};
	static const char *const types[] = {"novnc",       "xvpvnc", "rdp-html5",
	                                    "spice-html5", "serial", "webmks"};
	bool ok = false;
	for (size_t k = 0; k < (mks ? 5u : 4u); k++)
		ok = ok || strcmp(protocol, protos[k]) == 0;
	if (!ok)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute protocol. Value: %s. '%s' is "
		                "not one of %s",
		                protocol, protocol, enum_text(req->arena, protos, mks ? 5 : 4));
	ok = false;
	for (size_t k = 0; k < (mks ? 6u : 5u); k++)
		ok = ok || strcmp(type, types[k]) == 0;
	if (!ok)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute type. Value: %s. '%s' is not "
		                "one of %s",
		                type, type, enum_text(req->arena, types, mks ? 6 : 5));
	const char *url;
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0 ||
	    console_get(req, &s, protocol, type, &url, err) != 0)
		return -1;
	http_reply_json(resp, 200,
	                json_pack("{s:{s:s,s:s,s:s}}", "remote_console", "protocol", protocol,
	                          "type", type, "url", url));
	return 0;
}

/* ---- GET /os-console-auth-tokens/{token} (admin) ---- */

COMPUTE_HANDLER(compute_console_auth_token_show)
{
	struct console_token t;
	const char *token = http_param(req, "token");
	if (!token || !*token)
		return api_fail(err, API_BAD_REQUEST, "token not provided");
	int found = token_find(req->arena, token, &t, err);
	if (found < 0)
		return -1;
	if (found == 0)
		return api_fail(err, API_NOT_FOUND, "Token not found");
	/* Below 2.31 only RDP tokens could be looked at. */
	if (compute_mv(req) < 31 && strcmp(t.type, "rdp-html5") != 0)
		return api_fail(err, API_UNAUTHORIZED,
		                "The requested console type details are not accessible");
	/* The console is a unix socket on the compute host: no port. */
	http_reply_json(resp, 200,
	                json_pack("{s:{s:s,s:s,s:n,s:s}}", "console", "instance_uuid", t.instance,
	                          "host", t.host, "port", "internal_access_path", t.where));
	return 0;
}

/* ---- the websocket proxy ---- */

struct console_session {
	int backend; /* the driver's console socket, or -1: refused */
	char instance[37];
};

static void session_free(void *p)
{
	struct console_session *cs = p;
	if (cs->backend >= 0)
		close(cs->backend);
	free(cs);
}

static void session_run(void *cls, int fd, const char *pending, size_t npending)
{
	struct console_session *cs = cls;
	if (cs->backend < 0) {
		/* Nova's proxy just closes; Tempest's test_novnc_bad_token
		 * wants no payload: a close frame without a status code. */
		ws_send_close(fd, 0, NULL);
		ws_linger(fd);
		return;
	}
	log_info("event=console_connected instance=%s", cs->instance);
	int backend = cs->backend;
	cs->backend = -1; /* ws_relay closes it */
	int code = ws_relay(fd, pending, npending, backend);
	log_info("event=console_closed instance=%s code=%d", cs->instance, code);
}

/* The token from ?token=, else from a "token=" cookie (noVNC before 1.1
 * and Tempest's websocket helper send it so). */
static const char *request_token(struct http_request *req)
{
	const char *t = http_query(req, "token");
	if (t && *t)
		return t;
	const char *cookie = http_header(req, "Cookie");
	for (const char *p = cookie; p && *p;) {
		p += strspn(p, " ;");
		if (strncmp(p, "token=", 6) == 0) {
			size_t n = strcspn(p + 6, ";");
			return arena_strndup(req->arena, p + 6, n);
		}
		p += strcspn(p, ";");
	}
	return NULL;
}

/* Nova's proxies refuse a browser page of another site (Origin's host and
 * port against Host). */
static bool origin_ok(struct http_request *req)
{
	const char *origin = http_header(req, "Origin");
	const char *host = http_header(req, "Host");
	if (!origin || !*origin || strcmp(origin, "null") == 0)
		return true;
	const char *p = strstr(origin, "://");
	p = p ? p + 3 : origin;
	size_t n = strcspn(p, "/");
	return host && strlen(host) == n && strncasecmp(p, host, n) == 0;
}

COMPUTE_HANDLER(compute_console_proxy)
{
	struct compute_svc *svc = req->ctx;
	const char *kind = strncmp(req->subpath, "/vnc", 4) == 0 ? "vnc" : "serial";
	/* Nova's proxies (websockify) speak the 'binary' subprotocol. */
	if (ws_handshake(req, resp, "binary", err) != 0)
		return -1;
	struct console_session *cs = calloc(1, sizeof(*cs));
	if (!cs)
		abort();
	cs->backend = -1;
	struct console_token t;
	struct api_error oerr = {0};
	int found = 0;
	/* As Nova's proxy: the handshake completes, then a bad token or an
	 * unreachable console ends the session (the reason is logged). */
	if (!origin_ok(req)) {
		log_info("event=console_refused reason=\"Origin header does not match this host\"");
	} else if ((found = token_find(req->arena, request_token(req), &t, &oerr)) < 0) {
		log_info("event=console_refused reason=\"%s\"", oerr.message);
	} else if (found == 0 || strcmp(t.kind, kind) != 0) {
		log_info("event=console_refused reason=\"The token is invalid or has expired\"");
	} else if (svc->drv->console_open == NULL ||
	           svc->drv->console_open(svc->drv_state, t.instance, t.kind, &cs->backend,
	                                  &oerr) != 0) {
		cs->backend = -1;
		log_info("event=console_refused instance=%s reason=\"%s\"", t.instance,
		         oerr.message);
	} else {
		snprintf(cs->instance, sizeof(cs->instance), "%s", t.instance);
	}
	http_reply_upgrade(resp, session_run, cs, session_free);
	return 0;
}

/* ---- noVNC's pages ---- */

static const struct {
	const char *ext, *type;
} mime[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "application/javascript"},
    {".css", "text/css"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".json", "application/json"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".ttf", "font/ttf"},
    {".mp3", "audio/mpeg"},
    {".oga", "audio/ogg"},
};

/* GET /compute/vnc/{file*}: a file of [compute] novnc_path (no token: the
 * pages are the same for everyone; the websocket checks the token). The
 * package links some files into /usr/share/javascript: a file that
 * resolves under the root or under /usr/share is served, nothing else. */
COMPUTE_HANDLER(compute_novnc_file)
{
	struct compute_svc *svc = req->ctx;
	const char *root = config_get(svc->env->cfg, "compute", "novnc_path", "/usr/share/novnc");
	const char *file = http_param(req, "file");
	char rootreal[PATH_MAX], real[PATH_MAX];
	if (!realpath(root, rootreal))
		return api_fail(err, API_NOT_FOUND,
		                "noVNC is not installed here ([compute] novnc_path = %s).", root);
	if (!file || !*file || file[0] == '/' || strstr(file, "..") != NULL)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	const char *path = arena_printf(req->arena, "%s/%s", rootreal, file);
	size_t rl = strlen(rootreal);
	if (!realpath(path, real) || !((strncmp(real, rootreal, rl) == 0 && real[rl] == '/') ||
	                               strncmp(real, "/usr/share/", 11) == 0))
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	}
	const char *type = "application/octet-stream";
	const char *dot = strrchr(file, '.');
	for (size_t i = 0; dot && i < sizeof(mime) / sizeof(mime[0]); i++)
		if (strcmp(dot, mime[i].ext) == 0)
			type = mime[i].type;
	http_header_set(resp, "Content-Type", type);
	http_reply_fd(resp, 200, fd, 0, (uint64_t)st.st_size);
	return 0;
}
