/* /v2.0/ports: fixed IPs from IPAM (by subnet and/or address), unique MAC
 * addresses, security groups, allowed address pairs, port security and
 * binding; the DHCP port of each network. Port documents are created here
 * for every other user (routers, floating IPs, compute). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "network/api.h"
#include "network/handlers.h"
#include "network/quota.h"
#include "network/subnet.h"

static const struct net_field port_fields[] = {
    {"name", 's', false, false},
    {"description", 's', false, false},
    {"network_id", 's', true, false},
    {"admin_state_up", 'b', false, false},
    {"mac_address", 's', false, false},
    {"fixed_ips", 'a', false, false},
    {"device_id", 's', false, false},
    {"device_owner", 's', false, false},
    {"security_groups", '*', false, false},
    {"allowed_address_pairs", '*', false, false},
    {"port_security_enabled", 'b', false, false},
    {"binding:host_id", 's', false, true},
    {"binding:profile", 'O', false, true},
    {"binding:vnic_type", 's', false, false},
    {"extra_dhcp_opts", 'a', false, false},
    {"dns_name", 's', false, false},
    {"qos_policy_id", 'S', false, false},
    {"propagate_uplink_status", 'b', false, false},
    {"tags", 'a', true, false},
    {NULL, 0, false, false},
};

static bool is_network_owned(const char *owner)
{
	return owner && !strncmp(owner, "network:", 8);
}

/* Resolves names or ids to ids of groups the project may use. */
static int resolve_groups(struct arena *a, json_t *in, const char *project, json_t **out,
                          struct api_error *err)
{
	json_t *all;
	if (net_obj_list(a, "security_group", &all, err) != 0)
		return -1;
	*out = net_own(a, json_array());
	if (!json_is_array(in))
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
		                      "Invalid input for security_groups: not a list.");
	size_t i, j;
	json_t *g, *sg;
	json_array_foreach(in, i, g)
	{
		if (!json_is_string(g))
			return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
			                      "Invalid input for security_groups.");
		const char *want = json_string_value(g);
		const char *found = NULL;
		json_array_foreach(all, j, sg)
		{
			const char *owner = net_str(sg, "project_id");
			bool usable =
			    (owner && !strcmp(owner, project)) || net_bool(sg, "shared", false);
			if (!strcmp(net_str(sg, "id"), want))
				found = net_str(sg, "id");
			else if (usable && !found && net_str(sg, "name") &&
			         !strcmp(net_str(sg, "name"), want))
				found = net_str(sg, "id");
		}
		if (!found)
			return net_not_found("security_group", want, err);
		bool dup = false;
		json_array_foreach(*out, j, sg) if (!strcmp(json_string_value(sg), found)) dup =
		    true;
		if (!dup)
			json_array_append_new(*out, json_string(found));
	}
	return 0;
}

static int check_pairs(json_t *port, struct api_error *err)
{
	json_t *pairs = json_object_get(port, "allowed_address_pairs");
	if (!json_is_array(pairs))
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
		                      "Invalid input for allowed_address_pairs: not a list.");
	json_t *norm = json_array();
	size_t i;
	json_t *p;
	json_array_foreach(pairs, i, p)
	{
		const char *ip = net_str(p, "ip_address"), *mac = net_str(p, "mac_address");
		struct net_cidr c;
		int v;
		net_u128 x;
		char m[18];
		if (!json_is_object(p) || !ip ||
		    (net_ip_parse(ip, &v, &x) != 0 && net_cidr_parse(ip, false, &c) != 0)) {
			json_decref(norm);
			return api_fail_typed(
			    err, API_BAD_REQUEST, "InvalidInput",
			    "Invalid input for allowed_address_pairs. Reason: '%s' is "
			    "not a valid IP address.",
			    ip ? ip : "");
		}
		if (mac && net_mac_normalize(mac, m) != 0) {
			json_decref(norm);
			return api_fail_typed(
			    err, API_BAD_REQUEST, "InvalidInput",
			    "Invalid input for allowed_address_pairs. Reason: '%s' is "
			    "not a valid MAC address.",
			    mac);
		}
		/* Canonical text: it goes into nftables sets as is. */
		char canon[80];
		if (net_ip_parse(ip, &v, &x) == 0)
			net_ip_format(v, x, canon, sizeof(canon));
		else
			net_cidr_format(&c, canon, sizeof(canon));
		json_array_append_new(norm,
		                      json_pack("{s:s,s:s}", "ip_address", canon, "mac_address",
		                                mac ? m : net_str(port, "mac_address")));
	}
	json_object_set_new(port, "allowed_address_pairs", norm);
	if (json_array_size(norm) && !net_bool(port, "port_security_enabled", true))
		return api_fail_typed(
		    err, API_CONFLICT, "AddressPairAndPortSecurityRequired",
		    "Port Security must be enabled in order to have allowed address "
		    "pairs on a port.");
	return 0;
}

