/* The HTTP server on libmicrohttpd. One request's life:
 *   first callback (headers in): route, prepare, authenticate, authorize,
 *     and for streaming routes open the sink;
 *   body callbacks: buffer (bounded by max_body) or feed the sink;
 *   last callback: run the handler (or finish the sink) and queue the answer;
 *   completion: log one line, count it, free the request's arena.
 * Everything a request allocates lives in its arena, which outlives the
 * response being sent, so response buffers need no copy. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/http.h"
#include "core/http_server-t.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/metrics.h"

struct request_state {
	struct http_request req;
	struct http_response resp;
	struct api_error err;
	struct http_sink sink;
	bool sink_open;   /* write may have run: abort undoes it */
	bool answered;    /* a response is queued */
	bool decided;     /* resp or err holds the answer, to queue at the end */
	bool body_begun;  /* some body bytes arrived */
	size_t discarded; /* body bytes read and dropped after the answer was decided */
	char *buf;        /* malloc'ed body buffer, moved to the arena at the end */
	size_t len, cap;
	/* A 101 queued whose session has not started: freed at completion if
	 * the connection ends before libmicrohttpd hands it over. */
	struct http_upgrade *upgrade;
};

/* A body refused part way (a sink's write failed, the buffer limit was
 * passed) is still read, up to this much, before the error is sent: a
 * server that answers and closes while the client is still sending makes
 * the client's kernel drop the answer (the connection is reset), so the
 * client would see a broken connection instead of, say, a 413. Past this,
 * the answer goes out at once and the connection closes. */
#define HTTP_DISCARD_MAX (64u << 20)

struct http_server *http_server_new(const struct http_server_options *opts)
{
	struct http_server *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->opts = *opts;
	pthread_mutex_init(&s->upgrades_lock, NULL);
	if (!s->opts.max_connections)
		s->opts.max_connections = 1000;
	if (!s->opts.max_body)
		s->opts.max_body = 1 << 20;
	if (!s->opts.timeout_seconds)
		s->opts.timeout_seconds = 120;
	return s;
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	http_server_stop(s, 0);
	pthread_mutex_destroy(&s->upgrades_lock);
	free(s);
}

int http_server_add_service(struct http_server *s, const struct http_service *svc,
                            struct api_error *err)
{
	if (s->nservices == HTTP_MAX_SERVICES)
		return api_fail(err, API_INTERNAL, "too many services");
	s->services[s->nservices++] = svc;
	return 0;
}

void http_server_set_authenticator(struct http_server *s, http_authenticator fn, void *ctx)
{
	s->authenticate = fn;
	s->auth_ctx = ctx;
}

unsigned http_server_port(const struct http_server *s)
{
	return s->port;
}

/* ---- request accessors ---- */

const char *http_param(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nparams; i++)
		if (!strcmp(req->params[i].key, name))
			return req->params[i].value;
	return NULL;
}

const char *http_query(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nquery; i++)
		if (!strcmp(req->query[i].key, name))
			return req->query[i].value ? req->query[i].value : "";
	return NULL;
}

bool http_query_has(const struct http_request *req, const char *name)
{
	return http_query(req, name) != NULL;
}

const char *http_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

static void decref_json(void *p)
{
	json_decref(p);
}

int http_body_json(struct http_request *req, json_t **out, struct api_error *err)
{
	if (!req->body || req->body_len == 0)
		return api_fail(err, API_BAD_REQUEST, "The request body is empty; JSON expected.");
	json_error_t jerr;
	json_t *v = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!v)
		return api_fail(err, API_BAD_REQUEST, "Malformed JSON in the request body: %s",
		                jerr.text);
	arena_defer(req->arena, decref_json, v);
	*out = v;
	return 0;
}

int http_authenticate(struct http_request *req, struct api_error *err)
{
	if (!req->server->authenticate)
		return api_fail(err, API_UNAUTHORIZED, "No authentication is configured.");
	return req->server->authenticate(req->server->auth_ctx, req, err);
}

