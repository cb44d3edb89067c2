/* The compute service (Nova v2.1) under /compute: its route table, version
 * discovery, microversion negotiation (prepare/finish hooks), Nova's error
 * body, policy, and start-up (driver, work queue, recovery). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "compute/internal.h"
#include "compute/proxy.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/work.h"
#include "network/network.h"
#include "service.h"

extern const struct db_migration compute_migrations[];
extern const size_t compute_migrations_count;

static COMPUTE_HANDLER(versions_root);
static COMPUTE_HANDLER(version_show);
static COMPUTE_HANDLER(not_implemented);

/* Rules: "compute" needs a project-scoped token; "compute:admin" the admin
 * role. Ownership of servers is checked by the handlers. */
#define V "/v2.1"
#define URL_PROJECT "url_project_id"
static const struct http_route routes[] = {
    {"GET", "/", versions_root, NULL, NULL},
    {"GET", V, version_show, NULL, NULL},
    {"GET", V "/", version_show, NULL, NULL},
    {"GET", V "/flavors", compute_flavor_list, NULL, "compute"},
    {"GET", V "/flavors/detail", compute_flavor_detail, NULL, "compute"},
    {"POST", V "/flavors", compute_flavor_create, NULL, "compute:admin"},
    {"GET", V "/flavors/{flavor_id}", compute_flavor_show, NULL, "compute"},
    {"PUT", V "/flavors/{flavor_id}", compute_flavor_update, NULL, "compute:admin"},
    {"DELETE", V "/flavors/{flavor_id}", compute_flavor_delete, NULL, "compute:admin"},
    {"GET", V "/flavors/{flavor_id}/os-extra_specs", compute_flavor_specs_list, NULL, "compute"},
    {"POST", V "/flavors/{flavor_id}/os-extra_specs", compute_flavor_specs_set, NULL,
     "compute:admin"},
    {"GET", V "/flavors/{flavor_id}/os-extra_specs/{key}", compute_flavor_spec_show, NULL,
     "compute"},
    {"PUT", V "/flavors/{flavor_id}/os-extra_specs/{key}", compute_flavor_specs_set, NULL,
     "compute:admin"},
    {"DELETE", V "/flavors/{flavor_id}/os-extra_specs/{key}", compute_flavor_spec_delete, NULL,
     "compute:admin"},
    {"GET", V "/flavors/{flavor_id}/os-flavor-access", compute_flavor_access_list, NULL,
     "compute:admin"},
    {"POST", V "/flavors/{flavor_id}/action", compute_flavor_action, NULL, "compute:admin"},
    {"GET", V "/os-keypairs", compute_keypair_list, NULL, "compute"},
    {"POST", V "/os-keypairs", compute_keypair_create, NULL, "compute"},
    {"GET", V "/os-keypairs/{name}", compute_keypair_show, NULL, "compute"},
    {"DELETE", V "/os-keypairs/{name}", compute_keypair_delete, NULL, "compute"},
    {"GET", V "/servers", compute_server_list, NULL, "compute"},
    {"GET", V "/servers/detail", compute_server_detail, NULL, "compute"},
    {"POST", V "/servers", compute_server_create, NULL, "compute"},
    {"GET", V "/servers/{server_id}", compute_server_show, NULL, "compute"},
    {"PUT", V "/servers/{server_id}", compute_server_update, NULL, "compute"},
    {"DELETE", V "/servers/{server_id}", compute_server_delete, NULL, "compute"},
    {"POST", V "/servers/{server_id}/action", compute_server_action, NULL, "compute"},
    {"GET", V "/servers/{server_id}/ips", compute_server_ips, NULL, "compute"},
    {"GET", V "/servers/{server_id}/diagnostics", compute_server_diagnostics, NULL,
     "compute:admin"},
    {"GET", V "/servers/{server_id}/topology", compute_server_topology, NULL, "compute"},
    {"GET", V "/servers/{server_id}/metadata", compute_server_metadata_list, NULL, "compute"},
    {"POST", V "/servers/{server_id}/metadata", compute_server_metadata_set, NULL, "compute"},
    {"PUT", V "/servers/{server_id}/metadata", compute_server_metadata_replace, NULL, "compute"},
    {"GET", V "/servers/{server_id}/metadata/{key}", compute_server_metadata_show, NULL, "compute"},
    {"PUT", V "/servers/{server_id}/metadata/{key}", compute_server_metadata_put, NULL, "compute"},
    {"DELETE", V "/servers/{server_id}/metadata/{key}", compute_server_metadata_delete, NULL,
     "compute"},
    {"GET", V "/servers/{server_id}/tags", compute_server_tags_list, NULL, "compute"},
    {"PUT", V "/servers/{server_id}/tags", compute_server_tags_replace, NULL, "compute"},
    {"DELETE", V "/servers/{server_id}/tags", compute_server_tags_clear, NULL, "compute"},
    {"GET", V "/servers/{server_id}/tags/{tag}", compute_server_tag_check, NULL, "compute"},
    {"PUT", V "/servers/{server_id}/tags/{tag}", compute_server_tag_add, NULL, "compute"},
    {"DELETE", V "/servers/{server_id}/tags/{tag}", compute_server_tag_delete, NULL, "compute"},
    {"GET", V "/servers/{server_id}/os-instance-actions", compute_instance_actions_list, NULL,
     "compute"},
    {"GET", V "/servers/{server_id}/os-instance-actions/{request_id}", compute_instance_action_show,
     NULL, "compute"},
    {"GET", V "/servers/{server_id}/os-interface", compute_interface_list, NULL, "compute"},
    {"POST", V "/servers/{server_id}/os-interface", compute_interface_attach, NULL, "compute"},
    {"GET", V "/servers/{server_id}/os-interface/{port_id}", compute_interface_show, NULL,
     "compute"},
    {"DELETE", V "/servers/{server_id}/os-interface/{port_id}", compute_interface_detach, NULL,
     "compute"},
    {"GET", V "/limits", compute_limits, NULL, "compute"},
    {"GET", V "/extensions", compute_extension_list, NULL, "compute"},
    {"GET", V "/extensions/{alias}", compute_extension_show, NULL, "compute"},
    {"GET", V "/os-quota-sets/{project_id}", compute_quota_show, NULL, "compute"},
    {"GET", V "/os-quota-sets/{project_id}/detail", compute_quota_detail, NULL, "compute"},
    {"GET", V "/os-quota-sets/{project_id}/defaults", compute_quota_defaults, NULL, "compute"},
    {"PUT", V "/os-quota-sets/{project_id}", compute_quota_update, NULL, "compute:admin"},
    {"DELETE", V "/os-quota-sets/{project_id}", compute_quota_delete, NULL, "compute:admin"},
    {"GET", V "/os-quota-class-sets/{id}", compute_quota_class_show, NULL, "compute:admin"},
    {"PUT", V "/os-quota-class-sets/{id}", compute_quota_class_update, NULL, "compute:admin"},
    {"GET", V "/os-availability-zone", compute_az_list, NULL, "compute"},
    {"GET", V "/os-availability-zone/detail", compute_az_detail, NULL, "compute:admin"},
    {"GET", V "/os-hypervisors", compute_hypervisor_list, NULL, "compute:admin"},
    {"GET", V "/os-hypervisors/detail", compute_hypervisor_detail, NULL, "compute:admin"},
    {"GET", V "/os-hypervisors/statistics", compute_hypervisor_stats, NULL, "compute:admin"},
    {"GET", V "/os-hypervisors/{hypervisor_id}", compute_hypervisor_show, NULL, "compute:admin"},
    {"GET", V "/os-hypervisors/{hypervisor_id}/uptime", compute_hypervisor_uptime, NULL,
     "compute:admin"},
    {"GET", V "/os-hypervisors/{pattern}/search", compute_hypervisor_search, NULL, "compute:admin"},
    {"GET", V "/os-hypervisors/{pattern}/servers", compute_hypervisor_servers, NULL,
     "compute:admin"},
    {"GET", V "/os-services", compute_service_list, NULL, "compute:admin"},
    {"PUT", V "/os-services/{service_id}", compute_service_update, NULL, "compute:admin"},
    {"DELETE", V "/os-services/{service_id}", compute_service_delete, NULL, "compute:admin"},
    {"GET", V "/os-migrations", compute_migration_list, NULL, "compute:admin"},
    {"GET", V "/servers/{server_id}/migrations", compute_server_migration_list, NULL,
     "compute:admin"},
    {"GET", V "/servers/{server_id}/migrations/{migration_id}", compute_server_migration_show, NULL,
     "compute:admin"},
    {"DELETE", V "/servers/{server_id}/migrations/{migration_id}", compute_server_migration_abort,
     NULL, "compute:admin"},
    {"POST", V "/servers/{server_id}/migrations/{migration_id}/action",
     compute_server_migration_action, NULL, "compute:admin"},
    {"GET", V "/os-aggregates", compute_aggregate_list, NULL, "compute:admin"},
    {"POST", V "/os-aggregates", compute_aggregate_create, NULL, "compute:admin"},
    {"GET", V "/os-aggregates/{aggregate_id}", compute_aggregate_show, NULL, "compute:admin"},
    {"PUT", V "/os-aggregates/{aggregate_id}", compute_aggregate_update, NULL, "compute:admin"},
    {"DELETE", V "/os-aggregates/{aggregate_id}", compute_aggregate_delete, NULL, "compute:admin"},
    {"POST", V "/os-aggregates/{aggregate_id}/action", compute_aggregate_action, NULL,
     "compute:admin"},
    {"POST", V "/os-aggregates/{aggregate_id}/images", compute_aggregate_images, NULL,
     "compute:admin"},
    {"GET", V "/os-simple-tenant-usage", compute_usage_list, NULL, "compute:admin"},
    {"GET", V "/os-simple-tenant-usage/{tenant_id}", compute_usage_show, NULL, "compute"},
    {"GET", V "/os-server-groups", compute_server_group_list, NULL, "compute"},
    {"POST", V "/os-server-groups", compute_server_group_create, NULL, "compute"},
    {"GET", V "/os-server-groups/{group_id}", compute_server_group_show, NULL, "compute"},
    {"DELETE", V "/os-server-groups/{group_id}", compute_server_group_delete, NULL, "compute"},
    /* Nova's proxies to Neutron and the nova-network APIs it answers 410. */
    COMPUTE_PROXY_ROUTES(V),
    {"GET", V "/images", compute_image_list, NULL, "compute"},
    {"GET", V "/images/detail", compute_image_detail, NULL, "compute"},
    {"GET", V "/images/{image_id}", compute_image_show, NULL, "compute"},
    {"DELETE", V "/images/{image_id}", compute_image_delete, NULL, "compute"},
    {"GET", V "/images/{image_id}/metadata", compute_image_metadata_list, NULL, "compute"},
    {"POST", V "/images/{image_id}/metadata", compute_image_metadata_create, NULL, "compute"},
    {"PUT", V "/images/{image_id}/metadata", compute_image_metadata_replace, NULL, "compute"},
    {"GET", V "/images/{image_id}/metadata/{key}", compute_image_metadata_show, NULL, "compute"},
    {"PUT", V "/images/{image_id}/metadata/{key}", compute_image_metadata_put, NULL, "compute"},
    {"DELETE", V "/images/{image_id}/metadata/{key}", compute_image_metadata_delete, NULL,
     "compute"},
    {"GET", V "/os-hosts", compute_os_hosts_list, NULL, "compute"},
    {"GET", V "/os-hosts/{host_name}", compute_os_hosts_show, NULL, "compute"},
    {"PUT", V "/os-hosts/{host_name}", compute_os_hosts_update, NULL, "compute"},
    {"GET", V "/os-hosts/{host_name}/reboot", compute_os_hosts_reboot, NULL, "compute"},
    {"GET", V "/os-hosts/{host_name}/shutdown", compute_os_hosts_shutdown, NULL, "compute"},
    {"GET", V "/os-hosts/{host_name}/startup", compute_os_hosts_startup, NULL, "compute"},
    {"GET", V "/servers/{server_id}/ips/{network_label}", compute_server_ips_show, NULL, "compute"},
    {"GET", V "/servers/{server_id}/os-server-password", compute_server_password_show, NULL,
     "compute"},
    {"DELETE", V "/servers/{server_id}/os-server-password", compute_server_password_clear, NULL,
     "compute"},
    {"POST", V "/os-server-external-events", compute_server_external_events, NULL, "compute:admin"},
    {"GET", V "/os-instance_usage_audit_log", compute_usage_audit_list, NULL, "compute:admin"},
    {"GET", V "/os-instance_usage_audit_log/{before_timestamp}", compute_usage_audit_show, NULL,
     "compute:admin"},
    {"POST", V "/servers/{server_id}/remote-consoles", compute_remote_console_create, NULL,
     "compute"},
    {"GET", V "/os-console-auth-tokens/{token}", compute_console_auth_token_show, NULL,
     "compute:admin"},
    /* The console proxies (websockets; the token is the credential) and
     * noVNC's pages. */
    {"GET", "/serial", compute_console_proxy, NULL, NULL},
    {"GET", "/vnc/websockify", compute_console_proxy, NULL, NULL},
    {"GET", "/vnc/{file*}", compute_novnc_file, NULL, NULL},
    /* Not built yet: every other Nova API answers 501 with Nova's body. */
    {"GET", V "/{rest*}", not_implemented, NULL, "compute"},
    {"POST", V "/{rest*}", not_implemented, NULL, "compute"},
    {"PUT", V "/{rest*}", not_implemented, NULL, "compute"},
    {"DELETE", V "/{rest*}", not_implemented, NULL, "compute"},
};

