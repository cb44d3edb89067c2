/* The object service (Swift v1) under /object-store: its route table, the
 * request target (account, container, object) and who is asking, Swift's
 * error bodies and headers, /info, and start-up. Every route has rule NULL:
 * public containers and TempURLs need optional authentication, done here. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/arena.h"
#include "core/db.h"
#include "object/internal.h"
#include "service.h"

extern const struct db_migration object_migrations[];
extern const size_t object_migrations_count;

static int info(struct http_request *req, struct http_response *resp, struct api_error *err);

/* Swift's healthcheck middleware at the proxy's root: the service answers
 * once started (the daemon's own /healthcheck covers every service). */
static int healthcheck(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	(void)req;
	(void)err;
	http_reply_text(resp, 200, "text/plain", "OK", 2);
	return 0;
}

#define A "/v1/AUTH_{account}"
static const struct http_route routes[] = {
    {"GET", "/info", info, NULL, NULL},
    {"GET", "/healthcheck", healthcheck, NULL, NULL},
    {"GET", A, object_account_get, NULL, NULL},
    {"HEAD", A, object_account_head, NULL, NULL},
    {"POST", A, NULL, object_account_post_upload, NULL},
    {"DELETE", A, object_account_delete, NULL, NULL},
    {"PUT", A, NULL, object_account_put_upload, NULL},
    {"PUT", A "/{container}", NULL, object_container_put_upload, NULL},
    {"GET", A "/{container}", object_container_get, NULL, NULL},
    {"HEAD", A "/{container}", object_container_head, NULL, NULL},
    {"POST", A "/{container}", NULL, object_container_post_upload, NULL},
    {"DELETE", A "/{container}", object_container_delete, NULL, NULL},
    {"PUT", A "/{container}/{object*}", NULL, object_put, NULL},
    {"GET", A "/{container}/{object*}", object_get, NULL, NULL},
    {"POST", A "/{container}/{object*}", NULL, object_post_upload, NULL},
    {"DELETE", A "/{container}/{object*}", object_delete, NULL, NULL},
    {"COPY", A "/{container}/{object*}", object_copy, NULL, NULL},
};
#undef A

/* swiftclient asks <scheme>://<host>/info for capabilities. */
static const struct http_route info_routes[] = {
    {"GET", "/", info, NULL, NULL},
};

int object_target_of(struct http_request *req, bool need_object, struct object_target *t,
                     struct api_error *err)
{
	memset(t, 0, sizeof(*t));
	t->svc = req->ctx;
	t->account = http_param(req, "account");
	t->container = http_param(req, "container");
	t->object = http_param(req, "object");
	if (need_object && !t->object)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	if (object_check_names(t, err) != 0)
		return -1;
	/* As Swift's pipeline: tempurl runs before auth, so a signed URL is
	 * judged by its signature alone, token or not (an expired one is 401). */
	if (http_query(req, "temp_url_sig"))
		return object_tempurl_check(req, t, err);
	if (http_header(req, "X-Auth-Token") || http_header(req, "X-Storage-Token")) {
		if (http_authenticate(req, err) != 0)
			return -1;
		t->auth = identity_auth_of(req);
	}
	if (t->auth) {
		t->reseller = identity_auth_has_role(t->auth, "ResellerAdmin");
		t->owner = t->reseller ||
		           (t->auth->project_id && !strcmp(t->auth->project_id, t->account));
	}
	return 0;
}

static int info(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	(void)err;
	struct object_svc *svc = req->ctx;
	json_t *doc = json_pack(
	    "{s:{s:s,s:I,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:[s,s],s:[{s:s,s:b}],s:b,s:b,"
	    "s:b},s:{s:i,s:i,s:i},s:{s:i,s:i},s:{s:[s,s,s,s,s],s:[s,s,s]},s:{},s:{},s:{s:i},"
	    "s:{},s:{s:[s,s]}}",
	    "swift", "version", "2.30.0", "max_file_size", (json_int_t)svc->max_file_size,
	    "max_meta_name_length", OBJECT_MAX_META_NAME, "max_meta_value_length",
	    OBJECT_MAX_META_VALUE, "max_meta_count", OBJECT_MAX_META_COUNT, "max_meta_overall_size",
	    4096, "max_header_size", 8192, "max_object_name_length", OBJECT_MAX_NAME,
	    "container_listing_limit", OBJECT_LISTING_LIMIT, "account_listing_limit",
	    OBJECT_LISTING_LIMIT, "max_account_name_length", 256, "max_container_name_length",
	    OBJECT_MAX_CONTAINER_NAME, "extra_header_count", 0, "valid_api_versions", "v1", "v1.0",
	    "policies", "name", "Policy-0", "default", 1, "strict_cors_mode", 1,
	    "allow_account_management", 0, "account_autocreate", 1, "slo", "max_manifest_segments",
	    OBJECT_MAX_MANIFEST_SEGMENTS, "max_manifest_size", OBJECT_MAX_MANIFEST_SIZE,
	    "min_segment_size", 1, "bulk_delete", "max_deletes_per_request",
	    OBJECT_MAX_BULK_DELETES, "max_failed_deletes", 1000, "tempurl", "methods", "GET",
	    "HEAD", "PUT", "POST", "DELETE", "allowed_digests", "sha1", "sha256", "sha512",
	    "account_quotas", "container_quotas", "dlo", "max_get_time", 86400, "keystoneauth",
	    "versioned_writes", "allowed_flags", "x-versions-location", "x-history-location");
	json_object_set_new(doc, "bulk_upload",
	                    json_pack("{s:i,s:i}", "max_containers_per_extraction",
	                              OBJECT_MAX_EXTRACT_CONTAINERS, "max_failed_extractions",
	                              OBJECT_MAX_EXTRACT_FAILED));
	json_object_set_new(
	    doc, "formpost",
	    json_pack("{s:[s,s,s]}", "allowed_digests", "sha1", "sha256", "sha512"));
	http_reply_json(resp, 200, doc);
	http_header_set(resp, "Content-Type", "application/json; charset=UTF-8");
	return 0;
}