/* ---- response helpers ---- */

void http_header_set(struct http_response *resp, const char *name, const char *value)
{
	for (size_t i = 0; i < resp->nheaders; i++) {
		if (!strcasecmp(resp->headers[i].key, name)) {
			resp->headers[i].value = arena_strdup(resp->arena, value);
			return;
		}
	}
	if (resp->nheaders == HTTP_MAX_HEADERS) {
		log_warn("msg=\"response header dropped\" name=%s", name);
		return;
	}
	resp->headers[resp->nheaders].key = arena_strdup(resp->arena, name);
	resp->headers[resp->nheaders].value = arena_strdup(resp->arena, value);
	resp->nheaders++;
}

const char *http_response_header(const struct http_response *resp, const char *name)
{
	for (size_t i = 0; i < resp->nheaders; i++)
		if (!strcasecmp(resp->headers[i].key, name))
			return resp->headers[i].value;
	return NULL;
}

static void reset_body(struct http_response *resp)
{
	if (resp->fd >= 0)
		close(resp->fd);
	if (resp->reader_free)
		resp->reader_free(resp->reader_cls);
	resp->fd = -1;
	resp->reader = NULL;
	resp->reader_cls = NULL;
	resp->reader_free = NULL;
	resp->body = NULL;
	resp->body_len = 0;
	if (resp->upgrade_free)
		resp->upgrade_free(resp->upgrade_cls);
	resp->upgrade = NULL;
	resp->upgrade_cls = NULL;
	resp->upgrade_free = NULL;
}

void http_reply_json(struct http_response *resp, int status, json_t *body)
{
	reset_body(resp);
	resp->status = status;
	/* NULL body: a json_pack that failed (invalid UTF-8, a NULL string):
	 * a bug to log and answer as a 500, not a reason to crash. */
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text) {
		log_error("msg=\"response body could not be encoded\" status=%d", status);
		static const char fallback[] = "{\"error\": {\"code\": 500, \"title\": "
		                               "\"Internal Server Error\", \"message\": "
		                               "\"The response could not be encoded.\"}}";
		resp->status = 500;
		resp->body = fallback;
		resp->body_len = sizeof(fallback) - 1;
		http_header_set(resp, "Content-Type", "application/json");
		return;
	}
	resp->body_len = strlen(text);
	resp->body = arena_strndup(resp->arena, text, resp->body_len);
	free(text);
	http_header_set(resp, "Content-Type", "application/json");
}

void http_reply_text(struct http_response *resp, int status, const char *content_type,
                     const char *text, size_t len)
{
	reset_body(resp);
	resp->status = status;
	resp->body = arena_strndup(resp->arena, text, len);
	resp->body_len = len;
	if (content_type)
		http_header_set(resp, "Content-Type", content_type);
}

void http_reply_empty(struct http_response *resp, int status)
{
	reset_body(resp);
	resp->status = status;
}

void http_reply_fd(struct http_response *resp, int status, int fd, uint64_t offset, uint64_t length)
{
	reset_body(resp);
	resp->status = status;
	resp->fd = fd;
	resp->fd_offset = offset;
	resp->length = length;
}

void http_reply_reader(struct http_response *resp, int status, uint64_t length, http_reader reader,
                       void *cls, void (*free_cls)(void *))
{
	reset_body(resp);
	resp->status = status;
	resp->length = length;
	resp->reader = reader;
	resp->reader_cls = cls;
	resp->reader_free = free_cls;
}

void http_reply_upgrade(struct http_response *resp, http_upgraded fn, void *cls,
                        void (*free_cls)(void *))
{
	reset_body(resp);
	resp->status = 101;
	resp->upgrade = fn;
	resp->upgrade_cls = cls;
	resp->upgrade_free = free_cls;
}

