/* Text the data plane writes for the kernel and dnsmasq, from documents:
 * the DHCP host and option files and a router's NAT table. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "network/dataplane/dhcp.h"
#include "network/dataplane/ra.h"
#include "network/dataplane/router.h"

static json_t *j(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, 0, &e);
	if (!v)
		fprintf(stderr, "bad json in test: %s\n", e.text);
	return v;
}

static void test_dhcp(void)
{
	json_t *subnets =
	    j("[{\"id\":\"s1\",\"ip_version\":4,\"enable_dhcp\":true,"
	      "\"cidr\":\"10.0.0.0/24\",\"gateway_ip\":\"10.0.0.1\","
	      "\"dns_nameservers\":[\"8.8.8.8\",\"9.9.9.9\"],\"host_routes\":[]},"
	      "{\"id\":\"s2\",\"ip_version\":4,\"enable_dhcp\":true,"
	      "\"cidr\":\"10.1.0.0/24\",\"gateway_ip\":null,\"dns_nameservers\":[],"
	      "\"host_routes\":[{\"destination\":\"10.9.0.0/16\",\"nexthop\":\"10.1.0.9\"}]},"
	      "{\"id\":\"s3\",\"ip_version\":4,\"enable_dhcp\":false,"
	      "\"cidr\":\"10.2.0.0/24\"}]");
	json_t *ports =
	    j("[{\"mac_address\":\"fa:16:3e:00:00:01\",\"device_owner\":\"compute:nova\","
	      "\"dns_name\":\"web_1\",\"fixed_ips\":[{\"subnet_id\":\"s1\","
	      "\"ip_address\":\"10.0.0.5\"}]},"
	      "{\"mac_address\":\"fa:16:3e:00:00:02\",\"device_owner\":\"\","
	      "\"fixed_ips\":[{\"subnet_id\":\"s2\",\"ip_address\":\"10.1.0.6\"}]},"
	      "{\"mac_address\":\"fa:16:3e:00:00:03\",\"device_owner\":\"\","
	      "\"fixed_ips\":[{\"subnet_id\":\"s3\",\"ip_address\":\"10.2.0.6\"}]},"
	      "{\"mac_address\":\"fa:16:3e:00:00:04\",\"device_owner\":\"network:dhcp\","
	      "\"fixed_ips\":[{\"subnet_id\":\"s1\",\"ip_address\":\"10.0.0.2\"},"
	      "{\"subnet_id\":\"s2\",\"ip_address\":\"10.1.0.2\"}]},"
	      "{\"mac_address\":\"fa:16:3e:00:00:05\",\"device_owner\":"
	      "\"network:router_interface\",\"fixed_ips\":[{\"subnet_id\":\"s1\","
	      "\"ip_address\":\"10.0.0.1\"}]}]");
	char *hosts = dp_dhcp_hosts(subnets, ports);
	CHECK(strstr(hosts, "fa:16:3e:00:00:01,10.0.0.5,web1\n") != NULL);
	CHECK(strstr(hosts, "fa:16:3e:00:00:02,10.1.0.6,host-10-1-0-6\n") != NULL);
	CHECK(strstr(hosts, "10.2.0.6") == NULL); /* DHCP off on s3 */
	CHECK(strstr(hosts, "00:00:04") == NULL); /* the DHCP port itself */
	char *opts = dp_dhcp_opts(subnets, ports, 1450);
	CHECK(strstr(opts, "tag:s0,option:router,10.0.0.1\n") != NULL);
	CHECK(strstr(opts, "tag:s0,option:dns-server,8.8.8.8,9.9.9.9\n") != NULL);
	CHECK(strstr(opts, "tag:s0,option:mtu,1450\n") != NULL);
	/* s1 has a router: no metadata route; s2 has none: via the DHCP port */
	CHECK(strstr(opts, "tag:s0,option:classless") == NULL);
	CHECK(strstr(opts, "tag:s1,option:router\n") != NULL);
	CHECK(strstr(opts, "tag:s1,option:classless-static-route,169.254.169.254/32,10.1.0.2,"
	                   "10.9.0.0/16,10.1.0.9\n") != NULL);
	CHECK(strstr(opts, "tag:s2") == NULL);
	free(hosts);
	free(opts);
	json_decref(subnets);
	json_decref(ports);
}

