/* Nova's network proxy APIs (proxy_secgroups.c, proxy_network.c): the
 * handlers routes.c lists and the server actions actions.c hands over. */
#ifndef STACKD_COMPUTE_PROXY_H
#define STACKD_COMPUTE_PROXY_H

#include "compute/internal.h"

struct net_service;

/* The network service for a proxy API under /v2.1/<collection>: 404 when
 * Nova removed the collection at the request's microversion (collection
 * NULL: never), 501 when network is not running. */
int compute_proxy_net(struct http_request *req, const char *collection, struct net_service **ns,
                      struct api_error *err);

/* proxy_secgroups.c */
COMPUTE_HANDLER(compute_sg_list);
COMPUTE_HANDLER(compute_sg_show);
COMPUTE_HANDLER(compute_sg_create);
COMPUTE_HANDLER(compute_sg_update);
COMPUTE_HANDLER(compute_sg_delete);
COMPUTE_HANDLER(compute_sg_rule_create);
COMPUTE_HANDLER(compute_sg_rule_delete);
COMPUTE_HANDLER(compute_server_sg_list);
/* addSecurityGroup (add) / removeSecurityGroup; arg is the action's value. */
int compute_server_sg_action(struct http_request *req, const struct compute_server *s, bool add,
                             json_t *arg, struct api_error *err);

/* proxy_network.c */
COMPUTE_HANDLER(compute_fip_list);
COMPUTE_HANDLER(compute_fip_show);
COMPUTE_HANDLER(compute_fip_create);
COMPUTE_HANDLER(compute_fip_delete);
COMPUTE_HANDLER(compute_fip_pools);
COMPUTE_HANDLER(compute_network_list);
COMPUTE_HANDLER(compute_network_show);
COMPUTE_HANDLER(compute_tenant_network_list);
COMPUTE_HANDLER(compute_tenant_network_show);
/* The nova-network APIs Nova answers 410 Gone at every microversion
 * (os-fixed-ips, os-floating-ips-bulk, os-floating-ip-dns, os-fping,
 * os-security-group-default-rules, os-virtual-interfaces, the changes of
 * os-networks and os-tenant-networks). */
COMPUTE_HANDLER(compute_gone);
/* Nova's router's 404 for a path it has no route for (an empty id). */
COMPUTE_HANDLER(compute_proxy_no_route);
/* addFloatingIp / removeFloatingIp (below 2.44, 404 from there). */
int compute_server_fip_action(struct http_request *req, const struct compute_server *s, bool add,
                              json_t *body, struct api_error *err);

/* addFixedIp / removeFixedIp (below 2.44, 404 from there). */
int compute_server_fixed_ip_action(struct http_request *req, const struct compute_server *s,
                                   bool add, json_t *body, struct api_error *err);

/* Their routes, for the table in routes.c (V: the "/v2.1" prefix). */
#define COMPUTE_PROXY_ROUTES(V)                                                                    \
	{"GET", V "/os-security-groups", compute_sg_list, NULL, "compute"},                        \
	    {"POST", V "/os-security-groups", compute_sg_create, NULL, "compute"},                 \
	    {"GET", V "/os-security-groups/{id}", compute_sg_show, NULL, "compute"},               \
	    {"PUT", V "/os-security-groups/{id}", compute_sg_update, NULL, "compute"},             \
	    {"DELETE", V "/os-security-groups/{id}", compute_sg_delete, NULL, "compute"},          \
	    {"DELETE", V "/os-security-groups/", compute_proxy_no_route, NULL, "compute"},         \
	    {"POST", V "/os-security-group-rules", compute_sg_rule_create, NULL, "compute"},       \
	    {"DELETE", V "/os-security-group-rules/{id}", compute_sg_rule_delete, NULL,            \
	     "compute"},                                                                           \
	    {"GET", V "/servers/{server_id}/os-security-groups", compute_server_sg_list, NULL,     \
	     "compute"},                                                                           \
	    {"GET", V "/os-floating-ips", compute_fip_list, NULL, "compute"},                      \
	    {"POST", V "/os-floating-ips", compute_fip_create, NULL, "compute"},                   \
	    {"GET", V "/os-floating-ips/{id}", compute_fip_show, NULL, "compute"},                 \
	    {"DELETE", V "/os-floating-ips/{id}", compute_fip_delete, NULL, "compute"},            \
	    {"GET", V "/os-floating-ip-pools", compute_fip_pools, NULL, "compute"},                \
	    {"GET", V "/os-networks", compute_network_list, NULL, "compute"},                      \
	    {"GET", V "/os-networks/{id}", compute_network_show, NULL, "compute"},                 \
	    {"POST", V "/os-networks", compute_gone, NULL, "compute"},                             \
	    {"POST", V "/os-networks/add", compute_gone, NULL, "compute"},                         \
	    {"DELETE", V "/os-networks/{id}", compute_gone, NULL, "compute"},                      \
	    {"POST", V "/os-networks/{id}/action", compute_gone, NULL, "compute"},                 \
	    {"GET", V "/os-tenant-networks", compute_tenant_network_list, NULL, "compute"},        \
	    {"GET", V "/os-tenant-networks/{id}", compute_tenant_network_show, NULL, "compute"},   \
	    {"POST", V "/os-tenant-networks", compute_gone, NULL, "compute"},                      \
	    {"DELETE", V "/os-tenant-networks/{id}", compute_gone, NULL, "compute"},               \
	    {"GET", V "/os-fixed-ips/{id}", compute_gone, NULL, "compute"},                        \
	    {"POST", V "/os-fixed-ips/{id}/action", compute_gone, NULL, "compute"},                \
	    {"GET", V "/os-floating-ip-dns", compute_gone, NULL, "compute"},                       \
	    {"PUT", V "/os-floating-ip-dns/{id}", compute_gone, NULL, "compute"},                  \
	    {"DELETE", V "/os-floating-ip-dns/{id}", compute_gone, NULL, "compute"},               \
	    {"GET", V "/os-floating-ip-dns/{domain}/entries/{id}", compute_gone, NULL, "compute"}, \
	    {"PUT", V "/os-floating-ip-dns/{domain}/entries/{id}", compute_gone, NULL, "compute"}, \
	    {"DELETE", V "/os-floating-ip-dns/{domain}/entries/{id}", compute_gone, NULL,          \
	     "compute"},                                                                           \
	    {"GET", V "/os-floating-ips-bulk", compute_gone, NULL, "compute"},                     \
	    {"POST", V "/os-floating-ips-bulk", compute_gone, NULL, "compute"},                    \
	    {"GET", V "/os-floating-ips-bulk/{id}", compute_gone, NULL, "compute"},                \
	    {"PUT", V "/os-floating-ips-bulk/{id}", compute_gone, NULL, "compute"},                \
	    {"GET", V "/os-fping", compute_gone, NULL, "compute"},                                 \
	    {"GET", V "/os-fping/{id}", compute_gone, NULL, "compute"},                            \
	    {"GET", V "/os-security-group-default-rules", compute_gone, NULL, "compute"},          \
	    {"POST", V "/os-security-group-default-rules", compute_gone, NULL, "compute"},         \
	    {"GET", V "/os-security-group-default-rules/{id}", compute_gone, NULL, "compute"},     \
	    {"DELETE", V "/os-security-group-default-rules/{id}", compute_gone, NULL, "compute"},  \
	{                                                                                          \
		"GET", V "/servers/{server_id}/os-virtual-interfaces", compute_gone, NULL,         \
		    "compute"                                                                      \
	}

#endif
