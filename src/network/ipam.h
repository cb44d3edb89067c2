/* Address arithmetic for IPAM, pure functions with no database: CIDRs and
 * addresses of both families as 128-bit numbers, containment and overlap,
 * default allocation pools, picking the first free address of the pools,
 * and MAC addresses from a configurable base. */
#ifndef STACKD_NETWORK_IPAM_H
#define STACKD_NETWORK_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 net_u128;

struct net_cidr {
	int version;   /* 4 or 6 */
	net_u128 base; /* network address (host bits zero) */
	int prefix;
};

struct net_range {
	net_u128 first, last; /* inclusive */
};

/* "10.0.0.1" / "fd00::1" -> version and value; -1 when not an address. */
int net_ip_parse(const char *s, int *version, net_u128 *out);
/* Writes the canonical text form (buf: 46 bytes). */
void net_ip_format(int version, net_u128 v, char *buf, size_t len);
/* Canonical text of an address string (e.g. "fd00:0::1" -> "fd00::1");
 * -1 when not an address. */
int net_ip_canonical(const char *s, char *buf, size_t len);

/* "10.0.0.0/24". strict: host bits must be zero (Neutron refuses
 * "10.0.0.1/24" for a subnet); otherwise they are cleared. */
int net_cidr_parse(const char *s, bool strict, struct net_cidr *out);
void net_cidr_format(const struct net_cidr *c, char *buf, size_t len);
net_u128 net_cidr_last(const struct net_cidr *c); /* broadcast / last address */
bool net_cidr_contains(const struct net_cidr *c, int version, net_u128 ip);
bool net_cidr_overlap(const struct net_cidr *a, const struct net_cidr *b);
/* Number of addresses (saturates at UINT64_MAX). */
uint64_t net_cidr_size(const struct net_cidr *c);

/* Neutron's default pools: every usable address of the CIDR (IPv4 without
 * network and broadcast, IPv6 without the subnet-router anycast address)
 * minus the gateway, which splits the range in two when it is inside.
 * Fills up to 2 ranges; returns how many. */
size_t net_default_pools(const struct net_cidr *c, bool has_gateway, net_u128 gateway,
                         struct net_range out[2]);

/* The first address of the pools (in order) not in used[] (sorted
 * ascending, n entries). -1 when the pools are exhausted. */
int net_pick_free(const struct net_range *pools, size_t npools, const net_u128 *used, size_t n,
                  net_u128 *out);
/* Free addresses in the pools (saturating at UINT64_MAX). */
uint64_t net_pools_free(const struct net_range *pools, size_t npools, const net_u128 *used,
                        size_t n);
void net_u128_sort(net_u128 *v, size_t n);

/* "fa:16:3e:00:00:00" style base: the first `fixed` octets kept, the rest
 * from random; writes "xx:xx:xx:xx:xx:xx" (18 bytes). base NULL means
 * "fa:16:3e". -1 when base is malformed. */
int net_mac_generate(const char *base, const unsigned char random[6], char out[18]);
/* Unicast, not all zero, "xx:xx:xx:xx:xx:xx" (either case): normalized to
 * lowercase into out; -1 otherwise. */
int net_mac_normalize(const char *s, char out[18]);

/* The modified EUI-64 address of mac ("xx:..", normalized) in a /64 whose
 * network address is prefix. */
int net_eui64(net_u128 prefix, const char *mac, net_u128 *out);

#endif
