/* Router namespaces (see router.h). */
#include "network/dataplane/router.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "network/api.h"
#include "network/dataplane/dp.h"
#include "network/dataplane/links.h"
#include "network/dataplane/ra.h"
#include "network/dataplane/run.h"

static json_t *by_id(json_t *all, const char *id)
{
	size_t i;
	json_t *o;
	json_array_foreach(all, i, o) if (!strcmp(net_str(o, "id"), id)) return o;
	return NULL;
}

static bool owned_by(json_t *port, const char *router_id, const char *owner)
{
	const char *dev = net_str(port, "device_id"), *own = net_str(port, "device_owner");
	return dev && own && !strcmp(dev, router_id) && !strcmp(own, owner);
}

static json_t *gateway_port(json_t *router, json_t *ports)
{
	size_t i;
	json_t *p;
	json_array_foreach(
	    ports, i, p) if (owned_by(p, net_str(router, "id"), "network:router_gateway")) return p;
	return NULL;
}

char *dp_router_nat_script(json_t *router, json_t *ports, json_t *subnets, json_t *fips)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const char *rid = net_str(router, "id");
	json_t *gw = gateway_port(router, ports);
	char qg[16] = "";
	const char *gw_ip = NULL;
	if (gw) {
		net_dp_names(net_str(gw, "id"), "qg-", qg);
		size_t i;
		json_t *fx;
		json_array_foreach(json_object_get(gw, "fixed_ips"), i,
		                   fx) if (!strchr(net_str(fx, "ip_address"), ':')) gw_ip =
		    net_str(fx, "ip_address");
	}
	fputs("table ip stackd_nat\ndelete table ip stackd_nat\ntable ip stackd_nat {\n", f);
	fputs("\tchain pre {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n", f);
	size_t i, j;
	json_t *fip, *p, *fx;
	if (gw) {
		json_array_foreach(fips, i, fip)
		{
			const char *r = net_str(fip, "router_id"),
			           *fixed = net_str(fip, "fixed_ip_address");
			if (r && fixed && !strcmp(r, rid))
				fprintf(f, "\t\tip daddr %s dnat to %s\n",
				        net_str(fip, "floating_ip_address"), fixed);
		}
	}
	fputs("\t}\n\tchain out {\n\t\ttype nat hook output priority -100; policy accept;\n", f);
	if (gw) {
		json_array_foreach(fips, i, fip)
		{
			const char *r = net_str(fip, "router_id"),
			           *fixed = net_str(fip, "fixed_ip_address");
			if (r && fixed && !strcmp(r, rid))
				fprintf(f, "\t\tip daddr %s dnat to %s\n",
				        net_str(fip, "floating_ip_address"), fixed);
		}
	}
	fputs(
	    "\t}\n\tchain post {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n",
	    f);
	if (gw) {
		json_array_foreach(fips, i, fip)
		{
			const char *r = net_str(fip, "router_id"),
			           *fixed = net_str(fip, "fixed_ip_address");
			if (r && fixed && !strcmp(r, rid))
				fprintf(f, "\t\tip saddr %s oifname \"%s\" snat to %s\n", fixed, qg,
				        net_str(fip, "floating_ip_address"));
		}
		json_t *info = json_object_get(router, "external_gateway_info");
		if (gw_ip && net_bool(info, "enable_snat", true)) {
			bool any = false;
			json_array_foreach(ports, i, p)
			{
				if (!owned_by(p, rid, "network:router_interface"))
					continue;
				json_array_foreach(json_object_get(p, "fixed_ips"), j, fx)
				{
					json_t *s = by_id(subnets, net_str(fx, "subnet_id"));
					const char *cidr = s ? net_str(s, "cidr") : NULL;
					if (!cidr || strchr(cidr, ':'))
						continue;
					fprintf(f, "%s%s", any ? ", " : "\t\toifname \"",
					        any ? "" : qg);
					if (!any)
						fputs("\" ip saddr { ", f);
					fputs(cidr, f);
					any = true;
				}
			}
			if (any)
				fprintf(f, " } snat to %s\n", gw_ip);
		}
	}
	fputs("\t}\n}\n", f);
	fclose(f);
	return text;
}