/* 2.18: Nova takes every URL with or without the project id after the
 * version ("/v2.1/{project_id}/servers"; clients whose catalog has it send
 * it). Each /v2.1/... route gets a twin with that segment, matched after
 * all the plain ones so no plain path is read as a project id; authorize()
 * refuses a project id other than the token's, as Nova does. The table
 * and its patterns belong to the service (freed by compute_stop). */
static void build_route_table(struct compute_svc *svc)
{
	const size_t n = sizeof(routes) / sizeof(routes[0]), vlen = strlen(V);
	struct http_route *t = calloc(5 * n, sizeof(*t));
	if (t == NULL)
		abort();
	size_t k = 0;
	/* Plain routes first, then the twins, then the catch-all 501s. */
	for (size_t i = 0; i < n; i++)
		if (strstr(routes[i].pattern, "{rest*}") == NULL)
			t[k++] = routes[i];
	svc->twins_begin = k;
	/* /v2.1/{project_id}/..., then the legacy /v2/... and
	 * /v2/{project_id}/... (Nova's v2.0: the 2.1 API, microversions off). */
	static const char *const twin_fmt[] = {V "/{" URL_PROJECT "}%s", "/v2%s",
	                                       "/v2/{" URL_PROJECT "}%s"};
	for (size_t f = 0; f < sizeof(twin_fmt) / sizeof(twin_fmt[0]); f++)
		for (size_t i = 0; i < svc->twins_begin; i++) {
			const char *rest = t[i].pattern + vlen;
			if (strncmp(t[i].pattern, V, vlen) != 0 || (*rest != '/' && *rest != '\0'))
				continue;
			if (f != 1 && (*rest == '\0' || strcmp(rest, "/") == 0))
				continue; /* version documents: no project id */
			char *pattern = NULL;
			if (asprintf(&pattern, twin_fmt[f], rest) < 0)
				abort();
			t[k] = t[i];
			t[k++].pattern = pattern;
		}
	svc->twins_end = k;
	for (size_t i = 0; i < n; i++)
		if (strstr(routes[i].pattern, "{rest*}") != NULL) {
			t[k++] = routes[i];
			/* the legacy twin of the catch-all, a literal: not owned */
			t[k] = routes[i];
			t[k++].pattern = "/v2/{rest*}";
		}
	svc->route_table = t;
	svc->nroute_table = k;
}
#undef V

