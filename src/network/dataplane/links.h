/* Kernel objects of the data plane, each created idempotently and
 * recorded under <state dir>/links and <state dir>/netns so that a
 * restart removes leftovers and `stackd cleanup` removes everything this
 * data dir made (and nothing else: namespaces are global to the host). */
#ifndef STACKD_NETWORK_DP_LINKS_H
#define STACKD_NETWORK_DP_LINKS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct dp_record {
	const char *state_dir;
};

/* Records (or forgets) an object by kind ("links", "netns") and name. */
void dp_record_add(const char *state_dir, const char *kind, const char *name);
void dp_record_del(const char *state_dir, const char *kind, const char *name);
/* Calls fn for each recorded name of kind. */
void dp_record_each(const char *state_dir, const char *kind,
                    void (*fn)(void *cls, const char *name), void *cls);

/* A bridge, up, with addrs ("172.24.4.1/24", may be NULL/0) on it. */
int dp_bridge_ensure(const char *state_dir, const char *name, const char *const *addrs,
                     size_t naddrs, unsigned mtu, struct api_error *err);
/* A persistent tap on bridge, up, with host-side MAC derived from mac. */
int dp_tap_ensure(const char *state_dir, const char *tap, const char *mac, const char *bridge,
                  unsigned mtu, struct api_error *err);
/* A veth: host end on bridge, peer end in netns nsname with mac and
 * addrs (replaced: stale addresses of the peer removed). */
int dp_veth_ensure(const char *state_dir, const char *host, const char *peer, const char *nsname,
                   const char *bridge, const char *mac, const char *const *addrs, size_t naddrs,
                   unsigned mtu, struct api_error *err);
int dp_netns_ensure(const char *state_dir, const char *name, struct api_error *err);
void dp_link_delete(const char *state_dir, const char *name);
void dp_netns_delete(const char *state_dir, const char *name);

#endif