/* Links in the namespace named qr-/qg- that no port wants any more. */
static void remove_stale(const char *nsname, json_t *wanted)
{
	char out[16384];
	struct api_error err = {0};
	if (dp_run(&err, NULL, out, sizeof(out), "ip -n %s -o link show", nsname) != 0)
		return;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char *name = strchr(line, ':');
		if (!name)
			continue;
		name += 2;
		char *end = strpbrk(name, ":@");
		if (!end)
			continue;
		*end = '\0';
		if (strncmp(name, "qr-", 3) && strncmp(name, "qg-", 3))
			continue;
		bool keep = false;
		size_t i;
		json_t *w;
		json_array_foreach(wanted, i, w) if (!strcmp(json_string_value(w), name)) keep =
		    true;
		if (!keep)
			dp_run(&err, NULL, NULL, 0, "ip -n %s link del %s", nsname, name);
	}
}

static void sync_routes(const char *nsname, json_t *router)
{
	struct api_error err = {0};
	char out[16384];
	json_t *routes = json_object_get(router, "routes");
	size_t i;
	json_t *r;
	json_array_foreach(routes, i, r)
	{
		if (dp_run(&err, NULL, NULL, 0, "ip -n %s route replace %s via %s proto static",
		           nsname, net_str(r, "destination"), net_str(r, "nexthop")) != 0)
			log_warn("msg=\"static route failed\" ns=%s error=\"%s\"", nsname,
			         err.message);
	}
	if (dp_run(&err, NULL, out, sizeof(out), "ip -n %s route show proto static", nsname) != 0)
		return;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char dest[80], via[80];
		if (sscanf(line, "%79s via %79s", dest, via) != 2)
			continue;
		bool keep = false;
		json_array_foreach(routes, i, r)
		{
			struct net_cidr c;
			char canon[80];
			if (net_cidr_parse(net_str(r, "destination"), false, &c) != 0)
				continue;
			net_cidr_format(&c, canon, sizeof(canon));
			bool host = (c.version == 4 && c.prefix == 32);
			char *slash = strchr(canon, '/');
			if (host && slash)
				*slash = '\0';
			if (!strcmp(canon, dest) && !strcmp(net_str(r, "nexthop"), via))
				keep = true;
		}
		if (!keep)
			dp_run(&err, NULL, NULL, 0, "ip -n %s route del %s via %s proto static",
			       nsname, dest, via);
	}
}

/* "floating fixed" a line for each floating IP of the router; malloc'ed. */
static char *fip_pairs(json_t *fips, const char *rid)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);
	json_t *fip;
	fputc('\n', f); /* every line between newlines, for whole-line search */
	json_array_foreach(fips, i, fip)
	{
		const char *r = net_str(fip, "router_id"),
		           *fixed = net_str(fip, "fixed_ip_address");
		if (r && fixed && !strcmp(r, rid))
			fprintf(f, "%s %s\n", net_str(fip, "floating_ip_address"), fixed);
	}
	fclose(f);
	return text;
}

/* Connections keep their NAT mapping after the rules are gone: a session
 * opened through a floating IP would outlive its disassociation. So the
 * mappings applied last are kept in <state>/fips-<router>, and those no
 * longer wanted get their conntrack entries deleted (both directions:
 * opened from outside to the floating address, or SNAT'ed to it). */
static void flush_gone_fips(struct net_service *ns, const char *nsname, const char *rid,
                            json_t *fips)
{
	char path[PATH_MAX + 64], tmp[PATH_MAX + 80], old[8192] = "";
	snprintf(path, sizeof(path), "%s/fips-%s", ns->state_dir, rid);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	char *now = fip_pairs(fips, rid);
	FILE *f = fopen(path, "r");
	if (f) {
		size_t n = fread(old, 1, sizeof(old) - 1, f);
		old[n] = 0;
		fclose(f);
	}
	for (char *line = strtok(old, "\n"); line; line = strtok(NULL, "\n")) {
		char fip[64], whole[160];
		snprintf(whole, sizeof(whole), "\n%s\n", line); /* whole lines only */
		if (sscanf(line, "%63s", fip) != 1 || (now && strstr(now, whole)))
			continue;
		struct api_error ignored = {0}; /* exits 1 when nothing matched */
		dp_run(&ignored, NULL, NULL, 0, "ip netns exec %s conntrack -D -d %s", nsname, fip);
		dp_run(&ignored, NULL, NULL, 0, "ip netns exec %s conntrack -D -q %s", nsname, fip);
		log_info("msg=\"floating IP connections flushed\" router=%s fip=%s", rid, fip);
	}
	f = fopen(tmp, "w");
	if (f && now)
		fputs(now, f);
	if (!f || fclose(f) != 0 || rename(tmp, path) != 0)
		log_warn("msg=\"cannot record floating IPs\" path=%s", path);
	free(now);
}