static void free_route_table(struct compute_svc *svc)
{
	for (size_t i = svc->twins_begin; i < svc->twins_end; i++)
		free((char *)svc->route_table[i].pattern);
	free(svc->route_table);
}

/* Requests under /v2 (Nova's legacy v2.0 endpoint): the 2.1 API with
 * microversions off. */
static bool legacy_v2(const struct http_request *req)
{
	return strncmp(req->subpath, "/v2", 3) == 0 && req->subpath[3] != '.';
}

static json_t *version_doc(struct http_request *req, bool v20)
{
	char href[512], min[8], max[8];
	snprintf(href, sizeof(href), "%s/compute/%s/", req->base_url, v20 ? "v2" : "v2.1");
	snprintf(min, sizeof(min), "2.%d", COMPUTE_MV_MIN);
	snprintf(max, sizeof(max), "2.%d", COMPUTE_MV_MAX);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s}],s:[{s:s,s:s}]}", "id",
	                 v20 ? "v2.0" : "v2.1", "status", v20 ? "SUPPORTED" : "CURRENT", "version",
	                 v20 ? "" : max, "min_version", v20 ? "" : min, "updated",
	                 v20 ? "2011-01-21T11:33:21Z" : "2013-07-23T11:33:21Z", "links", "rel",
	                 "self", "href", href, "media-types", "base", "application/json", "type",
	                 v20 ? "application/vnd.openstack.compute+json;version=2"
	                     : "application/vnd.openstack.compute+json;version=2.1");
}

