/* /v2.0/floatingips: an address of an external network (held by a port
 * with device_owner network:floatingip), optionally associated with a
 * fixed IPv4 address of a port behind a router whose gateway is on that
 * external network. The router's namespace does the DNAT/SNAT
 * (dataplane/router.c). */
#include <string.h>

#include "network/api.h"
#include "network/handlers.h"
#include "network/quota.h"
#include "network/subnet.h"

/* A router with a gateway on ext_net and an interface on subnet_id. */
static int find_router(struct arena *a, const char *ext_net, const char *subnet_id,
                       const char **router_id, struct api_error *err)
{
	json_t *routers, *ports;
	*router_id = NULL;
	if (net_obj_list(a, "router", &routers, err) != 0 ||
	    net_obj_list(a, "port", &ports, err) != 0)
		return -1;
	size_t i, j, k;
	json_t *r, *p, *f;
	json_array_foreach(routers, i, r)
	{
		json_t *gw = json_object_get(r, "external_gateway_info");
		if (!json_is_object(gw) || strcmp(net_str(gw, "network_id"), ext_net))
			continue;
		json_array_foreach(ports, j, p)
		{
			const char *own = net_str(p, "device_owner"),
			           *dev = net_str(p, "device_id");
			if (!own || strcmp(own, "network:router_interface") || !dev ||
			    strcmp(dev, net_str(r, "id")))
				continue;
			json_array_foreach(json_object_get(p, "fixed_ips"), k,
			                   f) if (!strcmp(net_str(f, "subnet_id"), subnet_id))
			{
				*router_id = net_str(r, "id");
				return 0;
			}
		}
	}
	return 0;
}

/* Sets port_id / fixed_ip_address / router_id of fip from the request
 * (port_id null disassociates). */
int net_fip_associate(struct http_request *req, json_t *fip, json_t *port_v, const char *want_fixed,
                      struct api_error *err)
{
	if (!port_v || json_is_null(port_v)) {
		json_object_set_new(fip, "port_id", json_null());
		json_object_set_new(fip, "fixed_ip_address", json_null());
		json_object_set_new(fip, "router_id", json_null());
		json_object_set_new(fip, "status", json_string("DOWN"));
		json_object_set_new(fip, "port_details", json_null());
		return 0;
	}
	if (!json_is_string(port_v))
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
		                      "Invalid input for port_id.");
	const char *pid = json_string_value(port_v);
	json_t *port;
	if (net_get_visible(req, "port", pid, &port, err) != 0)
		return -1;
	const char *fixed = NULL, *subnet = NULL;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(port, "fixed_ips"), i, f)
	{
		int v;
		net_u128 x;
		if (net_ip_parse(net_str(f, "ip_address"), &v, &x) != 0 || v != 4)
			continue;
		if (want_fixed && strcmp(want_fixed, net_str(f, "ip_address")))
			continue;
		if (!fixed) {
			fixed = net_str(f, "ip_address");
			subnet = net_str(f, "subnet_id");
		}
	}
	if (!fixed) {
		if (want_fixed)
			return api_fail_typed(
			    err, API_BAD_REQUEST, "BadRequest",
			    "Bad floatingip request: Port %s does not have fixed ip %s.", pid,
			    want_fixed);
		return api_fail_typed(
		    err, API_BAD_REQUEST, "BadRequest",
		    "Bad floatingip request: Port %s does not have any IPv4 address.", pid);
	}
	const char *router;
	const char *ext = net_str(fip, "floating_network_id");
	if (find_router(req->arena, ext, subnet, &router, err) != 0)
		return -1;
	if (!router)
		return api_fail_typed(
		    err, API_NOT_FOUND, "ExternalGatewayForFloatingIPNotFound",
		    "External network %s is not reachable from subnet %s.  Therefore, "
		    "cannot associate Port %s with a Floating IP.",
		    ext, subnet, pid);
	json_t *fips;
	if (net_obj_list(req->arena, "floatingip", &fips, err) != 0)
		return -1;
	json_array_foreach(fips, i, f)
	{
		const char *op = net_str(f, "port_id"), *ofx = net_str(f, "fixed_ip_address");
		if (op && ofx && !strcmp(op, pid) && !strcmp(ofx, fixed) &&
		    strcmp(net_str(f, "id"), net_str(fip, "id")))
			return api_fail_typed(
			    err, API_CONFLICT, "FloatingIPPortAlreadyAssociated",
			    "Cannot associate floating IP %s (%s) with port %s using "
			    "fixed IP %s, as that fixed IP already has a floating IP on "
			    "external network %s.",
			    net_str(fip, "floating_ip_address"), net_str(fip, "id"), pid, fixed,
			    ext);
	}
	json_object_set_new(fip, "port_id", json_string(pid));
	json_object_set_new(fip, "fixed_ip_address", json_string(fixed));
	json_object_set_new(fip, "router_id", json_string(router));
	json_object_set_new(fip, "status", json_string("ACTIVE"));
	json_object_set_new(fip, "port_details",
	                    json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "name",
	                              json_object_get(port, "name"), "network_id",
	                              json_object_get(port, "network_id"), "mac_address",
	                              json_object_get(port, "mac_address"), "admin_state_up",
	                              json_object_get(port, "admin_state_up"), "status",
	                              json_object_get(port, "status"), "device_id",
	                              json_object_get(port, "device_id"), "device_owner",
	                              json_object_get(port, "device_owner")));
	return 0;
}

