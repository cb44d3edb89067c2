/* dnsmasq per network (see dhcp.h). Files live in
 * <state dir>/dhcp/<network id>/: host, opts, leases, pid, log, cmd. */
#include "network/dataplane/dhcp.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "network/api.h"
#include "network/dataplane/dp.h"
#include "network/dataplane/links.h"
#include "network/dataplane/run.h"

static json_t *subnet_of(json_t *subnets, const char *id)
{
	size_t i;
	json_t *s;
	json_array_foreach(subnets, i, s) if (!strcmp(net_str(s, "id"), id)) return s;
	return NULL;
}

static bool dhcp_v4(json_t *s)
{
	return s && net_bool(s, "enable_dhcp", true) &&
	       json_integer_value(json_object_get(s, "ip_version")) == 4;
}

/* An IPv6 subnet whose guests ask DHCPv6 (Neutron's address modes
 * dhcpv6-stateful: addresses, and dhcpv6-stateless: options only). SLAAC
 * subnets get no DHCPv6: the router's advertisements are enough. */
static bool dhcp_v6(json_t *s)
{
	const char *mode = s ? net_str(s, "ipv6_address_mode") : NULL;
	return s && net_bool(s, "enable_dhcp", true) &&
	       json_integer_value(json_object_get(s, "ip_version")) == 6 && mode &&
	       (!strcmp(mode, "dhcpv6-stateful") || !strcmp(mode, "dhcpv6-stateless"));
}

static bool dhcp_v6_stateful(json_t *s)
{
	return dhcp_v6(s) && !strcmp(net_str(s, "ipv6_address_mode"), "dhcpv6-stateful");
}

/* The port's DHCP host name: its dns_name as a label, else host-<address>
 * of its first address, as Neutron names it. */
static void host_name(json_t *port, const char *ip, char host[64])
{
	const char *dns = net_str(port, "dns_name");
	size_t k = 0;
	if (dns && *dns) {
		/* a label of letters, digits and dashes only */
		for (const char *c = dns; *c && k < 63; c++)
			if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || *c == '-')
				host[k++] = *c;
		host[k] = '\0';
	} else {
		snprintf(host, 64, "host-%s", ip);
		for (char *c = host; *c; c++)
			if (*c == '.' || *c == ':')
				*c = '-';
	}
	if (!*host)
		snprintf(host, 64, "host");
}

char *dp_dhcp_hosts(json_t *subnets, json_t *ports)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	size_t i, j;
	json_t *p, *fx;
	json_array_foreach(ports, i, p)
	{
		const char *own = net_str(p, "device_owner");
		if (own && !strcmp(own, "network:dhcp"))
			continue;
		/* One IPv4 and one stateful IPv6 address per MAC, a line each
		 * (dnsmasq takes both families from dhcp-host lines). */
		bool v4 = false, v6 = false;
		char host[64] = "";
		json_array_foreach(json_object_get(p, "fixed_ips"), j, fx)
		{
			json_t *s = subnet_of(subnets, net_str(fx, "subnet_id"));
			const char *ip = net_str(fx, "ip_address");
			bool is4 = dhcp_v4(s), is6 = dhcp_v6_stateful(s);
			if (!ip || (!is4 && !is6) || (is4 && v4) || (is6 && v6))
				continue;
			if (!*host)
				host_name(p, ip, host);
			if (is4)
				fprintf(f, "%s,%s,%s\n", net_str(p, "mac_address"), ip, host);
			else
				fprintf(f, "%s,[%s],%s\n", net_str(p, "mac_address"), ip, host);
			v4 |= is4;
			v6 |= is6;
		}
	}
	fclose(f);
	return text;
}

/* Whether a router interface holds an address on the subnet. */
static bool has_router(json_t *ports, const char *subnet_id)
{
	size_t i, j;
	json_t *p, *fx;
	json_array_foreach(ports, i, p)
	{
		const char *own = net_str(p, "device_owner");
		if (!own || strcmp(own, "network:router_interface"))
			continue;
		json_array_foreach(
		    json_object_get(p, "fixed_ips"), j,
		    fx) if (!strcmp(net_str(fx, "subnet_id"), subnet_id)) return true;
	}
	return false;
}

static const char *dhcp_ip_on(json_t *ports, const char *subnet_id)
{
	size_t i, j;
	json_t *p, *fx;
	json_array_foreach(ports, i, p)
	{
		const char *own = net_str(p, "device_owner");
		if (!own || strcmp(own, "network:dhcp"))
			continue;
		json_array_foreach(json_object_get(p, "fixed_ips"), j,
		                   fx) if (!strcmp(net_str(fx, "subnet_id"),
		                                   subnet_id)) return net_str(fx, "ip_address");
	}
	return NULL;
}

