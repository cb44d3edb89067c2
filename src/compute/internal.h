/* The compute service's own model, shared by its files and nobody else: the
 * service state (req->ctx), a server row, the microversion of a request, and
 * the functions the files give each other. Other services see driver.h only. */
#ifndef STACKD_COMPUTE_INTERNAL_H
#define STACKD_COMPUTE_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

#include "compute/driver.h"
#include "compute/logic.h"
#include "core/error.h"
#include "core/http.h"
#include "identity/identity.h"

struct arena;
struct config;
struct stackd_env;
struct work_queue;

struct compute_svc {
	struct http_service http;                    /* ctx points here */
	struct http_route *route_table;              /* routes.c's table + project-id twins */
	size_t nroute_table, twins_begin, twins_end; /* twins own their patterns */
	const struct stackd_env *env;
	const struct compute_driver *drv;
	void *drv_state;
	struct compute_host_facts facts;
	struct compute_host host; /* name, zone, capacity with ratios applied */
	struct work_queue *wq;
	char instances_dir[4096];
	int shutdown_timeout;
	int shelved_offload_time; /* seconds; 0: at once, < 0: never */
	int reclaim_interval;     /* seconds; > 0: DELETE soft-deletes */
	/* periodic.c's thread */
	pthread_t periodic;
	pthread_mutex_t periodic_mu;
	pthread_cond_t periodic_cv;
	bool periodic_running, periodic_stop;
	pthread_mutex_t seq_lock;
	/* Service records removed by DELETE /os-services (hosts.c bits:
	 * compute, scheduler, conductor); all back when the daemon starts,
	 * as Nova's services register again. */
	unsigned services_deleted;
};

/* A server as the handlers see it (strings in the request arena). */
struct compute_server {
	const char *id, *name, *project_id, *user_id, *image_id, *flavor_id;
	json_t *flavor; /* {name, vcpus, ram, disk, ephemeral, swap, extra_specs} */
	const char *key_name, *key_data, *user_data;
	bool config_drive;
	const char *availability_zone, *host;
	const char *vm_state, *task_state;
	int power_state;
	const char *description, *hostname;
	bool locked;
	const char *locked_reason, *reservation_id;
	int launch_index;
	json_t *metadata, *tags, *fault;
	json_t *old_flavor;                        /* while resized (VERIFY_RESIZE), else NULL */
	const char *shelved_image_id, *shelved_at; /* while shelved, else NULL */
	const char *access_ipv4, *access_ipv6;
	const char *created_at, *updated_at, *launched_at;
	bool auto_disk_config; /* OS-DCF:diskConfig AUTO */
};

/* ---- server_query.c: the server list's sort and extra filters ---- */
#define COMPUTE_SORT_MAX 16
struct compute_server_sort {
	const char *keys[COMPUTE_SORT_MAX]; /* Nova's names: "display_name", ... */
	bool desc[COMPUTE_SORT_MAX];
	size_t n;
};
/* sort_key/sort_dir of the query (created_at desc by default). */
int compute_server_sort_parse(struct http_request *req, struct compute_server_sort *out,
                              struct api_error *err);
/* Orders a and b (their positions in a newest-first listing break ties). */
int compute_server_compare(const struct compute_server_sort *sort, const struct compute_server *a,
                           size_t a_pos, const struct compute_server *b, size_t b_pos);
struct compute_server_filter {
	const char *tags, *tags_any, *not_tags, *not_tags_any; /* 2.26, comma-separated */
	bool has_locked, locked;                               /* 2.73 */
	/* admins; from 2.83 (but hostname, uuid) everyone */
	const char *user_id, *vm_state, *task_state, *key_name, *zone, *hostname, *uuid;
	const char *config_drive, *power_state, *created_at, *launched_at;
};
int compute_server_filter_parse(struct http_request *req, struct compute_server_filter *f,
                                struct api_error *err);
bool compute_server_filter_match(const struct compute_server_filter *f,
                                 const struct compute_server *s);
/* 400 for query parameters Nova refuses (any unknown one from 2.75). */
int compute_server_query_check(struct http_request *req, struct api_error *err);

