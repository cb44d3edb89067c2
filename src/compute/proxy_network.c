/* Nova's floating IP and network proxies (os-floating-ips,
 * os-floating-ip-pools, os-networks, os-tenant-networks below 2.36; the
 * server actions addFloatingIp/removeFloatingIp below 2.44) answered as
 * Nova with Neutron does: the floating IPs and networks are network's
 * (net_proxy_*, in-process), so associating one really moves the Neutron
 * floating IP and its NAT. Also the nova-network APIs Nova keeps only to
 * answer 410 Gone. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "compute/internal.h"
#include "compute/proxy.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/log.h"
#include "network/network.h"
#include "service.h"

static const char *str_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- floating IPs ---- */

/* Nova's view: {id, ip, pool (network name or id), fixed_ip, instance_id}. */
static json_t *fip_view(struct net_service *ns, struct http_request *req, json_t *fip)
{
	const char *net_id = str_of(fip, "floating_network_id");
	json_t *net;
	struct api_error ignored;
	const char *pool = net_id;
	if (net_id && net_proxy_network_get(ns, req, net_id, &net, &ignored) == 0 &&
	    str_of(net, "name") && *str_of(net, "name"))
		pool = str_of(net, "name");
	json_t *details = json_object_get(fip, "port_details");
	json_t *instance = json_is_object(details) ? json_object_get(details, "device_id") : NULL;
	const char *fixed = str_of(fip, "fixed_ip_address");
	return json_pack("{s:s,s:s?,s:s?,s:s?,s:O}", "id", str_of(fip, "id"), "ip",
	                 str_of(fip, "floating_ip_address"), "pool", pool, "fixed_ip", fixed,
	                 "instance_id", instance ? instance : json_null());
}

COMPUTE_HANDLER(compute_fip_list)
{
	struct net_service *ns;
	json_t *fips;
	if (compute_proxy_net(req, "os-floating-ips", &ns, err) != 0 ||
	    net_proxy_fip_list(ns, req, &fips, err) != 0)
		return -1;
	json_t *out = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(fips, i, f) json_array_append_new(out, fip_view(ns, req, f));
	http_reply_json(resp, 200, json_pack("{s:o}", "floating_ips", out));
	return 0;
}

static int fip_get(struct net_service *ns, struct http_request *req, const char *id, json_t **fip,
                   struct api_error *err)
{
	if (net_proxy_fip_get(ns, req, id, fip, err) != 0) {
		if (err->status == 404)
			return api_fail(err, API_NOT_FOUND, "Floating IP not found for ID %s", id);
		return -1;
	}
	return 0;
}

COMPUTE_HANDLER(compute_fip_show)
{
	struct net_service *ns;
	json_t *fip;
	if (compute_proxy_net(req, "os-floating-ips", &ns, err) != 0 ||
	    fip_get(ns, req, http_param(req, "id"), &fip, err) != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:o}", "floating_ip", fip_view(ns, req, fip)));
	return 0;
}

/* The external network a pool names (by id when it looks like one, else
 * by name), as Nova's _get_floating_ip_pool_id_by_name_or_id. */
static int find_pool(struct net_service *ns, struct http_request *req, json_t *pool_v,
                     const char **net_id, struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	const char *pool = json_is_string(pool_v) ? json_string_value(pool_v) : NULL;
	if (!pool_v || json_is_null(pool_v) || (pool && !*pool))
		pool = config_get(svc->env->cfg, "compute", "default_floating_pool", "public");
	json_t *nets;
	if (net_proxy_networks(ns, req, true, &nets, err) != 0)
		return -1;
	bool by_id = pool && ids_is_uuid(pool);
	size_t i, n = 0;
	json_t *net;
	json_array_foreach(nets, i, net)
	{
		const char *v = str_of(net, by_id ? "id" : "name");
		if (pool && v && !strcmp(v, pool)) {
			*net_id = str_of(net, "id");
			n++;
		}
	}
	if (n == 0)
		return api_fail(err, API_NOT_FOUND, "Floating IP pool not found.");
	if (n > 1)
		return api_fail(err, API_CONFLICT,
		                "Multiple floating IP pools matches found for name '%s'", pool);
	return 0;
}