int dp_router_sync(struct net_service *ns, json_t *router, json_t *ports, json_t *subnets,
                   json_t *networks, json_t *fips, struct api_error *err)
{
	const char *rid = net_str(router, "id");
	char nsname[64];
	snprintf(nsname, sizeof(nsname), "qrouter-%s", rid);
	if (dp_netns_ensure(ns->state_dir, nsname, err) != 0)
		return -1;
	if (dp_run(
	        err, NULL, NULL, 0,
	        "ip netns exec %s sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1",
	        nsname) != 0 ||
	    dp_run(err, NULL, NULL, 0, "ip -n %s addr replace 169.254.169.254/32 dev lo", nsname) !=
	        0)
		return -1;
	json_t *wanted = json_array();
	int rc = -1;
	size_t i, j;
	json_t *p, *fx;
	json_array_foreach(ports, i, p)
	{
		bool iface = owned_by(p, rid, "network:router_interface");
		bool gwp = owned_by(p, rid, "network:router_gateway");
		if (!iface && !gwp)
			continue;
		json_t *net = by_id(networks, net_str(p, "network_id"));
		if (!net)
			continue;
		char host[16], peer[16], bridge[16];
		net_dp_names(net_str(p, "id"), "tap", host);
		net_dp_names(net_str(p, "id"), iface ? "qr-" : "qg-", peer);
		net_dp_bridge_of(ns, net, bridge);
		json_array_append_new(wanted, json_string(peer));
		const char *addrs[64];
		char bufs[64][80];
		size_t n = 0;
		json_array_foreach(json_object_get(p, "fixed_ips"), j, fx)
		{
			json_t *s = by_id(subnets, net_str(fx, "subnet_id"));
			const char *cidr = s ? net_str(s, "cidr") : NULL;
			if (!cidr || n >= 32)
				continue;
			snprintf(bufs[n], 80, "%s%s", net_str(fx, "ip_address"), strchr(cidr, '/'));
			addrs[n] = bufs[n];
			n++;
		}
		if (gwp) {
			json_t *fip;
			json_array_foreach(fips, j, fip)
			{
				const char *r = net_str(fip, "router_id");
				if (!r || strcmp(r, rid) || n >= 64)
					continue;
				snprintf(bufs[n], 80, "%s/32", net_str(fip, "floating_ip_address"));
				addrs[n] = bufs[n];
				n++;
			}
		}
		unsigned mtu = (unsigned)json_integer_value(json_object_get(net, "mtu"));
		if (dp_bridge_ensure(ns->state_dir, bridge, NULL, 0, mtu, err) != 0 ||
		    dp_veth_ensure(ns->state_dir, host, peer, nsname, bridge,
		                   net_str(p, "mac_address"), addrs, n, mtu, err) != 0)
			goto out;
		if (gwp) {
			json_t *s = by_id(
			    subnets, net_str(json_array_get(json_object_get(p, "fixed_ips"), 0),
			                     "subnet_id"));
			const char *gw = s ? net_str(s, "gateway_ip") : NULL;
			if (gw && dp_run(err, NULL, NULL, 0,
			                 "ip -n %s route replace default via %s dev %s", nsname, gw,
			                 peer) != 0)
				goto out;
		}
	}
	remove_stale(nsname, wanted);
	sync_routes(nsname, router);
	char *script = dp_router_nat_script(router, ports, subnets, fips);
	rc = dp_run(err, script, NULL, 0, "ip netns exec %s nft -f -", nsname);
	free(script);
	if (rc == 0)
		flush_gone_fips(ns, nsname, rid, fips);
	if (rc == 0)
		rc = dp_ra_sync(ns, rid, ports, subnets, err);
out:
	json_decref(wanted);
	return rc;
}

void dp_router_remove(struct net_service *ns, const char *router_id)
{
	char nsname[64], path[PATH_MAX + 64];
	snprintf(nsname, sizeof(nsname), "qrouter-%s", router_id);
	dp_ra_remove(ns->state_dir, router_id);
	dp_netns_delete(ns->state_dir, nsname);
	snprintf(path, sizeof(path), "%s/fips-%s", ns->state_dir, router_id);
	unlink(path);
}
