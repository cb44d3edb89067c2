/* Request helpers shared by the network API files: the caller and what it
 * may see, request bodies (single and bulk), the stamps every Neutron
 * resource carries (ids, times, revision_number, tags) and If-Match. */
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "identity/identity.h"
#include "network/api.h"

struct net_service *net_of(const struct http_request *req)
{
	return req->ctx;
}

bool net_is_admin(const struct http_request *req)
{
	const struct identity_auth *auth = identity_auth_of(req);
	if (!auth)
		return false;
	for (size_t i = 0; i < auth->nroles; i++)
		if (auth->roles[i] && !strcmp(auth->roles[i], "admin"))
			return true;
	return false;
}

const char *net_caller_project(const struct http_request *req)
{
	const struct identity_auth *auth = identity_auth_of(req);
	return auth && auth->project_id ? auth->project_id : "";
}

const char *net_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

bool net_bool(json_t *obj, const char *key, bool fallback)
{
	json_t *v = json_object_get(obj, key);
	return json_is_boolean(v) ? json_is_true(v) : fallback;
}

bool net_visible(const struct http_request *req, const char *kind, json_t *obj)
{
	if (net_is_admin(req))
		return true;
	const char *owner = net_str(obj, "project_id");
	if (owner && !strcmp(owner, net_caller_project(req)))
		return true;
	if (!strcmp(kind, "network"))
		return net_bool(obj, "shared", false) || net_bool(obj, "router:external", false);
	if (!strcmp(kind, "subnet") || !strcmp(kind, "subnetpool"))
		return net_bool(obj, "shared", false);
	if (!strcmp(kind, "security_group"))
		return net_bool(obj, "shared", false);
	return false;
}

int net_get_visible(struct http_request *req, const char *kind, const char *id, json_t **out,
                    struct api_error *err)
{
	if (net_obj_get(req->arena, kind, id, out, err) != 0)
		return -1;
	if (!net_visible(req, kind, *out))
		return net_not_found(kind, id, err);
	return 0;
}

int net_get_owned(struct http_request *req, const char *kind, const char *id, json_t **out,
                  struct api_error *err)
{
	if (net_get_visible(req, kind, id, out, err) != 0)
		return -1;
	const char *owner = net_str(*out, "project_id");
	if (!net_is_admin(req) && (!owner || strcmp(owner, net_caller_project(req))))
		return api_fail_typed(
		    err, API_FORBIDDEN, "PolicyNotAuthorized",
		    "The request you have made requires authentication or you are "
		    "not allowed to change %s %s.",
		    kind, id);
	return 0;
}

int net_body(struct http_request *req, const char *member, json_t **out, struct api_error *err)
{
	json_t *body;
	if (http_body_json(req, &body, err) != 0)
		return -1;
	json_t *inner = json_object_get(body, member);
	if (!json_is_object(inner))
		return api_fail_typed(err, API_BAD_REQUEST, "BadRequest",
		                      "Bad %s request: Resource body required.", member);
	*out = inner;
	return 0;
}

int net_body_bulk(struct http_request *req, const char *member, const char *collection,
                  json_t **items, bool *bulk, struct api_error *err)
{
	json_t *body;
	if (http_body_json(req, &body, err) != 0)
		return -1;
	json_t *many = json_object_get(body, collection);
	if (json_is_array(many)) {
		size_t i;
		json_t *v;
		if (json_array_size(many) == 0)
			return api_fail_typed(err, API_BAD_REQUEST, "BadRequest",
			                      "Resources required");
		json_array_foreach(
		    many, i, v) if (!json_is_object(json_object_get(v, member)) &&
		                    !json_is_object(v)) return api_fail_typed(err, API_BAD_REQUEST,
		                                                              "BadRequest",
		                                                              "Bad %s "
		                                                              "request",
		                                                              collection);
		*items = net_own(req->arena, json_array());
		json_array_foreach(many, i, v)
		{
			json_t *inner = json_object_get(v, member);
			json_array_append(*items, json_is_object(inner) ? inner : v);
		}
		*bulk = true;
		return 0;
	}
	json_t *one = json_object_get(body, member);
	if (!json_is_object(one))
		return api_fail_typed(err, API_BAD_REQUEST, "BadRequest",
		                      "Bad %s request: Resource body required.", member);
	*items = net_own(req->arena, json_array());
	json_array_append(*items, one);
	*bulk = false;
	return 0;
}

int net_new_project(struct http_request *req, json_t *in, const char **project,
                    struct api_error *err)
{
	const char *caller = net_caller_project(req);
	const char *t = net_str(in, "tenant_id"), *p = net_str(in, "project_id");
	if (t && p && strcmp(t, p))
		return api_fail_typed(err, API_BAD_REQUEST, "BadRequest",
		                      "'project_id' and 'tenant_id' do not match");
	const char *want = p ? p : t;
	if (want && strcmp(want, caller) && !net_is_admin(req))
		return api_fail_typed(err, API_FORBIDDEN, "PolicyNotAuthorized",
		                      "Specifying 'project_id' or 'tenant_id' other than the "
		                      "authenticated project in request requires admin privileges");
	*project = want ? want : caller;
	return 0;
}

