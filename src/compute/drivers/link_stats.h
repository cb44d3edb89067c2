/* Counters of a network device in the caller's network namespace, read over
 * rtnetlink (IFLA_STATS64): /sys/class/net shows the namespace sysfs was
 * mounted in, which is not ours when stackd runs under a setns-only parent. */
#ifndef STACKD_COMPUTE_LINK_STATS_H
#define STACKD_COMPUTE_LINK_STATS_H

#include <stdint.h>

#include "core/error.h"

/* As the device counts them (for a tap: rx is what the guest sent). */
struct link_stats {
	uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
	uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
};

/* 404 when no device has that name. */
int link_stats_read(const char *name, struct link_stats *out, struct api_error *err);

#endif
