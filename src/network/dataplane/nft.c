/* Security group rules to nftables (see nft.h for the design). */
#include "network/dataplane/nft.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/api.h"

static bool is_v6(const char *ip)
{
	return ip && strchr(ip, ':') != NULL;
}

int dp_nft_rule_match(json_t *rule, const char *set_name, char *buf, size_t len)
{
	const char *dir = net_str(rule, "direction");
	const char *eth = net_str(rule, "ethertype");
	bool v6 = eth && !strcmp(eth, "IPv6");
	bool ingress = dir && !strcmp(dir, "ingress");
	const char *fam = v6 ? "ip6" : "ip";
	const char *peer = ingress ? "saddr" : "daddr";
	size_t n = 0;
	buf[0] = '\0';
#define APPEND(...) n += (size_t)snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__)
	APPEND("meta nfproto %s", v6 ? "ipv6" : "ipv4");
	const char *prefix = net_str(rule, "normalized_cidr");
	if (!prefix)
		prefix = net_str(rule, "remote_ip_prefix");
	if (prefix) {
		if (is_v6(prefix) != v6)
			return -1;
		if (strcmp(prefix, "0.0.0.0/0") && strcmp(prefix, "::/0"))
			APPEND(" %s %s %s", fam, peer, prefix);
	}
	if (set_name)
		APPEND(" %s %s @%s", fam, peer, set_name);
	json_t *pv = json_object_get(rule, "protocol");
	const char *proto = json_is_string(pv) ? json_string_value(pv) : NULL;
	json_t *jmin = json_object_get(rule, "port_range_min");
	json_t *jmax = json_object_get(rule, "port_range_max");
	bool has_min = json_is_integer(jmin), has_max = json_is_integer(jmax);
	long long lo = has_min ? json_integer_value(jmin) : 0;
	long long hi = has_max ? json_integer_value(jmax) : lo;
	if (!proto) {
		/* every protocol */
	} else if (!strcmp(proto, "tcp") || !strcmp(proto, "6") || !strcmp(proto, "udp") ||
	           !strcmp(proto, "17") || !strcmp(proto, "sctp") || !strcmp(proto, "132") ||
	           !strcmp(proto, "dccp") || !strcmp(proto, "33") || !strcmp(proto, "udplite") ||
	           !strcmp(proto, "136")) {
		const char *name = !strcmp(proto, "6")     ? "tcp"
		                   : !strcmp(proto, "17")  ? "udp"
		                   : !strcmp(proto, "132") ? "sctp"
		                   : !strcmp(proto, "33")  ? "dccp"
		                   : !strcmp(proto, "136") ? "udplite"
		                                           : proto;
		APPEND(" meta l4proto %s", name);
		if (has_min && !strcmp(name, "udplite")) {
			APPEND(" th dport %lld-%lld", lo, hi);
		} else if (has_min && lo == hi) {
			APPEND(" %s dport %lld", name, lo);
		} else if (has_min) {
			APPEND(" %s dport %lld-%lld", name, lo, hi);
		}
	} else if (!strcmp(proto, "icmp") || !strcmp(proto, "1")) {
		if (v6)
			APPEND(" meta l4proto ipv6-icmp");
		else
			APPEND(" meta l4proto icmp");
		if (has_min)
			APPEND(" %s type %lld", v6 ? "icmpv6" : "icmp", lo);
		if (has_min && has_max)
			APPEND(" %s code %lld", v6 ? "icmpv6" : "icmp", hi);
	} else if (!strcmp(proto, "ipv6-icmp") || !strcmp(proto, "icmpv6") ||
	           !strcmp(proto, "58")) {
		if (!v6)
			return -1;
		APPEND(" meta l4proto ipv6-icmp");
		if (has_min)
			APPEND(" icmpv6 type %lld", lo);
		if (has_min && has_max)
			APPEND(" icmpv6 code %lld", hi);
	} else {
		char *end;
		long num = strtol(proto, &end, 10);
		if (*end == '\0')
			APPEND(" meta l4proto %ld", num);
		else
			APPEND(" meta l4proto %s", proto);
	}
#undef APPEND
	return n < len ? 0 : -1;
}

