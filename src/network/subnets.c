/* /v2.0/subnets: CIDRs, gateways, allocation pools, DNS servers, host
 * routes, IPv6 modes, subnet pools; and the IPAM on a subnet that ports
 * use. Addresses are unique through net_ips. */
#include <stdlib.h>
#include <string.h>

#include "network/api.h"
#include "network/handlers.h"
#include "network/quota.h"
#include "network/subnet.h"

static const struct net_field subnet_fields[] = {
    {"name", 's', false, false},
    {"description", 's', false, false},
    {"network_id", 's', true, false},
    {"ip_version", 'i', true, false},
    {"cidr", 'S', true, false},
    {"gateway_ip", 'S', false, false},
    {"allocation_pools", 'a', false, false},
    {"dns_nameservers", 'a', false, false},
    {"host_routes", 'a', false, false},
    {"enable_dhcp", 'b', false, false},
    {"ipv6_ra_mode", 'S', true, false},
    {"ipv6_address_mode", 'S', true, false},
    {"subnetpool_id", 'S', true, false},
    {"prefixlen", '*', true, false},
    {"use_default_subnet_pool", 'b', true, false},
    {"service_types", 'a', false, false},
    {"segment_id", 'S', false, false},
    {"dns_publish_fixed_ip", 'b', false, false},
    {"tags", 'a', true, false},
    {NULL, 0, false, false},
};

static int bad(struct api_error *err, const char *fmt, const char *a, const char *b)
{
	return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput", fmt, a ? a : "", b ? b : "");
}

int net_subnet_ranges(json_t *subnet, struct net_cidr *cidr, struct net_range *pools, size_t max,
                      size_t *npools)
{
	if (net_cidr_parse(net_str(subnet, "cidr"), false, cidr) != 0)
		return -1;
	*npools = 0;
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(subnet, "allocation_pools"), i, p)
	{
		int v1, v2;
		net_u128 a, b;
		if (*npools >= max || net_ip_parse(net_str(p, "start"), &v1, &a) != 0 ||
		    net_ip_parse(net_str(p, "end"), &v2, &b) != 0)
			return -1;
		pools[(*npools)++] = (struct net_range){a, b};
	}
	return 0;
}

bool net_subnet_auto_address(json_t *subnet)
{
	const char *m = net_str(subnet, "ipv6_address_mode");
	return json_integer_value(json_object_get(subnet, "ip_version")) == 6 && m &&
	       (!strcmp(m, "slaac") || !strcmp(m, "dhcpv6-stateless"));
}