void net_stamp_new(json_t *obj, const char *project)
{
	char id[37], now[21];
	if (!net_str(obj, "id")) {
		ids_uuid4(id);
		json_object_set_new(obj, "id", json_string(id));
	}
	ids_time_iso(time(NULL), now);
	json_object_set_new(obj, "project_id", json_string(project));
	json_object_set_new(obj, "tenant_id", json_string(project));
	json_object_set_new(obj, "created_at", json_string(now));
	json_object_set_new(obj, "updated_at", json_string(now));
	json_object_set_new(obj, "revision_number", json_integer(0));
	if (!json_object_get(obj, "tags"))
		json_object_set_new(obj, "tags", json_array());
	if (!json_object_get(obj, "description"))
		json_object_set_new(obj, "description", json_string(""));
}

void net_stamp_update(json_t *obj)
{
	char now[21];
	ids_time_iso(time(NULL), now);
	json_object_set_new(obj, "updated_at", json_string(now));
	json_int_t rev = json_integer_value(json_object_get(obj, "revision_number"));
	json_object_set_new(obj, "revision_number", json_integer(rev + 1));
}

int net_if_match(struct http_request *req, json_t *obj, struct api_error *err)
{
	const char *h = http_header(req, "If-Match");
	if (!h)
		return 0;
	const char *eq = strstr(h, "revision_number=");
	if (!eq)
		return api_fail_typed(err, API_BAD_REQUEST, "BadRequest",
		                      "If-Match header without revision_number=N.");
	char *end;
	long long want = strtoll(eq + strlen("revision_number="), &end, 10);
	json_int_t rev = json_integer_value(json_object_get(obj, "revision_number"));
	if (want != rev)
		return api_fail_typed(
		    err, API_PRECONDITION_FAILED, "RevisionNumberConstraintFailed",
		    "Constrained to %lld, but current revision is %lld", want, (long long)rev);
	return 0;
}

int net_bool_of(json_t *v, const char *field, bool *out, struct api_error *err)
{
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (!strcasecmp(s, "true") || !strcmp(s, "1")) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, "false") || !strcmp(s, "0")) {
			*out = false;
			return 0;
		}
	}
	if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1)) {
		*out = json_integer_value(v) == 1;
		return 0;
	}
	return api_fail_typed(err, API_BAD_REQUEST, "HTTPBadRequest",
	                      "Invalid input for %s. Reason: '%s' is not a valid boolean value.",
	                      field, json_is_string(v) ? json_string_value(v) : "(value)");
}

static bool type_ok(char t, json_t *v)
{
	switch (t) {
	case 's':
		return json_is_string(v);
	case 'S':
		return json_is_string(v) || json_is_null(v);
	case 'b':
		return true; /* converted below */
	case 'i':
		return json_is_integer(v);
	case 'I':
		return json_is_integer(v) || json_is_null(v);
	case 'a':
		return json_is_array(v);
	case 'o':
		return json_is_object(v);
	case 'O':
		return json_is_object(v) || json_is_null(v);
	default:
		return true;
	}
}

int net_apply_fields(struct http_request *req, json_t *obj, json_t *in,
                     const struct net_field *fields, bool create, const char *what,
                     struct api_error *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(in, key, v)
	{
		const struct net_field *f = NULL;
		for (const struct net_field *p = fields; p->name; p++)
			if (!strcmp(p->name, key))
				f = p;
		if (!f) {
			if (create && (!strcmp(key, "tenant_id") || !strcmp(key, "project_id")))
				continue;
			return api_fail_typed(err, API_BAD_REQUEST, "HTTPBadRequest",
			                      "Unrecognized attribute(s) '%s'", key);
		}
		if (!create && f->create_only)
			return api_fail_typed(err, API_BAD_REQUEST, "HTTPBadRequest",
			                      "Cannot update read-only attribute %s", key);
		if (f->admin_only && !net_is_admin(req))
			return api_fail_typed(err, API_FORBIDDEN, "PolicyNotAuthorized",
			                      "(rule:%s_%s:%s) is disallowed by policy",
			                      create ? "create" : "update", what, key);
		if (!type_ok(f->type, v))
			return api_fail_typed(err, API_BAD_REQUEST, "HTTPBadRequest",
			                      "Invalid input for %s. Reason: '%s' is not of the "
			                      "expected type.",
			                      key,
			                      json_is_string(v) ? json_string_value(v) : "value");
		if (f->type == 'b') {
			bool b;
			if (net_bool_of(v, key, &b, err) != 0)
				return -1;
			json_object_set_new(obj, key, json_boolean(b));
			continue;
		}
		if ((f->type == 's' || f->type == 'S') && json_is_string(v) &&
		    strlen(json_string_value(v)) > 255 && strcmp(key, "description"))
			return api_fail_typed(err, API_BAD_REQUEST, "HTTPBadRequest",
			                      "Invalid input for %s. Reason: '%s' exceeds maximum "
			                      "length of 255.",
			                      key, json_string_value(v));
		json_object_set(obj, key, v);
	}
	return 0;
}
