/* Security group rules to nftables: each rule's match expression, and the
 * whole script for two ports in two groups (one a remote group). With
 * NFT_SCRIPT=path the script is also written there, for `nft -c -f`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "network/dataplane/nft.h"

static json_t *rule(const char *json)
{
	json_error_t e;
	return json_loads(json, 0, &e);
}

static void match(const char *json, const char *set, const char *want)
{
	char buf[512];
	json_t *r = rule(json);
	int rc = dp_nft_rule_match(r, set, buf, sizeof(buf));
	if (want) {
		CHECK(rc == 0);
		CHECK_STR(buf, want);
	} else {
		CHECK(rc != 0);
	}
	json_decref(r);
}

static void test_rules(void)
{
	match("{\"direction\":\"ingress\",\"ethertype\":\"IPv4\",\"protocol\":\"tcp\","
	      "\"port_range_min\":22,\"port_range_max\":22}",
	      NULL, "meta nfproto ipv4 meta l4proto tcp tcp dport 22");
	match("{\"direction\":\"ingress\",\"ethertype\":\"IPv4\",\"protocol\":\"udp\","
	      "\"port_range_min\":1000,\"port_range_max\":2000,\"remote_ip_prefix\":\"10.0.0.0/8\","
	      "\"normalized_cidr\":\"10.0.0.0/8\"}",
	      NULL, "meta nfproto ipv4 ip saddr 10.0.0.0/8 meta l4proto udp udp dport 1000-2000");
	match("{\"direction\":\"egress\",\"ethertype\":\"IPv4\",\"protocol\":\"icmp\","
	      "\"port_range_min\":8,\"port_range_max\":0}",
	      NULL, "meta nfproto ipv4 meta l4proto icmp icmp type 8 icmp code 0");
	match("{\"direction\":\"egress\",\"ethertype\":\"IPv4\",\"protocol\":null}", NULL,
	      "meta nfproto ipv4");
	match("{\"direction\":\"ingress\",\"ethertype\":\"IPv6\",\"protocol\":null,"
	      "\"remote_group_id\":\"x\"}",
	      "g0_v6", "meta nfproto ipv6 ip6 saddr @g0_v6");
	match("{\"direction\":\"ingress\",\"ethertype\":\"IPv6\",\"protocol\":\"ipv6-icmp\"}", NULL,
	      "meta nfproto ipv6 meta l4proto ipv6-icmp");
	match("{\"direction\":\"ingress\",\"ethertype\":\"IPv4\",\"protocol\":\"112\"}", NULL,
	      "meta nfproto ipv4 meta l4proto 112");
	match(
	    "{\"direction\":\"egress\",\"ethertype\":\"IPv4\",\"protocol\":\"6\","
	    "\"port_range_min\":80,\"port_range_max\":80,\"remote_ip_prefix\":\"192.168.0.0/16\"}",
	    NULL, "meta nfproto ipv4 ip daddr 192.168.0.0/16 meta l4proto tcp tcp dport 80");
	/* a v6 prefix on an IPv4 rule cannot match anything */
	match(
	    "{\"direction\":\"ingress\",\"ethertype\":\"IPv4\",\"remote_ip_prefix\":\"fd00::/8\"}",
	    NULL, NULL);
	/* 0.0.0.0/0 is no restriction */
	match(
	    "{\"direction\":\"ingress\",\"ethertype\":\"IPv4\",\"remote_ip_prefix\":\"0.0.0.0/0\","
	    "\"protocol\":\"icmp\"}",
	    NULL, "meta nfproto ipv4 meta l4proto icmp");
}