int net_subnet_take_ip(struct arena *a, json_t *subnet, const char *want, const char *port_id,
                       const char *mac, char ip[46], struct api_error *err)
{
	struct net_cidr c;
	struct net_range pools[64];
	size_t npools;
	const char *sid = net_str(subnet, "id"), *nid = net_str(subnet, "network_id");
	if (net_subnet_ranges(subnet, &c, pools, 64, &npools) != 0)
		return api_fail(err, API_INTERNAL, "subnet %s is malformed", sid);
	if (net_subnet_auto_address(subnet) && mac && c.prefix == 64) {
		net_u128 eui;
		char m[18];
		if (net_mac_normalize(mac, m) != 0 || net_eui64(c.base, m, &eui) != 0)
			return api_fail(err, API_INTERNAL, "bad MAC %s", mac);
		char auto_ip[46];
		net_ip_format(6, eui, auto_ip, sizeof(auto_ip));
		if (want) {
			char canon[46];
			if (net_ip_canonical(want, canon, sizeof(canon)) != 0 ||
			    strcmp(canon, auto_ip))
				return api_fail_typed(
				    err, API_BAD_REQUEST, "InvalidInput",
				    "Invalid input for operation: IPv6 address %s can "
				    "not be directly assigned to a port on subnet %s "
				    "since the subnet is configured for automatic "
				    "addresses.",
				    want, sid);
		}
		snprintf(ip, 46, "%s", auto_ip);
		return net_ip_claim(nid, sid, ip, port_id, err);
	}
	if (want) {
		int v;
		net_u128 x;
		if (net_ip_parse(want, &v, &x) != 0)
			return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
			                      "Invalid input for operation: '%s' is not a valid IP "
			                      "address.",
			                      want);
		if (!net_cidr_contains(&c, v, x))
			return api_fail_typed(
			    err, API_BAD_REQUEST, "InvalidIpForSubnet",
			    "IP address %s is not a valid IP for the specified subnet.", want);
		if (c.version == 4 && c.prefix <= 30 && (x == c.base || x == net_cidr_last(&c)))
			return api_fail_typed(
			    err, API_BAD_REQUEST, "InvalidIpForSubnet",
			    "IP address %s is not a valid IP for the specified subnet.", want);
		net_ip_format(v, x, ip, 46);
		return net_ip_claim(nid, sid, ip, port_id, err);
	}
	net_u128 *used;
	size_t n;
	if (net_ip_used(a, sid, &used, &n, err) != 0)
		return -1;
	/* The gateway is never handed out (it is outside the pools unless the
	 * user put it there, which create refuses). */
	net_u128 pick;
	if (net_pick_free(pools, npools, used, n, &pick) != 0)
		return api_fail_typed(err, API_CONFLICT, "IpAddressGenerationFailure",
		                      "No more IP addresses available on network %s.", nid);
	net_ip_format(c.version, pick, ip, 46);
	return net_ip_claim(nid, sid, ip, port_id, err);
}

int net_subnets_of(struct arena *a, const char *network_id, json_t **out, struct api_error *err)
{
	json_t *all;
	if (net_obj_list(a, "subnet", &all, err) != 0)
		return -1;
	*out = net_own(a, json_array());
	size_t i;
	json_t *s;
	json_array_foreach(all, i, s) if (!strcmp(net_str(s, "network_id"), network_id))
	    json_array_append(*out, s);
	return 0;
}

int net_ports_on_subnet(struct arena *a, const char *subnet_id, json_t **out, struct api_error *err)
{
	json_t *all;
	if (net_obj_list(a, "port", &all, err) != 0)
		return -1;
	*out = net_own(a, json_array());
	size_t i, j;
	json_t *p, *f;
	json_array_foreach(all, i, p)
	{
		json_array_foreach(json_object_get(p, "fixed_ips"), j, f)
		{
			if (!strcmp(net_str(f, "subnet_id"), subnet_id)) {
				json_array_append(*out, p);
				break;
			}
		}
	}
	return 0;
}

/* Validates allocation_pools of in against the CIDR and gateway, or makes
 * the default ones; the result goes to subnet. */