/* ---- trusted_certs.c (2.63) ---- */
/* Reads obj's trusted_image_certificates: *given says whether the key is
 * there, *out the list (borrowed from obj; NULL for none or null). 400
 * before 2.63 or when the list is not 1-50 unique non-empty strings. */
int compute_trusted_certs_parse(struct http_request *req, json_t *obj, const char *what,
                                json_t **out, bool *given, struct api_error *err);
/* Sets the server's list (ids NULL: clears it), in the caller's transaction. */
int compute_trusted_certs_store(const char *server_id, json_t *ids, struct api_error *err);
/* The server's list, or JSON null (a new reference). */
json_t *compute_trusted_certs_view(const char *server_id);

/* ---- routes.c ---- */
/* changes-since and (2.66) changes-before of a list query, with Nova's
 * 400s; compute_window_has says whether a record updated at `when` is in. */
struct compute_window {
	bool has_since, has_before;
	double since, before;
};
int compute_changes_window(struct http_request *req, struct compute_window *w,
                           struct api_error *err);
bool compute_window_has(const struct compute_window *w, const char *when);
int compute_mv(const struct http_request *req); /* the request's minor version (2.x) */
const char *compute_project(const struct http_request *req);
bool compute_is_admin(const struct http_request *req);
json_t *compute_links(const struct http_request *req, const char *collection, const char *id);
/* True when Nova removed the API under /v2.1/<collection> at or below the
 * request's microversion (its answer is then a plain 404). */
int compute_removed_api(const struct http_request *req, const char *collection);

/* ---- servers.c / server_view.c ---- */
int compute_server_load(struct http_request *req, const char *id, struct compute_server *out,
                        struct api_error *err);
int compute_server_read(struct arena *a, const char *id, struct compute_server *out,
                        struct api_error *err);
/* The server's addresses by network name (Nova's `addresses`). */
json_t *compute_server_addresses(struct http_request *req, const char *id, bool detail);
json_t *compute_server_view(struct http_request *req, const struct compute_server *s, bool detail);
/* The view of one server (show, update, rebuild): from 2.71 with the ids
 * of its server groups. */
json_t *compute_server_view_one(struct http_request *req, const struct compute_server *s,
                                bool detail);
/* The ids of the groups the server belongs to (a new array). */
json_t *compute_server_groups_of(const char *server_id);
/* Nova's hostId: a hash of project and host, "" without a host (request arena). */
const char *compute_host_id(struct http_request *req, const char *project_id, const char *host);
int compute_server_set_state(const char *id, const char *vm_state, const char *task_state,
                             int power_state, struct api_error *err);
int compute_server_set_fault(const char *id, int code, const char *message, struct api_error *err);
int compute_action_start(struct http_request *req, const char *server_id, const char *action,
                         long long *action_id, struct api_error *err);
void compute_action_finish(long long action_id, bool ok, const char *message);

/* accessIPv4/accessIPv6 of a create, update or rebuild body, checked and
 * normalised (400 as Nova's 'ipv4'/'ipv6' formats); *out unchanged when
 * the field is absent. */
int compute_access_ip(struct http_request *req, json_t *obj, const char *field, const char **out,
                      struct api_error *err);
/* A device tag allowed at the request's microversion (400 otherwise). */
int compute_device_tag_check(struct http_request *req, const char *tag, struct api_error *err);
struct net_nic_request;
struct net_vif;
/* Keeps the tags of nics[i] (its port vifs[i]) for meta_data.json. */
int compute_device_tags_save(const char *server_id, const struct net_nic_request *nics,
                             const struct net_vif *vifs, size_t n, struct api_error *err);
/* 2.90's `hostname` of obj (400 before 2.90 or when not an RFC 952 label),
 * NULL when absent. */
int compute_hostname_param(struct http_request *req, json_t *obj, const char *what,
                           const char **out, struct api_error *err);
/* A client-supplied adminPass (a string), NULL when none. */
int compute_admin_pass(json_t *obj, const char **out, struct api_error *err);
int compute_metadata_valid(json_t *md, const char *field, struct api_error *err);
int compute_tag_valid(const char *tag, struct api_error *err);
/* 409 when the server is locked and the caller is not an admin. */
int compute_check_lock(struct http_request *req, const struct compute_server *s,
                       struct api_error *err);

