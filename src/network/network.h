/* What other services (compute) may ask of network, in-process: ports for a
 * server's NICs, bound and wired before the guest starts (DHCP host entry,
 * security groups and metadata in place when the call returns), their
 * release, security groups of a server, and the metadata lookup. Compute
 * never reads network's tables; network never reads compute's. */
#ifndef STACKD_NETWORK_H
#define STACKD_NETWORK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/http-t.h"

struct stackd_env;
struct net_service; /* network's state (opaque) */

/* The network service of this daemon, or NULL when it is not started yet
 * (look it up lazily, e.g. on first use, not in your start function if you
 * start before network). Valid until the daemon stops. */
struct net_service *net_service_of(struct http_server *http);

/* One NIC asked for by `server create --nic/--network/--port`. Exactly one
 * of: port_id (an existing port, bound to the server as is), network_id
 * (a new port on that network, optionally with fixed_ip), or auto (a new
 * port on the one network the project can use: its own network if it has
 * exactly one, else the only shared non-external network; 400 otherwise).
 * Nova's "none" is simply nnics == 0. */
struct net_nic_request {
	const char *port_id;
	const char *network_id;
	const char *fixed_ip; /* optional, with network_id */
	bool autoselect;
	const char *tag; /* device tag, kept for network_data.json; may be NULL */
};

/* Who the ports are for. */
struct net_server_info {
	const char *server_id;  /* device_id of the ports */
	const char *project_id; /* owner of the ports created */
	const char *hostname;   /* DHCP host name (Nova's sanitized display name) */
	const char *host;       /* binding:host_id; NULL = this host */
	/* Security groups (names or ids of the project, or shared) for ports
	 * created by network_id/auto; NULL/0 = the project's "default" group.
	 * Ports given by port_id keep theirs. */
	const char *const *security_groups;
	size_t nsecurity_groups;
};

#define NET_MAX_FIXED_IPS 8

struct net_fixed_ip {
	char subnet_id[37];
	char ip_address[46];
	int ip_version; /* 4 or 6 */
};

/* One NIC as the guest sees it. The tap is created by network (a tap
 * device, multi_queue off, owned by root, already enslaved to `bridge`,
 * up): QEMU opens it with `-netdev tap,id=...,ifname=<tap>,script=no,
 * downscript=no` and `-device virtio-net-pci,mac=<mac>`. */
struct net_vif {
	char port_id[37];
	char network_id[37];
	char network_name[256];
	char mac[18];    /* "fa:16:3e:xx:xx:xx" */
	char status[16]; /* the port's status: "ACTIVE", "DOWN" (os-interface's port_state) */
	char tap[16];    /* "tap" + port id[:11] */
	char bridge[16]; /* "brq" + network id[:11], or the external bridge */
	unsigned mtu;
	/* The tap exists on the bridge. False when network's data plane is
	 * off (stackd started in the host's initial network namespace without
	 * --network.dataplane on): then there is nothing to plug into. */
	bool plugged;
	struct net_fixed_ip fixed_ips[NET_MAX_FIXED_IPS];
	size_t nfixed_ips;
	/* This NIC's part of network_data.json: {"links": [..], "networks":
	 * [..], "services": [..]} (ids as Nova writes them: "tap<port[:11]>",
	 * "network0"... renumbered by net_network_data_merge). Owned by the
	 * arena given to the call. */
	json_t *network_data;
};

/* Creates or binds a port per NIC (in order), with DHCP host entries,
 * security group rules and the metadata route in place when it returns 0.
 * All or nothing: on failure no port stays created or bound. *vifs is
 * allocated from a. Do not call inside a database transaction of yours. */
int net_server_ports_allocate(struct net_service *ns, const struct net_server_info *server,
                              const struct net_nic_request *nics, size_t nnics, struct arena *a,
                              struct net_vif **vifs, size_t *nvifs, struct api_error *err);

/* The ports bound to a server now (e.g. to restart its guest after a
 * reboot of stackd, or for `addresses`), ordered by creation. */
int net_server_ports_list(struct net_service *ns, const char *server_id, struct arena *a,
                          struct net_vif **vifs, size_t *nvifs, struct api_error *err);

/* The floating IPs associated with a port (Neutron documents with
 * floating_ip_address and fixed_ip_address), for a server's addresses. */
int net_port_floating_ips(struct net_service *ns, const char *port_id, struct arena *a,
                          json_t **fips, struct api_error *err);

/* Nova's addFixedIp/removeFixedIp: one more address on the server's port
 * on network_id (from its first subnet with room; 400 when the server has
 * no port there or no room), or address removed from the port holding it
 * (400 when none does); DHCP and anti-spoofing follow. */
int net_server_fixed_ip_add(struct net_service *ns, const char *server_id, const char *network_id,
                            struct api_error *err);
int net_server_fixed_ip_remove(struct net_service *ns, const char *server_id, const char *address,
                               struct api_error *err);

/* os-interface detach / server delete: ports network created for the server
 * are deleted, ports the user gave (port_id) are unbound (device_id and
 * binding cleared) and kept; their taps, DHCP entries and rules go. A
 * server with no ports is not an error. port_id NULL = every port. */
int net_server_ports_release(struct net_service *ns, const char *server_id, const char *port_id,
                             struct api_error *err);

/* `server add/remove security group`: name or id (visible to the server's
 * project); applies to every port of the server. As Nova answers: 404 when
 * the group does not exist or the server has no port, 400 (add) when a
 * port has port security off or no address; removing a group not on the
 * server is a 404 too ("Security group ... not associated"). */
