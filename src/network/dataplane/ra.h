/* IPv6 router advertisements of a router, as Neutron's L3 agent sends them
 * with radvd: one radvd in the qrouter namespace for the router's
 * interfaces on IPv6 subnets whose ipv6_ra_mode is set, with the flags of
 * that mode (slaac: A; dhcpv6-stateless: A + O; dhcpv6-stateful: M + O;
 * DHCPv6 itself is the network's dnsmasq). Files live in
 * <state dir>/ra/<router id>/: conf, pid, log. radvd ends with stackd
 * (PR_SET_PDEATHSIG) and is started again by the start-up sync; guests keep
 * their addresses meanwhile (prefix and router lifetimes). */
#ifndef STACKD_NETWORK_DP_RA_H
#define STACKD_NETWORK_DP_RA_H

#include <jansson.h>

#include "core/error.h"
#include "network/service-t.h"

/* ports, subnets: every document of the kind; mtu of the interfaces. */
int dp_ra_sync(struct net_service *ns, const char *router_id, json_t *ports, json_t *subnets,
               struct api_error *err);
/* Stops the router's radvd (by pid file) and removes its files. */
void dp_ra_remove(const char *state_dir, const char *router_id);
/* radvd.conf for the router, "" when it advertises nothing (pure, for
 * the unit tests); malloc'ed. */
char *dp_ra_conf(const char *router_id, json_t *ports, json_t *subnets, unsigned mtu);

#endif