static COMPUTE_HANDLER(versions_root)
{
	/* Nova's root lists the legacy v2.0 first, then v2.1. */
	http_reply_json(
	    resp, 200,
	    json_pack("{s:[o,o]}", "versions", version_doc(req, true), version_doc(req, false)));
	return 0;
}

static COMPUTE_HANDLER(version_show)
{
	http_reply_json(resp, 200, json_pack("{s:o}", "version", version_doc(req, legacy_v2(req))));
	return 0;
}

/* The APIs Nova removed at a microversion answer its router's 404 from
 * there on (2.36: the proxies to other services and fping; 2.43: os-hosts;
 * 2.44: os-virtual-interfaces); below it they are not built here (501). */
static const struct {
	const char *collection;
	int removed_at;
} removed_apis[] = {
    {"images", 36},
    {"os-networks", 36},
    {"os-tenant-networks", 36},
    {"os-fixed-ips", 36},
    {"os-floating-ips", 36},
    {"os-floating-ips-bulk", 36},
    {"os-floating-ip-pools", 36},
    {"os-floating-ip-dns", 36},
    {"os-security-groups", 36},
    {"os-security-group-rules", 36},
    {"os-security-group-default-rules", 36},
    {"os-volumes", 36},
    {"os-snapshots", 36},
    {"os-baremetal-nodes", 36},
    {"os-fping", 36},
    {"os-hosts", 43},
};