COMPUTE_HANDLER(compute_fip_create)
{
	struct net_service *ns;
	json_t *body = NULL, *fip;
	if (compute_proxy_net(req, "os-floating-ips", &ns, err) != 0)
		return -1;
	if (req->body && req->body_len && http_body_json(req, &body, err) != 0)
		return -1;
	json_t *pool_v = json_is_object(body) ? json_object_get(body, "pool") : NULL;
	const char *pool =
	    json_is_string(pool_v) && *json_string_value(pool_v) ? json_string_value(pool_v) : NULL;
	const char *net_id = NULL;
	if (find_pool(ns, req, pool_v, &net_id, err) != 0)
		return -1;
	if (net_proxy_fip_create(ns, req, net_id, &fip, err) != 0) {
		if (err->type && !strcmp(err->type, "OverQuota")) {
			if (pool)
				return api_fail(err, API_FORBIDDEN,
				                "IP allocation over quota in pool %s.", pool);
			return api_fail(err, API_FORBIDDEN, "IP allocation over quota.");
		}
		if (err->type && !strcmp(err->type, "IpAddressGenerationFailure")) {
			if (pool)
				return api_fail(err, API_NOT_FOUND,
				                "No more floating IPs in pool %s.", pool);
			return api_fail(err, API_NOT_FOUND, "No more floating IPs available.");
		}
		return -1;
	}
	http_reply_json(resp, 200, json_pack("{s:o}", "floating_ip", fip_view(ns, req, fip)));
	return 0;
}

/* The server a floating IP's port belongs to, loaded as the caller (404
 * when the caller cannot see it, as Nova's common.get_instance); *s->id
 * NULL when the floating IP is not on a server's port. */
static int fip_server(struct http_request *req, json_t *fip, struct compute_server *s,
                      struct api_error *err)
{
	memset(s, 0, sizeof(*s));
	json_t *details = json_object_get(fip, "port_details");
	const char *dev = json_is_object(details) ? str_of(details, "device_id") : NULL;
	if (!str_of(fip, "port_id") || !dev || !*dev)
		return 0;
	return compute_server_load(req, dev, s, err);
}

COMPUTE_HANDLER(compute_fip_delete)
{
	struct net_service *ns;
	struct compute_server s;
	json_t *fip;
	if (compute_proxy_net(req, "os-floating-ips", &ns, err) != 0 ||
	    fip_get(ns, req, http_param(req, "id"), &fip, err) != 0 ||
	    fip_server(req, fip, &s, err) != 0 ||
	    net_proxy_fip_delete(ns, req, str_of(fip, "id"), err) != 0)
		return -1;
	http_reply_empty(resp, 202);
	return 0;
}

COMPUTE_HANDLER(compute_fip_pools)
{
	struct net_service *ns;
	json_t *nets;
	if (compute_proxy_net(req, "os-floating-ip-pools", &ns, err) != 0 ||
	    net_proxy_networks(ns, req, true, &nets, err) != 0)
		return -1;
	json_t *out = json_array();
	size_t i;
	json_t *n;
	json_array_foreach(nets, i, n)
	{
		const char *name = str_of(n, "name");
		json_array_append_new(
		    out, json_pack("{s:s}", "name", name && *name ? name : str_of(n, "id")));
	}
	http_reply_json(resp, 200, json_pack("{s:o}", "floating_ip_pools", out));
	return 0;
}

/* Nova's 'ip-address' format: an IPv4 or IPv6 address. */
static bool ip_address(json_t *v)
{
	unsigned char buf[16];
	if (!json_is_string(v))
		return false;
	return inet_pton(AF_INET, json_string_value(v), buf) == 1 ||
	       inet_pton(AF_INET6, json_string_value(v), buf) == 1;
}

/* The action body as Nova's schema wants it: {"<key>": {"address": ip,
 * ["fixed_address": ip]}} and nothing else. */
static int fip_action_body(json_t *body, const char *key, bool fixed_allowed, json_t **arg,
                           struct api_error *err)
{
	*arg = json_object_get(body, key);
	if (json_object_size(body) != 1)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute %s. Additional properties are "
		                "not allowed.",
		                key);
	if (!json_is_object(*arg))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute %s. Value: %s. is not of type "
		                "'object'",
		                key, "(value)");
	const char *k;
	json_t *v;
	json_object_foreach(*arg, k, v)
	{
		if (strcmp(k, "address") && (!fixed_allowed || strcmp(k, "fixed_address")))
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute %s. Additional "
			                "properties are not allowed ('%s' was unexpected)",
			                key, k);
		if (!ip_address(v))
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute %s. Value: %s. '%s' is "
			                "not a 'ip-address'",
			                k, json_is_string(v) ? json_string_value(v) : "(value)",
			                json_is_string(v) ? json_string_value(v) : "(value)");
	}
	if (!json_object_get(*arg, "address"))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute %s. Value: %s. 'address' is a "
		                "required property",
		                key, "{}");
	return 0;
}