int net_fips_disassociate_port(struct arena *a, const char *port_id, json_t **routers,
                               struct api_error *err)
{
	json_t *fips;
	*routers = net_own(a, json_array());
	if (net_obj_list(a, "floatingip", &fips, err) != 0)
		return -1;
	size_t i;
	json_t *f;
	json_array_foreach(fips, i, f)
	{
		const char *p = net_str(f, "port_id");
		if (!p || strcmp(p, port_id))
			continue;
		if (net_str(f, "router_id"))
			json_array_append(*routers, json_object_get(f, "router_id"));
		json_object_set_new(f, "port_id", json_null());
		json_object_set_new(f, "fixed_ip_address", json_null());
		json_object_set_new(f, "router_id", json_null());
		json_object_set_new(f, "status", json_string("DOWN"));
		json_object_set_new(f, "port_details", json_null());
		net_stamp_update(f);
		if (net_obj_put("floatingip", f, err) != 0)
			return -1;
	}
	return 0;
}

NET_HANDLER(net_fips_list)
{
	json_t *all;
	if (net_obj_list(req->arena, "floatingip", &all, err) != 0)
		return -1;
	json_t *vis = net_own(req->arena, json_array());
	size_t i;
	json_t *f;
	json_array_foreach(all, i, f) if (net_visible(req, "floatingip", f))
	    json_array_append(vis, f);
	return net_reply_list(req, resp, "floatingips", vis, err);
}

static const struct net_field fip_fields[] = {
    {"floating_network_id", 's', true, false},
    {"floating_ip_address", 's', true, false},
    {"subnet_id", 'S', true, false},
    {"port_id", 'S', false, false},
    {"fixed_ip_address", 'S', false, false},
    {"description", 's', false, false},
    {"dns_domain", 's', true, false},
    {"dns_name", 's', true, false},
    {"qos_policy_id", 'S', false, false},
    {"tags", 'a', true, false},
    {NULL, 0, false, false},
};

int net_fip_create_doc(struct http_request *req, json_t *tmp, const char *project, json_t **out,
                       struct api_error *err)
{
	struct net_service *ns = net_of(req);
	const char *ext = net_str(tmp, "floating_network_id");
	json_t *net;
	if (net_get_visible(req, "network", ext, &net, err) != 0)
		return -1;
	if (!net_bool(net, "router:external", false))
		return api_fail_typed(
		    err, API_BAD_REQUEST, "BadRequest",
		    "Bad floatingip request: Network %s is not a valid external network.", ext);
	json_t *fip = net_own(req->arena, json_object());
	net_stamp_new(fip, project);
	if (json_object_get(tmp, "tags"))
		json_object_set(fip, "tags", json_object_get(tmp, "tags"));
	if (net_str(tmp, "description"))
		json_object_set(fip, "description", json_object_get(tmp, "description"));
	json_object_set_new(fip, "floating_network_id", json_string(ext));
	json_object_set_new(fip, "dns_domain", json_string(""));
	json_object_set_new(fip, "dns_name", json_string(""));
	json_object_set_new(fip, "qos_policy_id", json_null());
	json_object_set_new(fip, "qos_network_policy_id", json_null());
	json_object_set_new(fip, "port_forwardings", json_array());
	json_t *pin = net_own(req->arena,
	                      json_pack("{s:s,s:s,s:s,s:b,s:[]}", "network_id", ext, "device_owner",
	                                "network:floatingip", "device_id", net_str(fip, "id"),
	                                "port_security_enabled", 0, "security_groups"));
	const char *addr = net_str(tmp, "floating_ip_address"), *sid = net_str(tmp, "subnet_id");
	if (addr || sid) {
		json_t *fx = json_object();
		if (addr)
			json_object_set_new(fx, "ip_address", json_string(addr));
		if (sid)
			json_object_set_new(fx, "subnet_id", json_string(sid));
		json_object_set_new(pin, "fixed_ips", json_pack("[o]", fx));
	}
	json_t *port;
	if (net_quota_check(ns, project, NET_Q_FLOATINGIP, 1, err) != 0 ||
	    net_port_create_doc(ns, req, req->arena, pin, "", true, &port, err) != 0)
		return -1;
	json_t *fixed = json_array_get(json_object_get(port, "fixed_ips"), 0);
	if (!fixed)
		return api_fail_typed(err, API_CONFLICT, "IpAddressGenerationFailure",
		                      "No more IP addresses available on network %s.", ext);
	json_object_set(fip, "floating_ip_address", json_object_get(fixed, "ip_address"));
	if (net_fip_associate(req, fip, json_object_get(tmp, "port_id"),
	                      net_str(tmp, "fixed_ip_address"), err) != 0 ||
	    net_obj_put("floatingip", fip, err) != 0)
		return -1;
	*out = fip;
	return 0;
}