int compute_removed_api(const struct http_request *req, const char *collection)
{
	for (size_t i = 0; i < sizeof(removed_apis) / sizeof(removed_apis[0]); i++)
		if (strcmp(collection, removed_apis[i].collection) == 0)
			return compute_mv(req) >= removed_apis[i].removed_at;
	return 0;
}

static COMPUTE_HANDLER(not_implemented)
{
	/* rest is "[project_id/]collection[/...]"; os-virtual-interfaces hangs
	 * off a server. */
	const char *rest = http_param(req, "rest");
	const char *project = compute_project(req);
	size_t plen = project ? strlen(project) : 0;
	if (rest != NULL && plen > 0 && strncmp(rest, project, plen) == 0 && rest[plen] == '/')
		rest += plen + 1;
	char first[64] = "";
	if (rest != NULL) {
		size_t n = strcspn(rest, "/");
		if (n < sizeof(first))
			snprintf(first, sizeof(first), "%.*s", (int)n, rest);
	}
	bool vifs = rest != NULL && strncmp(rest, "servers/", 8) == 0 &&
	            strstr(rest, "/os-virtual-interfaces") != NULL;
	if ((first[0] && compute_removed_api(req, first)) || (vifs && compute_mv(req) >= 44))
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	/* Under a collection that is built, a path no route takes is Nova's
	 * router's 404 (DELETE /images/ with a blank id, ...). */
	static const char *const built[] = {"images",
	                                    "os-hosts",
	                                    "os-hypervisors",
	                                    "os-instance_usage_audit_log",
	                                    "os-server-external-events",
	                                    NULL};
	for (size_t i = 0; built[i]; i++)
		if (!strcmp(first, built[i]))
			return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	return api_fail(err, API_NOT_IMPLEMENTED, "%s %s is not implemented by this cloud yet.",
	                req->method, req->path);
}

