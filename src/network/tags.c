/* standard-attr-tag: /v2.0/{resource}/{id}/tags on every resource kind. */
#include <string.h>

#include "network/api.h"
#include "network/handlers.h"

static const char *const kinds[][2] = {
    {"networks", "network"},
    {"subnets", "subnet"},
    {"ports", "port"},
    {"routers", "router"},
    {"floatingips", "floatingip"},
    {"security-groups", "security_group"},
    {"security_groups", "security_group"},
    {"subnetpools", "subnetpool"},
};

static int load(struct http_request *req, const char **kind, json_t **obj, struct api_error *err)
{
	const char *res = http_param(req, "resource");
	*kind = NULL;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i][0], res))
			*kind = kinds[i][1];
	if (!*kind)
		return api_fail_typed(err, API_NOT_FOUND, "HTTPNotFound",
		                      "The resource could not be found.");
	return net_get_visible(req, *kind, http_param(req, "id"), obj, err);
}

static int check_tag(const char *t, struct api_error *err)
{
	if (!*t || strlen(t) > 255 || strchr(t, ','))
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
		                      "Invalid input for operation: '%s' is not a valid tag.", t);
	return 0;
}

static int save(struct http_request *req, const char *kind, json_t *obj, struct api_error *err)
{
	const char *owner = net_str(obj, "project_id");
	if (!net_is_admin(req) && (!owner || strcmp(owner, net_caller_project(req))))
		return api_fail_typed(err, API_FORBIDDEN, "PolicyNotAuthorized",
		                      "(rule:update_%s:tags) is disallowed by policy", kind);
	net_stamp_update(obj);
	return net_obj_put(kind, obj, err);
}

NET_HANDLER(net_tags_list)
{
	const char *kind;
	json_t *obj;
	if (load(req, &kind, &obj, err) != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:O}", "tags", json_object_get(obj, "tags")));
	return 0;
}

NET_HANDLER(net_tags_check)
{
	const char *kind, *tag = http_param(req, "tag");
	json_t *obj;
	if (load(req, &kind, &obj, err) != 0)
		return -1;
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(obj, "tags"), i,
	                   t) if (!strcmp(json_string_value(t), tag))
	{
		http_reply_empty(resp, 204);
		return 0;
	}
	return api_fail_typed(err, API_NOT_FOUND, "TagNotFound",
	                      "Tag %s could not be found for %s %s.", tag, kind,
	                      http_param(req, "id"));
}

NET_HANDLER(net_tags_replace)
{
	const char *kind;
	json_t *obj, *body;
	if (http_body_json(req, &body, err) != 0)
		return -1;
	json_t *tags = json_object_get(body, "tags");
	if (!json_is_array(tags))
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
		                      "Invalid input for operation: tags must be a list.");
	json_t *uniq = net_own(req->arena, json_array());
	size_t i, j;
	json_t *t, *u;
	json_array_foreach(tags, i, t)
	{
		if (!json_is_string(t) || check_tag(json_string_value(t), err) != 0)
			return json_is_string(t)
			           ? -1
			           : api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
			                            "Invalid input: tags must be strings.");
		bool dup = false;
		json_array_foreach(uniq, j, u) if (json_equal(u, t)) dup = true;
		if (!dup)
			json_array_append(uniq, t);
	}
	if (db_begin(err) != 0)
		return -1;
	if (load(req, &kind, &obj, err) != 0)
		goto fail;
	json_object_set(obj, "tags", uniq);
	if (save(req, kind, obj, err) != 0 || db_commit(err) != 0)
		goto fail;
	http_reply_json(resp, 200, json_pack("{s:O}", "tags", uniq));
	return 0;
fail:
	db_rollback();
	return -1;
}

NET_HANDLER(net_tags_clear)
{
	const char *kind;
	json_t *obj;
	if (db_begin(err) != 0)
		return -1;
	if (load(req, &kind, &obj, err) != 0)
		goto fail;
	json_object_set_new(obj, "tags", json_array());
	if (save(req, kind, obj, err) != 0 || db_commit(err) != 0)
		goto fail;
	http_reply_empty(resp, 204);
	return 0;
fail:
	db_rollback();
	return -1;
}

NET_HANDLER(net_tags_add)
{
	const char *kind, *tag = http_param(req, "tag");
	json_t *obj;
	if (check_tag(tag, err) != 0 || db_begin(err) != 0)
		return -1;
	if (load(req, &kind, &obj, err) != 0)
		goto fail;
	json_t *tags = json_object_get(obj, "tags");
	if (!json_is_array(tags)) {
		tags = json_array();
		json_object_set_new(obj, "tags", tags);
	}
	size_t i;
	json_t *t;
	bool have = false;
	json_array_foreach(tags, i, t) if (!strcmp(json_string_value(t), tag)) have = true;
	if (!have)
		json_array_append_new(tags, json_string(tag));
	if (save(req, kind, obj, err) != 0 || db_commit(err) != 0)
		goto fail;
	/* Neutron answers 201 with an empty body (Tempest expects both). */
	http_reply_empty(resp, 201);
	return 0;
fail:
	db_rollback();
	return -1;
}

NET_HANDLER(net_tags_remove)
{
	const char *kind, *tag = http_param(req, "tag");
	json_t *obj;
	if (db_begin(err) != 0)
		return -1;
	if (load(req, &kind, &obj, err) != 0)
		goto fail;
	json_t *tags = json_object_get(obj, "tags");
	size_t i;
	json_t *t;
	bool found = false;
	json_array_foreach(tags, i, t) if (!strcmp(json_string_value(t), tag))
	{
		json_array_remove(tags, i);
		found = true;
		break;
	}
	if (!found) {
		api_fail_typed(err, API_NOT_FOUND, "TagNotFound",
		               "Tag %s could not be found for %s %s.", tag, kind,
		               http_param(req, "id"));
		goto fail;
	}
	if (save(req, kind, obj, err) != 0 || db_commit(err) != 0)
		goto fail;
	http_reply_empty(resp, 204);
	return 0;
fail:
	db_rollback();
	return -1;
}