static int set_pools(json_t *subnet, json_t *in_pools, const struct net_cidr *c,
                     struct api_error *err)
{
	const char *gw = net_str(subnet, "gateway_ip");
	int gv = 0;
	net_u128 g = 0;
	if (gw)
		net_ip_parse(gw, &gv, &g);
	json_t *out = json_array();
	if (!in_pools || json_array_size(in_pools) == 0) {
		struct net_range r[2];
		size_t n = net_default_pools(c, gw != NULL, g, r);
		for (size_t i = 0; i < n; i++) {
			char s[46], e[46];
			net_ip_format(c->version, r[i].first, s, sizeof(s));
			net_ip_format(c->version, r[i].last, e, sizeof(e));
			json_array_append_new(out, json_pack("{s:s,s:s}", "start", s, "end", e));
		}
		json_object_set_new(subnet, "allocation_pools", out);
		return 0;
	}
	struct net_range ranges[64];
	size_t n = 0, i;
	json_t *p;
	json_array_foreach(in_pools, i, p)
	{
		const char *s = net_str(p, "start"), *e = net_str(p, "end");
		int v1, v2;
		net_u128 a, b;
		if (!json_is_object(p) || !s || !e || n >= 64)
			goto bad_pool;
		if (net_ip_parse(s, &v1, &a) != 0 || net_ip_parse(e, &v2, &b) != 0)
			goto bad_pool;
		if (v1 != c->version || v2 != c->version || a > b || !net_cidr_contains(c, v1, a) ||
		    !net_cidr_contains(c, v2, b) ||
		    (c->version == 4 && c->prefix <= 30 &&
		     (a == c->base || b == net_cidr_last(c)))) {
			json_decref(out);
			return api_fail_typed(
			    err, API_BAD_REQUEST, "OutOfBoundsAllocationPool",
			    "The allocation pool %s-%s spans beyond the subnet cidr %s.", s, e,
			    net_str(subnet, "cidr"));
		}
		for (size_t k = 0; k < n; k++)
			if (a <= ranges[k].last && ranges[k].first <= b) {
				json_decref(out);
				return api_fail_typed(
				    err, API_BAD_REQUEST, "OverlappingAllocationPools",
				    "Found overlapping allocation pools: %s-%s and an "
				    "earlier one for subnet %s.",
				    s, e, net_str(subnet, "cidr"));
			}
		if (gw && gv == c->version && g >= a && g <= b) {
			json_decref(out);
			return api_fail_typed(
			    err, API_CONFLICT, "GatewayConflictWithAllocationPools",
			    "Gateway ip %s conflicts with allocation pool %s-%s", gw, s, e);
		}
		ranges[n++] = (struct net_range){a, b};
		char cs[46], ce[46];
		net_ip_format(c->version, a, cs, sizeof(cs));
		net_ip_format(c->version, b, ce, sizeof(ce));
		json_array_append_new(out, json_pack("{s:s,s:s}", "start", cs, "end", ce));
	}
	json_object_set_new(subnet, "allocation_pools", out);
	return 0;
bad_pool:
	json_decref(out);
	return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
	                      "Invalid input for operation: Invalid data format for IP pool.");
}

static int check_lists(json_t *subnet, int version, struct api_error *err)
{
	size_t i, j;
	json_t *v, *w;
	json_t *dns = json_object_get(subnet, "dns_nameservers");
	json_array_foreach(dns, i, v)
	{
		int ver;
		net_u128 x;
		if (!json_is_string(v) || net_ip_parse(json_string_value(v), &ver, &x) != 0)
			return bad(err,
			           "Invalid input for dns_nameservers. Reason: '%s' is not a valid "
			           "nameserver.%s",
			           json_is_string(v) ? json_string_value(v) : "", NULL);
		json_array_foreach(dns, j, w) if (j < i && json_equal(v, w)) return api_fail_typed(
		    err, API_BAD_REQUEST, "InvalidInput",
		    "Invalid input for dns_nameservers. Reason: Duplicate nameserver '%s'.",
		    json_string_value(v));
	}
	json_array_foreach(json_object_get(subnet, "host_routes"), i, v)
	{
		struct net_cidr d;
		int ver;
		net_u128 x;
		const char *dest = net_str(v, "destination"), *hop = net_str(v, "nexthop");
		if (!json_is_object(v) || !dest || !hop || net_cidr_parse(dest, false, &d) != 0 ||
		    net_ip_parse(hop, &ver, &x) != 0 || d.version != version || ver != version)
			return bad(err,
			           "Invalid input for host_routes. Reason: Invalid data format for "
			           "hostroute '%s%s'.",
			           dest, hop);
	}
	return 0;
}

static bool valid_v6_mode(const char *m)
{
	return !m || !strcmp(m, "slaac") || !strcmp(m, "dhcpv6-stateful") ||
	       !strcmp(m, "dhcpv6-stateless");
}

/* Picks a CIDR of prefixlen from the pool's prefixes, free of the pool's
 * other subnets. */