int compute_changes_window(struct http_request *req, struct compute_window *w,
                           struct api_error *err)
{
	memset(w, 0, sizeof(*w));
	static const char *const keys[] = {"changes-since", "changes-before"};
	for (int i = 0; i < 2; i++) {
		const char *v = http_query(req, keys[i]);
		if (v == NULL || (i == 1 && compute_mv(req) < 66))
			continue;
		double *t = i ? &w->before : &w->since;
		if (ids_time_parse(v, t) != 0)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for query parameters %s. Value: %s. '%s' is not "
			    "a 'date-time'",
			    keys[i], v, v);
		*(i ? &w->has_before : &w->has_since) = true;
	}
	if (w->has_since && w->has_before && w->before < w->since)
		return api_fail(err, API_BAD_REQUEST,
		                "The value of changes-since must be less than or equal to "
		                "changes-before.");
	return 0;
}

bool compute_window_has(const struct compute_window *w, const char *when)
{
	double t;
	if (!(w->has_since || w->has_before) || when == NULL || ids_time_parse(when, &t) != 0)
		return true;
	return !(w->has_since && t < w->since) && !(w->has_before && t > w->before);
}

int compute_mv(const struct http_request *req)
{
	const int *mv = req->service_state;
	return mv ? *mv : COMPUTE_MV_MIN;
}

const char *compute_project(const struct http_request *req)
{
	const struct identity_auth *auth = identity_auth_of(req);
	return auth ? auth->project_id : NULL;
}

bool compute_is_admin(const struct http_request *req)
{
	return identity_auth_is_admin(identity_auth_of(req));
}

json_t *compute_links(const struct http_request *req, const char *collection, const char *id)
{
	char self[1024], bookmark[1024];
	snprintf(self, sizeof(self), "%s/compute/v2.1/%s/%s", req->base_url, collection, id);
	snprintf(bookmark, sizeof(bookmark), "%s/compute/%s/%s", req->base_url, collection, id);
	return json_pack("[{s:s,s:s},{s:s,s:s}]", "rel", "self", "href", self, "rel", "bookmark",
	                 "href", bookmark);
}

/* Microversions apply to everything under /v2.1 (version documents too);
 * under the legacy /v2 every request is 2.1, whatever it asks. */
static int prepare(struct http_request *req, struct api_error *err)
{
	bool v21 = strncmp(req->subpath, "/v2.1", 5) == 0;
	if (!v21 && !legacy_v2(req))
		return 0;
	int *mv = arena_alloc(req->arena, sizeof(*mv));
	*mv = COMPUTE_MV_MIN;
	req->service_state = mv;
	if (!v21)
		return 0;
	return compute_mv_negotiate(http_header(req, "OpenStack-API-Version"),
	                            http_header(req, "X-OpenStack-Nova-API-Version"), mv, err);
}

static void finish(struct http_request *req, struct http_response *resp)
{
	/* Nova's own request id header, beside X-OpenStack-Request-ID (2.46
	 * only signals that both are there). */
	if (req->request_id != NULL)
		http_header_set(resp, "X-Compute-Request-Id", req->request_id);
	if (req->service_state == NULL || legacy_v2(req))
		return;
	char v[32];
	snprintf(v, sizeof(v), "compute 2.%d", compute_mv(req));
	http_header_set(resp, "OpenStack-API-Version", v);
	http_header_set(resp, "X-OpenStack-Nova-API-Version", v + 8);
	http_header_set(resp, "Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version");
}

static void render_error(struct http_request *req, struct http_response *resp,
                         const struct api_error *err)
{
	(void)req;
	int status = err->status ? err->status : api_error_status(err->kind);
	http_reply_json(resp, status,
	                json_pack("{s:{s:i,s:s}}", api_error_key(err->kind), "code", status,
	                          "message", err->message));
}

/* 2.75: these APIs' query schemas stop taking unknown parameters (the
 * server list has its own check, server_query.c). */