/* Swift's short HTML bodies: "<html><h1>Not Found</h1><p>...</p></html>". */
static void render_error(struct http_request *req, struct http_response *resp,
                         const struct api_error *err)
{
	const char *body = arena_printf(req->arena, "<html><h1>%s</h1><p>%s</p></html>",
	                                api_error_title(err->kind), err->message);
	http_reply_text(resp, err->status, "text/html; charset=UTF-8", body, strlen(body));
	if (err->status == 401)
		http_header_set(resp, "Www-Authenticate", "Keystone uri='/identity'");
	if (err->status == 416 && req->service_state)
		http_header_set(resp, "Content-Range", req->service_state);
}

static void finish(struct http_request *req, struct http_response *resp)
{
	/* Swift's shape, which clients and Tempest check: "tx", 21 hex digits
	 * (here the request id's), "-", the time as 10 hex digits. */
	char hex[22];
	size_t n = 0;
	const char *id = req->request_id + (strncmp(req->request_id, "req-", 4) ? 0 : 4);
	for (const char *p = id; *p && n < sizeof(hex) - 1; p++)
		if (isxdigit((unsigned char)*p))
			hex[n++] = (char)tolower((unsigned char)*p);
	while (n < sizeof(hex) - 1)
		hex[n++] = '0';
	hex[n] = '\0';
	const char *tx =
	    arena_printf(req->arena, "tx%s-%010llx", hex, (unsigned long long)time(NULL));
	http_header_set(resp, "X-Trans-Id", tx);
	if (!http_response_header(resp, "Content-Type"))
		http_header_set(resp, "Content-Type", "text/html; charset=UTF-8");
}

static int make_dir(const char *path, struct api_error *err)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return api_fail(err, API_INTERNAL, "cannot create %s: %s", path, strerror(errno));
	return 0;
}

static int object_start(const struct stackd_env *env, void **state, struct api_error *err)
{
	struct object_svc *svc = calloc(1, sizeof(*svc));
	if (!svc)
		abort();
	*state = svc;
	snprintf(svc->root, sizeof(svc->root), "%s/objects", env->data_dir);
	snprintf(svc->tmp, sizeof(svc->tmp), "%s/tmp", svc->root);
	svc->max_file_size = config_get_int(env->cfg, "object", "max_file_size",
	                                    (int64_t)5 * 1024 * 1024 * 1024 + 2);
	struct http_service base = {
	    .name = "object",
	    .ctx = svc,
	    .render_error = render_error,
	    .finish = finish,
	};
	svc->http = base;
	svc->http.prefix = "/object-store";
	svc->http.routes = routes;
	svc->http.nroutes = sizeof(routes) / sizeof(routes[0]);
	svc->info_http = base;
	svc->info_http.prefix = "/info";
	svc->info_http.routes = info_routes;
	svc->info_http.nroutes = 1;
	if (make_dir(svc->root, err) != 0 || make_dir(svc->tmp, err) != 0)
		return -1;
	for (int i = 0; i < 256; i++) {
		char sub[4200];
		snprintf(sub, sizeof(sub), "%s/%02x", svc->root, i);
		if (make_dir(sub, err) != 0)
			return -1;
	}
	object_store_probe(svc);
	if (object_dirsync_start(svc, err) != 0 ||
	    db_migrate("object", object_migrations, object_migrations_count, err) != 0 ||
	    object_store_recover(svc, err) != 0)
		return -1;
	if (object_expirer_start(svc, err) != 0 ||
	    http_server_add_service(env->http, &svc->http, err) != 0)
		return -1;
	return http_server_add_service(env->http, &svc->info_http, err);
}

static void object_stop(void *state)
{
	object_expirer_stop(state);
	object_dirsync_stop(state);
	free(state);
}

static const struct catalog_entry catalog[] = {
    {"object-store", "swift", "/object-store/v1/AUTH_%(project_id)s"},
};

const struct service_module object_module = {
    .name = "object",
    .catalog = catalog,
    .ncatalog = 1,
    .start = object_start,
    .stop = object_stop,
};
