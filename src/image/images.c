/* The image resource itself: create (metadata only, status queued), show,
 * PATCH, delete, deactivate/reactivate and tags. Bytes are data.c's job,
 * lists are list.c's. */
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/ids.h"
#include "core/json.h"
#include "image/internal.h"

static void decref(void *p)
{
	json_decref(p);
}

static json_t *owned(struct arena *a, json_t *v)
{
	arena_defer(a, decref, v);
	return v;
}

/* The rules that depend on who asks and on the image's state, checked on
 * the edited document against the row before the edit. */
static int check_edit(const struct identity_auth *auth, const struct image_row *row, json_t *doc,
                      bool creating, struct api_error *err)
{
	bool admin = identity_auth_is_admin(auth);
	const char *vis = json_string_value(json_object_get(doc, "visibility"));
	if (vis && !strcmp(vis, "public") && (creating || strcmp(row->visibility, "public")) &&
	    !admin)
		return api_fail(err, API_FORBIDDEN,
		                "You are not authorized to complete publicize_image action.");
	const char *owner = json_string_value(json_object_get(doc, "owner"));
	if (owner && !admin && strcmp(owner, image_caller_project(auth)) != 0)
		return api_fail(err, API_FORBIDDEN,
		                "You are not permitted to set the owner of an "
		                "image to another project.");
	if (creating)
		return 0;
	static const char *const fmts[] = {"disk_format", "container_format"};
	const char *old[] = {row->disk_format, row->container_format};
	for (int i = 0; i < 2; i++) {
		const char *now = json_string_value(json_object_get(doc, fmts[i]));
		bool same = (!now && !old[i]) || (now && old[i] && !strcmp(now, old[i]));
		if (!same && strcmp(row->status, "queued") != 0)
			return api_fail(err, API_FORBIDDEN,
			                "Attribute %s can be only replaced for a queued image.",
			                fmts[i]);
	}
	return 0;
}

static int reply_image(struct http_request *req, struct http_response *resp, int status,
                       const char *id, struct api_error *err)
{
	struct image_row row;
	if (image_db_get(req->arena, id, &row, err) != 0)
		return -1;
	http_reply_json(resp, status, image_to_json(&row));
	return 0;
}

int image_create(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	json_t *body;
	if (http_body_json(req, &body, err) != 0)
		return -1;
	if (!json_is_object(body))
		return api_fail(err, API_BAD_REQUEST, "The request body must be a JSON object.");

	char now[21], uuid[37];
	ids_time_iso(time(NULL), now);
	ids_uuid4(uuid);
	struct image_row row = {
	    .id = uuid,
	    .status = "queued",
	    .visibility = "shared",
	    .owner = image_caller_project(auth),
	    .size = -1,
	    .virtual_size = -1,
	    .created_at = now,
	    .updated_at = now,
	    .props = owned(req->arena, json_object()),
	    .tags = owned(req->arena, json_array()),
	};
	json_t *doc = owned(req->arena, image_edit_doc(&row));
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v)
	{
		if (!strcmp(key, "id")) {
			if (!json_is_string(v) || !ids_is_uuid(json_string_value(v)))
				return api_fail(err, API_BAD_REQUEST,
				                "Invalid value for 'id': expected a UUID.");
			row.id = arena_strdup(req->arena, json_string_value(v));
			continue;
		}
		if (image_attr_check(key, v, err) != 0)
			return -1;
		if (!strcmp(key, "tags")) {
			json_t *ops = owned(req->arena, json_pack("[{s:s,s:s,s:O}]", "op", "add",
			                                          "path", "/tags", "value", v));
			if (image_patch_apply(doc, ops, false, err) != 0)
				return -1;
			continue;
		}
		json_object_set(doc, key, v);
	}
	size_t nprops = 0;
	json_object_foreach(doc, key, v) nprops++;
	if (nprops > IMAGE_MAX_PROPERTIES + 10)
		return api_fail(err, API_TOO_LARGE, "Maximum number of properties (%d) exceeded.",
		                IMAGE_MAX_PROPERTIES);
	if (check_edit(auth, &row, doc, true, err) != 0)
		return -1;
	image_apply_edit_doc(req->arena, &row, doc);
	if (image_db_insert(&row, err) != 0)
		return -1;
	http_header_set(resp, "Location",
	                arena_printf(req->arena, "%s/image/v2/images/%s", req->base_url, row.id));
	http_header_set(resp, "OpenStack-image-import-methods", "glance-direct");
	return reply_image(req, resp, 201, row.id, err);
}