/* Claims the addresses asked for by `want` (the fixed_ips of a request,
 * or NULL for the default: one per IP version from the first subnet that
 * has room) and writes the resulting fixed_ips to port. */
static int claim_fixed_ips(struct arena *a, json_t *port, json_t *want, json_t *keep,
                           struct api_error *err)
{
	const char *nid = net_str(port, "network_id"), *pid = net_str(port, "id");
	/* Router ports hold the gateway even on SLAAC subnets: no EUI-64. */
	const char *mac =
	    is_network_owned(net_str(port, "device_owner")) ? NULL : net_str(port, "mac_address");
	json_t *subnets;
	if (net_subnets_of(a, nid, &subnets, err) != 0)
		return -1;
	json_t *out = net_own(a, json_array());
	size_t i, j;
	json_t *f, *s;
	if (!want) {
		/* One IPv4 address from the first subnet with room, one from the
		 * first stateful IPv6 subnet, and the SLAAC address on every
		 * IPv6 subnet with automatic addresses (as Neutron does). */
		bool got4 = false, got6 = false;
		json_array_foreach(subnets, i, s)
		{
			int ver = (int)json_integer_value(json_object_get(s, "ip_version"));
			bool slaac = net_subnet_auto_address(s);
			if ((ver == 4 && got4) || (ver == 6 && got6 && !slaac))
				continue;
			char ip[46];
			struct api_error e2 = {0};
			if (net_subnet_take_ip(a, s, NULL, pid, mac, ip, &e2) != 0) {
				if (e2.status == 409 && e2.type &&
				    !strcmp(e2.type, "IpAddressGenerationFailure"))
					continue;
				*err = e2;
				return -1;
			}
			json_array_append_new(out, json_pack("{s:s,s:s}", "subnet_id",
			                                     net_str(s, "id"), "ip_address", ip));
			if (ver == 4)
				got4 = true;
			else if (!slaac)
				got6 = true;
		}
		if (json_array_size(subnets) && !json_array_size(out))
			return api_fail_typed(err, API_CONFLICT, "IpAddressGenerationFailure",
			                      "No more IP addresses available on network %s.", nid);
		json_object_set(port, "fixed_ips", out);
		return 0;
	}
	if (!json_is_array(want))
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
		                      "Invalid input for fixed_ips. Reason: not a list.");
	json_array_foreach(want, i, f)
	{
		if (!json_is_object(f))
			return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
			                      "Invalid input for fixed_ips.");
		const char *sid = net_str(f, "subnet_id"), *ip = net_str(f, "ip_address");
		const char *k;
		json_t *kv;
		json_object_foreach(
		    f, k,
		    kv) if (strcmp(k, "subnet_id") &&
		            strcmp(
		                k,
		                "ip_address")) return api_fail_typed(err, API_BAD_REQUEST,
		                                                     "InvalidInput",
		                                                     "Invalid input for fixed_ips. "
		                                                     "Reason: unknown key %s.",
		                                                     k);
		json_t *subnet = NULL;
		if (sid) {
			json_array_foreach(subnets, j, s) if (!strcmp(net_str(s, "id"), sid))
			    subnet = s;
			if (!subnet) {
				json_t *other;
				if (net_obj_try(a, "subnet", sid, &other, err) != 0)
					return -1;
				if (!other)
					return net_not_found("subnet", sid, err);
				return api_fail_typed(
				    err, API_BAD_REQUEST, "InvalidInput",
				    "Invalid input for operation: Failed to create port "
				    "on network %s, because fixed_ips included invalid "
				    "subnet %s.",
				    nid, sid);
			}
		} else if (ip) {
			int v;
			net_u128 x;
			if (net_ip_parse(ip, &v, &x) != 0)
				return api_fail_typed(
				    err, API_BAD_REQUEST, "InvalidInput",
				    "Invalid input for operation: '%s' is not a valid IP "
				    "address.",
				    ip);
			json_array_foreach(subnets, j, s)
			{
				struct net_cidr c;
				if (!subnet && net_cidr_parse(net_str(s, "cidr"), false, &c) == 0 &&
				    net_cidr_contains(&c, v, x))
					subnet = s;
			}
			if (!subnet)
				return api_fail_typed(
				    err, API_BAD_REQUEST, "InvalidInput",
				    "Invalid input for operation: IP address %s is not a "
				    "valid IP for any of the subnets on the specified "
				    "network.",
				    ip);
		} else {
			return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
			                      "Invalid input for operation: IP allocation requires "
			                      "subnet_id or ip_address.");
		}
		/* Kept as is when the port already holds it (update). */
		bool kept = false;
		json_t *kf;
		json_array_foreach(keep, j, kf)
		{
			if (ip && !strcmp(net_str(kf, "ip_address"), ip) &&
			    !strcmp(net_str(kf, "subnet_id"), net_str(subnet, "id")))
				kept = true;
			if (!ip && !strcmp(net_str(kf, "subnet_id"), net_str(subnet, "id")) &&
			    !kept) {
				bool taken = false;
				json_t *o;
				size_t m;
				json_array_foreach(
				    out, m, o) if (!strcmp(net_str(o, "ip_address"),
				                           net_str(kf, "ip_address"))) taken = true;
				if (!taken) {
					ip = net_str(kf, "ip_address");
					kept = true;
				}
			}
		}
		char got[46];
		if (kept) {
			snprintf(got, sizeof(got), "%s", ip);
		} else if (net_subnet_take_ip(a, subnet, ip, pid, mac, got, err) != 0) {
			return -1;
		}
		json_array_append_new(out, json_pack("{s:s,s:s}", "subnet_id",
		                                     net_str(subnet, "id"), "ip_address", got));
	}
	json_object_set(port, "fixed_ips", out);
	return 0;
}