static void test_script(void)
{
	json_t *ports =
	    rule("[{\"id\":\"aaaaaaaa-1111-2222-3333-444444444444\",\"mac_address\":\"fa:16:3e:00:"
	         "00:01\","
	         "\"port_security_enabled\":true,\"security_groups\":[\"sg-web\"],"
	         "\"fixed_ips\":[{\"ip_address\":\"10.0.0.5\"}],\"allowed_address_pairs\":"
	         "[{\"ip_address\":\"10.0.0.128/25\",\"mac_address\":\"fa:16:3e:00:00:09\"}]},"
	         "{\"id\":\"bbbbbbbb-1111-2222-3333-444444444444\",\"mac_address\":\"fa:16:3e:00:"
	         "00:02\","
	         "\"port_security_enabled\":true,\"security_groups\":[\"sg-db\"],"
	         "\"fixed_ips\":[{\"ip_address\":\"10.0.0.6\"},{\"ip_address\":\"fd00::6\"}],"
	         "\"allowed_address_pairs\":[]},"
	         "{\"id\":\"cccccccc-1111-2222-3333-444444444444\",\"mac_address\":\"fa:16:3e:00:"
	         "00:03\","
	         "\"port_security_enabled\":false,\"security_groups\":[],"
	         "\"fixed_ips\":[{\"ip_address\":\"10.0.0.7\"}],\"allowed_address_pairs\":[]}]");
	json_t *rules = rule(
	    "[{\"security_group_id\":\"sg-web\",\"direction\":\"ingress\",\"ethertype\":\"IPv4\","
	    "\"protocol\":\"tcp\",\"port_range_min\":80,\"port_range_max\":80},"
	    "{\"security_group_id\":\"sg-web\",\"direction\":\"egress\",\"ethertype\":\"IPv4\"},"
	    "{\"security_group_id\":\"sg-db\",\"direction\":\"ingress\",\"ethertype\":\"IPv4\","
	    "\"protocol\":\"tcp\",\"port_range_min\":5432,\"port_range_max\":5432,"
	    "\"remote_group_id\":\"sg-web\"},"
	    "{\"security_group_id\":\"sg-unused\",\"direction\":\"ingress\",\"ethertype\":\"IPv4\"}"
	    "]");
	json_t *zoned = json_pack("[s]", "net-a");
	json_object_set_new(json_array_get(ports, 0), "network_id", json_string("net-a"));
	json_object_set_new(json_array_get(ports, 1), "network_id", json_string("net-b"));
	char *s = dp_nft_sg_script(ports, rules, ports, zoned);
	json_decref(zoned);
	CHECK(strstr(s, "ct zone set iifname map { \"tapaaaaaaaa-11\" : 1 }") != NULL);
	CHECK(strstr(s, "delete table inet stackd_sg") != NULL);
	CHECK(strstr(s, "\"tapaaaaaaaa-11\" : jump from_1") != NULL);
	CHECK(strstr(s, "\"tapbbbbbbbb-11\" : jump to_2") != NULL);
	CHECK(strstr(s, "tapcccccccc") == NULL); /* port security off: not filtered */
	CHECK(strstr(s, "ip saddr @g0_v4 meta l4proto tcp tcp dport 5432 accept") != NULL);
	CHECK(strstr(s, "elements = { 10.0.0.5, 10.0.0.128/25 }") != NULL);
	CHECK(strstr(s, "ether saddr != { fa:16:3e:00:00:01, fa:16:3e:00:00:09 } drop") != NULL);
	CHECK(strstr(s, "sg-unused") == NULL);
	CHECK(strstr(s, "0x00020000 : jump out_2") != NULL);
	const char *path = getenv("NFT_SCRIPT");
	if (path) {
		FILE *f = fopen(path, "w");
		if (f) {
			fputs(s, f);
			fclose(f);
		}
	}
	free(s);
	json_decref(ports);
	json_decref(rules);
}

/* The policy text of a port changes with its groups' rules and their
 * remote groups' members, not with anything else. */
static void test_port_policy(void)
{
	json_t *ports = rule("[{\"id\":\"p1\",\"security_groups\":[\"db\"],"
	                     "\"fixed_ips\":[{\"ip_address\":\"10.0.0.6\"}]},"
	                     "{\"id\":\"p2\",\"security_groups\":[\"web\"],"
	                     "\"fixed_ips\":[{\"ip_address\":\"10.0.0.5\"}]}]");
	json_t *rules = rule("[{\"id\":\"r1\",\"security_group_id\":\"db\","
	                     "\"remote_group_id\":\"web\"},"
	                     "{\"id\":\"r2\",\"security_group_id\":\"db\"},"
	                     "{\"id\":\"r3\",\"security_group_id\":\"other\"}]");
	json_t *p1 = json_array_get(ports, 0);
	char *base = dp_nft_port_policy(p1, rules, ports);
	CHECK(strstr(base, "rule r1 members, 10.0.0.5") != NULL);
	CHECK(strstr(base, "r3") == NULL);

	json_array_remove(rules, 2); /* another group's rule */
	char *same = dp_nft_port_policy(p1, rules, ports);
	CHECK_STR(same, base);
	json_array_remove(rules, 1); /* one of its own */
	char *fewer = dp_nft_port_policy(p1, rules, ports);
	CHECK(strcmp(fewer, base) != 0);
	json_object_set_new(json_array_get(ports, 1), "fixed_ips",
	                    rule("[{\"ip_address\":\"10.0.0.9\"}]")); /* remote member moved */
	char *moved = dp_nft_port_policy(p1, rules, ports);
	CHECK(strcmp(moved, fewer) != 0);
	free(base);
	free(same);
	free(fewer);
	free(moved);
	json_decref(ports);
	json_decref(rules);
}

int main(void)
{
	test_rules();
	test_script();
	test_port_policy();
	return check_done("test_network_nft");
}
