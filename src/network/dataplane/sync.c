/* The data plane's entry points (dp.h and the hooks of api.h): each reads
 * the committed state from the database and re-applies it under dp_lock.
 * A failure is logged, not returned to the API caller (the database is
 * the truth; the next change or restart re-applies), except for compute's
 * synchronous plug, which must fail the boot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "network/api.h"
#include "network/dataplane/dhcp.h"
#include "network/dataplane/ra.h"
#include "network/dataplane/dp.h"
#include "network/dataplane/links.h"
#include "network/dataplane/metadata.h"
#include "network/dataplane/nft.h"
#include "network/dataplane/router.h"
#include "network/dataplane/run.h"

void net_dp_names(const char *id, const char *prefix, char out[16])
{
	snprintf(out, 16, "%s%.11s", prefix, id);
}

void net_dp_bridge_of(struct net_service *ns, json_t *net, char out[16])
{
	const char *type = net_str(net, "provider:network_type");
	if (type && (!strcmp(type, "flat") || !strcmp(type, "vlan")))
		snprintf(out, 16, "%s", ns->cfg.public_bridge);
	else
		net_dp_names(net_str(net, "id"), "brq", out);
}

/* Everything the data plane reads, loaded once per change. */
struct dp_view {
	struct arena *a;
	json_t *networks, *subnets, *ports, *routers, *fips, *rules;
};

static int load(struct dp_view *v, struct api_error *err)
{
	v->a = arena_new();
	if (net_obj_list(v->a, "network", &v->networks, err) != 0 ||
	    net_obj_list(v->a, "subnet", &v->subnets, err) != 0 ||
	    net_obj_list(v->a, "port", &v->ports, err) != 0 ||
	    net_obj_list(v->a, "router", &v->routers, err) != 0 ||
	    net_obj_list(v->a, "floatingip", &v->fips, err) != 0 ||
	    net_obj_list(v->a, "security_group_rule", &v->rules, err) != 0)
		return -1;
	return 0;
}

static json_t *find(json_t *all, const char *id)
{
	size_t i;
	json_t *o;
	json_array_foreach(all, i, o) if (!strcmp(net_str(o, "id"), id)) return o;
	return NULL;
}

static json_t *filter_network(struct arena *a, json_t *all, const char *network_id)
{
	json_t *out = net_own(a, json_array());
	size_t i;
	json_t *o;
	json_array_foreach(all, i, o) if (!strcmp(net_str(o, "network_id"), network_id))
	    json_array_append(out, o);
	return out;
}

static bool is_guest_port(json_t *p)
{
	const char *own = net_str(p, "device_owner");
	const char *dev = net_str(p, "device_id");
	return own && !strncmp(own, "compute:", 8) && dev && *dev;
}

/* A network's bridge (with the subnet gateways on the external bridge,
 * as DevStack puts 172.24.4.1 on br-ex) and its DHCP. */
static int apply_network(struct net_service *ns, struct dp_view *v, json_t *net,
                         struct api_error *err)
{
	char bridge[16];
	net_dp_bridge_of(ns, net, bridge);
	json_t *subnets = filter_network(v->a, v->subnets, net_str(net, "id"));
	json_t *ports = filter_network(v->a, v->ports, net_str(net, "id"));
	unsigned mtu = (unsigned)json_integer_value(json_object_get(net, "mtu"));
	const char *addrs[16];
	char bufs[16][80];
	size_t n = 0;
	if (!strcmp(bridge, ns->cfg.public_bridge)) {
		size_t i;
		json_t *s;
		json_array_foreach(subnets, i, s)
		{
			const char *gw = net_str(s, "gateway_ip"), *cidr = net_str(s, "cidr");
			if (!gw || !cidr || n >= 16)
				continue;
			snprintf(bufs[n], 80, "%s%s", gw, strchr(cidr, '/'));
			addrs[n] = bufs[n];
			n++;
		}
	}
	if (dp_bridge_ensure(ns->state_dir, bridge, addrs, n, mtu, err) != 0 ||
	    dp_dhcp_sync(ns, net, subnets, ports, err) != 0)
		return -1;
	char nsname[64];
	snprintf(nsname, sizeof(nsname), "qdhcp-%s", net_str(net, "id"));
	if (dp_netns_exists(nsname))
		return dp_md_listen(ns, nsname, net_str(net, "id"), false, err);
	dp_md_unlisten(ns, net_str(net, "id"));
	return 0;
}