static void set_binding(struct net_service *ns, json_t *port)
{
	const char *host = net_str(port, "binding:host_id");
	bool bound = host && *host;
	json_object_set_new(port, "binding:vif_type", json_string(bound ? "bridge" : "unbound"));
	if (bound) {
		char br[16];
		const char *nid = net_str(port, "network_id");
		snprintf(br, sizeof(br), "brq%.11s", nid);
		json_object_set_new(port, "binding:vif_details",
		                    json_pack("{s:b,s:s,s:s}", "port_filter", 1, "bridge_name", br,
		                              "connectivity", "l2"));
	} else {
		json_object_set_new(port, "binding:vif_details", json_object());
	}
	(void)ns;
	const char *dev = net_str(port, "device_owner");
	json_object_set_new(port, "status",
	                    json_string((dev && *dev && net_bool(port, "admin_state_up", true))
	                                    ? "ACTIVE"
	                                    : "DOWN"));
}

int net_port_create_doc(struct net_service *ns, struct http_request *req, struct arena *a,
                        json_t *in, const char *project, bool trusted, json_t **out,
                        struct api_error *err)
{
	const char *nid = net_str(in, "network_id");
	json_t *net;
	if (!nid)
		return api_fail_typed(
		    err, API_BAD_REQUEST, "HTTPBadRequest",
		    "Failed to parse request. Required attribute 'network_id' not "
		    "specified");
	if (req && !trusted) {
		if (net_get_visible(req, "network", nid, &net, err) != 0)
			return -1;
	} else if (net_obj_get(a, "network", nid, &net, err) != 0) {
		return -1;
	}
	json_t *p = net_own(a, json_object());
	char id[37];
	ids_uuid4(id);
	json_object_set_new(p, "id", json_string(id));
	json_object_set_new(p, "name", json_string(""));
	json_object_set_new(p, "admin_state_up", json_true());
	json_object_set_new(p, "device_id", json_string(""));
	json_object_set_new(p, "device_owner", json_string(""));
	json_object_set_new(p, "allowed_address_pairs", json_array());
	json_object_set_new(p, "extra_dhcp_opts", json_array());
	json_object_set_new(p, "binding:host_id", json_string(""));
	json_object_set_new(p, "binding:profile", json_object());
	json_object_set_new(p, "binding:vnic_type", json_string("normal"));
	json_object_set_new(p, "dns_name", json_string(""));
	json_object_set_new(p, "dns_assignment", json_array());
	json_object_set_new(p, "qos_policy_id", json_null());
	json_object_set_new(p, "qos_network_policy_id", json_null());
	json_object_set_new(p, "propagate_uplink_status", json_false());
	json_object_set_new(p, "data_plane_status", json_null());
	json_object_set_new(p, "ip_allocation", json_string("immediate"));
	json_object_set_new(p, "resource_request", json_null());
	json_object_set(p, "port_security_enabled", json_object_get(net, "port_security_enabled"));
	if (req && !trusted) {
		if (net_apply_fields(req, p, in, port_fields, true, "port", err) != 0)
			return -1;
	} else {
		const char *k;
		json_t *v;
		json_object_foreach(in, k, v) json_object_set(p, k, v);
		json_object_set_new(p, "id", json_string(id));
	}
	json_object_set_new(p, "network_id", json_string(nid));
	/* MAC: the user's (unique) or a fresh one from the base. */
	const char *mac = net_str(p, "mac_address");
	char m[18];
	if (mac) {
		if (net_mac_normalize(mac, m) != 0)
			return api_fail_typed(
			    err, API_BAD_REQUEST, "InvalidInput",
			    "Invalid input for mac_address. Reason: '%s' is not a valid "
			    "MAC address.",
			    mac);
		if (net_mac_claim(m, id, err) != 0)
			return -1;
	} else {
		int tries = 0;
		for (;;) {
			unsigned char rnd[6];
			randombytes_buf(rnd, sizeof(rnd));
			if (net_mac_generate(ns->cfg.mac_base, rnd, m) != 0)
				return api_fail(err, API_INTERNAL, "bad mac_base %s",
				                ns->cfg.mac_base);
			struct api_error e2 = {0};
			if (net_mac_claim(m, id, &e2) == 0)
				break;
			if (e2.status != 409 || ++tries > 16) {
				*err = e2;
				return -1;
			}
		}
	}
	json_object_set_new(p, "mac_address", json_string(m));
	json_t *want = json_object_get(in, "fixed_ips");
	if (claim_fixed_ips(a, p, want, NULL, err) != 0)
		return -1;
	const char *owner = net_str(p, "device_owner");
	bool psec = net_bool(p, "port_security_enabled", true);
	json_t *sgs = json_object_get(in, "security_groups");
	if (sgs && !json_is_null(sgs)) {
		json_t *ids;
		if (resolve_groups(a, sgs, project, &ids, err) != 0)
			return -1;
		if (json_array_size(ids) && !psec)
			return api_fail_typed(
			    err, API_BAD_REQUEST, "PortSecurityAndIPRequiredForSecurityGroups",
			    "Port security must be enabled and port must have an IP "
			    "address in order to use security groups.");
		json_object_set(p, "security_groups", ids);
	} else if (psec && !is_network_owned(owner)) {
		char sg[37];
		if (net_default_sg(project, sg, err) != 0)
			return -1;
		json_object_set_new(p, "security_groups", json_pack("[s]", sg));
	} else {
		json_object_set_new(p, "security_groups", json_array());
	}
	if (check_pairs(p, err) != 0)
		return -1;
	net_stamp_new(p, project);
	set_binding(ns, p);
	if (!is_network_owned(owner) && net_quota_check(ns, project, NET_Q_PORT, 1, err) != 0)
		return -1;
	if (net_obj_put("port", p, err) != 0)
		return -1;
	*out = p;
	return 0;
}

