/* Nova's image proxy (/images and /images/{id}/metadata, microversions
 * below 2.36; 404 from there on): the image service's images as Nova's
 * ImagesController shows them, through image.h in this same daemon (the
 * caller's visibility and ownership rules apply), never over HTTP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/ids.h"
#include "core/json.h"
#include "image/image.h"
#include "service.h"

/* 404 from 2.36 (the proxies' removal), as Nova's router answers. */
static int removed(struct http_request *req, struct api_error *err)
{
	if (compute_removed_api(req, "images"))
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	return 0;
}

static const struct stackd_env *env_of(struct http_request *req)
{
	const struct compute_svc *svc = req->ctx;
	return svc->env;
}

/* Nova's mapping of Glance statuses (anything else is UNKNOWN). */
static const char *nova_status(const char *s)
{
	if (!strcmp(s, "active"))
		return "ACTIVE";
	if (!strcmp(s, "queued") || !strcmp(s, "saving") || !strcmp(s, "uploading") ||
	    !strcmp(s, "importing"))
		return "SAVING";
	if (!strcmp(s, "deleted") || !strcmp(s, "pending_delete"))
		return "DELETED";
	if (!strcmp(s, "killed"))
		return "ERROR";
	return "UNKNOWN";
}

static int nova_progress(const char *s)
{
	if (!strcmp(s, "queued"))
		return 25;
	if (!strcmp(s, "saving"))
		return 50;
	if (!strcmp(s, "active"))
		return 100;
	return 0;
}

/* Nova's isotime: seconds, literal Z. */
static json_t *nova_time(const char *iso)
{
	double t;
	char out[21];
	if (iso == NULL || ids_time_parse(iso, &t) != 0)
		return json_null();
	ids_time_iso((time_t)t, out);
	return json_string(out);
}

static json_t *image_links(struct http_request *req, const char *id)
{
	json_t *links = compute_links(req, "images", id);
	json_array_append_new(
	    links, json_pack("{s:s,s:s,s:s}", "rel", "alternate", "type",
	                     "application/vnd.openstack.image", "href",
	                     arena_printf(req->arena, "%s/image/images/%s", req->base_url, id)));
	return links;
}

static json_t *image_basic(struct http_request *req, const struct image_info *im)
{
	return json_pack("{s:s,s:o,s:o}", "id", im->id, "name", json_string_or_null(im->name),
	                 "links", image_links(req, im->id));
}

static json_t *image_detail(struct http_request *req, const struct image_info *im)
{
	json_t *props = im->properties ? json_deep_copy(im->properties) : json_object();
	json_t *o = json_pack(
	    "{s:s,s:o,s:I,s:I,s:o,s:o,s:o,s:s,s:i,s:I,s:o}", "id", im->id, "name",
	    json_string_or_null(im->name), "minRam",
	    (json_int_t)(im->min_ram > 0 ? im->min_ram : 0), "minDisk",
	    (json_int_t)(im->min_disk > 0 ? im->min_disk : 0), "metadata", props, "created",
	    nova_time(im->created_at), "updated", nova_time(im->updated_at), "status",
	    nova_status(im->status), "progress", nova_progress(im->status), "OS-EXT-IMG-SIZE:size",
	    (json_int_t)(im->size > 0 ? im->size : 0), "links", image_links(req, im->id));
	/* A snapshot links to the server it was taken from. */
	const char *server = json_string_value(json_object_get(props, "instance_uuid"));
	if (server != NULL)
		json_object_set_new(o, "server",
		                    json_pack("{s:s,s:o}", "id", server, "links",
		                              compute_links(req, "servers", server)));
	const char *adc = json_string_value(json_object_get(props, "auto_disk_config"));
	if (adc != NULL) {
		bool on = !strcasecmp(adc, "true") || !strcasecmp(adc, "1") ||
		          !strcasecmp(adc, "yes") || !strcasecmp(adc, "y") ||
		          !strcasecmp(adc, "on") || !strcasecmp(adc, "t");
		json_object_set_new(o, "OS-DCF:diskConfig", json_string(on ? "AUTO" : "MANUAL"));
	}
	return o;
}