char *dp_dhcp_opts(json_t *subnets, json_t *ports, unsigned mtu)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	size_t i, j;
	json_t *s, *x;
	json_array_foreach(subnets, i, s)
	{
		if (dhcp_v6(s)) {
			/* no router option in DHCPv6: the router advertises itself */
			json_t *dns6 = json_object_get(s, "dns_nameservers");
			if (json_array_size(dns6)) {
				fprintf(f, "tag:s%zu,option6:dns-server", i);
				json_array_foreach(dns6, j, x)
				    fprintf(f, ",[%s]", json_string_value(x));
				fputc('\n', f);
			}
			continue;
		}
		if (!dhcp_v4(s))
			continue;
		const char *sid = net_str(s, "id"), *gw = net_str(s, "gateway_ip");
		char tag[32];
		snprintf(tag, sizeof(tag), "tag:s%zu", i);
		if (gw)
			fprintf(f, "%s,option:router,%s\n", tag, gw);
		else
			fprintf(f, "%s,option:router\n", tag);
		json_t *dns = json_object_get(s, "dns_nameservers");
		if (json_array_size(dns)) {
			fprintf(f, "%s,option:dns-server", tag);
			json_array_foreach(dns, j, x) fprintf(f, ",%s", json_string_value(x));
			fputc('\n', f);
		}
		fprintf(f, "%s,option:mtu,%u\n", tag, mtu);
		/* Classless routes replace option:router in clients, so the
		 * default route goes in again. */
		const char *md = has_router(ports, sid) ? NULL : dhcp_ip_on(ports, sid);
		json_t *hr = json_object_get(s, "host_routes");
		if (md || json_array_size(hr)) {
			fprintf(f, "%s,option:classless-static-route", tag);
			if (md)
				fprintf(f, ",169.254.169.254/32,%s", md);
			json_array_foreach(hr, j, x)
			    fprintf(f, ",%s,%s", net_str(x, "destination"), net_str(x, "nexthop"));
			if (gw)
				fprintf(f, ",0.0.0.0/0,%s", gw);
			fputc('\n', f);
		}
	}
	fclose(f);
	return text;
}

static int write_file(const char *path, const char *text, struct api_error *err)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return api_fail(err, API_INTERNAL, "%s: %s", tmp, strerror(errno));
	fputs(text, f);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		return api_fail(err, API_INTERNAL, "%s: %s", path, strerror(errno));
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = calloc(1, 32768);
	if (buf)
		(void)!fread(buf, 1, 32767, f);
	fclose(f);
	return buf;
}

void dp_dhcp_kill(const char *state_dir, const char *network_id)
{
	char pidf[4200];
	snprintf(pidf, sizeof(pidf), "%s/dhcp/%s/pid", state_dir, network_id);
	pid_t pid = dp_pidfile_alive(pidf, network_id);
	if (pid > 0) {
		kill(pid, SIGTERM);
		dp_reap(pid);
		for (int i = 0; i < 50 && dp_pidfile_alive(pidf, network_id); i++)
			usleep(20000);
	}
	unlink(pidf);
}

