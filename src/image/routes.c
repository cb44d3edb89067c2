/* The image service (Glance v2) under /image: its route table, version
 * discovery, the import/stores info documents, policy and start-up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/db.h"
#include "image/internal.h"
#include "service.h"

extern const struct db_migration image_migrations[];
extern const size_t image_migrations_count;

static int versions_root(struct http_request *req, struct http_response *resp,
                         struct api_error *err);
static int versions_list(struct http_request *req, struct http_response *resp,
                         struct api_error *err);
static int info_import(struct http_request *req, struct http_response *resp, struct api_error *err);
static int info_stores(struct http_request *req, struct http_response *resp, struct api_error *err);
static int no_image(struct http_request *req, struct http_response *resp, struct api_error *err);
static int not_implemented(struct http_request *req, struct http_response *resp,
                           struct api_error *err);

/* "image" needs a project-scoped token; ownership and visibility are
 * checked by the handlers (see access.c). */
static const struct http_route routes[] = {
    {"GET", "/", versions_root, NULL, NULL},
    {"GET", "/versions", versions_list, NULL, NULL},
    {"GET", "/v2", versions_root, NULL, NULL},
    /* "/v2/images/" names no image: 404, as Glance (not the list). */
    {"GET", "/v2/images/", no_image, NULL, "image"},
    {"DELETE", "/v2/images/", no_image, NULL, "image"},
    {"PATCH", "/v2/images/", no_image, NULL, "image"},
    {"GET", "/v2/images", image_list, NULL, "image"},
    {"POST", "/v2/images", image_create, NULL, "image"},
    {"GET", "/v2/images/{image_id}", image_show, NULL, "image"},
    {"PATCH", "/v2/images/{image_id}", image_update, NULL, "image"},
    {"DELETE", "/v2/images/{image_id}", image_delete, NULL, "image"},
    {"PUT", "/v2/images/{image_id}/file", NULL, image_upload, "image"},
    {"GET", "/v2/images/{image_id}/file", image_download, NULL, "image"},
    {"PUT", "/v2/images/{image_id}/stage", NULL, image_stage, "image"},
    {"POST", "/v2/images/{image_id}/import", image_import, NULL, "image"},
    {"POST", "/v2/images/{image_id}/actions/deactivate", image_deactivate, NULL, "image"},
    {"POST", "/v2/images/{image_id}/actions/reactivate", image_reactivate, NULL, "image"},
    {"PUT", "/v2/images/{image_id}/tags/{tag}", image_tag_add, NULL, "image"},
    {"DELETE", "/v2/images/{image_id}/tags/{tag}", image_tag_delete, NULL, "image"},
    {"GET", "/v2/images/{image_id}/members", image_member_list, NULL, "image"},
    {"POST", "/v2/images/{image_id}/members", image_member_create, NULL, "image"},
    {"GET", "/v2/images/{image_id}/members/{member_id}", image_member_show, NULL, "image"},
    {"PUT", "/v2/images/{image_id}/members/{member_id}", image_member_update, NULL, "image"},
    {"DELETE", "/v2/images/{image_id}/members/{member_id}", image_member_delete, NULL, "image"},
    {"GET", "/v2/images/{image_id}/tasks", image_tasks, NULL, "image"},
    {"GET", "/v2/schemas/{schema}", image_schema_show, NULL, "image"},
    {"GET", "/v2/info/import", info_import, NULL, "image"},
    {"GET", "/v2/info/stores", info_stores, NULL, "image"},
    /* Not built yet: metadata definitions and the cache API. */
    {"GET", "/v2/metadefs/{rest*}", not_implemented, NULL, "image"},
    {"POST", "/v2/metadefs/{rest*}", not_implemented, NULL, "image"},
    {"PUT", "/v2/metadefs/{rest*}", not_implemented, NULL, "image"},
    {"DELETE", "/v2/metadefs/{rest*}", not_implemented, NULL, "image"},
    {"GET", "/v2/cache", not_implemented, NULL, "image"},
    {"DELETE", "/v2/cache", not_implemented, NULL, "image"},
    {"PUT", "/v2/cache/{rest*}", not_implemented, NULL, "image"},
    {"DELETE", "/v2/cache/{rest*}", not_implemented, NULL, "image"},
};

