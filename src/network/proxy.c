/* What compute's deprecated proxy APIs (Nova's os-security-groups,
 * os-security-group-rules, os-floating-ips, os-floating-ip-pools,
 * os-networks, os-tenant-networks below 2.36) ask of network, in-process:
 * the same documents, checks and data-plane updates as the Neutron API,
 * done as the caller of compute's request (its token's project and roles).
 * Each call runs on a copy of that request whose ctx is network's state,
 * so the shared steps (net_sg_*_doc, net_fip_*) see the caller exactly as
 * in a Neutron request. Answers are Neutron documents owned by the arena
 * of the request. */
#include <string.h>

#include "core/db.h"
#include "network/api.h"
#include "network/quota.h"

/* The caller's request, seen from network (net_of() gives ns). */
static struct http_request *as_network(struct net_service *ns, struct http_request *req)
{
	struct http_request *r = arena_alloc(req->arena, sizeof(*r));
	*r = *req;
	r->ctx = ns;
	return r;
}

/* ---- security groups ---- */

int net_proxy_sg_list(struct net_service *ns, struct http_request *req, bool all_projects,
                      json_t **groups, struct api_error *err)
{
	struct http_request *r = as_network(ns, req);
	json_t *all, *rules;
	if (net_sg_ensure_default(r, err) != 0 ||
	    net_obj_list(r->arena, "security_group", &all, err) != 0 ||
	    net_obj_list(r->arena, "security_group_rule", &rules, err) != 0)
		return -1;
	*groups = net_own(r->arena, json_array());
	const char *project = net_caller_project(r);
	size_t i;
	json_t *sg;
	json_array_foreach(all, i, sg)
	{
		if (!net_visible(r, "security_group", sg))
			continue;
		const char *owner = net_str(sg, "project_id");
		if (!all_projects && (!owner || strcmp(owner, project)))
			continue;
		json_array_append(*groups, net_sg_view(r->arena, sg, rules));
	}
	return 0;
}

int net_proxy_sg_get(struct net_service *ns, struct http_request *req, const char *id,
                     json_t **group, struct api_error *err)
{
	struct http_request *r = as_network(ns, req);
	json_t *sg, *rules;
	if (net_get_visible(r, "security_group", id, &sg, err) != 0 ||
	    net_obj_list(r->arena, "security_group_rule", &rules, err) != 0)
		return -1;
	*group = net_sg_view(r->arena, sg, rules);
	return 0;
}

int net_proxy_sg_create(struct net_service *ns, struct http_request *req, const char *name,
                        const char *description, json_t **group, struct api_error *err)
{
	struct http_request *r = as_network(ns, req);
	const char *project = net_caller_project(r);
	json_t *sg, *rules;
	if (!strcmp(name, "default"))
		return api_fail_typed(err, API_CONFLICT, "SecurityGroupDefaultAlreadyExists",
		                      "Default security group already exists.");
	if (db_begin(err) != 0)
		return -1;
	char def[37];
	if (net_default_sg(project, def, err) != 0 ||
	    net_quota_check(ns, project, NET_Q_SECURITY_GROUP, 1, err) != 0 ||
	    net_sg_create_doc(project, name, description, false, &sg, err) != 0) {
		db_rollback();
		return -1;
	}
	net_own(r->arena, sg);
	if (db_commit(err) != 0 || net_obj_list(r->arena, "security_group_rule", &rules, err) != 0)
		return -1;
	*group = net_sg_view(r->arena, sg, rules);
	return 0;
}

int net_proxy_sg_update(struct net_service *ns, struct http_request *req, const char *id,
                        const char *name, const char *description, json_t **group,
                        struct api_error *err)
{
	struct http_request *r = as_network(ns, req);
	json_t *sg, *rules;
	json_t *in = net_own(r->arena, json_object());
	if (name)
		json_object_set_new(in, "name", json_string(name));
	if (description)
		json_object_set_new(in, "description", json_string(description));
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(r, "security_group", id, &sg, err) != 0 ||
	    net_sg_update_doc(r, sg, in, err) != 0 || db_commit(err) != 0) {
		db_rollback();
		return -1;
	}
	if (net_obj_list(r->arena, "security_group_rule", &rules, err) != 0)
		return -1;
	*group = net_sg_view(r->arena, sg, rules);
	return 0;
}

int net_proxy_sg_delete(struct net_service *ns, struct http_request *req, const char *id,
                        struct api_error *err)
{
	struct http_request *r = as_network(ns, req);
	json_t *sg;
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(r, "security_group", id, &sg, err) != 0 ||
	    net_sg_delete_doc(r, sg, err) != 0 || db_commit(err) != 0) {
		db_rollback();
		return -1;
	}
	net_dp_security_changed(ns);
	return 0;
}

int net_proxy_sg_rule_get(struct net_service *ns, struct http_request *req, const char *id,
                          json_t **rule, struct api_error *err)
{
	return net_get_visible(as_network(ns, req), "security_group_rule", id, rule, err);
}

int net_proxy_sg_rule_create(struct net_service *ns, struct http_request *req, json_t *rule,
                             json_t **out, struct api_error *err)
{
	struct http_request *r = as_network(ns, req);
	json_t *rules;
	if (db_begin(err) != 0)
		return -1;
	if (net_obj_list(r->arena, "security_group_rule", &rules, err) != 0 ||
	    net_sg_rule_create_doc(r, rule, rules, out, err) != 0 || db_commit(err) != 0) {
		db_rollback();
		return -1;
	}
	net_dp_security_changed(ns);
	return 0;
}

