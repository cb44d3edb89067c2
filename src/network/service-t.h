/* The network service's state (struct net_service, reached through
 * req->ctx or net_service_of) and its configuration. Everything here is
 * set at start and read-only afterwards, except what the locks guard. */
#ifndef STACKD_NETWORK_SERVICE_T_H
#define STACKD_NETWORK_SERVICE_T_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>

#include "core/http-t.h"
#include "network/network.h"

struct net_metadata_server;

struct net_config {
	char mac_base[18];            /* "fa:16:3e:00:00:00" */
	char public_cidr[64];         /* "172.24.4.0/24" */
	char public_gateway[46];      /* "172.24.4.1" */
	char public_pool_start[46];   /* "172.24.4.2" */
	char public_pool_end[46];     /* "172.24.4.254" */
	char public_bridge[16];       /* "br-ex" */
	char physical_network[64];    /* "public" */
	char public_network_name[64]; /* "public" */
	char dns_domain[64];          /* "openstacklocal." */
	unsigned mtu;                 /* 1500 (1450 is VXLAN's; bridges here are local) */
	bool dataplane;               /* false: API only, no kernel objects */
	bool forward_external;        /* allow routing out of the host's own interfaces */
	long long quota[16];          /* defaults, by enum net_quota_resource */
};

struct net_service {
	const struct stackd_env *env;
	struct net_config cfg;
	char state_dir[PATH_MAX]; /* <data dir>/network */
	struct http_service http;
	/* Serializes changes of kernel state (one writer of bridges, nft
	 * tables, dnsmasq files at a time). */
	pthread_mutex_t dp_lock;
	pthread_mutex_t md_lock; /* guards md_fn/md_cls */
	net_metadata_fn md_fn;
	void *md_cls;
	struct net_metadata_server *md;
	/* Port id -> dp_nft_port_policy text last applied (under dp_lock);
	 * NULL before the first apply. */
	json_t *sg_policies;
};

#endif