static const struct {
	const char *method, *pattern; /* below /v2.1, after any project id */
	const char *known[8];
} strict_queries[] = {
    {"GET",
     "/flavors",
     {"limit", "marker", "is_public", "minRam", "minDisk", "sort_key", "sort_dir"}},
    {"GET",
     "/flavors/detail",
     {"limit", "marker", "is_public", "minRam", "minDisk", "sort_key", "sort_dir"}},
    {"GET", "/limits", {"tenant_id"}},
    {"GET", "/os-quota-sets/{project_id}", {"user_id"}},
    {"GET", "/os-quota-sets/{project_id}/detail", {"user_id"}},
    {"PUT", "/os-quota-sets/{project_id}", {"user_id"}},
    {"DELETE", "/os-quota-sets/{project_id}", {"user_id"}},
    {"GET", "/os-server-groups", {"all_projects", "limit", "offset"}},
    {"GET", "/os-services", {"host", "binary"}},
    {"GET", "/os-simple-tenant-usage", {"start", "end", "detailed", "limit", "marker"}},
    {"GET", "/os-simple-tenant-usage/{tenant_id}", {"start", "end", "limit", "marker"}},
    {"GET", "/os-keypairs", {"user_id", "limit", "marker"}},
    {"GET", "/os-keypairs/{name}", {"user_id"}},
    {"DELETE", "/os-keypairs/{name}", {"user_id"}},
};

static int strict_query(struct http_request *req, struct api_error *err)
{
	if (compute_mv(req) < 75 || req->route == NULL || req->nquery == 0)
		return 0;
	const char *p = req->route->pattern;
	const char *v21 = "/v2.1", *twin = "/{" URL_PROJECT "}";
	if (strncmp(p, v21, strlen(v21)) != 0)
		return 0;
	p += strlen(v21);
	if (strncmp(p, twin, strlen(twin)) == 0)
		p += strlen(twin);
	for (size_t i = 0; i < sizeof(strict_queries) / sizeof(strict_queries[0]); i++) {
		if (strcmp(strict_queries[i].pattern, p) != 0 ||
		    strcmp(strict_queries[i].method, req->method) != 0)
			continue;
		for (size_t q = 0; q < req->nquery; q++) {
			const char *k = req->query[q].key;
			bool ok = false;
			for (size_t j = 0; !ok && j < 8 && strict_queries[i].known[j]; j++)
				ok = strcmp(k, strict_queries[i].known[j]) == 0;
			if (!ok)
				return api_fail(err, API_BAD_REQUEST,
				                "Invalid input for query parameters %s. Additional "
				                "properties are not allowed ('%s' was unexpected)",
				                k, k);
		}
	}
	return 0;
}

static int authorize(struct http_request *req, const char *rule, struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	if (!auth || !auth->project_id)
		return api_fail(err, API_FORBIDDEN,
		                "The compute API needs a project-scoped token.");
	const char *url_project = http_param(req, URL_PROJECT);
	if (url_project != NULL && strcmp(url_project, auth->project_id) != 0)
		return api_fail(err, API_BAD_REQUEST,
		                "Malformed request URL: URL's project_id '%s' doesn't match "
		                "Context's project_id '%s'",
		                url_project, auth->project_id);
	if (strict_query(req, err) != 0)
		return -1;
	if (strcmp(rule, "compute:admin") == 0 && !identity_auth_is_admin(auth))
		return api_fail(err, API_FORBIDDEN, "Policy doesn't allow %s %s to be performed.",
		                req->method, req->subpath);
	return 0;
}

static int make_dir(const char *path, struct api_error *err)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return api_fail(err, API_INTERNAL, "cannot create %s: %s", path, strerror(errno));
	return 0;
}

static void host_setup(struct compute_svc *svc)
{
	const struct config *cfg = svc->env->cfg;
	struct compute_host *h = &svc->host;
	snprintf(h->name, sizeof(h->name), "%s", config_get(cfg, "compute", "host", "stackd"));
	snprintf(h->zone, sizeof(h->zone), "%s",
	         config_get(cfg, "compute", "availability_zone", "nova"));
	snprintf(h->arch, sizeof(h->arch), "%s",
	         svc->facts.cpu_arch[0] ? svc->facts.cpu_arch : "x86_64");
	h->enabled = true;
	h->vcpus = svc->facts.vcpus;
	h->ram_mb = svc->facts.ram_mb;
	h->disk_gb = svc->facts.disk_gb;
	h->cpu_ratio = atof(config_get(cfg, "compute", "cpu_allocation_ratio", "16.0"));
	h->ram_ratio = atof(config_get(cfg, "compute", "ram_allocation_ratio", "1.5"));
	h->disk_ratio = atof(config_get(cfg, "compute", "disk_allocation_ratio", "1.0"));
	h->reserved_ram_mb = config_get_int(cfg, "compute", "reserved_host_memory_mb", 512);
	h->reserved_disk_gb = config_get_int(cfg, "compute", "reserved_host_disk_gb", 0);
	if (h->reserved_ram_mb >= h->ram_mb)
		h->reserved_ram_mb = 0;
}