int dp_dhcp_sync(struct net_service *ns, json_t *net, json_t *subnets, json_t *ports,
                 struct api_error *err)
{
	const char *nid = net_str(net, "id");
	json_t *dport = NULL;
	size_t i, j;
	json_t *p, *fx;
	json_array_foreach(ports, i, p)
	{
		const char *own = net_str(p, "device_owner");
		if (own && !strcmp(own, "network:dhcp"))
			dport = p;
	}
	bool any = false;
	json_array_foreach(subnets, i, p) if (dhcp_v4(p) || dhcp_v6(p)) any = true;
	if (!dport || !any) {
		dp_dhcp_remove(ns, nid);
		return 0;
	}
	char nsname[64], host[16], peer[16], bridge[16], dir[4200], path[4300];
	snprintf(nsname, sizeof(nsname), "qdhcp-%s", nid);
	net_dp_names(net_str(dport, "id"), "tap", host);
	net_dp_names(net_str(dport, "id"), "ns-", peer);
	net_dp_bridge_of(ns, net, bridge);
	unsigned mtu = (unsigned)json_integer_value(json_object_get(net, "mtu"));
	/* The DHCP port's addresses with their prefix, plus the metadata
	 * address for guests whose subnet has no router. */
	const char *addrs[17];
	size_t naddrs = 0;
	json_array_foreach(json_object_get(dport, "fixed_ips"), j, fx)
	{
		json_t *s = subnet_of(subnets, net_str(fx, "subnet_id"));
		const char *cidr = s ? net_str(s, "cidr") : NULL;
		if (!cidr || naddrs >= 16)
			continue;
		char *a = malloc(80);
		snprintf(a, 80, "%s%s", net_str(fx, "ip_address"), strchr(cidr, '/'));
		addrs[naddrs++] = a;
	}
	addrs[naddrs++] = "169.254.169.254/32";
	int rc = -1;
	if (dp_bridge_ensure(ns->state_dir, bridge, NULL, 0, mtu, err) != 0 ||
	    dp_netns_ensure(ns->state_dir, nsname, err) != 0 ||
	    dp_veth_ensure(ns->state_dir, host, peer, nsname, bridge, net_str(dport, "mac_address"),
	                   addrs, naddrs, mtu, err) != 0)
		goto out;
	snprintf(dir, sizeof(dir), "%s/dhcp", ns->state_dir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/dhcp/%s", ns->state_dir, nid);
	mkdir(dir, 0700);
	char *hosts = dp_dhcp_hosts(subnets, ports);
	char *opts = dp_dhcp_opts(subnets, ports, mtu);
	snprintf(path, sizeof(path), "%s/host", dir);
	int w1 = write_file(path, hosts, err);
	snprintf(path, sizeof(path), "%s/opts", dir);
	int w2 = w1 == 0 ? write_file(path, opts, err) : -1;
	free(hosts);
	free(opts);
	if (w2 != 0)
		goto out;
	/* The command line names the ranges: a change of subnets restarts
	 * dnsmasq, a change of ports only reloads its files. */
	char ranges[2048] = "";
	size_t rl = 0;
	json_array_foreach(subnets, i, p)
	{
		struct net_cidr c;
		char base[46], mask[46];
		if (dhcp_v6(p) && net_cidr_parse(net_str(p, "cidr"), false, &c) == 0) {
			/* static: addresses only for the hosts listed, options
			 * (stateless) for anyone on the link */
			net_ip_format(6, c.base, base, sizeof(base));
			rl += (size_t)snprintf(
			    ranges + rl, rl < sizeof(ranges) ? sizeof(ranges) - rl : 0,
			    " --dhcp-range=set:s%zu,%s,static,%d,86400s", i, base, c.prefix);
			continue;
		}
		if (!dhcp_v4(p))
			continue;
		if (net_cidr_parse(net_str(p, "cidr"), false, &c) != 0)
			continue;
		net_ip_format(4, c.base, base, sizeof(base));
		net_ip_format(4, 0xffffffffu & ~(net_cidr_last(&c) - c.base), mask, sizeof(mask));
		rl += (size_t)snprintf(ranges + rl, rl < sizeof(ranges) ? sizeof(ranges) - rl : 0,
		                       " --dhcp-range=set:s%zu,%s,static,%s,86400s", i, base, mask);
	}
	char cmd[32768];
	snprintf(cmd, sizeof(cmd),
	         "ip netns exec %s dnsmasq --keep-in-foreground --no-hosts --no-resolv --port=0 "
	         "--except-interface=lo "
	         "--bind-interfaces --interface=%s --user=root --group=root --conf-file=/dev/null "
	         "--dhcp-hostsfile=%s/host --dhcp-optsfile=%s/opts "
	         "--dhcp-leasefile=%s/leases --log-facility=%s/log --dhcp-authoritative "
	         "--domain=openstacklocal --dhcp-lease-max=16777216%s",
	         nsname, peer, dir, dir, dir, dir, ranges);
	snprintf(path, sizeof(path), "%s/pid", dir);
	pid_t pid = dp_pidfile_alive(path, nid);
	snprintf(path, sizeof(path), "%s/cmd", dir);
	char *old = read_file(path);
	bool same = old && !strcmp(old, cmd);
	free(old);
	if (pid > 0 && same) {
		kill(pid, SIGHUP);
		rc = 0;
		goto out;
	}
	if (pid > 0)
		dp_dhcp_kill(ns->state_dir, nid);
	if (write_file(path, cmd, err) != 0)
		goto out;
	char logp[4300];
	snprintf(logp, sizeof(logp), "%s/log", dir);
	snprintf(path, sizeof(path), "%s/pid", dir);
	rc = dp_spawn_child(err, logp, path, "%s", cmd);
	if (rc == 0)
		log_info("msg=\"dnsmasq started\" network=%s", nid);
out:
	for (size_t k = 0; k + 1 < naddrs; k++)
		free((void *)addrs[k]);
	return rc;
}

void dp_dhcp_remove(struct net_service *ns, const char *network_id)
{
	char nsname[64];
	snprintf(nsname, sizeof(nsname), "qdhcp-%s", network_id);
	dp_dhcp_kill(ns->state_dir, network_id);
	if (dp_netns_exists(nsname))
		dp_netns_delete(ns->state_dir, nsname);
}
