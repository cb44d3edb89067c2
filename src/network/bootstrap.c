/* The external network DevStack creates and Stackd creates too, once per
 * data dir: flat network `public` on the configured physical network
 * (bridge br-ex), subnet 172.24.4.0/24 with gateway 172.24.4.1 (the
 * host's address on br-ex) and pool .2-.254; router:external, visible to
 * every project, owned like DevStack's by the `admin` project. Ranges and
 * names come from [network] options. */
#include <string.h>

#include "core/ids.h"
#include "core/log.h"
#include "identity/identity.h"
#include "network/api.h"
#include "network/quota.h"

static void set_owner(json_t *obj, const char *project)
{
	json_object_set_new(obj, "project_id", json_string(project));
	json_object_set_new(obj, "tenant_id", json_string(project));
}

/* Clouds bootstrapped before the network had an owner: give the network
 * and its subnets to the admin project. */
static int adopt_ownerless(struct arena *a, const char *net_id, const char *owner,
                           struct api_error *err)
{
	json_t *net, *subnets, *s;
	size_t i;
	if (!*owner || net_obj_try(a, "network", net_id, &net, err) != 0)
		return *owner ? -1 : 0;
	if (!net || *net_str(net, "project_id"))
		return 0;
	if (net_obj_list(a, "subnet", &subnets, err) != 0 || db_begin(err) != 0)
		return -1;
	set_owner(net, owner);
	int rc = net_obj_put("network", net, err);
	json_array_foreach(subnets, i, s)
	{
		if (rc == 0 && !strcmp(net_str(s, "network_id"), net_id)) {
			set_owner(s, owner);
			rc = net_obj_put("subnet", s, err);
		}
	}
	if (rc != 0 || db_commit(err) != 0) {
		db_rollback();
		return -1;
	}
	log_info("msg=\"external network given to the admin project\" id=%s", net_id);
	return 0;
}

int net_bootstrap(struct net_service *ns, struct api_error *err)
{
	struct arena *a = arena_new();
	const char *done;
	int rc = -1;
	const struct net_config *c = &ns->cfg;
	char owner[65] = "";
	/* Identity starts first and has bootstrapped its admin project. */
	if (identity_project_id_by_name("admin", owner, sizeof(owner)) != 0)
		log_warn("msg=\"no admin project: the external network has no owner\"");
	if (net_meta_get(a, "bootstrap_public", &done, err) != 0)
		goto out;
	if (done) {
		rc = adopt_ownerless(a, done, owner, err);
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
	net_stamp_new(net, owner);
	json_t *subnet = net_own(
	    a,
	    json_pack("{s:s,s:s,s:i,s:s,s:s,s:[{s:s,s:s}],s:[],s:[],s:b,s:n,s:n,s:n,s:[],s:n,s:b}",
	              "name", "public-subnet", "network_id", net_str(net, "id"), "ip_version", 4,
	              "cidr", c->public_cidr, "gateway_ip", c->public_gateway, "allocation_pools",
	              "start", c->public_pool_start, "end", c->public_pool_end, "dns_nameservers",
	              "host_routes", "enable_dhcp", 0, "ipv6_ra_mode", "ipv6_address_mode",
	              "subnetpool_id", "service_types", "segment_id", "dns_publish_fixed_ip", 0));
	net_stamp_new(subnet, owner);
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