static int add_floating_ip(struct http_request *req, struct net_service *ns,
                           const struct compute_server *s, json_t *arg, struct api_error *err)
{
	const char *address = str_of(arg, "address"), *want = str_of(arg, "fixed_address");
	struct net_vif *vifs;
	size_t n, nfixed = 0;
	if (net_server_ports_list(ns, s->id, req->arena, &vifs, &n, err) != 0)
		return -1;
	if (n == 0)
		return api_fail(err, API_BAD_REQUEST, "Instance network is not ready yet");
	const char *port = NULL, *fixed = NULL;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < vifs[i].nfixed_ips; j++) {
			const struct net_fixed_ip *f = &vifs[i].fixed_ips[j];
			nfixed++;
			bool pick = want ? !strcmp(f->ip_address, want) : f->ip_version == 4;
			if (pick && !fixed) {
				port = vifs[i].port_id;
				fixed = f->ip_address;
			}
		}
	if (nfixed == 0)
		return api_fail(err, API_BAD_REQUEST, "No fixed IPs associated to instance");
	if (!fixed && want)
		return api_fail(err, API_BAD_REQUEST,
		                "Specified fixed address not assigned to instance");
	if (!fixed)
		return api_fail(err, API_BAD_REQUEST,
		                "Unable to associate floating IP %s to any fixed IPs for instance "
		                "%s. Instance has no fixed IPv4 addresses to associate.",
		                address, s->id);
	json_t *fip;
	if (net_proxy_fip_find(ns, req, address, &fip, err) != 0) {
		if (err->status == 404)
			return api_fail(err, API_NOT_FOUND, "floating IP not found");
		return -1;
	}
	if (net_proxy_fip_set_port(ns, req, str_of(fip, "id"), port, fixed, err) != 0) {
		if (err->status == 403)
			return -1;
		/* Nova turns every other failure of Neutron into a 400. */
		char why[sizeof(err->message)];
		snprintf(why, sizeof(why), "%s", err->message);
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Unable to associate floating IP %s to fixed IP %s for instance %s. "
		    "Error: %s",
		    address, fixed, s->id, why);
	}
	return 0;
}

static int remove_floating_ip(struct http_request *req, struct net_service *ns,
                              const struct compute_server *s, json_t *arg, struct api_error *err)
{
	const char *address = str_of(arg, "address");
	json_t *fip;
	struct compute_server owner;
	if (net_proxy_fip_find(ns, req, address, &fip, err) != 0 ||
	    fip_server(req, fip, &owner, err) != 0)
		return -1;
	if (!owner.id || strcmp(owner.id, s->id))
		return api_fail(err, API_CONFLICT,
		                "Floating IP %s is not associated with instance %s.", address,
		                s->id);
	return net_proxy_fip_set_port(ns, req, str_of(fip, "id"), NULL, NULL, err);
}

int compute_server_fip_action(struct http_request *req, const struct compute_server *s, bool add,
                              json_t *body, struct api_error *err)
{
	struct net_service *ns;
	json_t *arg;
	/* The nova-network era actions are gone from 2.44. */
	if (compute_mv(req) >= 44)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	if (compute_proxy_net(req, NULL, &ns, err) != 0 ||
	    fip_action_body(body, add ? "addFloatingIp" : "removeFloatingIp", add, &arg, err) != 0)
		return -1;
	return add ? add_floating_ip(req, ns, s, arg, err)
	           : remove_floating_ip(req, ns, s, arg, err);
}

/* addFixedIp {"networkId"} / removeFixedIp {"address"} (below 2.44). Nova
 * casts them to the compute host and answers 202 once the body, the server
 * and its lock are checked; a failure there is only logged, and so here. */
int compute_server_fixed_ip_action(struct http_request *req, const struct compute_server *s,
                                   bool add, json_t *body, struct api_error *err)
{
	const char *key = add ? "addFixedIp" : "removeFixedIp";
	struct net_service *ns;
	if (compute_mv(req) >= 44)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	json_t *arg = json_object_get(body, key);
	if (json_object_size(body) != 1 || !json_is_object(arg))
		return api_fail(err, API_BAD_REQUEST, "Invalid input for field/attribute %s.", key);
	const char *k;
	json_t *v;
	json_object_foreach(
	    arg, k,
	    v) if (strcmp(k, add ? "networkId"
	                         : "address")) return api_fail(err, API_BAD_REQUEST,
	                                                       "Invalid input for field/attribute "
	                                                       "%s. Additional properties are not "
	                                                       "allowed ('%s' "
	                                                       "was unexpected)",
	                                                       key, k);
	char netid[64] = "";
	v = json_object_get(arg, add ? "networkId" : "address");
	if (!v)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute %s. '%s' is a required property",
		                key, add ? "networkId" : "address");
	if (add) {
		if (json_is_number(v))
			snprintf(netid, sizeof(netid), "%g", json_number_value(v));
		else if (json_is_string(v) && json_string_length(v) >= 1 &&
		         json_string_length(v) <= 36)
			snprintf(netid, sizeof(netid), "%s", json_string_value(v));
		else
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute networkId.");
	} else if (!ip_address(v)) {
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute address. Value: %s. is not a "
		                "'ip-address'",
		                json_is_string(v) ? json_string_value(v) : "(value)");
	}
	if (compute_check_lock(req, s, err) != 0 || compute_proxy_net(req, NULL, &ns, err) != 0)
		return -1;
	struct api_error failed;
	int rc = add ? net_server_fixed_ip_add(ns, s->id, netid, &failed)
	             : net_server_fixed_ip_remove(ns, s->id, json_string_value(v), &failed);
	if (rc != 0)
		log_warn("%s on server %s failed: %s", key, s->id, failed.message);
	return 0;
}