/* The image as the caller sees it; Nova's 404 body otherwise. */
static int load_image(struct http_request *req, const char *id, struct image_info *out,
                      struct api_error *err)
{
	struct api_error e = {0};
	if (image_lookup(env_of(req), req->arena, identity_auth_of(req), id, out, &e) == 0)
		return 0;
	if (e.kind == API_NOT_FOUND)
		return api_fail(err, API_NOT_FOUND, "Image not found.");
	*err = e;
	return -1;
}

/* ---- lists: Nova's filters, as Glance v2 applies them ---- */

struct filters {
	const char *name, *status, *server, *type, *min_ram, *min_disk;
	double changes_since;
	bool has_changes_since;
};

static const char *prop(const struct image_info *im, const char *key)
{
	return im->properties ? json_string_value(json_object_get(im->properties, key)) : NULL;
}

static int parse_filters(struct http_request *req, struct filters *f, struct api_error *err)
{
	memset(f, 0, sizeof(*f));
	f->name = http_query(req, "name");
	f->status = http_query(req, "status");
	f->type = http_query(req, "type");
	f->min_ram = http_query(req, "minRam");
	f->min_disk = http_query(req, "minDisk");
	/* server: an id or a server URL; its last path segment counts. */
	const char *server = http_query(req, "server");
	if (server != NULL) {
		const char *slash = strrchr(server, '/');
		f->server = slash ? slash + 1 : server;
	}
	const char *cs = http_query(req, "changes-since");
	if (cs != NULL) {
		if (ids_time_parse(cs, &f->changes_since) != 0)
			return api_fail(err, API_BAD_REQUEST, "Invalid time format for %s.", cs);
		f->has_changes_since = true;
	}
	static const char *const ints[] = {"minRam", "minDisk"};
	for (size_t i = 0; i < 2; i++) {
		const char *v = http_query(req, ints[i]);
		char *end;
		if (v != NULL && (strtoll(v, &end, 10), *v == '\0' || *end != '\0'))
			return api_fail(err, API_BAD_REQUEST, "Invalid value for %s: '%s'.",
			                ints[i], v);
	}
	return 0;
}

static bool lower_equals(const char *actual, const char *wanted)
{
	return actual != NULL && strcasecmp(actual, wanted) == 0;
}

static bool matches(struct http_request *req, const struct filters *f, const struct image_info *im)
{
	if (f->name && (im->name == NULL || strcmp(im->name, f->name) != 0))
		return false;
	/* Nova lowercases the status for Glance: ACTIVE finds active. */
	if (f->status && !lower_equals(im->status, f->status))
		return false;
	if (f->server && (prop(im, "instance_uuid") == NULL ||
	                  strcmp(prop(im, "instance_uuid"), f->server) != 0))
		return false;
	if (f->type && (prop(im, "image_type") == NULL || strcmp(prop(im, "image_type"), f->type)))
		return false;
	if (f->min_ram && im->min_ram != strtoll(f->min_ram, NULL, 10))
		return false;
	if (f->min_disk && im->min_disk != strtoll(f->min_disk, NULL, 10))
		return false;
	double t;
	if (f->has_changes_since &&
	    (im->updated_at == NULL || ids_time_parse(im->updated_at, &t) != 0 ||
	     t < f->changes_since))
		return false;
	/* property-<name>=value: a custom property's value. */
	for (size_t i = 0; i < req->nquery; i++) {
		const char *k = req->query[i].key;
		if (strncmp(k, "property-", 9) != 0)
			continue;
		const char *want = req->query[i].value ? req->query[i].value : "";
		const char *have = prop(im, k + 9);
		if (have == NULL || strcmp(have, want) != 0)
			return false;
	}
	return true;
}