int net_proxy_sg_rule_delete(struct net_service *ns, struct http_request *req, const char *id,
                             struct api_error *err)
{
	struct http_request *r = as_network(ns, req);
	json_t *rule, *sg;
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(r, "security_group_rule", id, &rule, err) != 0 ||
	    net_obj_delete("security_group_rule", id, err) != 0 ||
	    net_obj_try(r->arena, "security_group", net_str(rule, "security_group_id"), &sg, err) !=
	        0)
		goto fail;
	if (sg) {
		net_stamp_update(sg);
		if (net_obj_put("security_group", sg, err) != 0)
			goto fail;
	}
	if (db_commit(err) != 0)
		goto fail;
	net_dp_security_changed(ns);
	return 0;
fail:
	db_rollback();
	return -1;
}

/* ---- floating IPs ---- */

int net_proxy_fip_list(struct net_service *ns, struct http_request *req, json_t **fips,
                       struct api_error *err)
{
	struct http_request *r = as_network(ns, req);
	json_t *all;
	if (net_obj_list(r->arena, "floatingip", &all, err) != 0)
		return -1;
	*fips = net_own(r->arena, json_array());
	const char *project = net_caller_project(r);
	size_t i;
	json_t *f;
	json_array_foreach(all, i, f)
	{
		const char *owner = net_str(f, "project_id");
		if (owner && !strcmp(owner, project))
			json_array_append(*fips, f);
	}
	return 0;
}

int net_proxy_fip_get(struct net_service *ns, struct http_request *req, const char *id,
                      json_t **fip, struct api_error *err)
{
	return net_get_visible(as_network(ns, req), "floatingip", id, fip, err);
}

int net_proxy_fip_find(struct net_service *ns, struct http_request *req, const char *address,
                       json_t **fip, struct api_error *err)
{
	struct http_request *r = as_network(ns, req);
	json_t *all;
	if (net_obj_list(r->arena, "floatingip", &all, err) != 0)
		return -1;
	*fip = NULL;
	size_t i, n = 0;
	json_t *f;
	json_array_foreach(all, i, f)
	{
		const char *a = net_str(f, "floating_ip_address");
		if (a && !strcmp(a, address) && net_visible(r, "floatingip", f)) {
			*fip = f;
			n++;
		}
	}
	if (n > 1)
		return api_fail_typed(err, API_CONFLICT, "FloatingIpMultipleFoundForAddress",
		                      "Multiple floating IPs are found for address %s.", address);
	if (!*fip)
		return api_fail_typed(err, API_NOT_FOUND, "FloatingIpNotFoundForAddress",
		                      "Floating IP not found for address %s.", address);
	return 0;
}

int net_proxy_fip_create(struct net_service *ns, struct http_request *req, const char *network_id,
                         json_t **fip, struct api_error *err)
{
	struct http_request *r = as_network(ns, req);
	json_t *tmp = net_own(r->arena, json_pack("{s:s}", "floating_network_id", network_id));
	if (db_begin(err) != 0)
		return -1;
	if (net_fip_create_doc(r, tmp, net_caller_project(r), fip, err) != 0 ||
	    db_commit(err) != 0) {
		db_rollback();
		return -1;
	}
	return 0;
}

int net_proxy_fip_delete(struct net_service *ns, struct http_request *req, const char *id,
                         struct api_error *err)
{
	struct http_request *r = as_network(ns, req);
	json_t *f;
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(r, "floatingip", id, &f, err) != 0 ||
	    net_fip_delete_doc(r, f, err) != 0 || db_commit(err) != 0) {
		db_rollback();
		return -1;
	}
	if (net_str(f, "router_id"))
		net_dp_router_changed(ns, net_str(f, "router_id"));
	return 0;
}

int net_proxy_fip_set_port(struct net_service *ns, struct http_request *req, const char *id,
                           const char *port_id, const char *fixed_ip, struct api_error *err)
{
	struct http_request *r = as_network(ns, req);
	json_t *f;
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(r, "floatingip", id, &f, err) != 0)
		goto fail;
	const char *old_router = arena_strdup(r->arena, net_str(f, "router_id"));
	json_t *port_v = net_own(r->arena, port_id ? json_string(port_id) : json_null());
	if (net_fip_associate(r, f, port_v, fixed_ip, err) != 0)
		goto fail;
	net_stamp_update(f);
	if (net_obj_put("floatingip", f, err) != 0 || db_commit(err) != 0)
		goto fail;
	if (old_router)
		net_dp_router_changed(ns, old_router);
	if (net_str(f, "router_id") && (!old_router || strcmp(old_router, net_str(f, "router_id"))))
		net_dp_router_changed(ns, net_str(f, "router_id"));
	return 0;
fail:
	db_rollback();
	return -1;
}

/* ---- networks ---- */

int net_proxy_networks(struct net_service *ns, struct http_request *req, bool external_only,
                       json_t **nets, struct api_error *err)
{
	struct http_request *r = as_network(ns, req);
	json_t *all;
	if (net_obj_list(r->arena, "network", &all, err) != 0)
		return -1;
	*nets = net_own(r->arena, json_array());
	size_t i;
	json_t *n;
	json_array_foreach(all, i, n)
	{
		if (!net_visible(r, "network", n))
			continue;
		if (external_only && !net_bool(n, "router:external", false))
			continue;
		json_array_append(*nets, n);
	}
	return 0;
}

int net_proxy_network_get(struct net_service *ns, struct http_request *req, const char *id,
                          json_t **net, struct api_error *err)
{
	return net_get_visible(as_network(ns, req), "network", id, net, err);
}
