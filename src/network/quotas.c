/* /v2.0/quotas: defaults, per-project overrides, usage details, and the
 * check the create handlers run inside their transaction. */
#include <stdlib.h>
#include <string.h>

#include "network/api.h"
#include "network/handlers.h"
#include "network/quota.h"

const char *const net_quota_names[NET_Q_COUNT] = {
    "network",    "subnet",         "subnetpool",          "port",        "router",
    "floatingip", "security_group", "security_group_rule", "rbac_policy",
};

static const long long defaults[NET_Q_COUNT] = {100, 100, -1, 500, 10, 50, 10, 100, 10};

void net_quota_defaults(const struct config *cfg, long long out[16])
{
	for (int i = 0; i < NET_Q_COUNT; i++) {
		char key[64];
		snprintf(key, sizeof(key), "quota_%s", net_quota_names[i]);
		out[i] = config_get_int(cfg, "network", key, defaults[i]);
	}
}

static int limit_of(struct net_service *ns, const char *project, int r, long long *out,
                    struct api_error *err)
{
	bool set;
	if (net_quota_get(project, net_quota_names[r], out, &set, err) != 0)
		return -1;
	if (!set)
		*out = ns->cfg.quota[r];
	return 0;
}

static int used_of(struct arena *a, const char *project, int r, long long *out,
                   struct api_error *err)
{
	json_t *all;
	*out = 0;
	if (r == NET_Q_RBAC_POLICY)
		return 0;
	if (net_obj_list(a, net_quota_names[r], &all, err) != 0)
		return -1;
	size_t i;
	json_t *o;
	json_array_foreach(all, i, o)
	{
		const char *p = net_str(o, "project_id");
		if (p && !strcmp(p, project))
			(*out)++;
	}
	return 0;
}

int net_quota_check(struct net_service *ns, const char *project_id, enum net_quota_resource r,
                    long long adding, struct api_error *err)
{
	long long limit, used;
	if (limit_of(ns, project_id, r, &limit, err) != 0)
		return -1;
	if (limit < 0)
		return 0;
	struct arena *a = arena_new();
	int rc = used_of(a, project_id, r, &used, err);
	arena_free(a);
	if (rc != 0)
		return -1;
	if (used + adding > limit)
		return api_fail_typed(err, API_CONFLICT, "OverQuota",
		                      "Quota exceeded for resources: ['%s'].", net_quota_names[r]);
	return 0;
}

static json_t *quota_body(struct net_service *ns, const char *project, bool defaults_only,
                          struct api_error *err)
{
	json_t *q = json_object();
	for (int i = 0; i < NET_Q_COUNT; i++) {
		long long v = ns->cfg.quota[i];
		if (!defaults_only && limit_of(ns, project, i, &v, err) != 0) {
			json_decref(q);
			return NULL;
		}
		json_object_set_new(q, net_quota_names[i], json_integer(v));
	}
	return q;
}

static int own_or_admin(struct http_request *req, const char *project, struct api_error *err)
{
	if (!net_is_admin(req) && strcmp(project, net_caller_project(req)))
		return api_fail_typed(err, API_FORBIDDEN, "PolicyNotAuthorized",
		                      "Only admin can view or configure quota of another project");
	return 0;
}

NET_HANDLER(net_quotas_list)
{
	json_t *ids;
	if (net_quota_projects(req->arena, &ids, err) != 0)
		return -1;
	json_t *list = json_array();
	size_t i;
	json_t *id;
	json_array_foreach(ids, i, id)
	{
		json_t *q = quota_body(net_of(req), json_string_value(id), false, err);
		if (!q) {
			json_decref(list);
			return -1;
		}
		json_object_set(q, "project_id", id);
		json_object_set(q, "tenant_id", id);
		json_array_append_new(list, q);
	}
	http_reply_json(resp, 200, json_pack("{s:o}", "quotas", list));
	return 0;
}

NET_HANDLER(net_quotas_show)
{
	const char *project = http_param(req, "project_id");
	if (own_or_admin(req, project, err) != 0)
		return -1;
	json_t *q = quota_body(net_of(req), project, false, err);
	if (!q)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:o}", "quota", q));
	return 0;
}

NET_HANDLER(net_quotas_default)
{
	const char *project = http_param(req, "project_id");
	if (own_or_admin(req, project, err) != 0)
		return -1;
	json_t *q = quota_body(net_of(req), project, true, err);
	http_reply_json(resp, 200, json_pack("{s:o}", "quota", q));
	return 0;
}

NET_HANDLER(net_quotas_details)
{
	const char *project = http_param(req, "project_id");
	if (own_or_admin(req, project, err) != 0)
		return -1;
	json_t *q = json_object();
	for (int i = 0; i < NET_Q_COUNT; i++) {
		long long limit, used;
		if (limit_of(net_of(req), project, i, &limit, err) != 0 ||
		    used_of(req->arena, project, i, &used, err) != 0) {
			json_decref(q);
			return -1;
		}
		json_object_set_new(q, net_quota_names[i],
		                    json_pack("{s:I,s:I,s:i}", "limit", (json_int_t)limit, "used",
		                              (json_int_t)used, "reserved", 0));
	}
	http_reply_json(resp, 200, json_pack("{s:o}", "quota", q));
	return 0;
}

NET_HANDLER(net_quotas_update)
{
	const char *project = http_param(req, "project_id");
	json_t *in;
	if (net_body(req, "quota", &in, err) != 0)
		return -1;
	const char *key;
	json_t *v;
	json_object_foreach(in, key, v)
	{
		int r = -1;
		for (int i = 0; i < NET_Q_COUNT; i++)
			if (!strcmp(net_quota_names[i], key))
				r = i;
		long long val;
		if (r < 0)
			return api_fail_typed(err, API_BAD_REQUEST, "HTTPBadRequest",
			                      "Unrecognized attribute(s) '%s'", key);
		if (json_is_integer(v))
			val = json_integer_value(v);
		else if (json_is_string(v) && *json_string_value(v)) {
			char *end;
			val = strtoll(json_string_value(v), &end, 10);
			if (*end)
				return api_fail_typed(
				    err, API_BAD_REQUEST, "HTTPBadRequest",
				    "Invalid input for %s. Reason: '%s' is not an "
				    "integer.",
				    key, json_string_value(v));
		} else
			return api_fail_typed(err, API_BAD_REQUEST, "HTTPBadRequest",
			                      "Invalid input for %s. Reason: not an integer.", key);
		if (val < -1)
			return api_fail_typed(
			    err, API_BAD_REQUEST, "HTTPBadRequest",
			    "Invalid input for %s. Reason: '%lld' is smaller than "
			    "'-1'.",
			    key, val);
	}
	if (db_begin(err) != 0)
		return -1;
	json_object_foreach(in, key, v)
	{
		long long val = json_is_integer(v) ? json_integer_value(v)
		                                   : strtoll(json_string_value(v), NULL, 10);
		if (net_quota_set(project, key, val, err) != 0) {
			db_rollback();
			return -1;
		}
	}
	if (db_commit(err) != 0)
		return -1;
	json_t *q = quota_body(net_of(req), project, false, err);
	if (!q)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:o}", "quota", q));
	return 0;
}

NET_HANDLER(net_quotas_delete)
{
	if (net_quota_reset(http_param(req, "project_id"), err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}