/* `ct state established accept` comes first in every port chain, so a
 * connection opened while a rule allowed it would outlive the rule. As
 * Neutron's firewall drivers do, the conntrack entries of every port whose
 * policy changed are deleted (any zone): connections still allowed are
 * picked up again by their next packet (loose TCP tracking), the others
 * now meet the rules. The first apply after start flushes nothing. */
static void recheck_connections(struct net_service *ns, json_t *guests, json_t *rules,
                                json_t *all_ports)
{
	json_t *now = json_object();
	size_t i, j;
	json_t *p, *x;
	json_array_foreach(guests, i, p)
	{
		char *policy = dp_nft_port_policy(p, rules, all_ports);
		const char *id = net_str(p, "id");
		if (!policy || !id) {
			free(policy);
			continue;
		}
		const char *before = ns->sg_policies ? net_str(ns->sg_policies, id) : NULL;
		if (before && strcmp(before, policy)) {
			json_array_foreach(json_object_get(p, "fixed_ips"), j, x)
			{
				const char *ip = net_str(x, "ip_address");
				struct api_error ignored = {0}; /* exits 1 when nothing matched */
				if (!ip)
					continue;
				dp_run(&ignored, NULL, NULL, 0, "conntrack -D -f %s -s %s",
				       strchr(ip, ':') ? "ipv6" : "ipv4", ip);
				dp_run(&ignored, NULL, NULL, 0, "conntrack -D -f %s -d %s",
				       strchr(ip, ':') ? "ipv6" : "ipv4", ip);
			}
			log_info("msg=\"security policy changed: connections rechecked\" port=%s",
			         id);
		}
		json_object_set_new(now, id, json_string(policy));
		free(policy);
	}
	json_decref(ns->sg_policies);
	ns->sg_policies = now;
}

static int apply_security(struct net_service *ns, struct dp_view *v, struct api_error *err)
{
	json_t *guests = net_own(v->a, json_array());
	size_t i;
	json_t *p;
	json_array_foreach(v->ports, i, p) if (is_guest_port(p)) json_array_append(guests, p);
	json_t *zoned = net_own(v->a, json_array());
	json_array_foreach(v->networks, i, p)
	{
		char bridge[16];
		net_dp_bridge_of(ns, p, bridge);
		if (strcmp(bridge, ns->cfg.public_bridge))
			json_array_append(zoned, json_object_get(p, "id"));
	}
	char *script = dp_nft_sg_script(guests, v->rules, v->ports, zoned);
	int rc = dp_run(err, script, NULL, 0, "nft -f -");
	free(script);
	if (rc == 0)
		recheck_connections(ns, guests, v->rules, v->ports);
	return rc;
}

static int apply_router(struct net_service *ns, struct dp_view *v, json_t *r, struct api_error *err)
{
	char nsname[64];
	snprintf(nsname, sizeof(nsname), "qrouter-%s", net_str(r, "id"));
	if (dp_router_sync(ns, r, v->ports, v->subnets, v->networks, v->fips, err) != 0)
		return -1;
	return dp_md_listen(ns, nsname, net_str(r, "id"), true, err);
}

static int plug_locked(struct net_service *ns, json_t *net, json_t *port, struct api_error *err)
{
	char tap[16], bridge[16];
	net_dp_names(net_str(port, "id"), "tap", tap);
	net_dp_bridge_of(ns, net, bridge);
	unsigned mtu = (unsigned)json_integer_value(json_object_get(net, "mtu"));
	if (dp_bridge_ensure(ns->state_dir, bridge, NULL, 0, mtu, err) != 0)
		return -1;
	return dp_tap_ensure(ns->state_dir, tap, net_str(port, "mac_address"), bridge, mtu, err);
}

int net_dp_plug_tap(struct net_service *ns, json_t *port, struct api_error *err)
{
	struct arena *a = arena_new();
	json_t *net;
	int rc = -1;
	if (net_obj_get(a, "network", net_str(port, "network_id"), &net, err) != 0)
		goto out;
	pthread_mutex_lock(&ns->dp_lock);
	rc = plug_locked(ns, net, port, err);
	pthread_mutex_unlock(&ns->dp_lock);
out:
	arena_free(a);
	return rc;
}

