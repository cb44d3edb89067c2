/* /v2.0/routers: a router is a namespace on this host (dataplane/router.c)
 * with a gateway port on an external network (SNAT when enable_snat),
 * interface ports on tenant subnets (each the subnet's gateway address),
 * and static routes. Overlapping subnets on one router are refused. */
#include <string.h>

#include "network/api.h"
#include "network/handlers.h"
#include "network/quota.h"
#include "network/subnet.h"

static const struct net_field router_fields[] = {
    {"name", 's', false, false},
    {"description", 's', false, false},
    {"admin_state_up", 'b', false, false},
    {"external_gateway_info", 'O', false, false},
    {"routes", '*', false, false},
    {"distributed", 'b', false, true},
    {"ha", 'b', false, true},
    {"availability_zone_hints", 'a', true, false},
    {"flavor_id", 'S', true, false},
    {"tags", 'a', true, false},
    {NULL, 0, false, false},
};

/* The router's ports of an owner kind ("network:router_interface", ...). */
static int router_ports(struct arena *a, const char *router_id, const char *owner, json_t **out,
                        struct api_error *err)
{
	json_t *all;
	if (net_obj_list(a, "port", &all, err) != 0)
		return -1;
	*out = net_own(a, json_array());
	size_t i;
	json_t *p;
	json_array_foreach(all, i, p)
	{
		const char *dev = net_str(p, "device_id"), *own = net_str(p, "device_owner");
		if (dev && own && !strcmp(dev, router_id) && !strcmp(own, owner))
			json_array_append(*out, p);
	}
	return 0;
}

/* Replaces the router's gateway by info (NULL or null: none). */
static int set_gateway(struct net_service *ns, struct http_request *req, json_t *router,
                       json_t *info, struct api_error *err)
{
	const char *rid = net_str(router, "id");
	json_t *old;
	if (router_ports(req->arena, rid, "network:router_gateway", &old, err) != 0)
		return -1;
	/* {} clears the gateway as null does (the CLI's `router unset
	 * --external-gateway` sends it). */
	if (json_is_object(info) && json_object_size(info) == 0)
		info = NULL;
	const char *new_net = json_is_object(info) ? net_str(info, "network_id") : NULL;
	if (json_is_object(info) && !new_net)
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
		                      "Invalid input for external_gateway_info. Reason: network_id "
		                      "is required.");
	json_t *efips = json_is_object(info) ? json_object_get(info, "external_fixed_ips") : NULL;
	json_t *snat = json_is_object(info) ? json_object_get(info, "enable_snat") : NULL;
	if ((efips || snat) && !net_is_admin(req))
		return api_fail_typed(err, API_FORBIDDEN, "PolicyNotAuthorized",
		                      "((rule:update_router and rule:update_router:"
		                      "external_gateway_info) is disallowed by policy");
	/* Removing a gateway floating IPs use is refused. */
	json_t *old_port = json_array_get(old, 0);
	if (old_port && (!new_net || strcmp(new_net, net_str(old_port, "network_id")))) {
		json_t *fips;
		if (net_obj_list(req->arena, "floatingip", &fips, err) != 0)
			return -1;
		size_t i;
		json_t *f;
		json_array_foreach(fips, i, f)
		{
			const char *r = net_str(f, "router_id");
			if (r && !strcmp(r, rid))
				return api_fail_typed(
				    err, API_CONFLICT, "RouterExternalGatewayInUseByFloatingIp",
				    "Gateway cannot be updated for router %s, since a "
				    "gateway to external network %s is required by one or "
				    "more floating IPs.",
				    rid, net_str(old_port, "network_id"));
		}
	}
	bool enable_snat = true;
	if (snat && net_bool_of(snat, "enable_snat", &enable_snat, err) != 0)
		return -1;
	if (old_port && new_net && !strcmp(new_net, net_str(old_port, "network_id")) && !efips) {
		json_object_set_new(router, "external_gateway_info",
		                    json_pack("{s:s,s:b,s:O}", "network_id", new_net, "enable_snat",
		                              enable_snat, "external_fixed_ips",
		                              json_object_get(old_port, "fixed_ips")));
		return 0;
	}
	if (old_port && net_port_delete_doc(req->arena, old_port, err) != 0)
		return -1;
	if (!new_net) {
		json_object_set_new(router, "external_gateway_info", json_null());
		return 0;
	}
	json_t *net;
	if (net_get_visible(req, "network", new_net, &net, err) != 0)
		return -1;
	if (!net_bool(net, "router:external", false))
		return api_fail_typed(err, API_BAD_REQUEST, "BadRequest",
		                      "Bad router request: Network %s is not an external network.",
		                      new_net);
	json_t *in =
	    net_own(req->arena,
	            json_pack("{s:s,s:s,s:s,s:b,s:[],s:s}", "network_id", new_net, "device_owner",
	                      "network:router_gateway", "device_id", rid, "port_security_enabled",
	                      0, "security_groups", "binding:host_id", "stackd"));
	if (efips)
		json_object_set(in, "fixed_ips", efips);
	json_t *port;
	if (net_port_create_doc(ns, req, req->arena, in, "", true, &port, err) != 0)
		return -1;
	json_object_set_new(router, "external_gateway_info",
	                    json_pack("{s:s,s:b,s:O}", "network_id", new_net, "enable_snat",
	                              enable_snat, "external_fixed_ips",
	                              json_object_get(port, "fixed_ips")));
	return 0;
}