int image_show(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	struct image_row row;
	if (image_load_visible(req, http_param(req, "image_id"), &row, err) != 0)
		return -1;
	http_reply_json(resp, 200, image_to_json(&row));
	return 0;
}

int image_update(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	const char *ct = http_header(req, "Content-Type");
	if (!ct || (strncmp(ct, "application/openstack-images-v2.1-json-patch", 44) != 0 &&
	            strncmp(ct, "application/openstack-images-v2.0-json-patch", 44) != 0))
		return api_fail(err, API_UNSUPPORTED_MEDIA,
		                "Unsupported Content-Type: use "
		                "application/openstack-images-v2.1-json-patch.");
	struct image_row row;
	if (image_load_visible(req, http_param(req, "image_id"), &row, err) != 0 ||
	    image_require_owner(auth, &row, "modify", err) != 0)
		return -1;
	json_t *ops;
	if (http_body_json(req, &ops, err) != 0)
		return -1;
	json_t *doc = owned(req->arena, image_edit_doc(&row));
	bool v20 = !strncmp(ct, "application/openstack-images-v2.0-json-patch", 44);
	if (image_patch_apply(doc, ops, v20, err) != 0 ||
	    check_edit(auth, &row, doc, false, err) != 0)
		return -1;
	image_apply_edit_doc(req->arena, &row, doc);
	if (image_db_update(&row, err) != 0)
		return -1;
	return reply_image(req, resp, 200, row.id, err);
}

int image_delete(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	const struct image_svc *svc = req->ctx;
	struct image_row row;
	if (image_load_visible(req, http_param(req, "image_id"), &row, err) != 0 ||
	    image_require_owner(identity_auth_of(req), &row, "delete", err) != 0)
		return -1;
	if (row.protected_)
		return api_fail(err, API_FORBIDDEN, "Image %s is protected and cannot be deleted.",
		                row.id);
	if (image_db_delete(row.id, err) != 0)
		return -1;
	/* The row is gone first: an upload still running finds no image at
	 * its end and removes its own temporary file. */
	image_remove_files(svc, row.id);
	http_reply_empty(resp, 204);
	return 0;
}

static int change_activation(struct http_request *req, struct http_response *resp, bool activate,
                             struct api_error *err)
{
	struct image_row row;
	if (image_load_visible(req, http_param(req, "image_id"), &row, err) != 0 ||
	    image_require_owner(identity_auth_of(req), &row, activate ? "reactivate" : "deactivate",
	                        err) != 0)
		return -1;
	const char *from = activate ? "deactivated" : "active";
	const char *to = activate ? "active" : "deactivated";
	if (!strcmp(row.status, to)) {
		http_reply_empty(resp, 204);
		return 0;
	}
	int moved = image_db_transition(row.id, from, to, err);
	if (moved < 0)
		return -1;
	if (!moved)
		return api_fail(err, API_FORBIDDEN, "Not allowed to %s image in status '%s'.",
		                activate ? "reactivate" : "deactivate", row.status);
	http_reply_empty(resp, 204);
	return 0;
}

int image_deactivate(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	return change_activation(req, resp, false, err);
}

int image_reactivate(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	return change_activation(req, resp, true, err);
}

static int edit_tag(struct http_request *req, struct http_response *resp, bool add,
                    struct api_error *err)
{
	const char *tag = http_param(req, "tag");
	struct image_row row;
	if (image_load_visible(req, http_param(req, "image_id"), &row, err) != 0 ||
	    image_require_owner(identity_auth_of(req), &row, "modify", err) != 0)
		return -1;
	if (json_check_length("tag", tag, 255, err) != 0)
		return -1;
	size_t i, found = (size_t)-1;
	json_t *v;
	json_array_foreach(row.tags, i, v) if (!strcmp(json_string_value(v), tag)) found = i;
	if (add && found == (size_t)-1) {
		if (json_array_size(row.tags) >= IMAGE_MAX_TAGS)
			return api_fail(err, API_TOO_LARGE,
			                "Maximum number of tags (%d) exceeded for this image.",
			                IMAGE_MAX_TAGS);
		json_array_append_new(row.tags, json_string(tag));
	} else if (!add) {
		if (found == (size_t)-1)
			return api_fail(err, API_NOT_FOUND, "Tag %s not found.", tag);
		json_array_remove(row.tags, found);
	}
	if (image_db_update(&row, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

int image_tag_add(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	return edit_tag(req, resp, true, err);
}

int image_tag_delete(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	return edit_tag(req, resp, false, err);
}
