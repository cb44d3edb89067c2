/* Discovery (versions, extensions), availability zones and
 * network-ip-availabilities: the read-only corners of the API. The
 * extension list names exactly what this service implements; clients and
 * Tempest decide what to call from it. */
#include <string.h>

#include "network/api.h"
#include "network/handlers.h"

struct net_extension {
	const char *alias, *name, *description;
};

static const struct net_extension extensions[] = {
    {"allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs"},
    {"availability_zone", "Availability Zone", "The availability zone extension."},
    {"network_availability_zone", "Network Availability Zone",
     "Availability zone support for network."},
    {"router_availability_zone", "Router Availability Zone",
     "Availability zone support for router."},
    {"binding", "Port Binding", "Expose port bindings of a virtual port to external application"},
    {"external-net", "Neutron external network",
     "Adds external network attribute to network resource."},
    {"ext-gw-mode", "Neutron L3 Configurable external gateway mode",
     "Extension of the router abstraction for specifying whether SNAT should occur on the external "
     "gateway"},
    {"extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router"},
    {"filter-validation", "Filter parameters validation",
     "Provides validation on filter parameters."},
    {"fip-port-details", "Floating IP Port Details Extension",
     "Add port_details attribute to Floating IP resource"},
    {"ip-substring-filtering", "IP address substring filtering",
     "Provides IP address substring filtering when listing ports"},
    {"net-mtu", "Network MTU", "Provides MTU attribute for a network resource."},
    {"network-ip-availability", "Network IP Availability",
     "Provides IP availability data for each network and subnet."},
    {"pagination", "Pagination support", "Extension that indicates that pagination is enabled."},
    {"port-security", "Port Security", "Provides port security"},
    {"project-id", "project_id field enabled",
     "Extension that indicates that project_id field is enabled."},
    {"provider", "Provider Network", "Expose mapping of virtual networks to physical networks"},
    {"quotas", "Quota management support", "Expose functions for quotas management per project"},
    {"quota_details", "Quota details management support",
     "Expose functions for quotas usage statistics per project"},
    {"revision-if-match", "If-Match constraints based on revision_number",
     "Extension indicating that If-Match based on revision_number is supported."},
    {"router", "Neutron L3 Router",
     "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to "
     "external "
     "networks via a NAT gateway."},
    {"security-group", "security-group", "The security groups extension."},
    {"sorting", "Sorting support", "Extension that indicates that sorting is enabled."},
    {"standard-attr-description", "standard-attr-description",
     "Extension to add descriptions to standard attributes"},
    {"standard-attr-revisions", "Resource revision numbers",
     "This extension will display the revision number of neutron resources."},
    {"standard-attr-tag",
     "Tag support for resources with standard attribute: subnet, trunk, "
     "network_segment_range, router, network, policy, subnetpool, port, "
     "security_group, floatingip",
     "Enables to set tag on resources with standard attribute."},
    {"standard-attr-timestamp", "Resource timestamps",
     "Adds created_at and updated_at fields to all Neutron resources that have Neutron standard "
     "attributes."},
    {"subnet_allocation", "Subnet Allocation", "Enables allocation of subnets from a subnet pool"},
};

static json_t *extension_json(const struct net_extension *e)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:[]}", "alias", e->alias, "name", e->name,
	                 "description", e->description, "updated", "2013-01-20T00:00:00-00:00",
	                 "links");
}

static json_t *version_entry(struct http_request *req, bool with_status)
{
	json_t *v = json_pack("{s:s,s:[{s:s,s:s}]}", "id", "v2.0", "links", "rel", "self", "href",
	                      arena_printf(req->arena, "%s/network/v2.0/", req->base_url));
	if (with_status)
		json_object_set_new(v, "status", json_string("CURRENT"));
	return v;
}

NET_HANDLER(net_versions)
{
	(void)err;
	http_reply_json(resp, 200, json_pack("{s:[o]}", "versions", version_entry(req, true)));
	return 0;
}

/* GET /v2.0: the resources of this version, as Neutron lists them. */
NET_HANDLER(net_version_v2)
{
	(void)err;
	static const char *const names[][2] = {
	    {"subnet", "subnets"},
	    {"network", "networks"},
	    {"port", "ports"},
	    {"subnetpool", "subnetpools"},
	    {"router", "routers"},
	    {"floatingip", "floatingips"},
	    {"security_group", "security-groups"},
	    {"security_group_rule", "security-group-rules"},
	};
	json_t *res = json_array();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		json_array_append_new(res, json_pack("{s:s,s:s,s:[{s:s,s:s}]}", "name", names[i][0],
		                                     "collection", names[i][1], "links", "rel",
		                                     "self", "href",
		                                     arena_printf(req->arena, "%s/network/v2.0/%s",
		                                                  req->base_url, names[i][1])));
	http_reply_json(resp, 200, json_pack("{s:o}", "resources", res));
	return 0;
}