/* Static routes: each nexthop on a subnet the router is attached to.
 * null means none (Tempest clears routes with it). */
static int check_routes(struct http_request *req, json_t *router, struct api_error *err)
{
	json_t *rv = json_object_get(router, "routes");
	if (!rv || json_is_null(rv))
		json_object_set_new(router, "routes", json_array());
	else if (!json_is_array(rv))
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
		                      "Invalid input for routes. Reason: not a list.");
	json_t *ifaces;
	if (router_ports(req->arena, net_str(router, "id"), "network:router_interface", &ifaces,
	                 err) != 0)
		return -1;
	size_t i, j, k;
	json_t *r, *p, *f;
	json_array_foreach(json_object_get(router, "routes"), i, r)
	{
		struct net_cidr d;
		int v;
		net_u128 hop;
		const char *dest = net_str(r, "destination"), *nh = net_str(r, "nexthop");
		if (!json_is_object(r) || !dest || !nh || net_cidr_parse(dest, false, &d) != 0 ||
		    net_ip_parse(nh, &v, &hop) != 0)
			return api_fail_typed(
			    err, API_BAD_REQUEST, "InvalidInput",
			    "Invalid input for routes. Reason: Invalid data format "
			    "for hostroute.");
		bool ok = false;
		json_array_foreach(ifaces, j, p)
		    json_array_foreach(json_object_get(p, "fixed_ips"), k, f)
		{
			json_t *s;
			struct net_cidr c;
			if (net_obj_try(req->arena, "subnet", net_str(f, "subnet_id"), &s, err) !=
			    0)
				return -1;
			if (s && net_cidr_parse(net_str(s, "cidr"), false, &c) == 0 &&
			    net_cidr_contains(&c, v, hop))
				ok = true;
		}
		if (!ok)
			return api_fail_typed(err, API_BAD_REQUEST, "InvalidRoutes",
			                      "Invalid format for routes: %s, the nexthop is not "
			                      "connected with router",
			                      nh);
	}
	return 0;
}

static json_t *router_view(struct arena *a, json_t *r)
{
	json_t *v = net_own(a, json_deep_copy(r));
	json_object_set_new(v, "status", json_string("ACTIVE"));
	json_object_set_new(v, "availability_zones", json_pack("[s]", "nova"));
	return v;
}

NET_HANDLER(net_routers_list)
{
	json_t *all;
	if (net_obj_list(req->arena, "router", &all, err) != 0)
		return -1;
	json_t *vis = net_own(req->arena, json_array());
	size_t i;
	json_t *r;
	json_array_foreach(all, i, r) if (net_visible(req, "router", r))
	    json_array_append(vis, router_view(req->arena, r));
	return net_reply_list(req, resp, "routers", vis, err);
}

