/* Shared by the network service's API files: the JSON document store
 * (store.c), the address and MAC tables, request helpers (common.c: who
 * is calling, bodies, stamps, If-Match) and the generic list answer
 * (list.c: filters on every field, fields=, sorting, pagination). */
#ifndef STACKD_NETWORK_API_H
#define STACKD_NETWORK_API_H

#include <jansson.h>
#include <stdbool.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "core/http.h"
#include "network/ipam.h"
#include "network/service-t.h"

/* The arena takes the reference: v is released with the request. */
json_t *net_own(struct arena *a, json_t *v);

/* ---- store.c: documents by kind ("network", "subnet", ...) ---- */
/* 404 of the kind's Neutron type when absent. */
int net_obj_get(struct arena *a, const char *kind, const char *id, json_t **out,
                struct api_error *err);
/* *out NULL when absent. */
int net_obj_try(struct arena *a, const char *kind, const char *id, json_t **out,
                struct api_error *err);
/* Inserts or replaces (by "id"); keeps the first insertion order. */
int net_obj_put(const char *kind, json_t *obj, struct api_error *err);
int net_obj_delete(const char *kind, const char *id, struct api_error *err);
/* Every document of a kind, in creation order. */
int net_obj_list(struct arena *a, const char *kind, json_t **out, struct api_error *err);
int net_not_found(const char *kind, const char *id, struct api_error *err);

/* Addresses: a 409 IpAddressAlreadyAllocated when taken. */
int net_ip_claim(const char *network_id, const char *subnet_id, const char *ip, const char *port_id,
                 struct api_error *err);
int net_ip_release_port(const char *port_id, struct api_error *err);
int net_ip_release(const char *network_id, const char *ip, struct api_error *err);
/* Sorted used addresses of a subnet. */
int net_ip_used(struct arena *a, const char *subnet_id, net_u128 **out, size_t *n,
                struct api_error *err);
int net_ip_count_subnet(const char *subnet_id, long long *n, struct api_error *err);
int net_mac_claim(const char *mac, const char *port_id, struct api_error *err);
int net_mac_release_port(const char *port_id, struct api_error *err);
int net_meta_get(struct arena *a, const char *key, const char **value, struct api_error *err);
int net_meta_set(const char *key, const char *value, struct api_error *err);
int net_segment_claim(const char *type, long long id, const char *network_id,
                      struct api_error *err);
int net_segment_next(const char *type, long long lo, long long hi, long long *out,
                     struct api_error *err);
int net_segment_release(const char *network_id, struct api_error *err);
int net_quota_get(const char *project_id, const char *resource, long long *limit, bool *set,
                  struct api_error *err);
int net_quota_set(const char *project_id, const char *resource, long long limit,
                  struct api_error *err);
int net_quota_reset(const char *project_id, struct api_error *err);
int net_quota_projects(struct arena *a, json_t **ids, struct api_error *err);

/* ---- common.c ---- */
struct net_service *net_of(const struct http_request *req);
bool net_is_admin(const struct http_request *req);
const char *net_caller_project(const struct http_request *req);
/* Visibility of a document to the caller (admin sees all; a network also
 * when shared or external). */
bool net_visible(const struct http_request *req, const char *kind, json_t *obj);
/* 404 when the caller may not see it. */
int net_get_visible(struct http_request *req, const char *kind, const char *id, json_t **out,
                    struct api_error *err);
/* The caller must own it (or be admin): 404 when invisible, 403 when only
 * visible (a shared network of someone else). */
int net_get_owned(struct http_request *req, const char *kind, const char *id, json_t **out,
                  struct api_error *err);
/* {"<member>": {...}} -> the inner object. */
int net_body(struct http_request *req, const char *member, json_t **out, struct api_error *err);
/* {"<member>": {...}} or {"<collection>": [{...}, ...]}: an array of
 * objects (one for the single form); *bulk tells which. */
int net_body_bulk(struct http_request *req, const char *member, const char *collection,
                  json_t **items, bool *bulk, struct api_error *err);
