/* The metadata server guests reach at 169.254.169.254:80. Instead of a
 * proxy process per namespace, stackd opens a listening socket inside each
 * router and DHCP namespace (setns on the calling thread, socket, setns
 * back) and serves them all from one thread: the namespace tells the
 * network (or router), the source address the port, hence the server.
 * A guest only ever gets its own server's answers. */
#ifndef STACKD_NETWORK_DP_METADATA_H
#define STACKD_NETWORK_DP_METADATA_H

#include <stdbool.h>

#include "core/error.h"
#include "network/service-t.h"

int dp_md_start(struct net_service *ns, struct api_error *err);
void dp_md_stop(struct net_service *ns);
/* Wants a listener in namespace nsname for a router (is_router) or a
 * network (DHCP namespace); idempotent. */
int dp_md_listen(struct net_service *ns, const char *nsname, const char *id, bool is_router,
                 struct api_error *err);
void dp_md_unlisten(struct net_service *ns, const char *id);

#endif
