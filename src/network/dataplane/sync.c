/* Data plane entry points the API calls after each commit. Placeholder
 * until the kernel side lands: everything is a no-op with the data plane
 * off. */
#include "network/api.h"
#include "network/dataplane/dp.h"

#include <stdio.h>
#include <string.h>

void net_dp_names(const char *id, const char *prefix, char out[16])
{
	snprintf(out, 16, "%s%.11s", prefix, id);
}

void net_dp_bridge_of(struct net_service *ns, json_t *net, char out[16])
{
	const char *type = net_str(net, "provider:network_type");
	if (type && !strcmp(type, "flat"))
		snprintf(out, 16, "%s", ns->cfg.public_bridge);
	else
		net_dp_names(net_str(net, "id"), "brq", out);
}

int net_dp_start(struct net_service *ns, struct api_error *err)
{
	(void)ns;
	(void)err;
	return 0;
}
void net_dp_stop(struct net_service *ns)
{
	(void)ns;
}
int net_dp_plug_tap(struct net_service *ns, json_t *port, struct api_error *err)
{
	(void)ns;
	(void)port;
	(void)err;
	return 0;
}
void net_dp_network_changed(struct net_service *ns, const char *network_id)
{
	(void)ns;
	(void)network_id;
}
void net_dp_ports_changed(struct net_service *ns, const char *network_id)
{
	(void)ns;
	(void)network_id;
}
void net_dp_router_changed(struct net_service *ns, const char *router_id)
{
	(void)ns;
	(void)router_id;
}
void net_dp_security_changed(struct net_service *ns)
{
	(void)ns;
}
void net_dp_network_deleted(struct net_service *ns, const char *network_id)
{
	(void)ns;
	(void)network_id;
}
void net_dp_router_deleted(struct net_service *ns, const char *router_id)
{
	(void)ns;
	(void)router_id;
}
void net_dp_port_deleted(struct net_service *ns, json_t *port)
{
	(void)ns;
	(void)port;
}