static int list_images(struct http_request *req, struct http_response *resp, bool detail,
                       struct api_error *err)
{
	if (removed(req, err) != 0)
		return -1;
	struct filters f;
	if (parse_filters(req, &f, err) != 0)
		return -1;
	long long limit = -1;
	const char *q = http_query(req, "limit");
	if (q != NULL) {
		char *end;
		limit = strtoll(q, &end, 10);
		if (*q == '\0' || *end != '\0')
			return api_fail(err, API_BAD_REQUEST, "limit param must be an integer");
		if (limit < 0)
			return api_fail(err, API_BAD_REQUEST, "limit param must be positive");
		if (limit > 1000)
			limit = 1000;
	}
	const char *marker = http_query(req, "marker");
	struct image_info *all;
	size_t n;
	if (image_list_visible(env_of(req), req->arena, identity_auth_of(req), &all, &n, err) != 0)
		return -1;
	/* Glance pages over the filtered list; the marker must be in it. */
	size_t start = 0;
	if (marker != NULL) {
		size_t i;
		for (i = 0; i < n && !(matches(req, &f, &all[i]) && !strcmp(all[i].id, marker));
		     i++)
			;
		if (i == n)
			return api_fail(err, API_BAD_REQUEST, "marker [%s] not found", marker);
		start = i + 1;
	}
	json_t *list = json_array();
	const char *last = NULL;
	for (size_t i = start; i < n && (limit < 0 || (long long)json_array_size(list) < limit);
	     i++) {
		if (!matches(req, &f, &all[i]))
			continue;
		json_array_append_new(list, detail ? image_detail(req, &all[i])
		                                   : image_basic(req, &all[i]));
		last = all[i].id;
	}
	json_t *out = json_pack("{s:o}", "images", list);
	/* Nova's next link when the page is full (1000 without limit). */
	long long page = limit < 0 ? 1000 : limit;
	if (last != NULL && page > 0 && (long long)json_array_size(list) == page)
		json_object_set_new(
		    out, "images_links",
		    json_pack("[{s:s,s:s}]", "rel", "next", "href",
		              arena_printf(req->arena,
		                           "%s/compute/v2.1/images%s?limit=%lld&marker=%s",
		                           req->base_url, detail ? "/detail" : "", page, last)));
	http_reply_json(resp, 200, out);
	return 0;
}

COMPUTE_HANDLER(compute_image_list)
{
	return list_images(req, resp, false, err);
}

COMPUTE_HANDLER(compute_image_detail)
{
	return list_images(req, resp, true, err);
}

COMPUTE_HANDLER(compute_image_show)
{
	struct image_info im;
	if (removed(req, err) != 0 || load_image(req, http_param(req, "image_id"), &im, err) != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:o}", "image", image_detail(req, &im)));
	return 0;
}

COMPUTE_HANDLER(compute_image_delete)
{
	if (removed(req, err) != 0)
		return -1;
	struct api_error e = {0};
	if (image_delete_as(env_of(req), req->arena, identity_auth_of(req),
	                    http_param(req, "image_id"), &e) != 0) {
		if (e.kind == API_NOT_FOUND)
			return api_fail(err, API_NOT_FOUND, "Image not found.");
		if (e.kind == API_FORBIDDEN)
			return api_fail(err, API_FORBIDDEN,
			                "You are not allowed to delete the image.");
		*err = e;
		return -1;
	}
	http_reply_empty(resp, 204);
	return 0;
}

/* ---- image metadata: the image's custom properties ---- */

/* Nova's parameter_types.metadata: keys ^[a-zA-Z0-9-_:. ]{1,255}$, string
 * values up to 255 characters. */
static int metadata_check(json_t *md, const char *field, struct api_error *err)
{
	if (!json_is_object(md))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute %s. Value: %s is not of type "
		                "'object'",
		                field, field);
	const char *k;
	json_t *v;
	json_object_foreach(md, k, v)
	{
		size_t len = strlen(k);
		if (len == 0 || len > 255 ||
		    strspn(k,
		           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:. ") !=
		        len)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute %s. Additional properties "
			    "are not allowed ('%s' was unexpected)",
			    field, k);
		if (!json_is_string(v))
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute %s. Value of %s is not of "
			    "type 'string'",
			    field, k);
		if (strlen(json_string_value(v)) > 255)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute %s. Value of %s is too long", field,
			    k);
	}
	return 0;
}

/* The body {field: {...}} and nothing else (Nova's create/update schemas). */
static int body_metadata(struct http_request *req, const char *field, json_t **out,
                         struct api_error *err)
{
	json_t *body;
	if (http_body_json(req, &body, err) != 0)
		return -1;
	if (!json_is_object(body))
		return api_fail(err, API_BAD_REQUEST, "The request body must be an object.");
	const char *allowed[] = {field, NULL};
	if (json_only_keys(body, allowed, "body", err) != 0)
		return -1;
	json_t *md = json_object_get(body, field);
	if (md == NULL)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute body. '%s' is a required "
		                "property",
		                field);
	if (metadata_check(md, field, err) != 0)
		return -1;
	*out = md;
	return 0;
}