int net_port_delete_doc(struct arena *a, json_t *port, struct api_error *err)
{
	(void)a;
	const char *id = net_str(port, "id");
	if (net_ip_release_port(id, err) != 0 || net_mac_release_port(id, err) != 0)
		return -1;
	return net_obj_delete("port", id, err);
}

int net_dhcp_port_sync(struct net_service *ns, struct arena *a, const char *network_id,
                       struct api_error *err)
{
	json_t *subnets, *ports, *net;
	if (net_subnets_of(a, network_id, &subnets, err) != 0 ||
	    net_obj_list(a, "port", &ports, err) != 0 ||
	    net_obj_get(a, "network", network_id, &net, err) != 0)
		return -1;
	json_t *dhcp = NULL;
	size_t i, j;
	json_t *p, *s, *f;
	json_array_foreach(ports, i, p) if (!strcmp(net_str(p, "network_id"), network_id) &&
	                                    net_str(p, "device_owner") &&
	                                    !strcmp(net_str(p, "device_owner"), "network:dhcp"))
	    dhcp = p;
	json_t *want = net_own(a, json_array());
	json_array_foreach(subnets, i, s)
	{
		if (!net_bool(s, "enable_dhcp", true))
			continue;
		json_t *entry = json_pack("{s:s}", "subnet_id", net_str(s, "id"));
		json_array_foreach(dhcp ? json_object_get(dhcp, "fixed_ips") : NULL, j,
		                   f) if (!strcmp(net_str(f, "subnet_id"), net_str(s, "id")))
		    json_object_set(entry, "ip_address", json_object_get(f, "ip_address"));
		json_array_append_new(want, entry);
	}
	if (!json_array_size(want)) {
		if (dhcp)
			return net_port_delete_doc(a, dhcp, err);
		return 0;
	}
	if (!dhcp) {
		char dev[80];
		snprintf(dev, sizeof(dev), "dhcp-%s", network_id);
		json_t *in =
		    net_own(a, json_pack("{s:s,s:s,s:s,s:b,s:[],s:O,s:s}", "network_id", network_id,
		                         "device_owner", "network:dhcp", "device_id", dev,
		                         "port_security_enabled", 0, "security_groups", "fixed_ips",
		                         want, "binding:host_id", "stackd"));
		json_t *created;
		return net_port_create_doc(ns, NULL, a, in, net_str(net, "project_id"), true,
		                           &created, err);
	}
	/* Release what is no longer wanted, claim what is new. */
	json_t *old = json_object_get(dhcp, "fixed_ips");
	if (net_ip_release_port(net_str(dhcp, "id"), err) != 0)
		return -1;
	json_array_foreach(old, i, f)
	{
		bool still = false;
		json_array_foreach(want, j, s) if (!strcmp(net_str(s, "subnet_id"),
		                                           net_str(f, "subnet_id"))) still = true;
		if (still && net_ip_claim(network_id, net_str(f, "subnet_id"),
		                          net_str(f, "ip_address"), net_str(dhcp, "id"), err) != 0)
			return -1;
	}
	json_t *keep = json_deep_copy(old);
	json_object_set_new(dhcp, "fixed_ips", json_array());
	/* claim_fixed_ips takes already-claimed ones as "keep". */
	json_t *w2 = net_own(a, json_array());
	json_array_foreach(want, i, s)
	{
		json_t *e = json_deep_copy(s);
		json_array_append_new(w2, e);
	}
	int rc = claim_fixed_ips(a, dhcp, w2, keep, err);
	json_decref(keep);
	if (rc != 0)
		return -1;
	return net_obj_put("port", dhcp, err);
}