/* Runs fn under the lock with a fresh view; logs failures. */
static void with_view(struct net_service *ns, const char *what, const char *id,
                      int (*fn)(struct net_service *, struct dp_view *, const char *,
                                struct api_error *))
{
	if (!ns->cfg.dataplane)
		return;
	struct api_error err = {0};
	struct dp_view v = {0};
	pthread_mutex_lock(&ns->dp_lock);
	if (load(&v, &err) != 0 || fn(ns, &v, id, &err) != 0)
		log_warn("msg=\"data plane: %s failed\" id=%s error=\"%s\"", what, id ? id : "-",
		         err.message);
	pthread_mutex_unlock(&ns->dp_lock);
	arena_free(v.a);
}

static int do_network(struct net_service *ns, struct dp_view *v, const char *id,
                      struct api_error *err)
{
	json_t *net = find(v->networks, id);
	return net ? apply_network(ns, v, net, err) : 0;
}

static int do_security(struct net_service *ns, struct dp_view *v, const char *id,
                       struct api_error *err)
{
	(void)id;
	return apply_security(ns, v, err);
}

static int do_router(struct net_service *ns, struct dp_view *v, const char *id,
                     struct api_error *err)
{
	json_t *r = find(v->routers, id);
	return r ? apply_router(ns, v, r, err) : 0;
}

void net_dp_network_changed(struct net_service *ns, const char *network_id)
{
	with_view(ns, "network", network_id, do_network);
}

void net_dp_ports_changed(struct net_service *ns, const char *network_id)
{
	with_view(ns, "ports", network_id, do_network);
}

void net_dp_router_changed(struct net_service *ns, const char *router_id)
{
	with_view(ns, "router", router_id, do_router);
}

void net_dp_security_changed(struct net_service *ns)
{
	with_view(ns, "security groups", NULL, do_security);
}

void net_dp_network_deleted(struct net_service *ns, const char *network_id)
{
	if (!ns->cfg.dataplane)
		return;
	char bridge[16];
	net_dp_names(network_id, "brq", bridge);
	pthread_mutex_lock(&ns->dp_lock);
	dp_md_unlisten(ns, network_id);
	dp_dhcp_remove(ns, network_id);
	dp_link_delete(ns->state_dir, bridge);
	pthread_mutex_unlock(&ns->dp_lock);
}

void net_dp_router_deleted(struct net_service *ns, const char *router_id)
{
	if (!ns->cfg.dataplane)
		return;
	pthread_mutex_lock(&ns->dp_lock);
	dp_md_unlisten(ns, router_id);
	dp_router_remove(ns, router_id);
	pthread_mutex_unlock(&ns->dp_lock);
}

void net_dp_port_deleted(struct net_service *ns, json_t *port)
{
	if (!ns->cfg.dataplane)
		return;
	char tap[16];
	net_dp_names(net_str(port, "id"), "tap", tap);
	pthread_mutex_lock(&ns->dp_lock);
	/* Guest taps and the host ends of router/DHCP veths share the name;
	 * deleting a veth end removes its peer too. */
	dp_link_delete(ns->state_dir, tap);
	pthread_mutex_unlock(&ns->dp_lock);
	net_dp_ports_changed(ns, net_str(port, "network_id"));
	net_dp_security_changed(ns);
}

/* ---- start: the whole intended state, then leftovers ---- */

struct leftovers {
	struct net_service *ns;
	json_t *want;
};

static bool wanted(json_t *want, const char *name)
{
	size_t i;
	json_t *w;
	json_array_foreach(want, i, w) if (!strcmp(json_string_value(w), name)) return true;
	return false;
}

static void drop_netns(void *cls, const char *name)
{
	struct leftovers *l = cls;
	if (wanted(l->want, name))
		return;
	if (!strncmp(name, "qdhcp-", 6))
		dp_dhcp_kill(l->ns->state_dir, name + 6);
	if (!strncmp(name, "qrouter-", 8))
		dp_ra_remove(l->ns->state_dir, name + 8);
	log_info("msg=\"removing leftover namespace\" name=%s", name);
	dp_netns_delete(l->ns->state_dir, name);
}

static void drop_link(void *cls, const char *name)
{
	struct leftovers *l = cls;
	if (wanted(l->want, name))
		return;
	log_info("msg=\"removing leftover link\" name=%s", name);
	dp_link_delete(l->ns->state_dir, name);
}

