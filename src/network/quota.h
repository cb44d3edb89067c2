/* Neutron quotas: defaults from [network] quota_<resource> options,
 * per-project overrides in net_quotas, usage counted from the documents. */
#ifndef STACKD_NETWORK_QUOTA_H
#define STACKD_NETWORK_QUOTA_H

#include "core/config.h"
#include "core/error.h"
#include "network/service-t.h"

enum net_quota_resource {
	NET_Q_NETWORK,
	NET_Q_SUBNET,
	NET_Q_SUBNETPOOL,
	NET_Q_PORT,
	NET_Q_ROUTER,
	NET_Q_FLOATINGIP,
	NET_Q_SECURITY_GROUP,
	NET_Q_SECURITY_GROUP_RULE,
	NET_Q_RBAC_POLICY,
	NET_Q_COUNT
};

extern const char *const net_quota_names[NET_Q_COUNT];

void net_quota_defaults(const struct config *cfg, long long out[16]);
/* 409 OverQuota when the project already has `limit` of kind (adding
 * `adding` more). kind is the store kind ("network", ...). */
int net_quota_check(struct net_service *ns, const char *project_id, enum net_quota_resource r,
                    long long adding, struct api_error *err);
/* Creates the public network of DevStack once (network, subnet). */
int net_bootstrap(struct net_service *ns, struct api_error *err);
/* The project's "default" security group, created on first use; its id in
 * out (37 bytes). Runs inside the caller's transaction. */
int net_default_sg(const char *project_id, char out[37], struct api_error *err);
/* The caller's default group exists after this (Neutron makes it on the
 * first request of a project); its own transaction. */
int net_sg_ensure_default(struct http_request *req, struct api_error *err);

#endif