/* ---- handlers ---- */

json_t *net_port_view(struct arena *a, json_t *port);
json_t *net_port_view(struct arena *a, json_t *port)
{
	(void)a;
	return port;
}

NET_HANDLER(net_ports_list)
{
	json_t *all;
	if (net_obj_list(req->arena, "port", &all, err) != 0)
		return -1;
	json_t *vis = net_own(req->arena, json_array());
	size_t i;
	json_t *p;
	json_array_foreach(all, i, p) if (net_visible(req, "port", p)) json_array_append(vis, p);
	return net_reply_list(req, resp, "ports", vis, err);
}

NET_HANDLER(net_ports_create)
{
	struct net_service *ns = net_of(req);
	json_t *items;
	bool bulk;
	if (net_body_bulk(req, "port", "ports", &items, &bulk, err) != 0)
		return -1;
	if (db_begin(err) != 0)
		return -1;
	json_t *created = net_own(req->arena, json_array());
	size_t i;
	json_t *in;
	json_array_foreach(items, i, in)
	{
		const char *project;
		json_t *p;
		if (net_new_project(req, in, &project, err) != 0 ||
		    net_port_create_doc(ns, req, req->arena, in, project, false, &p, err) != 0) {
			db_rollback();
			return -1;
		}
		json_array_append(created, p);
	}
	if (db_commit(err) != 0)
		return -1;
	/* One data plane pass per network, not per port. */
	json_t *nets = net_own(req->arena, json_array());
	json_array_foreach(created, i, in)
	{
		size_t j;
		json_t *n;
		bool seen = false;
		json_array_foreach(nets, j, n) if (json_equal(n, json_object_get(in, "network_id")))
		    seen = true;
		if (!seen)
			json_array_append(nets, json_object_get(in, "network_id"));
	}
	json_array_foreach(nets, i, in) net_dp_ports_changed(ns, json_string_value(in));
	net_dp_security_changed(ns);
	if (!bulk) {
		net_reply_one(req, resp, 201, "port", json_array_get(created, 0));
		return 0;
	}
	http_reply_json(resp, 201, json_pack("{s:O}", "ports", created));
	return 0;
}