static int cidr_from_pool(struct arena *a, json_t *pool, long long prefixlen, char *out, size_t len,
                          struct api_error *err)
{
	json_t *subnets;
	if (net_obj_list(a, "subnet", &subnets, err) != 0)
		return -1;
	size_t i, j;
	json_t *pfx, *s;
	json_array_foreach(json_object_get(pool, "prefixes"), i, pfx)
	{
		struct net_cidr p;
		if (net_cidr_parse(json_string_value(pfx), false, &p) != 0 || prefixlen < p.prefix)
			continue;
		int bits = p.version == 4 ? 32 : 128;
		if (prefixlen > bits)
			continue;
		net_u128 step = (net_u128)1 << (bits - prefixlen);
		for (net_u128 base = p.base; base <= net_cidr_last(&p); base += step) {
			struct net_cidr cand = {p.version, base, (int)prefixlen};
			bool clash = false;
			json_array_foreach(subnets, j, s)
			{
				struct net_cidr o;
				if (net_cidr_parse(net_str(s, "cidr"), false, &o) == 0 &&
				    net_cidr_overlap(&o, &cand))
					clash = true;
			}
			if (!clash) {
				net_cidr_format(&cand, out, len);
				return 0;
			}
			if (base + step < base)
				break;
		}
	}
	return api_fail_typed(err, API_CONFLICT, "SubnetAllocationError",
	                      "Failed to allocate subnet: Insufficient prefix space to allocate "
	                      "subnet size /%lld.",
	                      prefixlen);
}

