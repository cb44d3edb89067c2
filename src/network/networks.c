/* /v2.0/networks: tenant and provider networks. A tenant network is a
 * local bridge (provider type vxlan with a segmentation id kept for the
 * day networks span hosts); a flat network on the configured physical
 * network is the external bridge (br-ex). */
#include <string.h>

#include "network/api.h"
#include "network/handlers.h"
#include "network/quota.h"

static const struct net_field network_fields[] = {
    {"name", 's', false, false},
    {"description", 's', false, false},
    {"admin_state_up", 'b', false, false},
    {"shared", 'b', false, true},
    {"router:external", 'b', false, true},
    {"mtu", 'i', false, false},
    {"port_security_enabled", 'b', false, false},
    {"provider:network_type", 's', true, true},
    {"provider:physical_network", 'S', true, true},
    {"provider:segmentation_id", '*', true, true},
    {"availability_zone_hints", 'a', true, false},
    {"dns_domain", 's', false, false},
    {"qos_policy_id", 'S', false, false},
    {"is_default", 'b', false, true},
    {"tags", 'a', true, false},
    {NULL, 0, false, false},
};

json_t *net_network_view(struct arena *a, json_t *net, json_t *all_subnets)
{
	json_t *v = net_own(a, json_deep_copy(net));
	json_t *ids = json_array();
	size_t i;
	json_t *s;
	json_array_foreach(all_subnets, i, s)
	{
		const char *nid = net_str(s, "network_id");
		if (nid && !strcmp(nid, net_str(net, "id")))
			json_array_append_new(ids, json_string(net_str(s, "id")));
	}
	json_object_set_new(v, "subnets", ids);
	json_object_set_new(v, "status", json_string("ACTIVE"));
	json_object_set_new(v, "availability_zones", json_pack("[s]", "nova"));
	return v;
}

static int check_provider(struct net_service *ns, json_t *net, struct api_error *err)
{
	const char *type = net_str(net, "provider:network_type");
	const char *phys = net_str(net, "provider:physical_network");
	json_t *seg = json_object_get(net, "provider:segmentation_id");
	if (seg && !json_is_null(seg) && !json_is_integer(seg)) {
		if (json_is_string(seg)) {
			char *end;
			long long v = strtoll(json_string_value(seg), &end, 10);
			if (*end || !*json_string_value(seg))
				return api_fail_typed(
				    err, API_BAD_REQUEST, "InvalidInput",
				    "Invalid input for operation: segmentation_id "
				    "must be an integer.");
			json_object_set_new(net, "provider:segmentation_id", json_integer(v));
		} else
			return api_fail_typed(
			    err, API_BAD_REQUEST, "InvalidInput",
			    "Invalid input for operation: segmentation_id must be an "
			    "integer.");
	}
	if (!type) {
		json_object_set_new(net, "provider:network_type", json_string("vxlan"));
		json_object_set_new(net, "provider:physical_network", json_null());
		return 0;
	}
	if (!strcmp(type, "flat")) {
		if (!phys)
			return api_fail_typed(
			    err, API_BAD_REQUEST, "InvalidInput",
			    "Invalid input for operation: physical_network required "
			    "for flat provider network.");
		if (strcmp(phys, ns->cfg.physical_network))
			return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
			                      "Invalid input for operation: physical_network '%s' "
			                      "unknown for flat provider network.",
			                      phys);
		if (seg && !json_is_null(seg))
			return api_fail_typed(
			    err, API_BAD_REQUEST, "InvalidInput",
			    "Invalid input for operation: segmentation_id specified "
			    "for flat network.");
		json_object_set_new(net, "provider:segmentation_id", json_null());
		return 0;
	}
	if (!strcmp(type, "vlan") || !strcmp(type, "vxlan") || !strcmp(type, "local")) {
		if (!strcmp(type, "vlan") && phys && strcmp(phys, ns->cfg.physical_network))
			return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
			                      "Invalid input for operation: physical_network '%s' "
			                      "unknown for VLAN provider network.",
			                      phys);
		if (!strcmp(type, "vlan") && !phys)
			json_object_set_new(net, "provider:physical_network",
			                    json_string(ns->cfg.physical_network));
		if (strcmp(type, "vlan") && phys)
			return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
			                      "Invalid input for operation: %s networks have no "
			                      "physical_network.",
			                      type);
		if (!strcmp(type, "vlan") && json_is_integer(seg) &&
		    (json_integer_value(seg) < 1 || json_integer_value(seg) > 4094))
			return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
			                      "Invalid input for operation: segmentation_id out of "
			                      "range (1 through 4094).");
		if (!strcmp(type, "vxlan") && json_is_integer(seg) &&
		    (json_integer_value(seg) < 1 || json_integer_value(seg) > 16777215))
			return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
			                      "Invalid input for operation: segmentation_id out of "
			                      "range (1 through 16777215).");
		if (!strcmp(type, "local")) {
			json_object_set_new(net, "provider:physical_network", json_null());
			json_object_set_new(net, "provider:segmentation_id", json_null());
		}
		if (!phys && strcmp(type, "vlan"))
			json_object_set_new(net, "provider:physical_network", json_null());
		return 0;
	}
	return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
	                      "Invalid input for operation: network_type value '%s' not supported.",
	                      type);
}

