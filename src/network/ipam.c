/* IPAM arithmetic (see ipam.h): addresses are 128-bit numbers, IPv4 in the
 * low 32 bits, so both families share the pool and range code. */
#include "network/ipam.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static net_u128 mask_of(int version, int prefix)
{
	int bits = version == 4 ? 32 : 128;
	if (prefix <= 0)
		return 0;
	net_u128 all = version == 4 ? (net_u128)0xffffffffu : ~(net_u128)0;
	return all & ~((prefix >= bits ? 0 : (((net_u128)1 << (bits - prefix)) - 1)));
}

int net_ip_parse(const char *s, int *version, net_u128 *out)
{
	unsigned char buf[16];
	if (!s)
		return -1;
	if (inet_pton(AF_INET, s, buf) == 1) {
		*version = 4;
		*out = ((net_u128)buf[0] << 24) | ((net_u128)buf[1] << 16) |
		       ((net_u128)buf[2] << 8) | buf[3];
		return 0;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		net_u128 v = 0;
		for (int i = 0; i < 16; i++)
			v = (v << 8) | buf[i];
		*version = 6;
		*out = v;
		return 0;
	}
	return -1;
}

void net_ip_format(int version, net_u128 v, char *buf, size_t len)
{
	unsigned char b[16];
	if (version == 4) {
		for (int i = 3; i >= 0; i--, v >>= 8)
			b[i] = (unsigned char)(v & 0xff);
		inet_ntop(AF_INET, b, buf, (socklen_t)len);
		return;
	}
	for (int i = 15; i >= 0; i--, v >>= 8)
		b[i] = (unsigned char)(v & 0xff);
	inet_ntop(AF_INET6, b, buf, (socklen_t)len);
}

int net_ip_canonical(const char *s, char *buf, size_t len)
{
	int version;
	net_u128 v;
	if (net_ip_parse(s, &version, &v) != 0)
		return -1;
	net_ip_format(version, v, buf, len);
	return 0;
}

int net_cidr_parse(const char *s, bool strict, struct net_cidr *out)
{
	char addr[64];
	const char *slash = s ? strchr(s, '/') : NULL;
	if (!slash || (size_t)(slash - s) >= sizeof(addr) || !slash[1])
		return -1;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	char *end;
	long prefix = strtol(slash + 1, &end, 10);
	if (*end || slash[1] < '0' || slash[1] > '9')
		return -1;
	int version;
	net_u128 v;
	if (net_ip_parse(addr, &version, &v) != 0)
		return -1;
	if (prefix < 0 || prefix > (version == 4 ? 32 : 128))
		return -1;
	net_u128 m = mask_of(version, (int)prefix);
	if (strict && (v & ~m & (version == 4 ? (net_u128)0xffffffffu : ~(net_u128)0)))
		return -1;
	out->version = version;
	out->prefix = (int)prefix;
	out->base = v & m;
	return 0;
}

void net_cidr_format(const struct net_cidr *c, char *buf, size_t len)
{
	char a[46];
	net_ip_format(c->version, c->base, a, sizeof(a));
	snprintf(buf, len, "%s/%d", a, c->prefix);
}

net_u128 net_cidr_last(const struct net_cidr *c)
{
	net_u128 all = c->version == 4 ? (net_u128)0xffffffffu : ~(net_u128)0;
	return c->base | (all & ~mask_of(c->version, c->prefix));
}

bool net_cidr_contains(const struct net_cidr *c, int version, net_u128 ip)
{
	return version == c->version && ip >= c->base && ip <= net_cidr_last(c);
}

bool net_cidr_overlap(const struct net_cidr *a, const struct net_cidr *b)
{
	if (a->version != b->version)
		return false;
	return a->base <= net_cidr_last(b) && b->base <= net_cidr_last(a);
}

uint64_t net_cidr_size(const struct net_cidr *c)
{
	int host_bits = (c->version == 4 ? 32 : 128) - c->prefix;
	if (host_bits >= 64)
		return UINT64_MAX;
	return (uint64_t)1 << host_bits;
}

