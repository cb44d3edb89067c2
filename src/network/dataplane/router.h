/* A router's namespace qrouter-<router id>: an interface per attached
 * subnet (qr-<port>, the subnet's gateway address), the gateway (qg-<port>
 * on the external bridge, floating IPs as /32s on it, default route via
 * the external subnet's gateway), static routes, and table ip stackd_nat:
 * DNAT+SNAT per floating IP and SNAT of the attached subnets to the
 * gateway address when enable_snat, replaced in one nft transaction. The
 * metadata address 169.254.169.254 lives on its loopback. */
#ifndef STACKD_NETWORK_DP_ROUTER_H
#define STACKD_NETWORK_DP_ROUTER_H

#include <jansson.h>

#include "core/error.h"
#include "network/service-t.h"

/* ports, subnets, networks, fips: every document of the kind. */
int dp_router_sync(struct net_service *ns, json_t *router, json_t *ports, json_t *subnets,
                   json_t *networks, json_t *fips, struct api_error *err);
void dp_router_remove(struct net_service *ns, const char *router_id);
/* The nat table of a router (pure, for the unit tests); malloc'ed. */
char *dp_router_nat_script(json_t *router, json_t *ports, json_t *subnets, json_t *fips);

#endif
