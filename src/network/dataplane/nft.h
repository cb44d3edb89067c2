/* Security groups as nftables rules (pure: JSON in, script out).
 * The kernel here has no bridge-family conntrack, but br_netfilter passes
 * bridged IPv4/IPv6 through the inet forward hook, where conntrack works
 * and iifname/oifname name the bridge, not the tap. So:
 *   table bridge stackd_mark, forward priority -200: per tap, anti-spoofing
 *     (MAC, ARP and IP source of the port or its allowed address pairs) and
 *     a mark: bits 16-31 = index of the sending port, 0-15 = receiving port;
 *   table inet stackd_sg: base chain `egress` (priority 0) and `ingress`
 *     (priority 10) dispatch on those bits (vmap) to per-port chains:
 *     established/related accepted, invalid dropped, DHCP client traffic
 *     allowed, then each group's rules (remote groups as sets of member
 *     addresses), else drop.
 * The script replaces both tables in one transaction (nft -f). */
#ifndef STACKD_NETWORK_DP_NFT_H
#define STACKD_NETWORK_DP_NFT_H

#include <jansson.h>

/* ports: port documents with a tap on this host (guest ports); rules: every
 * security group rule; all_ports: every port (remote group members);
 * zoned: ids of the tenant networks, whose bridge ports get a conntrack zone
 * of their own (prerouting, priority raw) so that overlapping CIDRs of two
 * networks never share a connection (NULL: none). Returns a malloc'ed
 * script. */
char *dp_nft_sg_script(json_t *ports, json_t *rules, json_t *all_ports, json_t *zoned);

/* Everything that decides what the port may send and receive (port
 * security, its addresses, the ids of its groups' rules and the member
 * addresses of their remote groups) as text: when it changes, the port's
 * open connections must be judged again. Malloc'ed. */
char *dp_nft_port_policy(json_t *port, json_t *rules, json_t *all_ports);

/* One rule's match expression (without verdict) into buf; "" when the rule
 * matches everything of its ethertype. set_name is the remote group's set
 * (without @) or NULL. Exposed for the unit tests. Returns -1 when the
 * rule cannot be expressed (skipped). */
int dp_nft_rule_match(json_t *rule, const char *set_name, char *buf, size_t len);

#endif