/* ---- tasks.c: work run by the driver on the work queue ---- */
enum compute_task {
	COMPUTE_TASK_SPAWN,
	COMPUTE_TASK_DESTROY,
	COMPUTE_TASK_START,
	COMPUTE_TASK_STOP,
	COMPUTE_TASK_REBOOT_SOFT,
	COMPUTE_TASK_REBOOT_HARD,
	COMPUTE_TASK_PAUSE,
	COMPUTE_TASK_UNPAUSE,
	COMPUTE_TASK_SUSPEND,
	COMPUTE_TASK_RESUME,
	COMPUTE_TASK_RESCUE,
	COMPUTE_TASK_UNRESCUE,
	COMPUTE_TASK_REBUILD,
	COMPUTE_TASK_RESIZE,
	COMPUTE_TASK_SNAPSHOT,
	COMPUTE_TASK_SHELVE,
	COMPUTE_TASK_SHELVE_OFFLOAD,
	COMPUTE_TASK_UNSHELVE,
	COMPUTE_TASK_REVERT_RESIZE,
	COMPUTE_TASK_SOFT_DELETE,
	COMPUTE_TASK_RESTORE,
};
/* Queues task for the server (whose task_state the caller already wrote in
 * the database); arg is an optional string (image id for rebuild/rescue/
 * snapshot, flavor id for resize), copied. */
/* 0 when the host's driver can do task; 501 (Nova's notImplemented) when
 * its operation is not built for this driver, before any state changes. */
int compute_task_supported(const struct compute_svc *svc, enum compute_task task,
                           struct api_error *err);
int compute_task_submit(struct compute_svc *svc, enum compute_task task, const char *server_id,
                        long long action_id, const char *arg, struct api_error *err);
/* Start-up: re-syncs power states with the driver and finishes or fails
 * tasks a previous run left behind. */
/* The task_state a task runs under ("spawning", "powering-off", ...). */
const char *compute_task_state(enum compute_task t);
int compute_tasks_recover(struct compute_svc *svc, struct api_error *err);
/* Drops the device tag of a detached port. */
/* The tag of the server's NIC on that port, NULL when untagged (arena). */
const char *compute_device_tag_of(struct arena *a, const char *server_id, const char *port_id);
void compute_device_tag_forget(const char *server_id, const char *port_id);
/* The OpenStack meta_data.json of a server (new reference). */
json_t *compute_meta_data(const struct compute_svc *svc, const struct compute_server *s);
struct net_md_request; /* network/network.h */
/* metadata.c: net_metadata_fn answering the guests' metadata requests. */
int compute_metadata_answer(void *cls, const char *server_id, const struct net_md_request *rq,
                            struct arena *a, int *status, char **body, size_t *len,
                            const char **ctype);
/* metadata_password.c: /openstack/<version>/password (versions from
 * 2013-04-04) for the guest: GET reads, POST leaves the password once. */
int compute_metadata_password(struct arena *a, const char *server_id,
                              const struct net_md_request *rq, int *status, char **body,
                              size_t *len, const char **ctype);
void compute_power_changed(void *cls, const char *id, enum compute_power power);

/* ---- diagnostics.c ---- */
/* The trigger_crash_dump action (2.17): checks, then the driver's NMI. */
int compute_server_crash_dump(struct http_request *req, const struct compute_server *s, json_t *arg,
                              struct api_error *err);

/* ---- consoles.c ---- */
/* True for the legacy console actions (os-getVNCConsole, ...). */
bool compute_console_action(const char *action);
/* Answers one of them (200 {"console": {type, url}}; 404 from 2.6). */
int compute_console_legacy(struct http_request *req, struct http_response *resp,
                           const struct compute_server *s, const char *action, json_t *arg,
                           struct api_error *err);

/* ---- hosts.c ---- */
/* The service's disabled flag into svc->host.enabled (start-up). */
int compute_service_state_load(struct compute_svc *svc, struct api_error *err);
/* An admin forced this host's compute service down (os-services). */
bool compute_service_forced_down(struct http_request *req);
/* Every service record of this host (the scheduler, the conductor and
 * nova-compute) as os-services shows them at the request's microversion. */
int compute_services(struct http_request *req, json_t **out, struct api_error *err);
/* False once the nova-compute service record was deleted (until restart). */
bool compute_service_exists(struct http_request *req);