/* Index of a group id in groups (appending it when new). */
static size_t group_index(json_t *groups, const char *id)
{
	size_t i;
	json_t *g;
	json_array_foreach(groups, i, g) if (!strcmp(json_string_value(g), id)) return i;
	json_array_append_new(groups, json_string(id));
	return json_array_size(groups) - 1;
}

static bool port_in_group(json_t *port, const char *gid)
{
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(port, "security_groups"), i,
	                   g) if (!strcmp(json_string_value(g), gid)) return true;
	return false;
}

/* Writes "{ a, b }" of the port's addresses of one family (fixed IPs and
 * allowed address pairs); returns how many. */
static size_t port_addrs(FILE *f, json_t *port, bool v6, bool first_sep)
{
	size_t n = 0, i;
	json_t *x;
	json_array_foreach(json_object_get(port, "fixed_ips"), i, x)
	{
		const char *ip = net_str(x, "ip_address");
		if (!ip || is_v6(ip) != v6)
			continue;
		fprintf(f, "%s%s", (n || first_sep) ? ", " : "", ip);
		n++;
	}
	json_array_foreach(json_object_get(port, "allowed_address_pairs"), i, x)
	{
		const char *ip = net_str(x, "ip_address");
		if (!ip || is_v6(ip) != v6)
			continue;
		fprintf(f, "%s%s", (n || first_sep) ? ", " : "", ip);
		n++;
	}
	return n;
}

static void tap_of(json_t *port, char out[16])
{
	snprintf(out, 16, "tap%.11s", net_str(port, "id"));
}

static void write_set(FILE *f, json_t *all_ports, const char *gid, size_t gi, bool v6)
{
	fprintf(f, "\tset g%zu_%s {\n\t\ttype %s; flags interval; auto-merge;\n", gi,
	        v6 ? "v6" : "v4", v6 ? "ipv6_addr" : "ipv4_addr");
	char *elems = NULL;
	size_t elen = 0;
	FILE *e = open_memstream(&elems, &elen);
	size_t n = 0, i;
	json_t *p;
	json_array_foreach(all_ports, i, p) if (port_in_group(p, gid)) n +=
	    port_addrs(e, p, v6, n > 0);
	fclose(e);
	if (n)
		fprintf(f, "\t\telements = { %s }\n", elems);
	free(elems);
	fprintf(f, "\t}\n");
}

/* Bridge ports (guest taps, host ends of DHCP and router veths, all named
 * tap<port>) of zoned networks: zone = 1 + index of the network in zoned.
 * In prerouting br_netfilter gives the port as iifname. */
static void write_zones(FILE *f, json_t *all_ports, json_t *zoned)
{
	fputs("\tchain zone {\n\t\ttype filter hook prerouting priority raw; policy accept;\n", f);
	size_t i, j, n = 0;
	json_t *p, *z;
	json_array_foreach(all_ports, i, p)
	{
		const char *nid = net_str(p, "network_id");
		size_t zone = 0;
		json_array_foreach(zoned, j, z) if (nid && !strcmp(json_string_value(z), nid))
		    zone = j + 1;
		if (!zone || zone > 65535)
			continue;
		char tap[16];
		tap_of(p, tap);
		fprintf(f, "%s \"%s\" : %zu", n ? "," : "\t\tct zone set iifname map {", tap, zone);
		n++;
	}
	if (n)
		fputs(" }\n", f);
	fputs("\t}\n", f);
}