void http_render_error_default(struct http_request *req, struct http_response *resp,
                               const struct api_error *err)
{
	(void)req;
	json_t *body = json_pack("{s:{s:i,s:s,s:s}}", "error", "code", err->status, "title",
	                         api_error_title(err->kind), "message", err->message);
	http_reply_json(resp, err->status, body);
}

/* ---- the libmicrohttpd side ---- */

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
	(void)kind;
	struct request_state *st = cls;
	struct http_request *req = &st->req;
	req->query[req->nquery].key = arena_strdup(req->arena, key);
	req->query[req->nquery].value = arena_strdup(req->arena, value);
	req->nquery++;
	return MHD_YES;
}

static enum MHD_Result count_values(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
	(void)kind;
	(void)key;
	(void)value;
	(*(size_t *)cls)++;
	return MHD_YES;
}

static void render_error(struct request_state *st)
{
	const struct http_service *svc = st->req.service;
	if (!st->err.status)
		st->err.status = api_error_status(st->err.kind ? st->err.kind : API_INTERNAL);
	if (svc && svc->render_error)
		svc->render_error(&st->req, &st->resp, &st->err);
	else
		http_render_error_default(&st->req, &st->resp, &st->err);
	if (st->resp.status == 0)
		st->resp.status = st->err.status;
}

static ssize_t reader_trampoline(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_response *resp = cls;
	ssize_t n = resp->reader(resp->reader_cls, pos, buf, max);
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n;
}

/* ---- upgraded connections ---- */

static void *upgrade_thread(void *arg)
{
	struct http_upgrade *u = arg;
	u->fn(u->cls, u->fd, u->pending, u->npending);
	struct http_server *s = u->server;
	pthread_mutex_lock(&s->upgrades_lock);
	for (struct http_upgrade **p = &s->upgrades; *p; p = &(*p)->next)
		if (*p == u) {
			*p = u->next;
			break;
		}
	pthread_mutex_unlock(&s->upgrades_lock);
	if (u->free_cls)
		u->free_cls(u->cls);
	MHD_upgrade_action(u->urh, MHD_UPGRADE_ACTION_CLOSE);
	free(u->pending);
	free(u);
	return NULL;
}

/* libmicrohttpd sent the 101: the connection is ours. Runs on its thread,
 * so the session gets a thread of its own. */
static void on_upgrade(void *cls, struct MHD_Connection *conn, void *con_cls, const char *extra_in,
                       size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	(void)conn;
	struct http_upgrade *u = cls;
	/* The request's completion comes after the session (libmicrohttpd
	 * reports it when the upgraded connection closes): the session owns
	 * u from here. */
	struct request_state *st = con_cls;
	if (st)
		st->upgrade = NULL;
	u->fd = sock;
	u->urh = urh;
	u->npending = extra_in_size;
	u->pending = malloc(extra_in_size + 1);
	if (!u->pending)
		abort();
	if (extra_in_size)
		memcpy(u->pending, extra_in, extra_in_size);
	struct http_server *s = u->server;
	pthread_mutex_lock(&s->upgrades_lock);
	u->next = s->upgrades;
	s->upgrades = u;
	pthread_mutex_unlock(&s->upgrades_lock);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	int rc = pthread_create(&t, &attr, upgrade_thread, u);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		log_error("msg=\"no thread for an upgraded connection\" error=%d", rc);
		u->fn = NULL;
		shutdown(sock, SHUT_RDWR);
		pthread_mutex_lock(&s->upgrades_lock);
		s->upgrades = u->next;
		pthread_mutex_unlock(&s->upgrades_lock);
		if (u->free_cls)
			u->free_cls(u->cls);
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		free(u->pending);
		free(u);
	}
}