/* ---- migrations.c ---- */
/* Records a migration of s (type resize, migration, live-migration) from
 * its host to dest with status; flavors by id (NULL: none). */
int compute_migration_record(struct http_request *req, const struct compute_server *s,
                             const char *type, const char *status, const char *dest,
                             const char *old_flavor, const char *new_flavor, struct api_error *err);
/* Moves the server's latest migration of type to status. */
void compute_migration_status(const char *server_id, const char *type, const char *status);
/* migrate, os-migrateLive, evacuate (admins): this one-host cloud has no
 * other host; Nova's answers and records for that. */
int compute_server_migrate(struct http_request *req, const struct compute_server *s, json_t *arg,
                           struct api_error *err);
int compute_server_live_migrate(struct http_request *req, const struct compute_server *s,
                                json_t *arg, struct api_error *err);
int compute_server_evacuate(struct http_request *req, struct http_response *resp,
                            const struct compute_server *s, json_t *arg, struct api_error *err);

/* ---- handlers ---- */
#define COMPUTE_HANDLER(fn) \
	int fn(struct http_request *req, struct http_response *resp, struct api_error *err)
COMPUTE_HANDLER(compute_flavor_list);
COMPUTE_HANDLER(compute_flavor_detail);
COMPUTE_HANDLER(compute_flavor_show);
COMPUTE_HANDLER(compute_flavor_create);
COMPUTE_HANDLER(compute_flavor_update);
COMPUTE_HANDLER(compute_flavor_delete);
COMPUTE_HANDLER(compute_flavor_specs_list);
COMPUTE_HANDLER(compute_flavor_specs_set);
COMPUTE_HANDLER(compute_flavor_spec_show);
COMPUTE_HANDLER(compute_flavor_spec_delete);
COMPUTE_HANDLER(compute_flavor_access_list);
COMPUTE_HANDLER(compute_flavor_action);
COMPUTE_HANDLER(compute_keypair_list);
COMPUTE_HANDLER(compute_keypair_show);
COMPUTE_HANDLER(compute_keypair_create);
COMPUTE_HANDLER(compute_keypair_delete);
COMPUTE_HANDLER(compute_server_list);
COMPUTE_HANDLER(compute_server_detail);
COMPUTE_HANDLER(compute_server_show);
COMPUTE_HANDLER(compute_server_create);
COMPUTE_HANDLER(compute_server_update);
COMPUTE_HANDLER(compute_server_delete);
/* forceDelete: deletes at once (also a SOFT_DELETED server), 202. */
COMPUTE_HANDLER(compute_server_force_delete);
COMPUTE_HANDLER(compute_server_ips);
COMPUTE_HANDLER(compute_server_diagnostics);
COMPUTE_HANDLER(compute_server_topology);
COMPUTE_HANDLER(compute_extension_list);
COMPUTE_HANDLER(compute_extension_show);
COMPUTE_HANDLER(compute_aggregate_images);
/* aggregates.c, for image_cache.c: the path's aggregate id (400 unless an
 * integer), and whether host is in that aggregate (404 without it). */
int compute_aggregate_path_id(struct http_request *req, long long *id, struct api_error *err);
int compute_aggregate_has_host(struct http_request *req, long long id, const char *host, bool *in,
                               struct api_error *err);
