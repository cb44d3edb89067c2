/* DHCP of a network: namespace qdhcp-<network id> on the network's bridge
 * through the DHCP port's veth, and a dnsmasq with a static host entry per
 * port (MAC -> IP), router, DNS servers, MTU, host routes, and the route to
 * 169.254.169.254 via the DHCP port when the subnet has no router. Port
 * changes rewrite the host file and SIGHUP dnsmasq; guests never notice. */
#ifndef STACKD_NETWORK_DP_DHCP_H
#define STACKD_NETWORK_DP_DHCP_H

#include <jansson.h>

#include "core/error.h"
#include "network/service-t.h"

/* net: the network; subnets: its subnets; ports: every port of it. */
int dp_dhcp_sync(struct net_service *ns, json_t *net, json_t *subnets, json_t *ports,
                 struct api_error *err);
/* Stops dnsmasq and removes the namespace (and its veth). */
void dp_dhcp_remove(struct net_service *ns, const char *network_id);
/* Kills the dnsmasq a state dir started for network_id (by pid file). */
void dp_dhcp_kill(const char *state_dir, const char *network_id);

/* The host and option file contents (pure, for the unit tests); malloc'ed. */
char *dp_dhcp_hosts(json_t *subnets, json_t *ports);
char *dp_dhcp_opts(json_t *subnets, json_t *ports, unsigned mtu);

#endif