NET_HANDLER(net_routers_create)
{
	struct net_service *ns = net_of(req);
	json_t *in;
	const char *project;
	if (net_body(req, "router", &in, err) != 0 || net_new_project(req, in, &project, err) != 0)
		return -1;
	json_t *r = net_own(req->arena, json_object());
	json_object_set_new(r, "name", json_string(""));
	json_object_set_new(r, "admin_state_up", json_true());
	json_object_set_new(r, "external_gateway_info", json_null());
	json_object_set_new(r, "routes", json_array());
	json_object_set_new(r, "distributed", json_false());
	json_object_set_new(r, "ha", json_false());
	json_object_set_new(r, "availability_zone_hints", json_array());
	json_object_set_new(r, "flavor_id", json_null());
	json_t *gw = json_object_get(in, "external_gateway_info");
	if (gw)
		json_incref(gw);
	json_object_del(in, "external_gateway_info");
	net_own(req->arena, gw);
	if (net_apply_fields(req, r, in, router_fields, true, "router", err) != 0)
		return -1;
	if (json_is_null(json_object_get(r, "routes")))
		json_object_set_new(r, "routes", json_array());
	if (!json_is_array(json_object_get(r, "routes")))
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
		                      "Invalid input for routes. Reason: not a list.");
	if (json_array_size(json_object_get(r, "routes")))
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidRoutes",
		                      "Invalid format for routes: a new router has no interfaces.");
	net_stamp_new(r, project);
	if (db_begin(err) != 0)
		return -1;
	if (net_quota_check(ns, project, NET_Q_ROUTER, 1, err) != 0 ||
	    (gw && !json_is_null(gw) && set_gateway(ns, req, r, gw, err) != 0) ||
	    net_obj_put("router", r, err) != 0 || db_commit(err) != 0) {
		db_rollback();
		return -1;
	}
	net_dp_router_changed(ns, net_str(r, "id"));
	net_reply_one(req, resp, 201, "router", router_view(req->arena, r));
	return 0;
}

NET_HANDLER(net_routers_show)
{
	json_t *r;
	if (net_get_visible(req, "router", http_param(req, "id"), &r, err) != 0)
		return -1;
	net_reply_one(req, resp, 200, "router", router_view(req->arena, r));
	return 0;
}

NET_HANDLER(net_routers_update)
{
	struct net_service *ns = net_of(req);
	json_t *in, *r;
	if (net_body(req, "router", &in, err) != 0)
		return -1;
	json_t *gw = json_object_get(in, "external_gateway_info");
	bool has_gw = gw != NULL;
	if (gw)
		json_incref(gw);
	net_own(req->arena, gw);
	json_object_del(in, "external_gateway_info");
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "router", http_param(req, "id"), &r, err) != 0 ||
	    net_if_match(req, r, err) != 0 ||
	    net_apply_fields(req, r, in, router_fields, false, "router", err) != 0 ||
	    (has_gw && set_gateway(ns, req, r, gw, err) != 0) || check_routes(req, r, err) != 0)
		goto fail;
	net_stamp_update(r);
	if (net_obj_put("router", r, err) != 0 || db_commit(err) != 0)
		goto fail;
	net_dp_router_changed(ns, net_str(r, "id"));
	net_reply_one(req, resp, 200, "router", router_view(req->arena, r));
	return 0;
fail:
	db_rollback();
	return -1;
}

NET_HANDLER(net_routers_delete)
{
	struct net_service *ns = net_of(req);
	json_t *r, *ifaces, *gws;
	const char *id = http_param(req, "id");
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "router", id, &r, err) != 0 ||
	    router_ports(req->arena, id, "network:router_interface", &ifaces, err) != 0 ||
	    router_ports(req->arena, id, "network:router_gateway", &gws, err) != 0)
		goto fail;
	if (json_array_size(ifaces)) {
		api_fail_typed(err, API_CONFLICT, "RouterInUse", "Router %s still has ports", id);
		goto fail;
	}
	if (set_gateway(ns, req, r, NULL, err) != 0 || net_obj_delete("router", id, err) != 0 ||
	    db_commit(err) != 0)
		goto fail;
	net_dp_router_deleted(ns, id);
	http_reply_empty(resp, 204);
	return 0;
fail:
	db_rollback();
	return -1;
}

static json_t *interface_info(json_t *router, json_t *port)
{
	json_t *sids = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(port, "fixed_ips"), i, f)
	    json_array_append(sids, json_object_get(f, "subnet_id"));
	return json_pack("{s:s,s:s,s:s,s:s,s:O,s:s,s:o}", "id", net_str(router, "id"), "tenant_id",
	                 net_str(router, "project_id"), "project_id", net_str(router, "project_id"),
	                 "port_id", net_str(port, "id"), "subnet_id", json_array_get(sids, 0),
	                 "network_id", net_str(port, "network_id"), "subnet_ids", sids);
}