static int subnet_create_doc(struct net_service *ns, struct http_request *req, json_t *in,
                             json_t **out, struct api_error *err)
{
	const char *project, *network_id = net_str(in, "network_id");
	json_t *net;
	if (!network_id)
		return api_fail_typed(
		    err, API_BAD_REQUEST, "HTTPBadRequest",
		    "Failed to parse request. Required attribute 'network_id' not "
		    "specified");
	if (net_new_project(req, in, &project, err) != 0 ||
	    net_get_visible(req, "network", network_id, &net, err) != 0)
		return -1;
	if (!net_is_admin(req) && strcmp(net_str(net, "project_id"), net_caller_project(req)))
		return api_fail_typed(err, API_FORBIDDEN, "PolicyNotAuthorized",
		                      "(rule:create_subnet) is disallowed by policy");
	json_t *s = net_own(req->arena, json_object());
	json_object_set_new(s, "name", json_string(""));
	json_object_set_new(s, "enable_dhcp", json_true());
	json_object_set_new(s, "dns_nameservers", json_array());
	json_object_set_new(s, "host_routes", json_array());
	json_object_set_new(s, "ipv6_ra_mode", json_null());
	json_object_set_new(s, "ipv6_address_mode", json_null());
	json_object_set_new(s, "subnetpool_id", json_null());
	json_object_set_new(s, "service_types", json_array());
	json_object_set_new(s, "segment_id", json_null());
	json_object_set_new(s, "dns_publish_fixed_ip", json_false());
	if (net_apply_fields(req, s, in, subnet_fields, true, "subnet", err) != 0)
		return -1;
	json_t *ipv = json_object_get(s, "ip_version");
	if (!ipv)
		return api_fail_typed(
		    err, API_BAD_REQUEST, "HTTPBadRequest",
		    "Failed to parse request. Required attribute 'ip_version' not "
		    "specified");
	int version = (int)json_integer_value(ipv);
	if (version != 4 && version != 6)
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
		                      "Invalid input for ip_version. Reason: %d is not in [4, 6].",
		                      version);
	const char *pool_id = net_str(s, "subnetpool_id");
	if (!net_str(s, "cidr") && pool_id) {
		json_t *pool;
		if (net_get_visible(req, "subnetpool", pool_id, &pool, err) != 0)
			return -1;
		json_t *pl = json_object_get(s, "prefixlen");
		long long prefixlen =
		    json_is_integer(pl) ? json_integer_value(pl)
		    : json_is_string(pl)
		        ? strtoll(json_string_value(pl), NULL, 10)
		        : json_integer_value(json_object_get(pool, "default_prefixlen"));
		if (prefixlen < json_integer_value(json_object_get(pool, "min_prefixlen")) ||
		    prefixlen > json_integer_value(json_object_get(pool, "max_prefixlen")))
			return api_fail_typed(err, API_BAD_REQUEST, "IllegalSubnetPrefixLength",
			                      "Illegal prefix bounds: prefixlen=%lld", prefixlen);
		char cidr[64];
		if (cidr_from_pool(req->arena, pool, prefixlen, cidr, sizeof(cidr), err) != 0)
			return -1;
		json_object_set_new(s, "cidr", json_string(cidr));
	}
	json_object_del(s, "prefixlen");
	json_object_del(s, "use_default_subnet_pool");
	const char *cidr_s = net_str(s, "cidr");
	struct net_cidr c;
	if (!cidr_s)
		return api_fail_typed(err, API_BAD_REQUEST, "BadRequest",
		                      "Bad subnets request: a subnetpool must be specified in the "
		                      "absence of a cidr.");
	if (net_cidr_parse(cidr_s, false, &c) != 0)
		return bad(err, "Invalid input for cidr. Reason: '%s' is not a valid IP subnet.%s",
		           cidr_s, NULL);
	char canon[64];
	net_cidr_format(&c, canon, sizeof(canon));
	struct net_cidr strict;
	if (net_cidr_parse(cidr_s, true, &strict) != 0)
		return api_fail_typed(
		    err, API_BAD_REQUEST, "InvalidInput",
		    "Invalid input for cidr. Reason: '%s' isn't a recommended CIDR, "
		    "'%s' is recommended.",
		    cidr_s, canon);
	if (c.version != version)
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
		                      "Invalid input for operation: Cannot use IPv%d CIDR %s with "
		                      "ip_version %d.",
		                      c.version, cidr_s, version);
	if ((version == 4 && c.prefix > 30) || (version == 6 && c.prefix > 126) || c.prefix == 0)
		return api_fail_typed(
		    err, API_BAD_REQUEST, "InvalidInput",
		    "Invalid input for operation: Invalid CIDR %s for IPv%d subnet.", cidr_s,
		    version);
	json_object_set_new(s, "cidr", json_string(canon));
	const char *ra = net_str(s, "ipv6_ra_mode"), *am = net_str(s, "ipv6_address_mode");
	if ((ra || am) && version == 4)
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
		                      "Invalid input for operation: ipv6_ra_mode or "
		                      "ipv6_address_mode cannot be set when enable_dhcp is set to "
		                      "False or ip_version is 4.");
	if (!valid_v6_mode(ra) || !valid_v6_mode(am) || (ra && am && strcmp(ra, am)))
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
		                      "Invalid input for operation: ipv6_ra_mode set to '%s' with "
		                      "ipv6_address_mode set to '%s' is not valid.",
		                      ra ? ra : "None", am ? am : "None");
	/* gateway_ip: absent = the first address; null = none. */
	json_t *gw = json_object_get(in, "gateway_ip");
	if (!gw) {
		char first[46];
		net_ip_format(c.version, c.base + 1, first, sizeof(first));
		json_object_set_new(s, "gateway_ip", json_string(first));
	} else if (json_is_string(gw)) {
		int gv;
		net_u128 g;
		if (net_ip_parse(json_string_value(gw), &gv, &g) != 0)
			return bad(err,
			           "Invalid input for gateway_ip. Reason: '%s' is not a valid IP "
			           "address.%s",
			           json_string_value(gw), NULL);
		if (!net_cidr_contains(&c, gv, g) ||
		    (version == 4 && (g == c.base || g == net_cidr_last(&c))))
			return api_fail_typed(
			    err, API_BAD_REQUEST, "InvalidInput",
			    "Invalid input for operation: Gateway is not valid on "
			    "subnet.");
		char canon_gw[46];
		net_ip_format(gv, g, canon_gw, sizeof(canon_gw));
		json_object_set_new(s, "gateway_ip", json_string(canon_gw));
	}
	if (set_pools(s, json_object_get(in, "allocation_pools"), &c, err) != 0 ||
	    check_lists(s, version, err) != 0)
		return -1;
	/* No two subnets of a network overlap. */
	json_t *siblings;
	if (net_subnets_of(req->arena, network_id, &siblings, err) != 0)
		return -1;
	size_t i;
	json_t *o;
	json_array_foreach(siblings, i, o)
	{
		struct net_cidr oc;
		if (net_cidr_parse(net_str(o, "cidr"), false, &oc) == 0 &&
		    net_cidr_overlap(&oc, &c))
			return api_fail_typed(
			    err, API_BAD_REQUEST, "InvalidInput",
			    "Invalid input for operation: Requested subnet with cidr: "
			    "%s for network: %s overlaps with another subnet.",
			    canon, network_id);
	}
	net_stamp_new(s, project);
	if (net_quota_check(ns, project, NET_Q_SUBNET, 1, err) != 0 ||
	    net_obj_put("subnet", s, err) != 0)
		return -1;
	if (net_dhcp_port_sync(ns, req->arena, network_id, err) != 0)
		return -1;
	*out = s;
	return 0;
}