NET_HANDLER(net_ports_show)
{
	json_t *p;
	if (net_get_visible(req, "port", http_param(req, "id"), &p, err) != 0)
		return -1;
	net_reply_one(req, resp, 200, "port", p);
	return 0;
}

NET_HANDLER(net_ports_update)
{
	struct net_service *ns = net_of(req);
	json_t *in, *p;
	if (net_body(req, "port", &in, err) != 0)
		return -1;
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "port", http_param(req, "id"), &p, err) != 0 ||
	    net_if_match(req, p, err) != 0)
		goto fail;
	const char *old_mac = arena_strdup(req->arena, net_str(p, "mac_address"));
	json_t *old_ips = net_own(req->arena, json_deep_copy(json_object_get(p, "fixed_ips")));
	json_t *want_ips = json_object_get(in, "fixed_ips");
	json_t *sgs = json_object_get(in, "security_groups");
	if (net_apply_fields(req, p, in, port_fields, false, "port", err) != 0)
		goto fail;
	const char *mac = net_str(p, "mac_address");
	if (strcmp(mac, old_mac)) {
		char m[18];
		if (net_mac_normalize(mac, m) != 0) {
			api_fail_typed(
			    err, API_BAD_REQUEST, "InvalidInput",
			    "Invalid input for mac_address. Reason: '%s' is not a valid MAC "
			    "address.",
			    mac);
			goto fail;
		}
		if (net_mac_release_port(net_str(p, "id"), err) != 0 ||
		    net_mac_claim(m, net_str(p, "id"), err) != 0)
			goto fail;
		json_object_set_new(p, "mac_address", json_string(m));
	}
	if (want_ips) {
		if (net_ip_release_port(net_str(p, "id"), err) != 0)
			goto fail;
		/* Keep the old addresses that are asked for again. */
		size_t i, j;
		json_t *o, *w;
		json_t *keep = net_own(req->arena, json_array());
		json_array_foreach(old_ips, i, o)
		{
			json_array_foreach(want_ips, j, w)
			{
				const char *wip = net_str(w, "ip_address"),
				           *wsid = net_str(w, "subnet_id");
				if ((wip && !strcmp(wip, net_str(o, "ip_address"))) ||
				    (!wip && wsid && !strcmp(wsid, net_str(o, "subnet_id")))) {
					if (net_ip_claim(net_str(p, "network_id"),
					                 net_str(o, "subnet_id"),
					                 net_str(o, "ip_address"), net_str(p, "id"),
					                 err) != 0)
						goto fail;
					json_array_append(keep, o);
					break;
				}
			}
		}
		if (claim_fixed_ips(req->arena, p, want_ips, keep, err) != 0)
			goto fail;
	}
	bool psec = net_bool(p, "port_security_enabled", true);
	if (sgs) {
		json_t *ids;
		if (resolve_groups(req->arena,
		                   json_is_null(sgs) ? net_own(req->arena, json_array()) : sgs,
		                   net_str(p, "project_id"), &ids, err) != 0)
			goto fail;
		json_object_set(p, "security_groups", ids);
	}
	if (!psec && json_array_size(json_object_get(p, "security_groups"))) {
		api_fail_typed(
		    err, API_CONFLICT, "PortSecurityPortHasSecurityGroup",
		    "Port has security group associated. Cannot disable port security or ip "
		    "address until security group is removed");
		goto fail;
	}
	if (check_pairs(p, err) != 0)
		goto fail;
	set_binding(ns, p);
	net_stamp_update(p);
	if (net_obj_put("port", p, err) != 0 || db_commit(err) != 0)
		goto fail;
	net_dp_ports_changed(ns, net_str(p, "network_id"));
	net_dp_security_changed(ns);
	net_reply_one(req, resp, 200, "port", p);
	return 0;