static enum MHD_Result queue(struct MHD_Connection *conn, struct request_state *st,
                             bool body_unread)
{
	struct http_response *resp = &st->resp;
	if (st->req.service && st->req.service->finish)
		st->req.service->finish(&st->req, resp);
	struct MHD_Response *r;
	bool no_body = resp->status == 204 || resp->status == 304 ||
	               (resp->status >= 100 && resp->status < 200);
	struct http_upgrade *up = NULL;
	if (resp->status == 101 && resp->upgrade) {
		up = calloc(1, sizeof(*up));
		if (!up)
			abort();
		up->server = st->req.server;
		up->fn = resp->upgrade;
		up->cls = resp->upgrade_cls;
		up->free_cls = resp->upgrade_free;
		up->fd = -1;
		r = MHD_create_response_for_upgrade(on_upgrade, up);
		if (r) {
			st->upgrade = up;
			resp->upgrade = NULL; /* the session owns cls now */
			resp->upgrade_cls = NULL;
			resp->upgrade_free = NULL;
		} else {
			free(up);
		}
	} else if (no_body) {
		reset_body(resp);
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else if (resp->fd >= 0) {
		r = MHD_create_response_from_fd_at_offset64(resp->length, resp->fd,
		                                            resp->fd_offset);
		if (r)
			resp->fd = -1; /* the MHD response closes it now */
	} else if (resp->reader) {
		r = MHD_create_response_from_callback(resp->length == UINT64_MAX ? MHD_SIZE_UNKNOWN
		                                                                 : resp->length,
		                                      64 * 1024, reader_trampoline, resp, NULL);
	} else {
		r = MHD_create_response_from_buffer(
		    resp->body_len, (void *)(resp->body ? resp->body : ""), MHD_RESPMEM_PERSISTENT);
	}
	if (!r)
		return MHD_NO;
	/* libmicrohttpd 0.9.75 refuses empty header values; a single space is
	 * optional whitespace that every HTTP parser strips, so clients read
	 * the empty value (Swift metadata may be empty). */
	for (size_t i = 0; i < resp->nheaders; i++)
		MHD_add_response_header(r, resp->headers[i].key,
		                        *resp->headers[i].value ? resp->headers[i].value : " ");
	MHD_add_response_header(r, "X-Openstack-Request-Id", st->req.request_id);
	if (body_unread)
		MHD_add_response_header(r, "Connection", "close");
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	st->answered = true;
	return ret;
}

static void abort_sink(struct request_state *st)
{
	if (st->sink_open && st->sink.abort)
		st->sink.abort(st->sink.state);
	st->sink_open = false;
}

/* Everything decided once the headers are in. Returns true when the
 * request is already answered (an error, or an upload refused early). */
static bool begin_request(struct http_server *s, struct MHD_Connection *conn,
                          struct request_state *st, const char *url, const char *method)
{
	struct http_request *req = &st->req;
	const struct http_route *route;
	bool mismatch;
	const char *subpath = "/";
	req->service = http_route_lookup(s, req->arena, method, url, &route, req->params,
	                                 &req->nparams, &mismatch, &subpath);
	req->subpath = subpath;
	req->route = route;
	req->ctx = req->service ? req->service->ctx : NULL;
	if (!req->service || !route) {
		if (mismatch)
			api_fail(&st->err, API_METHOD_NOT_ALLOWED,
			         "The method %s is not allowed for %s.", method, url);
		else
			api_fail(&st->err, API_NOT_FOUND, "The resource could not be found.");
		return true;
	}
	if (req->service->prepare && req->service->prepare(req, &st->err) != 0)
		return true;
	if (route->rule) {
		if (http_authenticate(req, &st->err) != 0)
			return true;
		if (req->service->authorize &&
		    req->service->authorize(req, route->rule, &st->err) != 0)
			return true;
	}
	if (route->upload) {
		if (route->upload(req, &st->resp, &st->sink, &st->err) != 0)
			return true;
		if (!st->sink.write)
			return true; /* answered without the body */
		st->sink_open = true;
		return false;
	}
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	if (cl && strtoull(cl, NULL, 10) > s->opts.max_body) {
		api_fail(&st->err, API_TOO_LARGE,
		         "Request body is larger than the limit of %zu bytes.", s->opts.max_body);
		return true;
	}
	return false;
}

static enum MHD_Result answer_now(struct MHD_Connection *conn, struct request_state *st,
                                  bool body_unread)
{
	if (st->resp.status == 0)
		render_error(st);
	return queue(conn, st, body_unread);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct http_server *s = cls;
	struct request_state *st = *con_cls;

	if (!st) {
		st = calloc(1, sizeof(*st));
		if (!st)
			return MHD_NO;
		*con_cls = st;
		atomic_fetch_add(&s->in_flight, 1);
		struct http_request *req = &st->req;
		req->arena = arena_new();
		req->server = s;
		req->conn = conn;
		req->started = ids_now();
		req->method = arena_strdup(req->arena, method);
		req->path = arena_strdup(req->arena, url);
		st->resp.arena = req->arena;
		st->resp.fd = -1;
		char uuid[37];
		ids_uuid4(uuid);
		req->request_id = arena_printf(req->arena, "req-%s", uuid);
		const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
		req->base_url = arena_printf(req->arena, "http://%s", host ? host : "localhost");
		size_t nq = 0;
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, count_values, &nq);
		req->query = arena_alloc(req->arena, sizeof(*req->query) * (nq + 1));
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, st);
		if (begin_request(s, conn, st, url, method)) {
			const char *cl =
			    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
			const char *te =
			    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding");
			bool body_pending = (cl && strcmp(cl, "0") != 0) || te;
			abort_sink(st);
			/* Without a body, answering from the last callback keeps
			 * the connection alive; with one, answer now and close
			 * rather than read a body nobody wants. */
			if (!body_pending) {
				st->decided = true;
				return MHD_YES;
			}
			return answer_now(conn, st, true);
		}
		return MHD_YES;
	}

	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (st->answered)
			return MHD_YES;
		if (st->decided) {
			st->discarded += n;
			if (st->body_begun && st->discarded > HTTP_DISCARD_MAX)
				return answer_now(conn, st, true);
			return MHD_YES;
		}
		st->body_begun = true;
		if (st->sink_open) {
			if (st->sink.write(st->sink.state, upload_data, n, &st->err) != 0) {
				abort_sink(st);
				st->decided = true; /* answered once the body is in */
			}
			return MHD_YES;
		}
		if (st->len + n > s->opts.max_body) {
			api_fail(&st->err, API_TOO_LARGE,
			         "Request body is larger than the limit of %zu bytes.",
			         s->opts.max_body);
			free(st->buf);
			st->buf = NULL;
			st->len = st->cap = 0;
			st->decided = true;
			return MHD_YES;
		}
		if (st->len + n + 1 > st->cap) {
			size_t cap = st->cap ? st->cap : 4096;
			while (cap < st->len + n + 1)
				cap *= 2;
			char *nb = realloc(st->buf, cap);
			if (!nb)
				return MHD_NO;
			st->buf = nb;
			st->cap = cap;
		}
		memcpy(st->buf + st->len, upload_data, n);
		st->len += n;
		st->buf[st->len] = '\0';
		return MHD_YES;
	}

	if (st->answered)
		return MHD_YES;
	if (st->decided)
		return answer_now(conn, st, false);

	struct http_request *req = &st->req;
	if (st->sink_open) {
		int rc = st->sink.finish(st->sink.state, req, &st->resp, &st->err);
		if (rc != 0) {
			abort_sink(st);
			st->resp.status = 0;
		} else {
			st->sink_open = false;
		}
		return answer_now(conn, st, false);
	}
	if (st->buf) {
		req->body = arena_strndup(req->arena, st->buf, st->len);
		req->body_len = st->len;
		free(st->buf);
		st->buf = NULL;
	}
	if (req->route->handler(req, &st->resp, &st->err) != 0)
		st->resp.status = 0;
	else if (st->resp.status == 0)
		api_fail(&st->err, API_INTERNAL, "The handler gave no answer.");
	return answer_now(conn, st, false);
}