/* The subnet's CIDR must not overlap one already on the router. */
static int check_overlap(struct http_request *req, const char *router_id, json_t *subnet,
                         struct api_error *err)
{
	json_t *ifaces;
	struct net_cidr c, o;
	if (router_ports(req->arena, router_id, "network:router_interface", &ifaces, err) != 0)
		return -1;
	net_cidr_parse(net_str(subnet, "cidr"), false, &c);
	size_t i, j;
	json_t *p, *f;
	json_array_foreach(ifaces, i, p) json_array_foreach(json_object_get(p, "fixed_ips"), j, f)
	{
		json_t *s;
		if (net_obj_try(req->arena, "subnet", net_str(f, "subnet_id"), &s, err) != 0)
			return -1;
		if (!s || net_cidr_parse(net_str(s, "cidr"), false, &o) != 0)
			continue;
		if (!strcmp(net_str(s, "id"), net_str(subnet, "id")))
			return api_fail_typed(
			    err, API_BAD_REQUEST, "BadRequest",
			    "Bad router request: Router already has a port on subnet "
			    "%s.",
			    net_str(subnet, "id"));
		if (net_cidr_overlap(&c, &o))
			return api_fail_typed(
			    err, API_BAD_REQUEST, "BadRequest",
			    "Bad router request: Cidr %s of subnet %s overlaps with "
			    "cidr %s of subnet %s.",
			    net_str(subnet, "cidr"), net_str(subnet, "id"), net_str(s, "cidr"),
			    net_str(s, "id"));
	}
	return 0;
}

NET_HANDLER(net_routers_add_interface)
{
	struct net_service *ns = net_of(req);
	json_t *body, *r, *port = NULL;
	if (http_body_json(req, &body, err) != 0)
		return -1;
	const char *sid = net_str(body, "subnet_id"), *pid = net_str(body, "port_id");
	if ((sid && pid) || (!sid && !pid))
		return api_fail_typed(err, API_BAD_REQUEST, "BadRequest",
		                      "Bad router request: Either subnet_id or port_id must be "
		                      "specified.");
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "router", http_param(req, "id"), &r, err) != 0)
		goto fail;
	const char *rid = net_str(r, "id");
	if (sid) {
		json_t *s;
		if (net_get_visible(req, "subnet", sid, &s, err) != 0 &&
		    (err->status != 404 || net_obj_get(req->arena, "subnet", sid, &s, err) != 0))
			goto fail;
		if (!net_str(s, "gateway_ip")) {
			api_fail_typed(
			    err, API_BAD_REQUEST, "BadRequest",
			    "Bad router request: Subnet for router interface must have a "
			    "gateway IP.");
			goto fail;
		}
		if (check_overlap(req, rid, s, err) != 0)
			goto fail;
		json_t *in = net_own(
		    req->arena,
		    json_pack("{s:s,s:s,s:s,s:b,s:[],s:[{s:s,s:s}],s:s}", "network_id",
		              net_str(s, "network_id"), "device_owner", "network:router_interface",
		              "device_id", rid, "port_security_enabled", 0, "security_groups",
		              "fixed_ips", "subnet_id", sid, "ip_address", net_str(s, "gateway_ip"),
		              "binding:host_id", "stackd"));
		if (net_port_create_doc(ns, req, req->arena, in, net_str(r, "project_id"), true,
		                        &port, err) != 0)
			goto fail;
	} else {
		if (net_get_owned(req, "port", pid, &port, err) != 0)
			goto fail;
		const char *dev = net_str(port, "device_id");
		if (dev && *dev) {
			api_fail_typed(
			    err, API_CONFLICT, "PortInUse",
			    "Unable to complete operation on port %s for network %s. Port "
			    "already has an attached device %s.",
			    pid, net_str(port, "network_id"), dev);
			goto fail;
		}
		if (!json_array_size(json_object_get(port, "fixed_ips"))) {
			api_fail_typed(
			    err, API_BAD_REQUEST, "BadRequest",
			    "Bad router request: Router port must have at least one fixed IP.");
			goto fail;
		}
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(port, "fixed_ips"), i, f)
		{
			json_t *s;
			if (net_obj_get(req->arena, "subnet", net_str(f, "subnet_id"), &s, err) !=
			        0 ||
			    check_overlap(req, rid, s, err) != 0)
				goto fail;
		}
		json_object_set_new(port, "device_owner", json_string("network:router_interface"));
		json_object_set_new(port, "device_id", json_string(rid));
		json_object_set_new(port, "security_groups", json_array());
		json_object_set_new(port, "port_security_enabled", json_false());
		json_object_set_new(port, "binding:host_id", json_string("stackd"));
		json_object_set_new(port, "status", json_string("ACTIVE"));
		net_stamp_update(port);
		if (net_obj_put("port", port, err) != 0)
			goto fail;
	}
	net_stamp_update(r);
	if (net_obj_put("router", r, err) != 0 || db_commit(err) != 0)
		goto fail;
	net_dp_ports_changed(ns, net_str(port, "network_id"));
	net_dp_router_changed(ns, rid);
	net_dp_security_changed(ns);
	http_reply_json(resp, 200, interface_info(r, port));
	return 0;