/* Glance's API versions, newest first; the newest is CURRENT. */
static const char *const api_versions[] = {"v2.16", "v2.15", "v2.14", "v2.13", "v2.12", "v2.11",
                                           "v2.10", "v2.9",  "v2.8",  "v2.7",  "v2.6",  "v2.5",
                                           "v2.4",  "v2.3",  "v2.2",  "v2.1",  "v2.0",  NULL};

static json_t *versions_doc(struct http_request *req)
{
	json_t *list = json_array();
	char href[512];
	snprintf(href, sizeof(href), "%s/image/v2/", req->base_url);
	for (size_t i = 0; api_versions[i]; i++)
		json_array_append_new(list,
		                      json_pack("{s:s,s:s,s:[{s:s,s:s}]}", "id", api_versions[i],
		                                "status", i == 0 ? "CURRENT" : "SUPPORTED", "links",
		                                "rel", "self", "href", href));
	return json_pack("{s:o}", "versions", list);
}

static int versions_root(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	(void)err;
	http_reply_json(resp, 300, versions_doc(req));
	return 0;
}

static int versions_list(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	(void)err;
	http_reply_json(resp, 200, versions_doc(req));
	return 0;
}

static int info_import(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	(void)req;
	(void)err;
	http_reply_json(resp, 200,
	                json_pack("{s:{s:s,s:s,s:[s]}}", "import-methods", "description",
	                          "Import methods available.", "type", "array", "value",
	                          "glance-direct"));
	return 0;
}

static int info_stores(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	(void)req;
	(void)err;
	http_reply_json(resp, 200,
	                json_pack("{s:[{s:s,s:s,s:b}]}", "stores", "id", "file", "description",
	                          "Files in the data directory of this cloud", "default", 1));
	return 0;
}

static int no_image(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	(void)req;
	(void)resp;
	return api_fail(err, API_NOT_FOUND, "No image id given.");
}

static int not_implemented(struct http_request *req, struct http_response *resp,
                           struct api_error *err)
{
	(void)resp;
	return api_fail(err, API_NOT_IMPLEMENTED, "%s %s is not implemented by this cloud yet.",
	                req->method, req->path);
}

static int authorize(struct http_request *req, const char *rule, struct api_error *err)
{
	(void)rule;
	const struct identity_auth *auth = identity_auth_of(req);
	if (!auth || !auth->project_id)
		return api_fail(err, API_FORBIDDEN,
		                "The image service needs a project-scoped token.");
	return 0;
}

static int make_dir(const char *path, struct api_error *err)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return api_fail(err, API_INTERNAL, "cannot create %s: %s", path, strerror(errno));
	return 0;
}

static int image_start(const struct stackd_env *env, void **state, struct api_error *err)
{
	struct image_svc *svc = calloc(1, sizeof(*svc));
	if (!svc)
		abort();
	*state = svc;
	snprintf(svc->images_dir, sizeof(svc->images_dir), "%s/images", env->data_dir);
	snprintf(svc->staging_dir, sizeof(svc->staging_dir), "%s/images/staging", env->data_dir);
	svc->quota_bytes = config_get_int(env->cfg, "image", "quota_bytes", 0);
	svc->http = (struct http_service){
	    .name = "image",
	    .prefix = "/image",
	    .routes = routes,
	    .nroutes = sizeof(routes) / sizeof(routes[0]),
	    .ctx = svc,
	    .render_error = http_render_error_default,
	    .authorize = authorize,
	};
	if (make_dir(svc->images_dir, err) != 0 || make_dir(svc->staging_dir, err) != 0 ||
	    db_migrate("image", image_migrations, image_migrations_count, err) != 0 ||
	    image_recover(svc, err) != 0)
		return -1;
	return http_server_add_service(env->http, &svc->http, err);
}

static void image_stop(void *state)
{
	free(state);
}

static const struct catalog_entry catalog[] = {
    {"image", "glance", "/image"},
};

const struct service_module image_module = {
    .name = "image",
    .catalog = catalog,
    .ncatalog = 1,
    .start = image_start,
    .stop = image_stop,
};
