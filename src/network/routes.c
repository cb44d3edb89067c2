/* The Neutron v2.0 API surface of stackd, under /network: one table of
 * method, path, handler and policy rule ("user": any project-scoped token,
 * handlers check ownership; "admin": the admin role). */
#include "network/handlers.h"

#define R(m, p, h, rule)            \
	{                           \
		m, p, h, NULL, rule \
	}

const struct http_route net_routes[] = {
    R("GET", "/", net_versions, NULL),
    R("GET", "/v2.0", net_version_v2, NULL),
    R("GET", "/v2.0/extensions", net_extensions_list, "user"),
    R("GET", "/v2.0/extensions/{alias}", net_extension_show, "user"),
    R("GET", "/v2.0/availability_zones", net_availability_zones, "user"),
    R("GET", "/v2.0/agents", net_agents_list, "user"),

    R("GET", "/v2.0/networks", net_networks_list, "user"),
    R("POST", "/v2.0/networks", net_networks_create, "user"),
    R("GET", "/v2.0/networks/{id}", net_networks_show, "user"),
    R("PUT", "/v2.0/networks/{id}", net_networks_update, "user"),
    R("DELETE", "/v2.0/networks/{id}", net_networks_delete, "user"),

    R("GET", "/v2.0/subnets", net_subnets_list, "user"),
    R("POST", "/v2.0/subnets", net_subnets_create, "user"),
    R("GET", "/v2.0/subnets/{id}", net_subnets_show, "user"),
    R("PUT", "/v2.0/subnets/{id}", net_subnets_update, "user"),
    R("DELETE", "/v2.0/subnets/{id}", net_subnets_delete, "user"),

    R("GET", "/v2.0/subnetpools", net_subnetpools_list, "user"),
    R("POST", "/v2.0/subnetpools", net_subnetpools_create, "user"),
    R("GET", "/v2.0/subnetpools/{id}", net_subnetpools_show, "user"),
    R("PUT", "/v2.0/subnetpools/{id}", net_subnetpools_update, "user"),
    R("DELETE", "/v2.0/subnetpools/{id}", net_subnetpools_delete, "user"),

    R("GET", "/v2.0/ports", net_ports_list, "user"),
    R("POST", "/v2.0/ports", net_ports_create, "user"),
    R("GET", "/v2.0/ports/{id}", net_ports_show, "user"),
    R("PUT", "/v2.0/ports/{id}", net_ports_update, "user"),
    R("DELETE", "/v2.0/ports/{id}", net_ports_delete, "user"),

    R("GET", "/v2.0/routers", net_routers_list, "user"),
    R("POST", "/v2.0/routers", net_routers_create, "user"),
    R("GET", "/v2.0/routers/{id}", net_routers_show, "user"),
    R("PUT", "/v2.0/routers/{id}", net_routers_update, "user"),
    R("DELETE", "/v2.0/routers/{id}", net_routers_delete, "user"),
    R("PUT", "/v2.0/routers/{id}/add_router_interface", net_routers_add_interface, "user"),
    R("PUT", "/v2.0/routers/{id}/remove_router_interface", net_routers_remove_interface, "user"),

    R("GET", "/v2.0/floatingips", net_fips_list, "user"),
    R("POST", "/v2.0/floatingips", net_fips_create, "user"),
    R("GET", "/v2.0/floatingips/{id}", net_fips_show, "user"),
    R("PUT", "/v2.0/floatingips/{id}", net_fips_update, "user"),
    R("DELETE", "/v2.0/floatingips/{id}", net_fips_delete, "user"),

    R("GET", "/v2.0/security-groups", net_sgs_list, "user"),
    R("POST", "/v2.0/security-groups", net_sgs_create, "user"),
    R("GET", "/v2.0/security-groups/{id}", net_sgs_show, "user"),
    R("PUT", "/v2.0/security-groups/{id}", net_sgs_update, "user"),
    R("DELETE", "/v2.0/security-groups/{id}", net_sgs_delete, "user"),
    R("GET", "/v2.0/security-group-rules", net_sgrs_list, "user"),
    R("POST", "/v2.0/security-group-rules", net_sgrs_create, "user"),
    R("GET", "/v2.0/security-group-rules/{id}", net_sgrs_show, "user"),
    R("DELETE", "/v2.0/security-group-rules/{id}", net_sgrs_delete, "user"),

    R("GET", "/v2.0/quotas", net_quotas_list, "admin"),
    R("GET", "/v2.0/quotas/{project_id}/default", net_quotas_default, "user"),
    R("GET", "/v2.0/quotas/{project_id}/details.json", net_quotas_details, "user"),
    R("GET", "/v2.0/quotas/{project_id}/details", net_quotas_details, "user"),
    R("GET", "/v2.0/quotas/{project_id}", net_quotas_show, "user"),
    R("PUT", "/v2.0/quotas/{project_id}", net_quotas_update, "admin"),
    R("DELETE", "/v2.0/quotas/{project_id}", net_quotas_delete, "admin"),

    R("GET", "/v2.0/network-ip-availabilities", net_ipavail_list, "admin"),
    R("GET", "/v2.0/network-ip-availabilities/{id}", net_ipavail_show, "admin"),

    R("GET", "/v2.0/{resource}/{id}/tags", net_tags_list, "user"),
    R("PUT", "/v2.0/{resource}/{id}/tags", net_tags_replace, "user"),
    R("DELETE", "/v2.0/{resource}/{id}/tags", net_tags_clear, "user"),
    R("GET", "/v2.0/{resource}/{id}/tags/{tag}", net_tags_check, "user"),
    R("PUT", "/v2.0/{resource}/{id}/tags/{tag}", net_tags_add, "user"),
    R("DELETE", "/v2.0/{resource}/{id}/tags/{tag}", net_tags_remove, "user"),
};

const size_t net_nroutes = sizeof(net_routes) / sizeof(net_routes[0]);
