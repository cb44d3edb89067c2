/* The network API's handlers, one group per file, listed in routes.c. */
#ifndef STACKD_NETWORK_HANDLERS_H
#define STACKD_NETWORK_HANDLERS_H

#include "core/http-t.h"

#define NET_HANDLER(name) \
	int name(struct http_request *req, struct http_response *resp, struct api_error *err)

extern const struct http_route net_routes[];
extern const size_t net_nroutes;

/* misc.c */
NET_HANDLER(net_versions);
NET_HANDLER(net_version_v2);
NET_HANDLER(net_extensions_list);
NET_HANDLER(net_extension_show);
NET_HANDLER(net_availability_zones);
NET_HANDLER(net_agents_list);
NET_HANDLER(net_ipavail_list);
NET_HANDLER(net_ipavail_show);
/* networks.c */
NET_HANDLER(net_networks_list);
NET_HANDLER(net_networks_create);
NET_HANDLER(net_networks_show);
NET_HANDLER(net_networks_update);
NET_HANDLER(net_networks_delete);
/* subnets.c */
NET_HANDLER(net_subnets_list);
NET_HANDLER(net_subnets_create);
NET_HANDLER(net_subnets_show);
NET_HANDLER(net_subnets_update);
NET_HANDLER(net_subnets_delete);
/* subnetpools.c */
NET_HANDLER(net_subnetpools_list);
NET_HANDLER(net_subnetpools_create);
NET_HANDLER(net_subnetpools_show);
NET_HANDLER(net_subnetpools_update);
NET_HANDLER(net_subnetpools_delete);
/* ports.c */
NET_HANDLER(net_ports_list);
NET_HANDLER(net_ports_create);
NET_HANDLER(net_ports_show);
NET_HANDLER(net_ports_update);
NET_HANDLER(net_ports_delete);
/* routers.c */
NET_HANDLER(net_routers_list);
NET_HANDLER(net_routers_create);
NET_HANDLER(net_routers_show);
NET_HANDLER(net_routers_update);
NET_HANDLER(net_routers_delete);
NET_HANDLER(net_routers_add_interface);
NET_HANDLER(net_routers_remove_interface);
/* floatingips.c */
NET_HANDLER(net_fips_list);
NET_HANDLER(net_fips_create);
NET_HANDLER(net_fips_show);
NET_HANDLER(net_fips_update);
NET_HANDLER(net_fips_delete);
/* secgroups.c */
NET_HANDLER(net_sgs_list);
NET_HANDLER(net_sgs_create);
NET_HANDLER(net_sgs_show);
NET_HANDLER(net_sgs_update);
NET_HANDLER(net_sgs_delete);
NET_HANDLER(net_sgrs_list);
NET_HANDLER(net_sgrs_create);
NET_HANDLER(net_sgrs_show);
NET_HANDLER(net_sgrs_delete);
/* quotas.c */
NET_HANDLER(net_quotas_list);
NET_HANDLER(net_quotas_default);
NET_HANDLER(net_quotas_details);
NET_HANDLER(net_quotas_show);
NET_HANDLER(net_quotas_update);
NET_HANDLER(net_quotas_delete);
/* tags.c */
NET_HANDLER(net_tags_list);
NET_HANDLER(net_tags_replace);
NET_HANDLER(net_tags_clear);
NET_HANDLER(net_tags_check);
NET_HANDLER(net_tags_add);
NET_HANDLER(net_tags_remove);

#endif
