/* The external network DevStack creates and Stackd creates too, once per
 * data dir: flat network `public` on the configured physical network
 * (bridge br-ex), subnet 172.24.4.0/24 with gateway 172.24.4.1 (the
 * host's address on br-ex) and pool .2-.254; router:external, visible to
 * every project. Ranges and names come from [network] options. */
#include <string.h>

#include "core/ids.h"
#include "core/log.h"
#include "network/api.h"
#include "network/quota.h"

int net_bootstrap(struct net_service *ns, struct api_error *err)
{
	struct arena *a = arena_new();
	const char *done;
	int rc = -1;
	const struct net_config *c = &ns->cfg;
	if (net_meta_get(a, "bootstrap_public", &done, err) != 0)
		goto out;
	if (done) {
		rc = 0;
		goto out;
	}
	struct net_cidr cidr;
	int v;
	net_u128 g, ps, pe;
	if (net_cidr_parse(c->public_cidr, true, &cidr) != 0 ||
	    net_ip_parse(c->public_gateway, &v, &g) != 0 || !net_cidr_contains(&cidr, v, g) ||
	    net_ip_parse(c->public_pool_start, &v, &ps) != 0 ||
	    net_ip_parse(c->public_pool_end, &v, &pe) != 0 || !net_cidr_contains(&cidr, v, ps) ||
	    !net_cidr_contains(&cidr, v, pe) || ps > pe || (g >= ps && g <= pe)) {
		api_fail(err, API_INTERNAL,
		         "[network] public_cidr/public_gateway/public_pool_* are inconsistent");
		goto out;
	}
	json_t *net = net_own(
	    a, json_pack("{s:s,s:b,s:b,s:b,s:I,s:b,s:s,s:s,s:n,s:[],s:s,s:n,s:b,"
	                 "s:n,s:n,s:b}",
	                 "name", c->public_network_name, "admin_state_up", 1, "shared", 0,
	                 "router:external", 1, "mtu", (json_int_t)c->mtu, "port_security_enabled",
	                 1, "provider:network_type", "flat", "provider:physical_network",
	                 c->physical_network, "provider:segmentation_id", "availability_zone_hints",
	                 "dns_domain", "", "qos_policy_id", "is_default", 1, "ipv4_address_scope",
	                 "ipv6_address_scope", "l2_adjacency", 1));
	net_stamp_new(net, "");
	json_t *subnet = net_own(
	    a,
	    json_pack("{s:s,s:s,s:i,s:s,s:s,s:[{s:s,s:s}],s:[],s:[],s:b,s:n,s:n,s:n,s:[],s:n,s:b}",
	              "name", "public-subnet", "network_id", net_str(net, "id"), "ip_version", 4,
	              "cidr", c->public_cidr, "gateway_ip", c->public_gateway, "allocation_pools",
	              "start", c->public_pool_start, "end", c->public_pool_end, "dns_nameservers",
	              "host_routes", "enable_dhcp", 0, "ipv6_ra_mode", "ipv6_address_mode",
	              "subnetpool_id", "service_types", "segment_id", "dns_publish_fixed_ip", 0));
	net_stamp_new(subnet, "");
	if (db_begin(err) != 0)
		goto out;
	if (net_obj_put("network", net, err) != 0 || net_obj_put("subnet", subnet, err) != 0 ||
	    net_meta_set("bootstrap_public", net_str(net, "id"), err) != 0 || db_commit(err) != 0) {
		db_rollback();
		goto out;
	}
	log_info("msg=\"external network created\" name=%s id=%s cidr=%s", c->public_network_name,
	         net_str(net, "id"), c->public_cidr);
	rc = 0;
out:
	arena_free(a);
	return rc;
}
