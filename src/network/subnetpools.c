/* /v2.0/subnetpools: prefixes subnets can be carved from (subnet create
 * with subnetpool_id and prefixlen, see subnets.c). */
#include <stdlib.h>
#include <string.h>

#include "network/api.h"
#include "network/handlers.h"

static const struct net_field pool_fields[] = {
    {"name", 's', false, false},          {"description", 's', false, false},
    {"prefixes", 'a', false, false},      {"default_prefixlen", '*', false, false},
    {"min_prefixlen", '*', false, false}, {"max_prefixlen", '*', false, false},
    {"shared", 'b', true, true},          {"is_default", 'b', false, true},
    {"default_quota", 'I', false, false}, {"address_scope_id", 'S', false, false},
    {"tags", 'a', true, false},           {NULL, 0, false, false},
};

static int to_int(json_t *obj, const char *key, long long fallback, long long *out,
                  struct api_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		*out = fallback;
	} else if (json_is_integer(v)) {
		*out = json_integer_value(v);
	} else if (json_is_string(v)) {
		char *end;
		*out = strtoll(json_string_value(v), &end, 10);
		if (*end || !*json_string_value(v))
			return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
			                      "Invalid input for %s.", key);
	} else {
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput", "Invalid input for %s.",
		                      key);
	}
	json_object_set_new(obj, key, json_integer(*out));
	return 0;
}

/* Normalizes prefixes and prefix lengths of pool; sets ip_version. */
static int check_pool(json_t *pool, struct api_error *err)
{
	json_t *pfx = json_object_get(pool, "prefixes");
	if (!json_array_size(pfx))
		return api_fail_typed(
		    err, API_BAD_REQUEST, "InvalidInput",
		    "Invalid input for prefixes: at least one prefix is required.");
	json_t *norm = json_array();
	int version = 0;
	size_t i;
	json_t *p;
	json_array_foreach(pfx, i, p)
	{
		struct net_cidr c;
		char buf[64];
		if (!json_is_string(p) || net_cidr_parse(json_string_value(p), false, &c) != 0 ||
		    (version && c.version != version)) {
			json_decref(norm);
			return api_fail_typed(
			    err, API_BAD_REQUEST, "InvalidInput",
			    "Invalid input for prefixes: '%s' is not a valid IP prefix.",
			    json_is_string(p) ? json_string_value(p) : "");
		}
		version = c.version;
		net_cidr_format(&c, buf, sizeof(buf));
		json_array_append_new(norm, json_string(buf));
	}
	json_object_set_new(pool, "prefixes", norm);
	json_object_set_new(pool, "ip_version", json_integer(version));
	long long bits = version == 4 ? 32 : 128, mn, mx, def;
	if (to_int(pool, "min_prefixlen", version == 4 ? 8 : 64, &mn, err) != 0 ||
	    to_int(pool, "max_prefixlen", bits, &mx, err) != 0 ||
	    to_int(pool, "default_prefixlen", mn, &def, err) != 0)
		return -1;
	if (mn < 0 || mx > bits || mn > mx || def < mn || def > mx)
		return api_fail_typed(err, API_BAD_REQUEST, "IllegalSubnetPrefixLength",
		                      "Illegal prefix bounds: min_prefixlen=%lld, "
		                      "default_prefixlen=%lld, max_prefixlen=%lld.",
		                      mn, def, mx);
	return 0;
}

NET_HANDLER(net_subnetpools_list)
{
	json_t *all;
	if (net_obj_list(req->arena, "subnetpool", &all, err) != 0)
		return -1;
	json_t *vis = net_own(req->arena, json_array());
	size_t i;
	json_t *p;
	json_array_foreach(all, i, p) if (net_visible(req, "subnetpool", p))
	    json_array_append(vis, p);
	return net_reply_list(req, resp, "subnetpools", vis, err);
}

NET_HANDLER(net_subnetpools_create)
{
	json_t *in;
	const char *project;
	if (net_body(req, "subnetpool", &in, err) != 0 ||
	    net_new_project(req, in, &project, err) != 0)
		return -1;
	json_t *p = net_own(req->arena, json_object());
	json_object_set_new(p, "name", json_string(""));
	json_object_set_new(p, "shared", json_false());
	json_object_set_new(p, "is_default", json_false());
	json_object_set_new(p, "default_quota", json_null());
	json_object_set_new(p, "address_scope_id", json_null());
	if (net_apply_fields(req, p, in, pool_fields, true, "subnetpool", err) != 0 ||
	    check_pool(p, err) != 0)
		return -1;
	if (!net_str(in, "name"))
		return api_fail_typed(err, API_BAD_REQUEST, "HTTPBadRequest",
		                      "Failed to parse request. Required attribute 'name' not "
		                      "specified");
	net_stamp_new(p, project);
	if (net_obj_put("subnetpool", p, err) != 0)
		return -1;
	net_reply_one(req, resp, 201, "subnetpool", p);
	return 0;
}

NET_HANDLER(net_subnetpools_show)
{
	json_t *p;
	if (net_get_visible(req, "subnetpool", http_param(req, "id"), &p, err) != 0)
		return -1;
	net_reply_one(req, resp, 200, "subnetpool", p);
	return 0;
}

NET_HANDLER(net_subnetpools_update)
{
	json_t *in, *p;
	if (net_body(req, "subnetpool", &in, err) != 0)
		return -1;
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "subnetpool", http_param(req, "id"), &p, err) != 0 ||
	    net_if_match(req, p, err) != 0 ||
	    net_apply_fields(req, p, in, pool_fields, false, "subnetpool", err) != 0 ||
	    check_pool(p, err) != 0)
		goto fail;
	net_stamp_update(p);
	if (net_obj_put("subnetpool", p, err) != 0 || db_commit(err) != 0)
		goto fail;
	net_reply_one(req, resp, 200, "subnetpool", p);
	return 0;
fail:
	db_rollback();
	return -1;
}

NET_HANDLER(net_subnetpools_delete)
{
	json_t *p, *subnets;
	const char *id = http_param(req, "id");
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "subnetpool", id, &p, err) != 0 ||
	    net_obj_list(req->arena, "subnet", &subnets, err) != 0)
		goto fail;
	size_t i;
	json_t *s;
	json_array_foreach(subnets, i, s)
	{
		const char *sp = net_str(s, "subnetpool_id");
		if (sp && !strcmp(sp, id)) {
			api_fail_typed(
			    err, API_CONFLICT, "SubnetPoolInUse",
			    "Unable to complete operation on subnet pool %s. Subnets are "
			    "still allocated from it.",
			    id);
			goto fail;
		}
	}
	if (net_obj_delete("subnetpool", id, err) != 0 || db_commit(err) != 0)
		goto fail;
	http_reply_empty(resp, 204);
	return 0;
fail:
	db_rollback();
	return -1;
}
