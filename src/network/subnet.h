/* Subnets and ports as other files of the service use them: IPAM on a
 * subnet, creating and deleting port documents (with their addresses and
 * MAC), the DHCP port of a network. All run inside the caller's
 * transaction; the data plane is told after commit by the caller. */
#ifndef STACKD_NETWORK_SUBNET_H
#define STACKD_NETWORK_SUBNET_H

#include <jansson.h>

#include "core/arena.h"
#include "core/error.h"
#include "network/ipam.h"
#include "network/service-t.h"

/* Parses a subnet's cidr and pools from its document. */
int net_subnet_ranges(json_t *subnet, struct net_cidr *cidr, struct net_range *pools, size_t max,
                      size_t *npools);
/* Gives port_id an address on subnet: on a SLAAC subnet the EUI-64
 * address of mac (`want` may only repeat it); else `want` when set (inside the CIDR,
 * not the network/broadcast address nor the gateway, free), else the first
 * free one of the pools (409 IpAddressGenerationFailure when exhausted).
 * Writes the address to ip (46 bytes). */
int net_subnet_take_ip(struct arena *a, json_t *subnet, const char *want, const char *port_id,
                       const char *mac, char ip[46], struct api_error *err);
/* An IPv6 subnet whose addresses come from the MAC (SLAAC, DHCPv6
 * stateless): net_subnet_take_ip gives the EUI-64 address. */
bool net_subnet_auto_address(json_t *subnet);

/* Port creation as the API, routers, floating IPs and compute use it. in
 * holds the API fields (network_id required); project owns the port;
 * trusted skips policy on device_owner/mac (internal callers). */
struct http_request;
int net_port_create_doc(struct net_service *ns, struct http_request *req, struct arena *a,
                        json_t *in, const char *project, bool trusted, json_t **out,
                        struct api_error *err);
/* Releases addresses and MAC and removes the document (no checks). */
int net_port_delete_doc(struct arena *a, json_t *port, struct api_error *err);
int net_subnet_delete_doc(struct http_request *req, json_t *subnet, struct api_error *err);
/* Ensures the network's DHCP port has an address on every DHCP-enabled
 * subnet (created on the first such subnet, deleted with the last). */
int net_dhcp_port_sync(struct net_service *ns, struct arena *a, const char *network_id,
                       struct api_error *err);
/* Every subnet of a network, in creation order. */
int net_subnets_of(struct arena *a, const char *network_id, json_t **out, struct api_error *err);
/* Ports with any fixed IP on subnet (excluding device_owner skip, if not NULL). */
int net_ports_on_subnet(struct arena *a, const char *subnet_id, json_t **out,
                        struct api_error *err);

#endif
