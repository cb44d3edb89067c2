/* The Keystone v3 API surface: every route of the identity service, with
 * the policy rule it is checked against (NULL: no token needed), then the
 * version documents, the error body and the hook that marks writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity/resources.h"

static int get_versions(struct http_request *req, struct http_response *resp,
                        struct api_error *err);
static int get_version(struct http_request *req, struct http_response *resp, struct api_error *err);

const struct http_route identity_routes[] = {
    {"GET", "/", get_versions, NULL, NULL},
    {"GET", "/v3", get_version, NULL, NULL},

    {"POST", "/v3/auth/tokens", identity_post_tokens, NULL, NULL},
    {"GET", "/v3/auth/tokens", identity_get_token, NULL, "identity:validate_token"},
    {"HEAD", "/v3/auth/tokens", identity_head_token, NULL, "identity:check_token"},
    {"DELETE", "/v3/auth/tokens", identity_delete_token, NULL, "identity:revoke_token"},
    {"GET", "/v3/auth/catalog", identity_get_auth_catalog, NULL, "identity:get_auth_catalog"},
    {"GET", "/v3/auth/projects", identity_get_auth_projects, NULL, "identity:get_auth_projects"},
    {"GET", "/v3/auth/domains", identity_get_auth_domains, NULL, "identity:get_auth_domains"},
    {"GET", "/v3/auth/system", identity_get_auth_system, NULL, "identity:get_auth_system"},
};

const size_t identity_nroutes = sizeof(identity_routes) / sizeof(identity_routes[0]);

static json_t *version_doc(struct identity_state *st)
{
	char *href;
	if (asprintf(&href, "%s/v3/", st->auth_url) < 0)
		abort();
	json_t *v = json_pack("{s:s,s:s,s:s,s:[{s:s,s:s}],s:[{s:s,s:s}]}", "id", "v3.14", "status",
	                      "stable", "updated", "2020-04-07T00:00:00Z", "links", "rel", "self",
	                      "href", href, "media-types", "base", "application/json", "type",
	                      "application/vnd.openstack.identity-v3+json");
	free(href);
	return v;
}

static int get_versions(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	(void)err;
	json_t *doc = json_pack("{s:{s:[o]}}", "versions", "values", version_doc(req->ctx));
	http_reply_json(resp, 300, doc);
	return 0;
}

static int get_version(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	(void)err;
	http_reply_json(resp, 200, json_pack("{s:o}", "version", version_doc(req->ctx)));
	return 0;
}

void identity_render_error(struct http_request *req, struct http_response *resp,
                           const struct api_error *err)
{
	struct identity_state *st = req->ctx;
	json_t *body = json_pack("{s:{s:i,s:s,s:s}}", "error", "code", err->status, "title",
	                         api_error_title(err->kind), "message", err->message);
	http_reply_json(resp, err->status, body);
	if (err->status == 401 && st) {
		char *h = arena_printf(req->arena, "Keystone uri=\"%s\"", st->auth_url);
		http_header_set(resp, "WWW-Authenticate", h);
	}
}

/* Any successful write may change what a token means or what the catalog
 * holds: drop the caches. Issuing a token writes nothing. */
void identity_finish(struct http_request *req, struct http_response *resp)
{
	if (!req->ctx || resp->status >= 400 || !strcmp(req->method, "GET") ||
	    !strcmp(req->method, "HEAD"))
		return;
	if (!strcmp(req->method, "POST") && req->subpath &&
	    !strcmp(req->subpath, "/v3/auth/tokens"))
		return;
	identity_changed(req->ctx);
}