/* The path as a log value: decoded paths may hold quotes, control bytes
 * (%0A would split the line) and bytes that are not UTF-8. */
static const char *log_safe(struct arena *a, const char *s)
{
	char *c = arena_strdup(a, s ? s : "");
	for (char *p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\' || *p == 0x7f)
			*p = '?';
	api_utf8_sanitize(c);
	return c;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)conn;
	struct http_server *s = cls;
	struct request_state *st = *con_cls;
	if (!st)
		return;
	*con_cls = NULL;
	abort_sink(st);
	if (st->upgrade) { /* the 101 never went out */
		if (st->upgrade->free_cls)
			st->upgrade->free_cls(st->upgrade->cls);
		free(st->upgrade);
		st->upgrade = NULL;
	}
	struct http_request *req = &st->req;
	double took = ids_now() - req->started;
	const char *svc = req->service ? req->service->name : "none";
	int status = st->answered ? st->resp.status : 499;
	log_info("request_id=%s service=%s method=%s path=\"%s\" status=%d duration_ms=%.2f%s",
	         req->request_id, svc, req->method, log_safe(req->arena, req->path), status,
	         took * 1000, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " incomplete=1");
	metrics_observe(svc, req->method, status, took);
	reset_body(&st->resp);
	free(st->buf);
	arena_free(req->arena);
	free(st);
	atomic_fetch_sub(&s->in_flight, 1);
}