NET_HANDLER(net_subnets_list)
{
	json_t *all, *nets;
	if (net_obj_list(req->arena, "subnet", &all, err) != 0 ||
	    net_obj_list(req->arena, "network", &nets, err) != 0)
		return -1;
	json_t *vis = net_own(req->arena, json_array());
	size_t i, j;
	json_t *s, *n;
	json_array_foreach(all, i, s)
	{
		bool ok = net_visible(req, "subnet", s);
		/* Subnets of a shared network are everyone's to see; those of an
		 * external one only its owner's (Neutron hides them). */
		json_array_foreach(
		    nets, j, n) if (!ok && !strcmp(net_str(n, "id"), net_str(s, "network_id"))) ok =
		    net_bool(n, "shared", false);
		if (ok)
			json_array_append(vis, s);
	}
	return net_reply_list(req, resp, "subnets", vis, err);
}

static int subnet_visible(struct http_request *req, const char *id, json_t **out,
                          struct api_error *err)
{
	json_t *net;
	if (net_obj_get(req->arena, "subnet", id, out, err) != 0)
		return -1;
	if (net_visible(req, "subnet", *out))
		return 0;
	if (net_obj_try(req->arena, "network", net_str(*out, "network_id"), &net, err) != 0)
		return -1;
	if (net && net_bool(net, "shared", false))
		return 0;
	return net_not_found("subnet", id, err);
}

NET_HANDLER(net_subnets_create)
{
	struct net_service *ns = net_of(req);
	json_t *items;
	bool bulk;
	if (net_body_bulk(req, "subnet", "subnets", &items, &bulk, err) != 0)
		return -1;
	if (db_begin(err) != 0)
		return -1;
	json_t *created = net_own(req->arena, json_array());
	size_t i;
	json_t *in;
	json_array_foreach(items, i, in)
	{
		json_t *s;
		if (subnet_create_doc(ns, req, in, &s, err) != 0) {
			db_rollback();
			return -1;
		}
		json_array_append(created, s);
	}
	if (db_commit(err) != 0)
		return -1;
	json_array_foreach(created, i, in) net_dp_network_changed(ns, net_str(in, "network_id"));
	if (!bulk) {
		net_reply_one(req, resp, 201, "subnet", json_array_get(created, 0));
		return 0;
	}
	http_reply_json(resp, 201, json_pack("{s:O}", "subnets", created));
	return 0;
}

NET_HANDLER(net_subnets_show)
{
	json_t *s;
	if (subnet_visible(req, http_param(req, "id"), &s, err) != 0)
		return -1;
	net_reply_one(req, resp, 200, "subnet", s);
	return 0;
}

