/* The HTTP server (libmicrohttpd, a thread per connection, keep-alive), the router and
 * the request/response helpers handlers use. */
#ifndef STACKD_HTTP_H
#define STACKD_HTTP_H

#include <jansson.h>
#include <stdbool.h>

#include "core/http-t.h"

struct http_server_options {
	unsigned max_connections; /* open connections at once (a thread each) */
	size_t max_body;          /* buffered bodies; larger answers 413 */
	unsigned timeout_seconds; /* idle connection timeout */
};

struct http_server *http_server_new(const struct http_server_options *opts);
void http_server_free(struct http_server *s); /* accepts NULL; stops it first */

/* The service is not copied: it must outlive the server. */
int http_server_add_service(struct http_server *s, const struct http_service *svc,
                            struct api_error *err);
void http_server_set_authenticator(struct http_server *s, http_authenticator fn, void *ctx);
/* host may be an IPv4 or IPv6 literal or a name. */
int http_server_start(struct http_server *s, const char *host, unsigned port,
                      struct api_error *err);
/* Stops accepting, lets in-flight requests finish (up to grace_seconds),
 * then closes every connection. */
void http_server_stop(struct http_server *s, unsigned grace_seconds);
unsigned http_server_port(const struct http_server *s);

/* Router: exposed for the fuzzer and the unit tests. Returns the service
 * owning path and, if a route matches, the route and its parameters;
 * *method_mismatch says a route matched the path with another method. */
const struct http_service *http_route_lookup(const struct http_server *s, struct arena *a,
                                             const char *method, const char *path,
                                             const struct http_route **route,
                                             struct http_kv *params, size_t *nparams,
                                             bool *method_mismatch, const char **subpath);
bool http_pattern_match(struct arena *a, const char *pattern, const char *path,
                        struct http_kv *params, size_t *nparams);

/* Request accessors. */
const char *http_param(const struct http_request *req, const char *name);
const char *http_query(const struct http_request *req, const char *name);
bool http_query_has(const struct http_request *req, const char *name);
const char *http_header(const struct http_request *req, const char *name);
/* Parses the body as JSON. An empty or malformed body is a 400. The value
 * is owned by the request. */
int http_body_json(struct http_request *req, json_t **out, struct api_error *err);
/* Calls the server's authenticator for a route without a rule (optional
 * authentication, as Swift's public containers need). */
int http_authenticate(struct http_request *req, struct api_error *err);

/* Response helpers; strings are copied into the response's arena. */
void http_header_set(struct http_response *resp, const char *name, const char *value);
const char *http_response_header(const struct http_response *resp, const char *name);
/* Steals the reference to body. */
void http_reply_json(struct http_response *resp, int status, json_t *body);
void http_reply_text(struct http_response *resp, int status, const char *content_type,
                     const char *text, size_t len);
void http_reply_empty(struct http_response *resp, int status);
/* Takes ownership of fd: the response closes it. */
void http_reply_fd(struct http_response *resp, int status, int fd, uint64_t offset,
                   uint64_t length);
/* length UINT64_MAX streams chunked; free_cls (may be NULL) runs once. */
void http_reply_reader(struct http_response *resp, int status, uint64_t length, http_reader reader,
                       void *cls, void (*free_cls)(void *));

/* Switches protocols: a 101 with the headers the handler set, after which
 * fn takes over the connection on a thread of its own. free_cls (may be
 * NULL) runs once, after fn or when the upgrade never happens. Servers
 * stopping shut upgraded connections down and wait for fn to return. */
void http_reply_upgrade(struct http_response *resp, http_upgraded fn, void *cls,
                        void (*free_cls)(void *));

/* The default error body: {"error": {"code", "title", "message"}}. */
void http_render_error_default(struct http_request *req, struct http_response *resp,
                               const struct api_error *err);

#endif