int http_server_start(struct http_server *s, const char *host, unsigned port, struct api_error *err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	char portstr[16];
	snprintf(portstr, sizeof(portstr), "%u", port);
	int gai = getaddrinfo(host, portstr, &hints, &res);
	if (gai != 0)
		return api_fail(err, API_BAD_REQUEST, "cannot resolve listen address %s: %s", host,
		                gai_strerror(gai));
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	                 MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_UPGRADE;
	if (res->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* A thread per connection rather than a pool of event loops: a handler
	 * that blocks (an fsync, a digest of a large body) holds up only its
	 * own connection, not every connection its pool thread serves (with 8
	 * threads, 16 clients' PUTs had at most 8 fsyncs in flight to share a
	 * directory sync); and libmicrohttpd sends files in 2 MiB sendfile
	 * calls in this mode, 128 KiB per event-loop turn in the other.
	 * Measured in bench/README.md (object, "A thread per connection").
	 * The per-connection pool is zeroed by libmicrohttpd on every request:
	 * 32 KiB (its default) holds any sane header block and costs a
	 * quarter of the 128 KiB it was (13% of the CPU of a token
	 * validation went to that memset). */
	s->daemon = MHD_start_daemon(
	    flags, (uint16_t)port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, res->ai_addr,
	    MHD_OPTION_CONNECTION_LIMIT, s->opts.max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
	    s->opts.timeout_seconds, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
	    MHD_OPTION_END);
	freeaddrinfo(res);
	if (!s->daemon)
		return api_fail(err, API_INTERNAL, "cannot listen on %s:%u: %s", host, port,
		                strerror(errno));
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : port;
	return 0;
}

void http_server_stop(struct http_server *s, unsigned grace_seconds)
{
	if (!s->daemon)
		return;
	MHD_socket fd = MHD_quiesce_daemon(s->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	/* Upgraded connections are the application's: end them (their
	 * threads see the shutdown and return) before the daemon goes. */
	for (unsigned i = 0; i < 100; i++) {
		pthread_mutex_lock(&s->upgrades_lock);
		bool any = s->upgrades != NULL;
		for (struct http_upgrade *u = s->upgrades; u; u = u->next)
			shutdown(u->fd, SHUT_RDWR);
		pthread_mutex_unlock(&s->upgrades_lock);
		if (!any)
			break;
		usleep(50 * 1000);
	}
	for (unsigned i = 0; i < grace_seconds * 20 && atomic_load(&s->in_flight) > 0; i++)
		usleep(50 * 1000);
	MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
}
