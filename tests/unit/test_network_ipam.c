/* IPAM arithmetic of the network service: parsing and formatting of
 * addresses and CIDRs, containment and overlap, default pools around the
 * gateway, first-free picking, MAC generation and normalization. */
#include <string.h>

#include "check.h"
#include "network/ipam.h"

static void test_parse(void)
{
	int v;
	net_u128 x;
	char buf[64];
	CHECK(net_ip_parse("10.0.0.1", &v, &x) == 0 && v == 4 && x == 0x0a000001);
	CHECK(net_ip_parse("fd00::1", &v, &x) == 0 && v == 6);
	CHECK(net_ip_parse("10.0.0.256", &v, &x) != 0);
	CHECK(net_ip_parse("", &v, &x) != 0);
	CHECK(net_ip_canonical("fd00:0:0::0001", buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "fd00::1");
	struct net_cidr c;
	CHECK(net_cidr_parse("10.0.0.0/24", true, &c) == 0 && c.prefix == 24 && c.version == 4);
	CHECK(net_cidr_parse("10.0.0.1/24", true, &c) != 0);
	CHECK(net_cidr_parse("10.0.0.1/24", false, &c) == 0 && c.base == 0x0a000000);
	CHECK(net_cidr_parse("10.0.0.0/33", false, &c) != 0);
	CHECK(net_cidr_parse("10.0.0.0", false, &c) != 0);
	CHECK(net_cidr_parse("10.0.0.0/", false, &c) != 0);
	CHECK(net_cidr_parse("10.0.0.0/2x", false, &c) != 0);
	CHECK(net_cidr_parse("fd00::/64", true, &c) == 0 && c.version == 6 && c.prefix == 64);
	net_cidr_format(&c, buf, sizeof(buf));
	CHECK_STR(buf, "fd00::/64");
	CHECK(net_cidr_parse("0.0.0.0/0", true, &c) == 0 && net_cidr_last(&c) == 0xffffffffu);
}

static void test_overlap(void)
{
	struct net_cidr a, b, c, d;
	net_cidr_parse("10.0.0.0/24", true, &a);
	net_cidr_parse("10.0.0.128/25", true, &b);
	net_cidr_parse("10.0.1.0/24", true, &c);
	net_cidr_parse("fd00::/8", true, &d);
	CHECK(net_cidr_overlap(&a, &b));
	CHECK(net_cidr_overlap(&b, &a));
	CHECK(!net_cidr_overlap(&a, &c));
	CHECK(!net_cidr_overlap(&a, &d));
	CHECK(net_cidr_contains(&a, 4, 0x0a0000ff));
	CHECK(!net_cidr_contains(&a, 4, 0x0a000100));
	CHECK(!net_cidr_contains(&a, 6, 0x0a000001));
	CHECK(net_cidr_size(&a) == 256);
	CHECK(net_cidr_size(&d) == UINT64_MAX);
}

static void test_pools(void)
{
	struct net_cidr c;
	struct net_range r[2];
	net_cidr_parse("10.0.0.0/24", true, &c);
	size_t n = net_default_pools(&c, true, 0x0a000001, r);
	CHECK(n == 1 && r[0].first == 0x0a000002 && r[0].last == 0x0a0000fe);
	n = net_default_pools(&c, true, 0x0a000080, r);
	CHECK(n == 2 && r[0].last == 0x0a00007f && r[1].first == 0x0a000081);
	n = net_default_pools(&c, false, 0, r);
	CHECK(n == 1 && r[0].first == 0x0a000001);
	n = net_default_pools(&c, true, 0x0a0000fe, r);
	CHECK(n == 1 && r[0].last == 0x0a0000fd);

	n = net_default_pools(&c, true, 0x0a000001, r);
	net_u128 used[] = {0x0a000002, 0x0a000003, 0x0a000005};
	net_u128 pick;
	CHECK(net_pick_free(r, n, used, 3, &pick) == 0 && pick == 0x0a000004);
	struct net_range tiny = {0x0a000002, 0x0a000003};
	CHECK(net_pick_free(&tiny, 1, used, 2, &pick) != 0);
	CHECK(net_pools_free(&tiny, 1, used, 2) == 0);
	CHECK(net_pools_free(r, n, used, 3) == 253 - 3);
	net_u128 unsorted[] = {5, 1, 3};
	net_u128_sort(unsorted, 3);
	CHECK(unsorted[0] == 1 && unsorted[2] == 5);

	/* A /30 has two usable addresses; a /31 and /32 keep all. */
	net_cidr_parse("10.0.0.0/30", true, &c);
	n = net_default_pools(&c, true, 0x0a000001, r);
	CHECK(n == 1 && r[0].first == 0x0a000002 && r[0].last == 0x0a000002);
	net_cidr_parse("fd00::/64", true, &c);
	n = net_default_pools(&c, true, c.base + 1, r);
	CHECK(n == 1 && r[0].first == c.base + 2);
}

static void test_mac(void)
{
	unsigned char rnd[6] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
	char m[18];
	CHECK(net_mac_generate("fa:16:3e:00:00:00", rnd, m) == 0);
	CHECK_STR(m, "fa:16:3e:44:55:66");
	CHECK(net_mac_generate(NULL, rnd, m) == 0);
	CHECK_STR(m, "fa:16:3e:44:55:66");
	CHECK(net_mac_generate("fb:16:00:00:00:00", rnd, m) == 0);
	CHECK_STR(m, "fa:16:33:44:55:66"); /* multicast bit cleared */
	CHECK(net_mac_generate("zz", rnd, m) != 0);
	CHECK(net_mac_normalize("FA:16:3E:AA:BB:CC", m) == 0);
	CHECK_STR(m, "fa:16:3e:aa:bb:cc");
	CHECK(net_mac_normalize("01:00:5e:00:00:01", m) != 0); /* multicast */
	CHECK(net_mac_normalize("00:00:00:00:00:00", m) != 0);
	CHECK(net_mac_normalize("fa:16:3e:aa:bb", m) != 0);
	CHECK(net_mac_normalize("fa-16-3e-aa-bb-cc", m) != 0);
}

static void test_eui64(void)
{
	/* netaddr/oslo get_ipv6_addr_by_EUI64('2001:db8::/64', 'fa:16:3e:cb:d3:05') */
	int v;
	net_u128 prefix, got, want;
	net_ip_parse("2001:db8::", &v, &prefix);
	net_ip_parse("2001:db8::f816:3eff:fecb:d305", &v, &want);
	CHECK(net_eui64(prefix, "fa:16:3e:cb:d3:05", &got) == 0 && got == want);
	CHECK(net_eui64(prefix, "zz", &got) != 0);
}

int main(void)
{
	test_eui64();
	test_parse();
	test_overlap();
	test_pools();
	test_mac();
	return check_done("test_network_ipam");
}
