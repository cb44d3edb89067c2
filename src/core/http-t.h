/* The data model of the HTTP layer: a request, a response, a route, a
 * service (a URL prefix with its routes and its error body shape), and the
 * sink that receives a streamed request body. Functions are in http.h. */
#ifndef STACKD_HTTP_T_H
#define STACKD_HTTP_T_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

struct arena;
struct http_server;
struct http_request;
struct http_response;
struct http_sink;

#define HTTP_MAX_PARAMS 8
#define HTTP_MAX_HEADERS 48

struct http_kv {
	const char *key, *value;
};

/* A handler answers by filling resp and returning 0, or fails by filling
 * err and returning -1: the service's error renderer writes the body. */
typedef int (*http_handler)(struct http_request *req, struct http_response *resp,
                            struct api_error *err);

/* Called once the headers are in, for a route whose body is streamed. It
 * either answers at once (fills resp, leaves sink->write NULL) or fills sink
 * to receive the body. Returns -1 with err to refuse the request. */
typedef int (*http_upload_handler)(struct http_request *req, struct http_response *resp,
                                   struct http_sink *sink, struct api_error *err);

struct http_sink {
	/* Consumes a piece of the body. -1 with err stops the upload. */
	int (*write)(void *state, const char *data, size_t len, struct api_error *err);
	/* The whole body arrived: answer. */
	int (*finish)(void *state, struct http_request *req, struct http_response *resp,
	              struct api_error *err);
	/* The body did not arrive whole, or write/finish failed: undo what
	 * write did. Called at most once, never after a successful finish. */
	void (*abort)(void *state);
	void *state;
};

struct http_route {
	const char *method; /* "GET", ...; HEAD also matches a GET route */
	/* Path below the service prefix: "/v3/users/{user_id}"; a final
	 * "{name*}" takes the rest of the path, slashes included. */
	const char *pattern;
	http_handler handler;
	http_upload_handler upload; /* set instead of handler to stream the body */
	/* Policy rule given to the service's authorize hook; NULL means the
	 * route needs no token (version documents, token issue). */
	const char *rule;
};

struct http_service {
	const char *name;   /* metrics and log label: "identity" */
	const char *prefix; /* "/identity"; "" for the root */
	const struct http_route *routes;
	size_t nroutes;
	void *ctx; /* the service's own state, seen by handlers as req->ctx */
	/* Writes the service's error body for err. */
	void (*render_error)(struct http_request *req, struct http_response *resp,
	                     const struct api_error *err);
	/* Checks rule for the authenticated req; -1 with err (403) refuses. */
	int (*authorize)(struct http_request *req, const char *rule, struct api_error *err);
	/* Optional: runs before authentication (microversion negotiation). */
	int (*prepare)(struct http_request *req, struct api_error *err);
	/* Optional: runs on every response of the service, errors included. */
	void (*finish)(struct http_request *req, struct http_response *resp);
};

/* Validates the request's token; on success sets req->auth. */
typedef int (*http_authenticator)(void *ctx, struct http_request *req, struct api_error *err);

struct http_request {
	struct arena *arena;
	struct http_server *server;
	const struct http_service *service;
	const struct http_route *route;
	void *ctx;  /* service->ctx */
	void *auth; /* set by the authenticator: the identity of the caller */
	void *conn; /* the libmicrohttpd connection, for header lookups */
	const char *method;
	const char *path;       /* full path, decoded */
	const char *subpath;    /* path below the service prefix */
	const char *request_id; /* "req-<uuid>" */
	const char *base_url;   /* scheme://host[:port] the client used */
	struct http_kv params[HTTP_MAX_PARAMS];
	size_t nparams;
	struct http_kv *query;
	size_t nquery;
	char *body; /* NUL-terminated; NULL when empty */
	size_t body_len;
	void *service_state; /* free for the service's prepare/finish hooks */
	double started;
};

/* Response body sources: a buffer, a file region, or a reader callback. */
typedef ssize_t (*http_reader)(void *cls, uint64_t pos, char *buf, size_t max);

/* Runs on a thread of its own once a 101 went out: fd is the client's
 * connection (closed by the server when this returns), pending the bytes
 * the client sent after its request. */
typedef void (*http_upgraded)(void *cls, int fd, const char *pending, size_t npending);

struct http_response {
	struct arena *arena;
	int status; /* 0 until answered */
	struct http_kv headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	const char *body;
	size_t body_len;
	int fd; /* -1 unless a file region is sent; owned by the response */
	uint64_t fd_offset;
	uint64_t
	    length; /* of the fd region or the reader's stream; UINT64_MAX: unknown (chunked) */
	http_reader reader;
	void *reader_cls;
	void (*reader_free)(void *cls);
	http_upgraded upgrade; /* with status 101 (http_reply_upgrade) */
	void *upgrade_cls;
	void (*upgrade_free)(void *cls);
};

#endif