size_t net_default_pools(const struct net_cidr *c, bool has_gateway, net_u128 gateway,
                         struct net_range out[2])
{
	net_u128 first = c->base, last = net_cidr_last(c);
	if (c->version == 4) {
		if (c->prefix <= 30) {
			first++;
			last--;
		}
	} else if (c->prefix < 127) {
		first++; /* the subnet-router anycast address */
	}
	if (first > last)
		return 0;
	if (!has_gateway || gateway < first || gateway > last) {
		out[0] = (struct net_range){first, last};
		return 1;
	}
	size_t n = 0;
	if (gateway > first)
		out[n++] = (struct net_range){first, gateway - 1};
	if (gateway < last)
		out[n++] = (struct net_range){gateway + 1, last};
	return n;
}

static bool is_used(const net_u128 *used, size_t n, net_u128 v)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (used[mid] == v)
			return true;
		if (used[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

int net_pick_free(const struct net_range *pools, size_t npools, const net_u128 *used, size_t n,
                  net_u128 *out)
{
	for (size_t p = 0; p < npools; p++) {
		/* At most n addresses of a pool are taken: n+1 candidates suffice. */
		net_u128 v = pools[p].first;
		for (size_t tries = 0; tries <= n && v <= pools[p].last; tries++, v++) {
			if (!is_used(used, n, v)) {
				*out = v;
				return 0;
			}
			if (v == pools[p].last)
				break;
		}
	}
	return -1;
}

uint64_t net_pools_free(const struct net_range *pools, size_t npools, const net_u128 *used,
                        size_t n)
{
	uint64_t total = 0;
	for (size_t p = 0; p < npools; p++) {
		net_u128 size = pools[p].last - pools[p].first + 1;
		size_t taken = 0;
		for (size_t i = 0; i < n; i++)
			if (used[i] >= pools[p].first && used[i] <= pools[p].last)
				taken++;
		net_u128 f = size - taken;
		if (f > UINT64_MAX - total)
			return UINT64_MAX;
		total += (uint64_t)f;
	}
	return total;
}

static int cmp_u128(const void *a, const void *b)
{
	net_u128 x = *(const net_u128 *)a, y = *(const net_u128 *)b;
	return x < y ? -1 : x > y;
}

void net_u128_sort(net_u128 *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u128);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses up to 6 octets "xx:xx:..."; returns how many, -1 when malformed. */
static int parse_octets(const char *s, unsigned char out[6])
{
	int n = 0;
	while (*s) {
		if (n == 6)
			return -1;
		int h = hexval(s[0]), l = s[0] ? hexval(s[1]) : -1;
		if (h < 0 || l < 0)
			return -1;
		out[n++] = (unsigned char)(h * 16 + l);
		s += 2;
		if (*s == ':')
			s++;
		else if (*s)
			return -1;
	}
	return n;
}

int net_mac_generate(const char *base, const unsigned char random[6], char out[18])
{
	unsigned char b[6];
	int n = parse_octets(base ? base : "fa:16:3e", b);
	if (n < 1 || n > 6)
		return -1;
	/* "fa:16:3e:00:00:00": trailing zero octets are the random part. */
	int fixed = n;
	while (n == 6 && fixed > 1 && b[fixed - 1] == 0)
		fixed--;
	for (int i = fixed; i < 6; i++)
		b[i] = random[i];
	b[0] &= 0xfe; /* unicast */
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
	return 0;
}

int net_mac_normalize(const char *s, char out[18])
{
	unsigned char b[6];
	if (!s || strlen(s) != 17)
		return -1;
	for (int i = 2; i < 17; i += 3)
		if (s[i] != ':')
			return -1;
	if (parse_octets(s, b) != 6)
		return -1;
	if (b[0] & 1)
		return -1;
	if (!(b[0] | b[1] | b[2] | b[3] | b[4] | b[5]))
		return -1;
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
	return 0;
}

int net_eui64(net_u128 prefix, const char *mac, net_u128 *out)
{
	unsigned char b[6];
	if (parse_octets(mac, b) != 6)
		return -1;
	uint64_t iid = ((uint64_t)(b[0] ^ 0x02) << 56) | ((uint64_t)b[1] << 48) |
	               ((uint64_t)b[2] << 40) | ((uint64_t)0xfffe << 24) | ((uint64_t)b[3] << 16) |
	               ((uint64_t)b[4] << 8) | b[5];
	*out = (prefix & ~(net_u128)0xffffffffffffffffULL) | iid;
	return 0;
}