COMPUTE_HANDLER(compute_migration_list);
COMPUTE_HANDLER(compute_service_update);
COMPUTE_HANDLER(compute_service_delete);
COMPUTE_HANDLER(compute_quota_class_show);
COMPUTE_HANDLER(compute_quota_class_update);
COMPUTE_HANDLER(compute_server_migration_list);
COMPUTE_HANDLER(compute_server_migration_show);
COMPUTE_HANDLER(compute_server_migration_abort);
COMPUTE_HANDLER(compute_server_migration_action);
COMPUTE_HANDLER(compute_server_metadata_list);
COMPUTE_HANDLER(compute_server_metadata_set);
COMPUTE_HANDLER(compute_server_metadata_replace);
COMPUTE_HANDLER(compute_server_metadata_show);
COMPUTE_HANDLER(compute_server_metadata_put);
COMPUTE_HANDLER(compute_server_metadata_delete);
COMPUTE_HANDLER(compute_server_tags_list);
COMPUTE_HANDLER(compute_server_tags_replace);
COMPUTE_HANDLER(compute_server_tags_clear);
COMPUTE_HANDLER(compute_server_tag_check);
COMPUTE_HANDLER(compute_server_tag_add);
COMPUTE_HANDLER(compute_server_tag_delete);
COMPUTE_HANDLER(compute_server_action);
COMPUTE_HANDLER(compute_instance_actions_list);
COMPUTE_HANDLER(compute_instance_action_show);
COMPUTE_HANDLER(compute_interface_list);
COMPUTE_HANDLER(compute_interface_show);
COMPUTE_HANDLER(compute_interface_attach);
COMPUTE_HANDLER(compute_interface_detach);
COMPUTE_HANDLER(compute_limits);
COMPUTE_HANDLER(compute_quota_show);
COMPUTE_HANDLER(compute_quota_detail);
COMPUTE_HANDLER(compute_quota_defaults);
COMPUTE_HANDLER(compute_quota_update);
COMPUTE_HANDLER(compute_quota_delete);
COMPUTE_HANDLER(compute_az_list);
COMPUTE_HANDLER(compute_az_detail);
COMPUTE_HANDLER(compute_hypervisor_list);
COMPUTE_HANDLER(compute_hypervisor_detail);
COMPUTE_HANDLER(compute_hypervisor_show);
COMPUTE_HANDLER(compute_hypervisor_stats);
COMPUTE_HANDLER(compute_hypervisor_uptime);
COMPUTE_HANDLER(compute_hypervisor_search);
COMPUTE_HANDLER(compute_hypervisor_servers);
COMPUTE_HANDLER(compute_service_list);
COMPUTE_HANDLER(compute_aggregate_list);
COMPUTE_HANDLER(compute_aggregate_create);
COMPUTE_HANDLER(compute_aggregate_show);
COMPUTE_HANDLER(compute_aggregate_update);
COMPUTE_HANDLER(compute_aggregate_delete);
COMPUTE_HANDLER(compute_aggregate_action);
COMPUTE_HANDLER(compute_usage_list);
COMPUTE_HANDLER(compute_usage_show);
COMPUTE_HANDLER(compute_server_group_list);
COMPUTE_HANDLER(compute_server_group_create);
COMPUTE_HANDLER(compute_server_group_show);
COMPUTE_HANDLER(compute_server_group_delete);
/* os_hosts.c: os-hosts below 2.43 */
COMPUTE_HANDLER(compute_os_hosts_list);
COMPUTE_HANDLER(compute_os_hosts_show);
COMPUTE_HANDLER(compute_os_hosts_update);
COMPUTE_HANDLER(compute_os_hosts_reboot);
COMPUTE_HANDLER(compute_os_hosts_shutdown);
COMPUTE_HANDLER(compute_os_hosts_startup);
/* The servers placed on host: [{id, name, project_id, vcpus, ram, disk}]. */
int compute_host_servers(struct http_request *req, const char *host, json_t **out,
                         struct api_error *err);
/* keypairs_x509.c: x509 key pairs (fingerprints are SHA-1, "ab:cd:..") */
#define COMPUTE_FP_MAX 60
int compute_x509_fingerprint(const char *pem, char fp[COMPUTE_FP_MAX], struct api_error *err);
/* A key and self-signed client certificate for user_id: *priv the base64
 * PKCS#12 bundle, *cert_pem the certificate (both in arena a). */
int compute_x509_generate(struct arena *a, const char *user_id, char **priv, char **cert_pem,
                          char fp[COMPUTE_FP_MAX], struct api_error *err);
/* disk_config.c: OS-DCF:diskConfig */
struct image_info;
/* The request's OS-DCF:diskConfig: -1 absent, 0 MANUAL, 1 AUTO (400 else). */
int compute_disk_config_arg(json_t *obj, int *out, struct api_error *err);
/* The flag for a server of img: 400 for AUTO when the image disables it;
 * without a request, the image's auto_disk_config property. */
int compute_disk_config_for_image(const struct image_info *img, int requested, bool *out,
                                  struct api_error *err);