fail:
	db_rollback();
	return -1;
}

NET_HANDLER(net_routers_remove_interface)
{
	struct net_service *ns = net_of(req);
	json_t *body, *r, *ifaces, *port = NULL;
	if (http_body_json(req, &body, err) != 0)
		return -1;
	const char *sid = net_str(body, "subnet_id"), *pid = net_str(body, "port_id");
	if (!sid && !pid)
		return api_fail_typed(err, API_BAD_REQUEST, "BadRequest",
		                      "Bad router request: Either subnet_id or port_id must be "
		                      "specified.");
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "router", http_param(req, "id"), &r, err) != 0 ||
	    router_ports(req->arena, net_str(r, "id"), "network:router_interface", &ifaces, err) !=
	        0)
		goto fail;
	const char *rid = net_str(r, "id");
	size_t i, j;
	json_t *p, *f;
	json_array_foreach(ifaces, i, p)
	{
		if (pid && !strcmp(net_str(p, "id"), pid))
			port = p;
		json_array_foreach(json_object_get(p, "fixed_ips"), j,
		                   f) if (!pid && sid && !strcmp(net_str(f, "subnet_id"), sid))
		    port = p;
	}
	if (!port) {
		if (pid)
			api_fail_typed(err, API_NOT_FOUND, "RouterInterfaceNotFound",
			               "Router %s does not have an interface with id %s", rid, pid);
		else
			api_fail_typed(err, API_NOT_FOUND, "RouterInterfaceNotFoundForSubnet",
			               "Router %s has no interface on subnet %s", rid, sid);
		goto fail;
	}
	if (sid && pid) {
		bool on = false;
		json_array_foreach(json_object_get(port, "fixed_ips"), j,
		                   f) if (!strcmp(net_str(f, "subnet_id"), sid)) on = true;
		if (!on) {
			api_fail_typed(err, API_CONFLICT, "SubnetMismatchForPort",
			               "Subnet %s does not match with the port %s", sid, pid);
			goto fail;
		}
	}
	/* Floating IPs reaching ports through this interface keep it. */
	json_t *fips, *ports;
	if (net_obj_list(req->arena, "floatingip", &fips, err) != 0 ||
	    net_obj_list(req->arena, "port", &ports, err) != 0)
		goto fail;
	json_array_foreach(fips, i, f)
	{
		const char *fr = net_str(f, "router_id"), *fport = net_str(f, "port_id");
		const char *fixed = net_str(f, "fixed_ip_address");
		if (!fr || strcmp(fr, rid) || !fport || !fixed)
			continue;
		json_t *target = NULL, *tf;
		size_t k, m;
		json_array_foreach(ports, k, p) if (!strcmp(net_str(p, "id"), fport)) target = p;
		json_array_foreach(target ? json_object_get(target, "fixed_ips") : NULL, k, tf)
		{
			if (strcmp(net_str(tf, "ip_address"), fixed))
				continue;
			json_t *ifx;
			json_array_foreach(
			    json_object_get(port, "fixed_ips"), m,
			    ifx) if (!strcmp(net_str(ifx, "subnet_id"), net_str(tf, "subnet_id")))
			{
				api_fail_typed(
				    err, API_CONFLICT, "RouterInterfaceInUseByFloatingIP",
				    "Router interface for subnet %s on router %s cannot be "
				    "deleted, as it is required by one or more floating IPs.",
				    net_str(tf, "subnet_id"), rid);
				goto fail;
			}
		}
	}
	json_t *info = net_own(req->arena, interface_info(r, port));
	if (net_port_delete_doc(req->arena, port, err) != 0)
		goto fail;
	/* Static routes through the removed subnet would dangle: Neutron
	 * refuses, so do we. */
	if (check_routes(req, r, err) != 0)
		goto fail;
	net_stamp_update(r);
	if (net_obj_put("router", r, err) != 0 || db_commit(err) != 0)
		goto fail;
	net_dp_port_deleted(ns, port);
	net_dp_router_changed(ns, rid);
	http_reply_json(resp, 200, json_incref(info));
	return 0;
fail:
	db_rollback();
	return -1;
}