NET_HANDLER(net_extensions_list)
{
	(void)err;
	json_t *list = json_array();
	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++)
		json_array_append_new(list, extension_json(&extensions[i]));
	http_reply_json(resp, 200, json_pack("{s:o}", "extensions", list));
	return 0;
}

NET_HANDLER(net_extension_show)
{
	const char *alias = http_param(req, "alias");
	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++)
		if (!strcmp(extensions[i].alias, alias)) {
			http_reply_json(
			    resp, 200,
			    json_pack("{s:o}", "extension", extension_json(&extensions[i])));
			return 0;
		}
	return api_fail_typed(err, API_NOT_FOUND, "ExtensionNotFound",
	                      "Extension with alias %s does not exist", alias);
}

NET_HANDLER(net_availability_zones)
{
	json_t *all = net_own(req->arena, json_array());
	json_array_append_new(all, json_pack("{s:s,s:s,s:s}", "name", "nova", "resource", "network",
	                                     "state", "available"));
	json_array_append_new(all, json_pack("{s:s,s:s,s:s}", "name", "nova", "resource", "router",
	                                     "state", "available"));
	return net_reply_list(req, resp, "availability_zones", all, err);
}

/* One network's availability: per subnet, total and used addresses. */
static int ip_availability(struct http_request *req, json_t *net, json_t *subnets, json_t **out,
                           struct api_error *err)
{
	json_t *per = json_array();
	long long total = 0, used = 0;
	size_t i;
	json_t *s;
	json_array_foreach(subnets, i, s)
	{
		if (strcmp(net_str(s, "network_id"), net_str(net, "id")))
			continue;
		long long u = 0;
		if (net_ip_count_subnet(net_str(s, "id"), &u, err) != 0) {
			json_decref(per);
			return -1;
		}
		long long t = 0;
		size_t j;
		json_t *p;
		json_array_foreach(json_object_get(s, "allocation_pools"), j, p)
		{
			int v;
			net_u128 a, b;
			if (net_ip_parse(net_str(p, "start"), &v, &a) == 0 &&
			    net_ip_parse(net_str(p, "end"), &v, &b) == 0 && b >= a)
				t += (b - a + 1) > (net_u128)1 << 40 ? (long long)1 << 40
				                                     : (long long)(b - a + 1);
		}
		total += t;
		used += u;
		json_array_append_new(
		    per, json_pack("{s:s,s:s,s:s,s:I,s:I,s:I}", "subnet_id", net_str(s, "id"),
		                   "subnet_name", net_str(s, "name") ? net_str(s, "name") : "",
		                   "cidr", net_str(s, "cidr"), "ip_version",
		                   json_integer_value(json_object_get(s, "ip_version")),
		                   "total_ips", (json_int_t)t, "used_ips", (json_int_t)u));
	}
	*out = net_own(req->arena,
	               json_pack("{s:s,s:s,s:s,s:s,s:o,s:I,s:I}", "network_id", net_str(net, "id"),
	                         "network_name", net_str(net, "name") ? net_str(net, "name") : "",
	                         "project_id", net_str(net, "project_id"), "tenant_id",
	                         net_str(net, "project_id"), "subnet_ip_availability", per,
	                         "total_ips", (json_int_t)total, "used_ips", (json_int_t)used));
	return 0;
}

NET_HANDLER(net_ipavail_list)
{
	json_t *nets, *subnets;
	if (net_obj_list(req->arena, "network", &nets, err) != 0 ||
	    net_obj_list(req->arena, "subnet", &subnets, err) != 0)
		return -1;
	json_t *all = net_own(req->arena, json_array());
	size_t i;
	json_t *n;
	json_array_foreach(nets, i, n)
	{
		json_t *one;
		if (ip_availability(req, n, subnets, &one, err) != 0)
			return -1;
		json_array_append(all, one);
	}
	return net_reply_list(req, resp, "network_ip_availabilities", all, err);
}

NET_HANDLER(net_ipavail_show)
{
	json_t *net, *subnets, *one;
	if (net_obj_get(req->arena, "network", http_param(req, "id"), &net, err) != 0 ||
	    net_obj_list(req->arena, "subnet", &subnets, err) != 0 ||
	    ip_availability(req, net, subnets, &one, err) != 0)
		return -1;
	net_reply_one(req, resp, 200, "network_ip_availability", one);
	return 0;
}

/* There are no agents: DHCP, L3, metadata and security groups run inside
 * stackd. The list is empty (Tempest lists it as a non-admin); the
 * "agent" extension is not advertised. */
NET_HANDLER(net_agents_list)
{
	json_t *none = net_own(req->arena, json_array());
	return net_reply_list(req, resp, "agents", none, err);
}