int net_server_security_group_add(struct net_service *ns, const char *server_id,
                                  const char *project_id, const char *group, struct api_error *err);
int net_server_security_group_remove(struct net_service *ns, const char *server_id,
                                     const char *project_id, const char *group,
                                     struct api_error *err);
/* Security groups on a server's ports (ids and names, deduplicated),
 * for `os-security-groups` and server bodies: a JSON array of
 * {"id", "name", "description", "tenant_id", "rules": []}, owned by a. */
int net_server_security_groups(struct net_service *ns, const char *server_id, struct arena *a,
                               json_t **groups, struct api_error *err);

/* network_data.json for a whole server from its NICs (ids renumbered,
 * services deduplicated). Owned by a. */
json_t *net_network_data_merge(const struct net_vif *vifs, size_t nvifs, struct arena *a);

/* The server owning the port with that fixed address on that network
 * (device_owner compute:*); -1 with a 404 when there is none. */
int net_metadata_lookup(struct net_service *ns, const char *network_id, const char *address,
                        char server_id[37], struct api_error *err);

/* Metadata answers belong to compute. Network's metadata server (on
 * 169.254.169.254:80 as the guests see it) finds the server from the
 * network and the source address, then asks this callback with the
 * request: its method ("GET", "HEAD", "POST"...), `path` as the guest sent
 * it (e.g. "/openstack/latest/meta_data.json", "/latest/meta-data/hostname",
 * "/openstack") and its body (at most 4096 bytes, read only when a
 * Content-Length came; NULL and 0 otherwise). The callback fills *status
 * (200, 404, 405...), *body (allocated from a; may be binary, *len bytes;
 * a plain-text reason for errors) and *content_type; it returns -1 only
 * for failures (answered as 500). It runs on network's metadata thread(s),
 * concurrently with API requests. If the path is
 * "/openstack/latest/network_data.json" (or another version), the
 * callback can call net_server_ports_list + net_network_data_merge. */
struct net_md_request {
	const char *method;
	const char *path;
	const char *body;
	size_t body_len;
};
typedef int (*net_metadata_fn)(void *cls, const char *server_id, const struct net_md_request *rq,
                               struct arena *a, int *status, char **body, size_t *len,
                               const char **content_type);
/* Called once by compute (in its start function or on first use). */
void net_metadata_register(struct net_service *ns, net_metadata_fn fn, void *cls);

/* ---- Nova's proxies to Neutron (compute's os-security-groups,
 * os-security-group-rules, os-floating-ips, os-floating-ip-pools,
 * os-networks, os-tenant-networks below 2.36; proxy.c). Each acts as the
 * caller of req (its token's project and roles) with Neutron's checks and
 * data-plane updates; documents are Neutron's, owned by req's arena;
 * errors are Neutron's (status, type) for compute to translate. ---- */
/* The caller's groups (all visible ones with all_projects), each with
 * "security_group_rules". */
int net_proxy_sg_list(struct net_service *ns, struct http_request *req, bool all_projects,
                      json_t **groups, struct api_error *err);
int net_proxy_sg_get(struct net_service *ns, struct http_request *req, const char *id,
                     json_t **group, struct api_error *err);
int net_proxy_sg_create(struct net_service *ns, struct http_request *req, const char *name,
                        const char *description, json_t **group, struct api_error *err);
/* name/description NULL: unchanged. */
int net_proxy_sg_update(struct net_service *ns, struct http_request *req, const char *id,
                        const char *name, const char *description, json_t **group,
                        struct api_error *err);
int net_proxy_sg_delete(struct net_service *ns, struct http_request *req, const char *id,
                        struct api_error *err);
int net_proxy_sg_rule_get(struct net_service *ns, struct http_request *req, const char *id,
                          json_t **rule, struct api_error *err);
/* rule: a Neutron security_group_rule body. */
int net_proxy_sg_rule_create(struct net_service *ns, struct http_request *req, json_t *rule,
                             json_t **out, struct api_error *err);
int net_proxy_sg_rule_delete(struct net_service *ns, struct http_request *req, const char *id,
                             struct api_error *err);
/* The caller's project's floating IPs. */
int net_proxy_fip_list(struct net_service *ns, struct http_request *req, json_t **fips,
                       struct api_error *err);
int net_proxy_fip_get(struct net_service *ns, struct http_request *req, const char *id,
                      json_t **fip, struct api_error *err);
/* 404 FloatingIpNotFoundForAddress when the caller sees none. */
int net_proxy_fip_find(struct net_service *ns, struct http_request *req, const char *address,
                       json_t **fip, struct api_error *err);
/* A new floating IP of the caller's project on that external network. */
int net_proxy_fip_create(struct net_service *ns, struct http_request *req, const char *network_id,
                         json_t **fip, struct api_error *err);
int net_proxy_fip_delete(struct net_service *ns, struct http_request *req, const char *id,
                         struct api_error *err);
/* Associates with port_id (at fixed_ip, or its first IPv4 address), or
 * disassociates when port_id is NULL; the router's NAT follows. */
int net_proxy_fip_set_port(struct net_service *ns, struct http_request *req, const char *id,
                           const char *port_id, const char *fixed_ip, struct api_error *err);
/* Networks the caller sees (only router:external ones if asked). */
int net_proxy_networks(struct net_service *ns, struct http_request *req, bool external_only,
                       json_t **nets, struct api_error *err);
int net_proxy_network_get(struct net_service *ns, struct http_request *req, const char *id,
                          json_t **net, struct api_error *err);

#endif