int net_dp_sync_all(struct net_service *ns, struct api_error *err)
{
	struct dp_view v = {0};
	int rc = -1;
	pthread_mutex_lock(&ns->dp_lock);
	if (load(&v, err) != 0)
		goto out;
	json_t *want_ns = net_own(v.a, json_array()), *want_links = net_own(v.a, json_array());
	size_t i;
	json_t *o;
	char name[80];
	json_array_foreach(v.networks, i, o)
	{
		if (apply_network(ns, &v, o, err) != 0)
			log_warn("msg=\"data plane: network failed\" id=%s error=\"%s\"",
			         net_str(o, "id"), err->message);
		net_dp_bridge_of(ns, o, name);
		json_array_append_new(want_links, json_string(name));
		snprintf(name, sizeof(name), "qdhcp-%s", net_str(o, "id"));
		json_array_append_new(want_ns, json_string(name));
	}
	json_array_foreach(v.ports, i, o)
	{
		net_dp_names(net_str(o, "id"), "tap", name);
		json_array_append_new(want_links, json_string(name));
		json_t *net = find(v.networks, net_str(o, "network_id"));
		if (is_guest_port(o) && net && plug_locked(ns, net, o, err) != 0)
			log_warn("msg=\"data plane: tap failed\" port=%s error=\"%s\"",
			         net_str(o, "id"), err->message);
	}
	json_array_foreach(v.routers, i, o)
	{
		if (apply_router(ns, &v, o, err) != 0)
			log_warn("msg=\"data plane: router failed\" id=%s error=\"%s\"",
			         net_str(o, "id"), err->message);
		snprintf(name, sizeof(name), "qrouter-%s", net_str(o, "id"));
		json_array_append_new(want_ns, json_string(name));
	}
	if (apply_security(ns, &v, err) != 0)
		goto out;
	struct leftovers l1 = {ns, want_ns}, l2 = {ns, want_links};
	dp_record_each(ns->state_dir, "netns", drop_netns, &l1);
	dp_record_each(ns->state_dir, "links", drop_link, &l2);
	rc = 0;
out:
	pthread_mutex_unlock(&ns->dp_lock);
	arena_free(v.a);
	return rc;
}

/* [network] forward_external: the host routes the external network's
 * traffic out of its other interfaces, masqueraded. Off by default: tenant
 * traffic then ends at br-ex. */
static int apply_forwarding(struct net_service *ns, struct api_error *err)
{
	if (!ns->cfg.forward_external)
		return dp_run(err, "table ip stackd_ext\ndelete table ip stackd_ext\n", NULL, 0,
		              "nft -f -");
	char script[1024];
	snprintf(script, sizeof(script),
	         "table ip stackd_ext\ndelete table ip stackd_ext\ntable ip stackd_ext {\n"
	         "\tchain post {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	         "\t\tip saddr %s oifname != \"%s\" masquerade\n\t}\n}\n",
	         ns->cfg.public_cidr, ns->cfg.public_bridge);
	if (dp_run(err, NULL, NULL, 0, "sysctl -qw net.ipv4.ip_forward=1") != 0)
		return -1;
	return dp_run(err, script, NULL, 0, "nft -f -");
}

int net_dp_start(struct net_service *ns, struct api_error *err)
{
	if (apply_forwarding(ns, err) != 0)
		return -1;
	if (dp_md_start(ns, err) != 0)
		return -1;
	if (net_dp_sync_all(ns, err) != 0)
		return -1;
	log_info("msg=\"data plane in sync\" state_dir=%s", ns->state_dir);
	return 0;
}

void net_dp_stop(struct net_service *ns)
{
	/* Kernel objects and dnsmasq stay: guests keep their network while
	 * stackd restarts. Only the metadata listeners go with the process. */
	dp_md_stop(ns);
	json_decref(ns->sg_policies);
	ns->sg_policies = NULL;
}

/* ---- stackd cleanup ---- */

static void kill_dhcp(void *cls, const char *name)
{
	const char *state_dir = cls;
	dp_dhcp_kill(state_dir, name);
}

static void del_netns(void *cls, const char *name)
{
	dp_netns_delete(cls, name);
}

static void del_link(void *cls, const char *name)
{
	dp_link_delete(cls, name);
}

int net_dp_cleanup(const char *data_dir, struct api_error *err)
{
	char state_dir[4200];
	snprintf(state_dir, sizeof(state_dir), "%s/network", data_dir);
	dp_record_each(state_dir, "dhcp", kill_dhcp, state_dir);
	dp_record_each(state_dir, "netns", del_netns, state_dir);
	dp_record_each(state_dir, "links", del_link, state_dir);
	struct api_error e2 = {0};
	dp_run(&e2,
	       "table bridge stackd_mark\ndelete table bridge stackd_mark\n"
	       "table inet stackd_sg\ndelete table inet stackd_sg\n",
	       NULL, 0, "nft -f -");
	(void)err;
	return 0;
}