int compute_disk_config_set(const char *server_id, bool on, struct api_error *err);
/* server_misc.c */
COMPUTE_HANDLER(compute_server_ips_show);
COMPUTE_HANDLER(compute_server_password_show);
COMPUTE_HANDLER(compute_server_password_clear);
COMPUTE_HANDLER(compute_server_external_events);
COMPUTE_HANDLER(compute_usage_audit_list);
COMPUTE_HANDLER(compute_usage_audit_show);
/* The periodic instance usage audit (when [compute] instance_usage_audit
 * is on): the task log of the last completed period, once. */
void compute_usage_audit_run(struct compute_svc *svc);
/* The password the metadata service keeps for the server ("" if none). */
const char *compute_server_password(struct arena *a, const char *server_id);
/* Keeps the password a guest posted (len bytes of UTF-8) unless one is
 * set already: 1 when stored, 0 when one was there (or the server is
 * gone), -1 on failure. */
int compute_server_password_set(const char *server_id, const char *pw, size_t len,
                                struct api_error *err);
/* proxy_images.c: /images below 2.36 */
COMPUTE_HANDLER(compute_image_list);
COMPUTE_HANDLER(compute_image_detail);
COMPUTE_HANDLER(compute_image_show);
COMPUTE_HANDLER(compute_image_delete);
COMPUTE_HANDLER(compute_image_metadata_list);
COMPUTE_HANDLER(compute_image_metadata_create);
COMPUTE_HANDLER(compute_image_metadata_replace);
COMPUTE_HANDLER(compute_image_metadata_show);
COMPUTE_HANDLER(compute_image_metadata_put);
COMPUTE_HANDLER(compute_image_metadata_delete);
COMPUTE_HANDLER(compute_remote_console_create);
COMPUTE_HANDLER(compute_console_auth_token_show);
COMPUTE_HANDLER(compute_console_proxy);
COMPUTE_HANDLER(compute_novnc_file);

/* ---- aggregates.c ---- */
/* The availability zone of host: the one an aggregate of the host names,
 * else `[compute] availability_zone` (svc->host.zone). */
int compute_host_zone(const struct compute_svc *svc, const char *host, char *zone, size_t len,
                      struct api_error *err);

/* ---- periodic.c: the compute service's periodic tasks ---- */
/* A thread that offloads servers shelved longer than shelved_offload_time
 * and reclaims servers soft-deleted longer than reclaim_instance_interval. */
int compute_periodic_start(struct compute_svc *svc, struct api_error *err);
void compute_periodic_stop(struct compute_svc *svc);

/* ---- server_groups.c ---- */
/* Inside the create transaction: the group the new servers join (the
 * caller's, 400 if unknown), 403 past server_group_members, and the
 * group's part of the scheduler's demand (policy, members on host). */
int compute_server_group_claim(struct http_request *req, const char *group_id, long long count,
                               const char *host, struct compute_demand *d, struct api_error *err);
/* The group server_id is a member of, for scheduling it again (unshelve):
 * fills d's group fields (members on host, itself not counted). */
int compute_server_group_of(const char *server_id, const char *host, struct compute_demand *d,
                            struct arena *a, struct api_error *err);
int compute_server_group_add(const char *group_id, const char *server_id, struct api_error *err);
int compute_server_groups_used(const char *project_id, long long *n, struct api_error *err);

/* ---- quotas.c ---- */
/* Inside the caller's transaction: 403 when adding count servers of the
 * given size would exceed the project's quota. */
int compute_quota_check(const struct config *cfg, const char *project_id, int count, int vcpus,
                        long long ram_mb, struct api_error *err);
/* The same for growing usage by the given amounts (resize). */
int compute_quota_check_delta(const struct config *cfg, const char *project_id, long long instances,
                              long long cores, long long ram_mb, struct api_error *err);
int compute_keypair_quota_check(const struct config *cfg, const char *user_id,
                                struct api_error *err);
/* The project's limit of a quota resource ("server_groups", ...). */
int compute_quota_limit(const struct config *cfg, const char *project_id, const char *resource,
                        long long *out, struct api_error *err);
/* Inside the caller's transaction: how much of the host servers use. */
int compute_host_usage(const char *host, struct compute_usage *out, struct api_error *err);

#endif
