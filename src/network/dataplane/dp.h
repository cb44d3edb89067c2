/* The data plane: what the network API's state becomes in the kernel of
 * this host (in the network namespace stackd runs in). Names:
 *   bridge of a network     brq<network id[:11]> (the external one: br-ex)
 *   guest tap               tap<port id[:11]>
 *   DHCP namespace          qdhcp-<network id>, veth tap<port[:11]> / ns-<port[:11]>
 *   router namespace        qrouter-<router id>, veths tap<port[:11]> / qr-<port[:11]>
 *                           (interfaces) and tap<port[:11]> / qg-<port[:11]> (gateway)
 *   security groups         nft tables `bridge stackd_mark` and `inet stackd_sg`
 * Every change re-applies the intended state of the objects it touches,
 * idempotently; start re-applies everything and removes leftovers. */
#ifndef STACKD_NETWORK_DP_H
#define STACKD_NETWORK_DP_H

#include <jansson.h>
#include <stdbool.h>

#include "core/arena.h"
#include "core/error.h"
#include "network/service-t.h"

int net_dp_start(struct net_service *ns, struct api_error *err);
void net_dp_stop(struct net_service *ns); /* accepts a service whose dp never started */

/* Full re-sync (start, and `stackd cleanup` with remove_all). */
int net_dp_sync_all(struct net_service *ns, struct api_error *err);

/* `stackd cleanup --data-dir DIR`: removes every namespace, link, nft
 * table and process the data dir's network state names. */
int net_dp_cleanup(const char *data_dir, struct api_error *err);

/* Creates a guest tap on its network's bridge (idempotent). */
int net_dp_plug_tap(struct net_service *ns, json_t *port, struct api_error *err);
int net_dp_unplug_tap(const char *port_id);

void net_dp_names(const char *id, const char *prefix, char out[16]);
void net_dp_bridge_of(struct net_service *ns, json_t *net, char out[16]);

#endif