static int compute_start(const struct stackd_env *env, void **state, struct api_error *err)
{
	struct compute_svc *svc = calloc(1, sizeof(*svc));
	if (!svc)
		abort();
	*state = svc;
	svc->env = env;
	pthread_mutex_init(&svc->seq_lock, NULL);
	const char *name = config_get(env->cfg, "compute", "driver", compute_driver_default());
	svc->drv = compute_driver_find(name);
	if (svc->drv == NULL)
		return api_fail(err, API_BAD_REQUEST, "[compute] driver = %s: no such driver",
		                name);
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/compute", env->data_dir);
	snprintf(svc->instances_dir, sizeof(svc->instances_dir), "%s/compute/instances",
	         env->data_dir);
	svc->shutdown_timeout = (int)config_get_int(env->cfg, "compute", "shutdown_timeout", 60);
	svc->shelved_offload_time =
	    (int)config_get_int(env->cfg, "compute", "shelved_offload_time", 0);
	svc->reclaim_interval =
	    (int)config_get_int(env->cfg, "compute", "reclaim_instance_interval", 0);
	if (make_dir(dir, err) != 0 || make_dir(svc->instances_dir, err) != 0)
		return -1;
	if (svc->drv->init(env, compute_power_changed, svc, &svc->drv_state, &svc->facts, err) != 0)
		return -1;
	host_setup(svc);
	log_info("compute: driver %s, %d vCPUs, %lld MB RAM, %lld GB disk, accelerator %s (%s)",
	         svc->drv->name, svc->facts.vcpus, svc->facts.ram_mb, svc->facts.disk_gb,
	         svc->facts.accelerator, svc->facts.accelerator_reason);
	unsigned threads = (unsigned)config_get_int(env->cfg, "compute", "workers", 8);
	svc->wq = work_queue_new(threads ? threads : 1, err);
	if (svc->wq == NULL)
		return -1;
	build_route_table(svc);
	svc->http = (struct http_service){
	    .name = "compute",
	    .prefix = "/compute",
	    .routes = svc->route_table,
	    .nroutes = svc->nroute_table,
	    .ctx = svc,
	    .render_error = render_error,
	    .authorize = authorize,
	    .prepare = prepare,
	    .finish = finish,
	};
	if (db_migrate("compute", compute_migrations, compute_migrations_count, err) != 0 ||
	    compute_service_state_load(svc, err) != 0 || compute_tasks_recover(svc, err) != 0)
		return -1;
	if (http_server_add_service(env->http, &svc->http, err) != 0 ||
	    compute_periodic_start(svc, err) != 0)
		return -1;
	/* Network (started before compute) serves 169.254.169.254 and asks
	 * compute for the answers. */
	struct net_service *ns = net_service_of(env->http);
	if (ns != NULL)
		net_metadata_register(ns, compute_metadata_answer, svc);
	return 0;
}

static void compute_stop(void *state)
{
	struct compute_svc *svc = state;
	if (svc == NULL)
		return;
	compute_periodic_stop(svc);
	work_queue_free(svc->wq);
	free_route_table(svc);
	if (svc->drv && svc->drv_state)
		svc->drv->fini(svc->drv_state);
	pthread_mutex_destroy(&svc->seq_lock);
	free(svc);
}

static const struct catalog_entry catalog[] = {
    {"compute", "nova", "/compute/v2.1"},
};

const struct service_module compute_module = {
    .name = "compute",
    .catalog = catalog,
    .ncatalog = 1,
    .start = compute_start,
    .stop = compute_stop,
};