/* Nova's check_img_metadata_properties_quota: metadata_items. */
static int metadata_quota(struct http_request *req, json_t *props, struct api_error *err)
{
	const struct compute_svc *svc = req->ctx;
	long long limit;
	if (compute_quota_limit(svc->env->cfg, compute_project(req), "metadata_items", &limit,
	                        err) != 0)
		return -1;
	if (limit >= 0 && (long long)json_object_size(props) > limit)
		return api_fail(err, API_FORBIDDEN, "Image metadata limit exceeded");
	return 0;
}

static int save_properties(struct http_request *req, const char *id, json_t *props,
                           struct api_error *err)
{
	struct api_error e = {0};
	if (image_set_properties(env_of(req), req->arena, identity_auth_of(req), id, props, &e) ==
	    0)
		return 0;
	if (e.kind == API_NOT_FOUND)
		return api_fail(err, API_NOT_FOUND, "Image not found.");
	*err = e;
	return -1;
}

static void decref(void *p)
{
	json_decref(p);
}

/* The image's properties, a copy owned by the request. */
static json_t *props_of(struct http_request *req, const struct image_info *im)
{
	json_t *p = im->properties ? json_deep_copy(im->properties) : json_object();
	arena_defer(req->arena, decref, p);
	return p;
}

COMPUTE_HANDLER(compute_image_metadata_list)
{
	struct image_info im;
	if (removed(req, err) != 0 || load_image(req, http_param(req, "image_id"), &im, err) != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:O}", "metadata", props_of(req, &im)));
	return 0;
}

COMPUTE_HANDLER(compute_image_metadata_show)
{
	const char *key = http_param(req, "key");
	struct image_info im;
	if (removed(req, err) != 0 || load_image(req, http_param(req, "image_id"), &im, err) != 0)
		return -1;
	json_t *v = json_object_get(props_of(req, &im), key);
	if (v == NULL)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	http_reply_json(resp, 200, json_pack("{s:{s:O}}", "meta", key, v));
	return 0;
}

/* POST merges, PUT replaces (Nova's create and update_all). */
static int metadata_write(struct http_request *req, struct http_response *resp, bool replace,
                          struct api_error *err)
{
	const char *id = http_param(req, "image_id");
	json_t *md;
	struct image_info im;
	if (removed(req, err) != 0 || body_metadata(req, "metadata", &md, err) != 0 ||
	    load_image(req, id, &im, err) != 0)
		return -1;
	json_t *props = props_of(req, &im);
	if (replace)
		json_object_clear(props);
	json_object_update(props, md);
	if (metadata_quota(req, props, err) != 0 || save_properties(req, id, props, err) != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:O}", "metadata", replace ? md : props));
	return 0;
}

COMPUTE_HANDLER(compute_image_metadata_create)
{
	return metadata_write(req, resp, false, err);
}

COMPUTE_HANDLER(compute_image_metadata_replace)
{
	return metadata_write(req, resp, true, err);
}

COMPUTE_HANDLER(compute_image_metadata_put)
{
	const char *id = http_param(req, "image_id"), *key = http_param(req, "key");
	json_t *meta;
	struct image_info im;
	if (removed(req, err) != 0 || body_metadata(req, "meta", &meta, err) != 0)
		return -1;
	if (json_object_size(meta) != 1)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute meta. Value: meta must have "
		                "exactly one property");
	if (json_object_get(meta, key) == NULL)
		return api_fail(err, API_BAD_REQUEST, "Request body and URI mismatch");
	if (load_image(req, id, &im, err) != 0)
		return -1;
	json_t *props = props_of(req, &im);
	json_object_update(props, meta);
	if (metadata_quota(req, props, err) != 0 || save_properties(req, id, props, err) != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:O}", "meta", meta));
	return 0;
}

COMPUTE_HANDLER(compute_image_metadata_delete)
{
	const char *id = http_param(req, "image_id"), *key = http_param(req, "key");
	struct image_info im;
	if (removed(req, err) != 0 || load_image(req, id, &im, err) != 0)
		return -1;
	json_t *props = props_of(req, &im);
	if (json_object_get(props, key) == NULL)
		return api_fail(err, API_NOT_FOUND, "Invalid metadata key");
	json_object_del(props, key);
	if (save_properties(req, id, props, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}