/* Claims the network's segmentation id (or the next free one). */
static int claim_segment(json_t *net, struct api_error *err)
{
	const char *type = net_str(net, "provider:network_type");
	const char *id = net_str(net, "id");
	if (!strcmp(type, "flat") || !strcmp(type, "local"))
		return 0;
	json_t *seg = json_object_get(net, "provider:segmentation_id");
	long long v;
	if (json_is_integer(seg)) {
		v = json_integer_value(seg);
	} else if (net_segment_next(type, 1, !strcmp(type, "vlan") ? 4094 : 16777215, &v, err) !=
	           0) {
		return -1;
	}
	if (net_segment_claim(type, v, id, err) != 0)
		return -1;
	json_object_set_new(net, "provider:segmentation_id", json_integer(v));
	return 0;
}

int net_network_create_doc(struct net_service *ns, struct http_request *req, json_t *in,
                           json_t **out, struct api_error *err);

int net_network_create_doc(struct net_service *ns, struct http_request *req, json_t *in,
                           json_t **out, struct api_error *err)
{
	const char *project;
	if (net_new_project(req, in, &project, err) != 0)
		return -1;
	json_t *net = net_own(req->arena, json_object());
	json_object_set_new(net, "name", json_string(""));
	json_object_set_new(net, "admin_state_up", json_true());
	json_object_set_new(net, "shared", json_false());
	json_object_set_new(net, "router:external", json_false());
	json_object_set_new(net, "mtu", json_integer(ns->cfg.mtu));
	json_object_set_new(net, "port_security_enabled", json_true());
	json_object_set_new(net, "availability_zone_hints", json_array());
	json_object_set_new(net, "dns_domain", json_string(""));
	json_object_set_new(net, "qos_policy_id", json_null());
	json_object_set_new(net, "is_default", json_false());
	json_object_set_new(net, "ipv4_address_scope", json_null());
	json_object_set_new(net, "ipv6_address_scope", json_null());
	json_object_set_new(net, "l2_adjacency", json_true());
	if (net_apply_fields(req, net, in, network_fields, true, "network", err) != 0)
		return -1;
	long long mtu = json_integer_value(json_object_get(net, "mtu"));
	if (mtu < 68 || mtu > (long long)ns->cfg.mtu)
		return api_fail_typed(
		    err, API_BAD_REQUEST, "InvalidInput",
		    "Invalid input for operation: Requested MTU is too big, maximum "
		    "is %u.",
		    ns->cfg.mtu);
	if (check_provider(ns, net, err) != 0)
		return -1;
	net_stamp_new(net, project);
	if (net_quota_check(ns, project, NET_Q_NETWORK, 1, err) != 0 ||
	    claim_segment(net, err) != 0 || net_obj_put("network", net, err) != 0)
		return -1;
	*out = net;
	return 0;
}

NET_HANDLER(net_networks_list)
{
	json_t *all, *subnets;
	if (net_obj_list(req->arena, "network", &all, err) != 0 ||
	    net_obj_list(req->arena, "subnet", &subnets, err) != 0)
		return -1;
	json_t *vis = net_own(req->arena, json_array());
	size_t i;
	json_t *n;
	json_array_foreach(all, i, n) if (net_visible(req, "network", n))
	    json_array_append(vis, net_network_view(req->arena, n, subnets));
	return net_reply_list(req, resp, "networks", vis, err);
}