NET_HANDLER(net_fips_create)
{
	struct net_service *ns = net_of(req);
	json_t *in, *fip;
	const char *project;
	if (net_body(req, "floatingip", &in, err) != 0 ||
	    net_new_project(req, in, &project, err) != 0)
		return -1;
	json_t *tmp = net_own(req->arena, json_object());
	if (net_apply_fields(req, tmp, in, fip_fields, true, "floatingip", err) != 0)
		return -1;
	if (!net_str(tmp, "floating_network_id"))
		return api_fail_typed(err, API_BAD_REQUEST, "HTTPBadRequest",
		                      "Failed to parse request. Required attribute "
		                      "'floating_network_id' not specified");
	if (db_begin(err) != 0)
		return -1;
	if (net_fip_create_doc(req, tmp, project, &fip, err) != 0 || db_commit(err) != 0) {
		db_rollback();
		return -1;
	}
	if (net_str(fip, "router_id"))
		net_dp_router_changed(ns, net_str(fip, "router_id"));
	net_reply_one(req, resp, 201, "floatingip", fip);
	return 0;
}

NET_HANDLER(net_fips_show)
{
	json_t *f;
	if (net_get_visible(req, "floatingip", http_param(req, "id"), &f, err) != 0)
		return -1;
	net_reply_one(req, resp, 200, "floatingip", f);
	return 0;
}

NET_HANDLER(net_fips_update)
{
	struct net_service *ns = net_of(req);
	json_t *in, *f;
	if (net_body(req, "floatingip", &in, err) != 0)
		return -1;
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "floatingip", http_param(req, "id"), &f, err) != 0 ||
	    net_if_match(req, f, err) != 0)
		goto fail;
	const char *old_router = arena_strdup(req->arena, net_str(f, "router_id"));
	json_t *tmp = net_own(req->arena, json_object());
	if (net_apply_fields(req, tmp, in, fip_fields, false, "floatingip", err) != 0)
		goto fail;
	if (json_object_get(in, "port_id") &&
	    net_fip_associate(req, f, json_object_get(in, "port_id"),
	                      net_str(in, "fixed_ip_address"), err) != 0)
		goto fail;
	if (net_str(tmp, "description"))
		json_object_set(f, "description", json_object_get(tmp, "description"));
	net_stamp_update(f);
	if (net_obj_put("floatingip", f, err) != 0 || db_commit(err) != 0)
		goto fail;
	if (old_router)
		net_dp_router_changed(ns, old_router);
	if (net_str(f, "router_id") && (!old_router || strcmp(old_router, net_str(f, "router_id"))))
		net_dp_router_changed(ns, net_str(f, "router_id"));
	net_reply_one(req, resp, 200, "floatingip", f);
	return 0;
fail:
	db_rollback();
	return -1;
}

int net_fip_delete_doc(struct http_request *req, json_t *fip, struct api_error *err)
{
	json_t *ports;
	if (net_obj_list(req->arena, "port", &ports, err) != 0)
		return -1;
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p)
	{
		const char *own = net_str(p, "device_owner"), *dev = net_str(p, "device_id");
		if (own && dev && !strcmp(own, "network:floatingip") &&
		    !strcmp(dev, net_str(fip, "id")) &&
		    net_port_delete_doc(req->arena, p, err) != 0)
			return -1;
	}
	return net_obj_delete("floatingip", net_str(fip, "id"), err);
}

NET_HANDLER(net_fips_delete)
{
	struct net_service *ns = net_of(req);
	json_t *f;
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "floatingip", http_param(req, "id"), &f, err) != 0 ||
	    net_fip_delete_doc(req, f, err) != 0 || db_commit(err) != 0) {
		db_rollback();
		return -1;
	}
	if (net_str(f, "router_id"))
		net_dp_router_changed(ns, net_str(f, "router_id"));
	http_reply_empty(resp, 204);
	return 0;
}