/* Project of a new resource: the caller's, or tenant_id/project_id of the
 * body (admin only for another project). */
int net_new_project(struct http_request *req, json_t *in, const char **project,
                    struct api_error *err);
/* id, project_id/tenant_id, created_at/updated_at, revision_number 0,
 * tags [], description "". */
void net_stamp_new(json_t *obj, const char *project);
void net_stamp_update(json_t *obj);
/* If-Match: revision_number=N -> 412 when it differs. */
int net_if_match(struct http_request *req, json_t *obj, struct api_error *err);
/* Copies known keys of in into obj after checking types; refuses unknown
 * keys (400). spec: NULL-terminated {"name", "s"} pairs: s string, S
 * string or null, b bool, i int, I int or null, a array, o object, O
 * object or null, * anything. ro: keys only settable at create. */
struct net_field {
	const char *name;
	char type;
	bool create_only;
	bool admin_only;
};
int net_apply_fields(struct http_request *req, json_t *obj, json_t *in,
                     const struct net_field *fields, bool create, const char *what,
                     struct api_error *err);
/* Neutron's boolean conversions: true/false, "true"/"True"/... */
int net_bool_of(json_t *v, const char *field, bool *out, struct api_error *err);
const char *net_str(json_t *obj, const char *key); /* NULL when absent or not a string */
bool net_bool(json_t *obj, const char *key, bool fallback);

/* ---- list.c ---- */
/* Answers 200 {"<collection>": [...], "<collection>_links": [...]} for the
 * visible documents in all, applying filters, sort, marker/limit, fields. */
int net_reply_list(struct http_request *req, struct http_response *resp, const char *collection,
                   json_t *all, struct api_error *err);
/* One document with fields= applied. */
void net_reply_one(struct http_request *req, struct http_response *resp, int status,
                   const char *member, json_t *obj);
/* Whether obj passes the request's filters (exposed for the unit tests). */
bool net_filter_match(const struct http_request *req, json_t *obj);

/* ---- views (each resource file): fill computed fields for output ---- */
json_t *net_network_view(struct arena *a, json_t *net, json_t *all_subnets);
json_t *net_sg_view(struct arena *a, json_t *sg, json_t *all_rules);

/* ---- document steps the handlers and proxy.c share (inside the
 * caller's transaction; req gives the caller and the arena) ---- */
int net_sg_create_doc(const char *project, const char *name, const char *description,
                      bool is_default, json_t **out, struct api_error *err);
/* in: a Neutron security_group body (name, description...). */
int net_sg_update_doc(struct http_request *req, json_t *sg, json_t *in, struct api_error *err);
/* Refuses (409) the default group for non-admins and groups in use. */
int net_sg_delete_doc(struct http_request *req, json_t *sg, struct api_error *err);
/* in: a Neutron security_group_rule body; rules: every rule (appended to). */
int net_sg_rule_create_doc(struct http_request *req, json_t *in, json_t *rules, json_t **out,
                           struct api_error *err);
/* tmp: checked floatingip fields (floating_network_id required). */
int net_fip_create_doc(struct http_request *req, json_t *tmp, const char *project, json_t **out,
                       struct api_error *err);
/* port_v: a port id string, or NULL/null to disassociate. */
int net_fip_associate(struct http_request *req, json_t *fip, json_t *port_v, const char *want_fixed,
                      struct api_error *err);
int net_fip_delete_doc(struct http_request *req, json_t *fip, struct api_error *err);

/* ---- dataplane hooks the API calls after a commit (dataplane/sync.c).
 * Failures are logged and retried on the next sync; the API state is the
 * truth. ---- */
void net_dp_network_changed(struct net_service *ns, const char *network_id);
void net_dp_ports_changed(struct net_service *ns, const char *network_id);
void net_dp_router_changed(struct net_service *ns, const char *router_id);
void net_dp_security_changed(struct net_service *ns);
void net_dp_network_deleted(struct net_service *ns, const char *network_id);
void net_dp_router_deleted(struct net_service *ns, const char *router_id);
void net_dp_port_deleted(struct net_service *ns, json_t *port);

#endif