/* ---- os-networks, os-tenant-networks ---- */

/* os-networks: what Nova still fills from a Neutron network (id and
 * label); every other nova-network field is null, admins see more of
 * them. */
static json_t *network_view(struct http_request *req, json_t *net)
{
	static const char *const fields[] = {"cidr", "netmask", "gateway",    "broadcast", "dns1",
	                                     "dns2", "cidr_v6", "gateway_v6", "netmask_v6"};
	static const char *const admin_fields[] = {"created_at",
	                                           "updated_at",
	                                           "deleted_at",
	                                           "deleted",
	                                           "injected",
	                                           "bridge",
	                                           "vlan",
	                                           "vpn_public_address",
	                                           "vpn_public_port",
	                                           "vpn_private_address",
	                                           "dhcp_start",
	                                           "project_id",
	                                           "host",
	                                           "bridge_interface",
	                                           "multi_host",
	                                           "priority",
	                                           "rxtx_base",
	                                           "mtu",
	                                           "dhcp_server",
	                                           "enable_dhcp",
	                                           "share_address"};
	json_t *out =
	    json_pack("{s:s,s:s?}", "id", str_of(net, "id"), "label", str_of(net, "name"));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		json_object_set_new(out, fields[i], json_null());
	if (compute_is_admin(req))
		for (size_t i = 0; i < sizeof(admin_fields) / sizeof(admin_fields[0]); i++)
			json_object_set_new(out, admin_fields[i], json_null());
	return out;
}

/* os-tenant-networks: {id, cidr: "None" (sic, what Nova answers with
 * Neutron), label}. */
static json_t *tenant_network_view(json_t *net)
{
	return json_pack("{s:s,s:s,s:s?}", "id", str_of(net, "id"), "cidr", "None", "label",
	                 str_of(net, "name"));
}

static int list_networks(struct http_request *req, struct http_response *resp,
                         const char *collection, json_t *(*view)(struct http_request *, json_t *),
                         struct api_error *err)
{
	struct net_service *ns;
	json_t *nets;
	if (compute_proxy_net(req, collection, &ns, err) != 0 ||
	    net_proxy_networks(ns, req, false, &nets, err) != 0)
		return -1;
	json_t *out = json_array();
	size_t i;
	json_t *n;
	json_array_foreach(nets, i, n) json_array_append_new(out, view(req, n));
	http_reply_json(resp, 200, json_pack("{s:o}", "networks", out));
	return 0;
}

static int show_network(struct http_request *req, struct http_response *resp,
                        const char *collection, json_t *(*view)(struct http_request *, json_t *),
                        struct api_error *err)
{
	struct net_service *ns;
	json_t *net;
	if (compute_proxy_net(req, collection, &ns, err) != 0)
		return -1;
	if (net_proxy_network_get(ns, req, http_param(req, "id"), &net, err) != 0) {
		if (err->status == 404)
			return api_fail(err, API_NOT_FOUND, "Network not found");
		return -1;
	}
	http_reply_json(resp, 200, json_pack("{s:o}", "network", view(req, net)));
	return 0;
}

static json_t *tenant_view(struct http_request *req, json_t *net)
{
	(void)req;
	return tenant_network_view(net);
}

COMPUTE_HANDLER(compute_network_list)
{
	return list_networks(req, resp, "os-networks", network_view, err);
}

COMPUTE_HANDLER(compute_network_show)
{
	return show_network(req, resp, "os-networks", network_view, err);
}

COMPUTE_HANDLER(compute_tenant_network_list)
{
	return list_networks(req, resp, "os-tenant-networks", tenant_view, err);
}

COMPUTE_HANDLER(compute_tenant_network_show)
{
	return show_network(req, resp, "os-tenant-networks", tenant_view, err);
}

/* ---- 410 Gone ---- */

COMPUTE_HANDLER(compute_gone)
{
	(void)req;
	(void)resp;
	/* Nova's fault body names a 410 "computeFault" (no name of its own). */
	api_fail(err, API_INTERNAL,
	         "This resource is no longer available.  No forwarding address is given.");
	err->status = 410;
	return -1;
}

COMPUTE_HANDLER(compute_proxy_no_route)
{
	(void)req;
	(void)resp;
	return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
}