char *dp_nft_sg_script(json_t *ports, json_t *rules, json_t *all_ports, json_t *zoned)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	json_t *groups = json_array(); /* group ids in use, their index = position */
	json_t *filtered = json_array();
	size_t i, j;
	json_t *p, *g, *r;
	json_array_foreach(ports, i, p) if (net_bool(p, "port_security_enabled", true) &&
	                                    json_array_size(filtered) < 65535)
	    json_array_append(filtered, p);
	json_array_foreach(filtered, i, p)
	    json_array_foreach(json_object_get(p, "security_groups"), j, g)
	        group_index(groups, json_string_value(g));
	/* Remote groups referenced by rules of groups in use need sets too. */
	json_array_foreach(rules, i, r)
	{
		const char *owner = net_str(r, "security_group_id"),
		           *remote = net_str(r, "remote_group_id");
		bool used = false;
		json_array_foreach(groups, j, g) if (!strcmp(json_string_value(g), owner)) used =
		    true;
		if (used && remote)
			group_index(groups, remote);
	}

	fputs("table bridge stackd_mark\ndelete table bridge stackd_mark\n"
	      "table inet stackd_sg\ndelete table inet stackd_sg\n",
	      f);
	/* bridge: anti-spoofing and marks */
	fputs("table bridge stackd_mark {\n", f);
	json_array_foreach(filtered, i, p)
	{
		size_t idx = i + 1;
		const char *mac = net_str(p, "mac_address");
		fprintf(f, "\tchain from_%zu {\n\t\tmeta mark set 0x%08zx\n", idx, idx << 16);
		fprintf(f, "\t\tether saddr != { %s", mac);
		json_t *x;
		size_t k;
		json_array_foreach(json_object_get(p, "allowed_address_pairs"), k, x)
		{
			const char *pm = net_str(x, "mac_address");
			if (pm && strcmp(pm, mac))
				fprintf(f, ", %s", pm);
		}
		fputs(" } drop\n", f);
		fputs("\t\tether type arp arp saddr ip != { 0.0.0.0", f);
		port_addrs(f, p, false, true);
		fputs(" } drop\n", f);
		fputs("\t\tether type ip udp sport 68 udp dport 67 return\n", f);
		fputs("\t\tether type ip udp sport 67 udp dport 68 drop\n", f);
		fputs("\t\tether type ip ip saddr != { 0.0.0.0", f);
		port_addrs(f, p, false, true);
		fputs(" } drop\n", f);
		fputs("\t\tether type ip6 icmpv6 type nd-router-advert drop\n", f);
		fputs("\t\tether type ip6 udp sport 547 udp dport 546 drop\n", f);
		fputs("\t\tether type ip6 ip6 saddr != { fe80::/10, ::", f);
		port_addrs(f, p, true, true);
		fputs(" } drop\n\t}\n", f);
		fprintf(f, "\tchain to_%zu {\n\t\tmeta mark set meta mark or 0x%08zx\n\t}\n", idx,
		        idx);
	}
	fputs("\tchain forward {\n\t\ttype filter hook forward priority -200; policy accept;\n"
	      "\t\tmeta mark set 0x0\n",
	      f);
	if (json_array_size(filtered)) {
		char tap[16];
		fputs("\t\tiifname vmap {", f);
		json_array_foreach(filtered, i, p)
		{
			tap_of(p, tap);
			fprintf(f, "%s \"%s\" : jump from_%zu", i ? "," : "", tap, i + 1);
		}
		fputs(" }\n\t\toifname vmap {", f);
		json_array_foreach(filtered, i, p)
		{
			tap_of(p, tap);
			fprintf(f, "%s \"%s\" : jump to_%zu", i ? "," : "", tap, i + 1);
		}
		fputs(" }\n", f);
	}
	fputs("\t}\n}\n", f);

	/* inet: stateful filtering */
	fputs("table inet stackd_sg {\n", f);
	if (zoned)
		write_zones(f, all_ports, zoned);
	json_array_foreach(groups, i, g)
	{
		write_set(f, all_ports, json_string_value(g), i, false);
		write_set(f, all_ports, json_string_value(g), i, true);
	}
	json_array_foreach(groups, i, g)
	{
		const char *gid = json_string_value(g);
		for (int in = 0; in < 2; in++) {
			fprintf(f, "\tchain g%zu_%s {\n", i, in ? "in" : "out");
			json_array_foreach(rules, j, r)
			{
				if (strcmp(net_str(r, "security_group_id"), gid))
					continue;
				const char *dir = net_str(r, "direction");
				if (!dir || strcmp(dir, in ? "ingress" : "egress"))
					continue;
				const char *remote = net_str(r, "remote_group_id");
				char set[32] = "", m[512];
				if (remote) {
					const char *eth = net_str(r, "ethertype");
					snprintf(set, sizeof(set), "g%zu_%s",
					         group_index(groups, remote),
					         eth && !strcmp(eth, "IPv6") ? "v6" : "v4");
				}
				if (dp_nft_rule_match(r, remote ? set : NULL, m, sizeof(m)) == 0)
					fprintf(f, "\t\t%s accept\n", m);
			}
			fputs("\t}\n", f);
		}
	}
	json_array_foreach(filtered, i, p)
	{
		size_t idx = i + 1;
		fprintf(f,
		        "\tchain out_%zu {\n\t\tct state established,related accept\n"
		        "\t\tct state invalid drop\n\t\tudp sport 68 udp dport 67 accept\n"
		        "\t\tudp sport 546 udp dport 547 accept\n"
		        "\t\tmeta l4proto ipv6-icmp icmpv6 type { nd-router-solicit, "
		        "nd-neighbor-solicit, nd-neighbor-advert } accept\n",
		        idx);
		json_array_foreach(json_object_get(p, "security_groups"), j, g)
		    fprintf(f, "\t\tjump g%zu_out\n", group_index(groups, json_string_value(g)));
		fputs("\t\tdrop\n\t}\n", f);
		fprintf(f,
		        "\tchain in_%zu {\n\t\tct state established,related accept\n"
		        "\t\tct state invalid drop\n\t\tudp sport 67 udp dport 68 accept\n"
		        "\t\tudp sport 547 udp dport 546 accept\n"
		        "\t\tmeta l4proto ipv6-icmp icmpv6 type { nd-router-advert, "
		        "nd-neighbor-solicit, nd-neighbor-advert } accept\n",
		        idx);
		json_array_foreach(json_object_get(p, "security_groups"), j, g)
		    fprintf(f, "\t\tjump g%zu_in\n", group_index(groups, json_string_value(g)));
		fputs("\t\tdrop\n\t}\n", f);
	}
	fputs("\tchain egress {\n\t\ttype filter hook forward priority 0; policy accept;\n", f);
	if (json_array_size(filtered)) {
		fputs("\t\tmeta mark and 0xffff0000 vmap {", f);
		json_array_foreach(filtered, i, p)
		    fprintf(f, "%s 0x%08zx : jump out_%zu", i ? "," : "", (i + 1) << 16, i + 1);
		fputs(" }\n", f);
	}
	fputs("\t}\n\tchain ingress {\n\t\ttype filter hook forward priority 10; policy accept;\n",
	      f);
	if (json_array_size(filtered)) {
		fputs("\t\tmeta mark and 0x0000ffff vmap {", f);
		json_array_foreach(filtered, i, p)
		    fprintf(f, "%s 0x%08zx : jump in_%zu", i ? "," : "", i + 1, i + 1);
		fputs(" }\n", f);
	}
	fputs("\t}\n}\n", f);
	fclose(f);
	json_decref(groups);
	json_decref(filtered);
	return text;
}

char *dp_nft_port_policy(json_t *port, json_t *rules, json_t *all_ports)
{
	char *text = NULL;
	size_t len = 0, i, j, k;
	FILE *f = open_memstream(&text, &len);
	json_t *g, *r, *p;
	fprintf(f, "security %d addrs", net_bool(port, "port_security_enabled", true));
	port_addrs(f, port, false, true);
	port_addrs(f, port, true, true);
	json_array_foreach(json_object_get(port, "security_groups"), i, g)
	{
		const char *gid = json_string_value(g);
		fprintf(f, "\ngroup %s", gid ? gid : "");
		json_array_foreach(rules, j, r)
		{
			const char *owner = net_str(r, "security_group_id");
			if (!gid || !owner || strcmp(owner, gid))
				continue;
			const char *remote = net_str(r, "remote_group_id");
			fprintf(f, "\nrule %s", net_str(r, "id"));
			if (!remote)
				continue;
			fputs(" members", f);
			json_array_foreach(all_ports, k, p) if (port_in_group(p, remote))
			{
				port_addrs(f, p, false, true);
				port_addrs(f, p, true, true);
			}
		}
	}
	fclose(f);
	return text;
}