NET_HANDLER(net_subnets_update)
{
	struct net_service *ns = net_of(req);
	json_t *in, *s;
	if (net_body(req, "subnet", &in, err) != 0)
		return -1;
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "subnet", http_param(req, "id"), &s, err) != 0 ||
	    net_if_match(req, s, err) != 0)
		goto fail;
	json_t *pools = json_object_get(in, "allocation_pools");
	json_t *gw = json_object_get(in, "gateway_ip");
	if (pools)
		json_incref(pools);
	json_object_del(in, "allocation_pools");
	if (net_apply_fields(req, s, in, subnet_fields, false, "subnet", err) != 0) {
		json_decref(pools);
		goto fail;
	}
	struct net_cidr c;
	net_cidr_parse(net_str(s, "cidr"), false, &c);
	if (gw && json_is_string(gw)) {
		int gv;
		net_u128 g;
		if (net_ip_parse(json_string_value(gw), &gv, &g) != 0 ||
		    !net_cidr_contains(&c, gv, g)) {
			json_decref(pools);
			api_fail_typed(
			    err, API_BAD_REQUEST, "InvalidInput",
			    "Invalid input for operation: Gateway is not valid on subnet.");
			goto fail;
		}
	}
	if (pools || gw) {
		json_t *use = pools ? pools : json_object_get(s, "allocation_pools");
		json_incref(use);
		int rc = set_pools(s, use, &c, err);
		json_decref(use);
		json_decref(pools);
		if (rc != 0)
			goto fail;
	}
	if (check_lists(s, c.version, err) != 0)
		goto fail;
	net_stamp_update(s);
	if (net_obj_put("subnet", s, err) != 0 ||
	    net_dhcp_port_sync(ns, req->arena, net_str(s, "network_id"), err) != 0 ||
	    db_commit(err) != 0)
		goto fail;
	net_dp_network_changed(ns, net_str(s, "network_id"));
	net_reply_one(req, resp, 200, "subnet", s);
	return 0;
fail:
	db_rollback();
	return -1;
}

/* Removes the port's addresses on subnet_id (an automatic IPv6 subnet
 * going away takes its SLAAC addresses with it, as in Neutron). */
static int strip_subnet(json_t *port, const char *subnet_id, struct api_error *err)
{
	json_t *keep = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(port, "fixed_ips"), i, f)
	{
		if (strcmp(net_str(f, "subnet_id"), subnet_id))
			json_array_append(keep, f);
		else if (net_ip_release(net_str(port, "network_id"), net_str(f, "ip_address"),
		                        err) != 0) {
			json_decref(keep);
			return -1;
		}
	}
	json_object_set_new(port, "fixed_ips", keep);
	net_stamp_update(port);
	return net_obj_put("port", port, err);
}

int net_subnet_delete_doc(struct http_request *req, json_t *subnet, struct api_error *err)
{
	const char *id = net_str(subnet, "id");
	json_t *ports;
	if (net_ports_on_subnet(req->arena, id, &ports, err) != 0)
		return -1;
	size_t i;
	json_t *p;
	bool slaac = net_subnet_auto_address(subnet);
	json_array_foreach(ports, i, p)
	{
		const char *owner = net_str(p, "device_owner");
		if (owner && !strcmp(owner, "network:dhcp"))
			continue;
		if (slaac && (!owner || strcmp(owner, "network:router_interface"))) {
			if (strip_subnet(p, id, err) != 0)
				return -1;
			continue;
		}
		return api_fail_typed(
		    err, API_CONFLICT, "SubnetInUse",
		    "Unable to complete operation on subnet %s: One or more ports "
		    "have an IP allocation from this subnet.",
		    id);
	}
	return net_obj_delete("subnet", id, err);
}

NET_HANDLER(net_subnets_delete)
{
	struct net_service *ns = net_of(req);
	json_t *s;
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "subnet", http_param(req, "id"), &s, err) != 0 ||
	    net_subnet_delete_doc(req, s, err) != 0 ||
	    net_dhcp_port_sync(ns, req->arena, net_str(s, "network_id"), err) != 0 ||
	    db_commit(err) != 0) {
		db_rollback();
		return -1;
	}
	net_dp_network_changed(ns, net_str(s, "network_id"));
	http_reply_empty(resp, 204);
	return 0;
}