static void test_nat(void)
{
	json_t *router = j("{\"id\":\"r1\",\"external_gateway_info\":{\"network_id\":\"pub\","
	                   "\"enable_snat\":true}}");
	json_t *ports = j("[{\"id\":\"gw000000-1111\",\"device_id\":\"r1\",\"device_owner\":"
	                  "\"network:router_gateway\",\"fixed_ips\":[{\"subnet_id\":\"ps\","
	                  "\"ip_address\":\"172.24.4.10\"}]},"
	                  "{\"id\":\"if000000-1111\",\"device_id\":\"r1\",\"device_owner\":"
	                  "\"network:router_interface\",\"fixed_ips\":[{\"subnet_id\":\"s1\","
	                  "\"ip_address\":\"10.0.0.1\"}]}]");
	json_t *subnets = j("[{\"id\":\"s1\",\"cidr\":\"10.0.0.0/24\"},{\"id\":\"ps\",\"cidr\":"
	                    "\"172.24.4.0/24\"}]");
	json_t *fips =
	    j("[{\"router_id\":\"r1\",\"fixed_ip_address\":\"10.0.0.5\","
	      "\"floating_ip_address\":\"172.24.4.20\"},{\"router_id\":\"r2\","
	      "\"fixed_ip_address\":\"10.0.0.6\",\"floating_ip_address\":\"172.24.4.21\"},"
	      "{\"router_id\":null,\"floating_ip_address\":\"172.24.4.22\"}]");
	char *s = dp_router_nat_script(router, ports, subnets, fips);
	CHECK(strstr(s, "delete table ip stackd_nat") != NULL);
	CHECK(strstr(s, "ip daddr 172.24.4.20 dnat to 10.0.0.5") != NULL);
	CHECK(strstr(s, "ip saddr 10.0.0.5 oifname \"qg-gw000000-11\" snat to 172.24.4.20") !=
	      NULL);
	CHECK(
	    strstr(s, "oifname \"qg-gw000000-11\" ip saddr { 10.0.0.0/24 } snat to 172.24.4.10") !=
	    NULL);
	CHECK(strstr(s, "172.24.4.21") == NULL && strstr(s, "172.24.4.22") == NULL);
	free(s);
	json_object_set_new(json_object_get(router, "external_gateway_info"), "enable_snat",
	                    json_false());
	s = dp_router_nat_script(router, ports, subnets, fips);
	CHECK(strstr(s, "snat to 172.24.4.10") == NULL);
	CHECK(strstr(s, "snat to 172.24.4.20") != NULL);
	free(s);
	json_decref(router);
	json_decref(ports);
	json_decref(subnets);
	json_decref(fips);
}

/* IPv6: DHCPv6 host lines only for stateful subnets, DNS as option6, and
 * the router's advertisements with the flags of each mode. */
static void test_ipv6(void)
{
	json_t *subnets =
	    j("[{\"id\":\"a\",\"ip_version\":6,\"cidr\":\"fd00:1::/64\",\"enable_dhcp\":true,"
	      "\"ipv6_ra_mode\":\"slaac\",\"ipv6_address_mode\":\"slaac\",\"dns_nameservers\":[]},"
	      "{\"id\":\"b\",\"ip_version\":6,\"cidr\":\"fd00:2::/64\",\"enable_dhcp\":true,"
	      "\"ipv6_ra_mode\":\"dhcpv6-stateful\",\"ipv6_address_mode\":\"dhcpv6-stateful\","
	      "\"dns_nameservers\":[\"fd00:2::53\"]},"
	      "{\"id\":\"c\",\"ip_version\":6,\"cidr\":\"fd00:3::/64\",\"enable_dhcp\":true,"
	      "\"ipv6_ra_mode\":null,\"ipv6_address_mode\":\"dhcpv6-stateless\","
	      "\"dns_nameservers\":[]}]");
	json_t *ports = j(
	    "[{\"id\":\"g1\",\"mac_address\":\"fa:16:3e:00:00:01\",\"device_owner\":\"compute:x\","
	    "\"fixed_ips\":[{\"subnet_id\":\"a\",\"ip_address\":\"fd00:1::f816:3eff:fe00:1\"},"
	    "{\"subnet_id\":\"b\",\"ip_address\":\"fd00:2::5\"}]},"
	    "{\"id\":\"11111111-2222-3333-4444-555555555555\",\"mac_address\":\"fa:16:3e:00:00:"
	    "09\","
	    "\"device_owner\":\"network:router_interface\",\"device_id\":\"r1\","
	    "\"fixed_ips\":[{\"subnet_id\":\"a\",\"ip_address\":\"fd00:1::1\"},"
	    "{\"subnet_id\":\"b\",\"ip_address\":\"fd00:2::1\"},"
	    "{\"subnet_id\":\"c\",\"ip_address\":\"fd00:3::1\"}]}]");
	char *hosts = dp_dhcp_hosts(subnets, ports);
	CHECK_STR(hosts, "fa:16:3e:00:00:01,[fd00:2::5],host-fd00-2--5\n"
	                 "fa:16:3e:00:00:09,[fd00:2::1],host-fd00-2--1\n");
	char *opts = dp_dhcp_opts(subnets, ports, 1500);
	CHECK_STR(opts, "tag:s1,option6:dns-server,[fd00:2::53]\n");
	char *ra = dp_ra_conf("r1", ports, subnets, 1500);
	CHECK(strstr(ra, "interface qr-11111111-22 {") != NULL);
	CHECK(strstr(ra, "AdvManagedFlag on;") != NULL && strstr(ra, "AdvOtherConfigFlag on;"));
	CHECK(strstr(ra, "prefix fd00:1::/64 {\n\t\tAdvOnLink on;\n\t\tAdvAutonomous on;") != NULL);
	CHECK(strstr(ra, "prefix fd00:2::/64 {\n\t\tAdvOnLink on;\n\t\tAdvAutonomous off;") !=
	      NULL);
	CHECK(strstr(ra, "fd00:3::") == NULL); /* no ra_mode: an outside router's job */
	char *none = dp_ra_conf("r2", ports, subnets, 1500);
	CHECK_STR(none, "");
	free(hosts);
	free(opts);
	free(ra);
	free(none);
	json_decref(subnets);
	json_decref(ports);
}

int main(void)
{
	test_dhcp();
	test_ipv6();
	test_nat();
	return check_done("test_network_files");
}