NET_HANDLER(net_networks_create)
{
	struct net_service *ns = net_of(req);
	json_t *items, *subnets;
	bool bulk;
	if (net_body_bulk(req, "network", "networks", &items, &bulk, err) != 0)
		return -1;
	if (db_begin(err) != 0)
		return -1;
	json_t *created = net_own(req->arena, json_array());
	size_t i;
	json_t *in;
	json_array_foreach(items, i, in)
	{
		json_t *net;
		if (net_network_create_doc(ns, req, in, &net, err) != 0) {
			db_rollback();
			return -1;
		}
		json_array_append(created, net);
	}
	if (db_commit(err) != 0)
		return -1;
	subnets = net_own(req->arena, json_array());
	json_array_foreach(created, i, in) net_dp_network_changed(ns, net_str(in, "id"));
	if (!bulk) {
		net_reply_one(req, resp, 201, "network",
		              net_network_view(req->arena, json_array_get(created, 0), subnets));
		return 0;
	}
	json_t *arr = json_array();
	json_array_foreach(created, i, in)
	    json_array_append(arr, net_network_view(req->arena, in, subnets));
	http_reply_json(resp, 201, json_pack("{s:o}", "networks", arr));
	return 0;
}

NET_HANDLER(net_networks_show)
{
	json_t *net, *subnets;
	if (net_get_visible(req, "network", http_param(req, "id"), &net, err) != 0 ||
	    net_obj_list(req->arena, "subnet", &subnets, err) != 0)
		return -1;
	net_reply_one(req, resp, 200, "network", net_network_view(req->arena, net, subnets));
	return 0;
}

NET_HANDLER(net_networks_update)
{
	struct net_service *ns = net_of(req);
	json_t *in, *net, *subnets;
	if (net_body(req, "network", &in, err) != 0)
		return -1;
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "network", http_param(req, "id"), &net, err) != 0 ||
	    net_if_match(req, net, err) != 0 ||
	    net_apply_fields(req, net, in, network_fields, false, "network", err) != 0)
		goto fail;
	long long mtu = json_integer_value(json_object_get(net, "mtu"));
	if (mtu < 68 || mtu > (long long)ns->cfg.mtu) {
		api_fail_typed(
		    err, API_BAD_REQUEST, "InvalidInput",
		    "Invalid input for operation: Requested MTU is too big, maximum is %u.",
		    ns->cfg.mtu);
		goto fail;
	}
	net_stamp_update(net);
	if (net_obj_put("network", net, err) != 0 || db_commit(err) != 0)
		goto fail;
	if (net_obj_list(req->arena, "subnet", &subnets, err) != 0)
		return -1;
	net_dp_network_changed(ns, net_str(net, "id"));
	net_reply_one(req, resp, 200, "network", net_network_view(req->arena, net, subnets));
	return 0;
fail:
	db_rollback();
	return -1;
}

int net_subnet_delete_doc(struct http_request *req, json_t *subnet, struct api_error *err);
int net_port_delete_doc(struct arena *a, json_t *port, struct api_error *err);

NET_HANDLER(net_networks_delete)
{
	struct net_service *ns = net_of(req);
	const char *id = http_param(req, "id");
	json_t *net, *ports, *subnets, *fips;
	json_t *routers = net_own(req->arena, json_array());
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "network", id, &net, err) != 0 ||
	    net_obj_list(req->arena, "port", &ports, err) != 0 ||
	    net_obj_list(req->arena, "subnet", &subnets, err) != 0 ||
	    net_obj_list(req->arena, "floatingip", &fips, err) != 0)
		goto fail;
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p)
	{
		const char *owner = net_str(p, "device_owner");
		if (strcmp(net_str(p, "network_id"), id))
			continue;
		if (owner &&
		    (!strcmp(owner, "network:dhcp") || !strcmp(owner, "network:floatingip")))
			continue;
		api_fail_typed(err, API_CONFLICT, "NetworkInUse",
		               "Unable to complete operation on network %s. There are one or more "
		               "ports still in use on the network.",
		               id);
		goto fail;
	}
	/* Floating IPs go with their external network, as in Neutron. */
	json_array_foreach(fips, i, p) if (!strcmp(net_str(p, "floating_network_id"), id))
	{
		if (net_str(p, "router_id"))
			json_array_append(routers, json_object_get(p, "router_id"));
		if (net_obj_delete("floatingip", net_str(p, "id"), err) != 0)
			goto fail;
	}
	json_array_foreach(ports, i, p) if (!strcmp(net_str(p, "network_id"), id))
	{
		if (net_port_delete_doc(req->arena, p, err) != 0)
			goto fail;
	}
	json_array_foreach(subnets, i, p) if (!strcmp(net_str(p, "network_id"), id))
	{
		if (net_subnet_delete_doc(req, p, err) != 0)
			goto fail;
	}
	if (net_segment_release(id, err) != 0 || net_obj_delete("network", id, err) != 0 ||
	    db_commit(err) != 0)
		goto fail;
	net_dp_network_deleted(ns, id);
	json_array_foreach(routers, i, p) net_dp_router_changed(ns, json_string_value(p));
	http_reply_empty(resp, 204);
	return 0;
fail:
	db_rollback();
	return -1;
}