fail:
	db_rollback();
	return -1;
}

/* Floating IPs on the port are disassociated (Neutron does the same). */
int net_fips_disassociate_port(struct arena *a, const char *port_id, json_t **routers,
                               struct api_error *err);

NET_HANDLER(net_ports_delete)
{
	struct net_service *ns = net_of(req);
	json_t *p, *routers = NULL;
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "port", http_param(req, "id"), &p, err) != 0)
		goto fail;
	const char *owner = net_str(p, "device_owner");
	if (owner &&
	    (!strcmp(owner, "network:router_interface") ||
	     !strcmp(owner, "network:router_gateway") || !strcmp(owner, "network:floatingip"))) {
		api_fail_typed(
		    err, API_CONFLICT, "L3PortInUse",
		    "Port %s cannot be deleted directly via the port API: has device owner "
		    "%s.",
		    net_str(p, "id"), owner);
		goto fail;
	}
	if (net_fips_disassociate_port(req->arena, net_str(p, "id"), &routers, err) != 0 ||
	    net_port_delete_doc(req->arena, p, err) != 0 || db_commit(err) != 0)
		goto fail;
	net_dp_port_deleted(ns, p);
	size_t i;
	json_t *r;
	json_array_foreach(routers, i, r) net_dp_router_changed(ns, json_string_value(r));
	http_reply_empty(resp, 204);
	return 0;
fail:
	db_rollback();
	return -1;
}
