/* The host side of the API: availability zones, os-hypervisors (the one
 * compute host of this daemon with its real capacity, usage and
 * accelerator) and os-services. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utmpx.h>
#include <strings.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/json.h"

/* A stable uuid for the host (ids from 2.53 on), from its name. */
static const char *host_uuid(struct http_request *req, const char *salt)
{
	struct compute_svc *svc = req->ctx;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char in[512];
	snprintf(in, sizeof(in), "%s:%s", salt, svc->host.name);
	EVP_Digest(in, strlen(in), md, &n, EVP_md5(), NULL);
	return arena_printf(
	    req->arena, "%02x%02x%02x%02x-%02x%02x-4%01x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    md[0], md[1], md[2], md[3], md[4], md[5], md[6] & 0xf, md[7], (md[8] & 0x3f) | 0x80,
	    md[9], md[10], md[11], md[12], md[13], md[14], md[15]);
}

static json_t *id_of(struct http_request *req, const char *salt, int legacy)
{
	return compute_mv(req) >= 53 ? json_string(host_uuid(req, salt)) : json_integer(legacy);
}

/* The zone of this host: an aggregate's, else the configured default. */
static int zone_of(struct http_request *req, char zone[256], struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	return compute_host_zone(svc, svc->host.name, zone, 256, err);
}

/* ---- the nova-compute service's admin state (os-services PUT) ---- */

static const char SQL_SVC_GET[] =
    "SELECT disabled, disabled_reason, forced_down, updated_at FROM compute_service_state"
    " WHERE host = ?";
static const char SQL_SVC_PUT[] =
    "INSERT OR REPLACE INTO compute_service_state (host, disabled, disabled_reason,"
    " forced_down, updated_at) VALUES (?,?,?,?,?)";

struct svc_state {
	bool disabled, forced_down;
	const char *reason, *updated_at; /* request arena, may be NULL */
};

static int svc_state_get(struct http_request *req, struct svc_state *out, struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = db_stmt(SQL_SVC_GET, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, svc->host.name);
	int rc = db_step(st, err);
	if (rc == SQLITE_ROW) {
		out->disabled = sqlite3_column_int(st, 0) != 0;
		out->reason =
		    db_column_text(st, 1) ? arena_strdup(req->arena, db_column_text(st, 1)) : NULL;
		out->forced_down = sqlite3_column_int(st, 2) != 0;
		out->updated_at =
		    db_column_text(st, 3) ? arena_strdup(req->arena, db_column_text(st, 3)) : NULL;
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

static int svc_state_put(struct http_request *req, const struct svc_state *in,
                         struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	char now[28];
	ids_time_iso_us(ids_now(), now);
	sqlite3_stmt *st = db_stmt(SQL_SVC_PUT, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, svc->host.name);
	sqlite3_bind_int(st, 2, in->disabled);
	db_bind_text(st, 3, in->disabled ? in->reason : NULL);
	sqlite3_bind_int(st, 4, in->forced_down);
	db_bind_text(st, 5, now);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	/* The scheduler's ComputeFilter reads this flag. */
	__atomic_store_n(&svc->host.enabled, !in->disabled, __ATOMIC_RELAXED);
	return 0;
}

int compute_service_state_load(struct compute_svc *svc, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_SVC_GET, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, svc->host.name);
	int rc = db_step(st, err);
	if (rc == SQLITE_ROW)
		svc->host.enabled = sqlite3_column_int(st, 0) == 0;
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

bool compute_service_forced_down(struct http_request *req)
{
	struct svc_state ss;
	struct api_error err;
	return svc_state_get(req, &ss, &err) == 0 && ss.forced_down;
}

COMPUTE_HANDLER(compute_az_list)
{
	char zone[256];
	if (zone_of(req, zone, err) != 0)
		return -1;
	http_reply_json(resp, 200,
	                json_pack("{s:[{s:s,s:{s:b},s:n}]}", "availabilityZoneInfo", "zoneName",
	                          zone, "zoneState", "available", 1, "hosts"));
	return 0;
}

COMPUTE_HANDLER(compute_az_detail)
{
	struct compute_svc *svc = req->ctx;
	char zone[256];
	if (zone_of(req, zone, err) != 0)
		return -1;
	char now[28];
	ids_time_iso_us(ids_now(), now);
	json_t *hosts = json_object();
	json_object_set_new(hosts, svc->host.name,
	                    json_pack("{s:{s:b,s:b,s:s}}", "nova-compute", "available", 1, "active",
	                              1, "updated_at", now));
	http_reply_json(resp, 200,
	                json_pack("{s:[{s:s,s:{s:b},s:o}]}", "availabilityZoneInfo", "zoneName",
	                          zone, "zoneState", "available", 1, "hosts", hosts));
	return 0;
}
static const char *host_uptime(struct http_request *req);

static json_t *hypervisor(struct http_request *req, bool detail, struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	const struct compute_host *h = &svc->host;
	struct svc_state ss;
	/* The compute node goes with its deleted service record. */
	if (!compute_service_exists(req)) {
		api_fail(err, API_NOT_FOUND, "Hypervisor could not be found.");
		return NULL;
	}
	if (svc_state_get(req, &ss, err) != 0)
		return NULL;
	json_t *o =
	    json_pack("{s:o,s:s,s:s,s:s}", "id", id_of(req, "hypervisor", 1), "hypervisor_hostname",
	              h->name, "state", ss.forced_down ? "down" : "up", "status",
	              ss.disabled ? "disabled" : "enabled");
	if (!detail)
		return o;
	struct compute_usage u = {0};
	if (compute_host_usage(h->name, &u, err) != 0) {
		json_decref(o);
		return NULL;
	}
	json_t *cpu =
	    json_pack("{s:s,s:s,s:s}", "arch", h->arch, "accelerator", svc->facts.accelerator,
	              "accelerator_reason", svc->facts.accelerator_reason);
	char *cpu_text = json_dumps(cpu, JSON_COMPACT);
	json_decref(cpu);
	json_object_set_new(o, "vcpus", json_integer(h->vcpus));
	json_object_set_new(o, "memory_mb", json_integer(h->ram_mb));
	json_object_set_new(o, "local_gb", json_integer(h->disk_gb));
	json_object_set_new(o, "vcpus_used", json_integer(u.vcpus));
	json_object_set_new(o, "memory_mb_used", json_integer(u.ram_mb + h->reserved_ram_mb));
	json_object_set_new(o, "local_gb_used", json_integer(u.disk_gb));
	json_object_set_new(o, "free_ram_mb",
	                    json_integer(h->ram_mb - h->reserved_ram_mb - u.ram_mb));
	json_object_set_new(o, "free_disk_gb", json_integer(h->disk_gb - u.disk_gb));
	json_object_set_new(o, "disk_available_least", json_integer(h->disk_gb - u.disk_gb));
	json_object_set_new(o, "current_workload", json_integer(0));
	json_object_set_new(o, "running_vms", json_integer(u.servers));
	json_object_set_new(o, "hypervisor_type", json_string(svc->facts.hypervisor_type));
	json_object_set_new(o, "hypervisor_version", json_integer(svc->facts.hypervisor_version));
	/* A JSON string before 2.28, an object from then on. */
	json_object_set_new(o, "cpu_info",
	                    compute_mv(req) >= 28 ? json_loads(cpu_text, 0, NULL)
	                                          : json_string(cpu_text));
	free(cpu_text);
	json_object_set_new(o, "host_ip", json_string("127.0.0.1"));
	json_object_set_new(o, "service",
	                    json_pack("{s:s,s:o,s:o}", "host", h->name, "id",
	                              id_of(req, "service", 1), "disabled_reason",
	                              json_string_or_null(ss.reason)));
	/* 2.88: the resource figures go (placement has them) and the uptime
	 * comes in instead of its own route. */
	if (compute_mv(req) >= 88) {
		static const char *const gone[] = {
		    "current_workload", "cpu_info",  "vcpus",          "vcpus_used",
		    "free_disk_gb",     "local_gb",  "local_gb_used",  "disk_available_least",
		    "free_ram_mb",      "memory_mb", "memory_mb_used", "running_vms"};
		for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
			json_object_del(o, gone[i]);
		json_object_set_new(o, "uptime", json_string(host_uptime(req)));
	}
	return o;
}

/* From 2.53 only the listed query parameters are allowed (400 otherwise);
 * with_servers is a strict boolean. */
static int query_253(struct http_request *req, const char *const *allowed, bool *with_servers,
                     struct api_error *err)
{
	*with_servers = false;
	if (compute_mv(req) < 53)
		return 0;
	for (size_t i = 0; i < req->nquery; i++) {
		size_t j;
		for (j = 0; allowed[j] && strcmp(allowed[j], req->query[i].key) != 0; j++)
			;
		if (allowed[j] == NULL)
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for query parameters %s. Additional "
			                "properties are not allowed ('%s' was unexpected)",
			                req->query[i].key, req->query[i].key);
	}
	const char *ws = http_query(req, "with_servers");
	if (ws != NULL) {
		bool b = false;
		if (!compute_bool_string(ws, &b))
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for query parameters with_servers. Value: %s. "
			    "Unrecognized value '%s', acceptable values are: '0', '1', "
			    "'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', "
			    "'yes'",
			    ws, ws);
		*with_servers = b;
	}
	return 0;
}

/* Adds the host's servers ({name, uuid}) when there are any; from 2.75
 * an empty list too (before, Nova leaves the key out for none). */
static int add_servers(struct http_request *req, json_t *h, struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	json_t *servers;
	if (compute_host_servers(req, svc->host.name, &servers, err) != 0)
		return -1;
	if (json_array_size(servers) > 0 || compute_mv(req) >= 75) {
		json_t *list = json_array();
		size_t i;
		json_t *s;
		json_array_foreach(servers, i, s) json_array_append_new(
		    list, json_pack("{s:O,s:O}", "name", json_object_get(s, "name"), "uuid",
		                    json_object_get(s, "id")));
		json_object_set_new(h, "servers", list);
	}
	json_decref(servers);
	return 0;
}

/* Nova's compute_node_search_by_hypervisor: hostname LIKE %pattern%. */
static bool hostname_matches(struct http_request *req, const char *pattern)
{
	struct compute_svc *svc = req->ctx;
	return strcasestr(svc->host.name, pattern) != NULL;
}

static int hypervisors_reply(struct http_request *req, struct http_response *resp, bool detail,
                             struct api_error *err)
{
	/* 2.33: limit and marker (the hypervisor id) over the one host, with
	 * a next link on a full page; 2.53: with_servers and
	 * hypervisor_hostname_pattern (not with paging; 404 for no match). */
	static const char *const allowed[] = {"limit", "marker", "with_servers",
	                                      "hypervisor_hostname_pattern", NULL};
	bool with_servers;
	if (query_253(req, allowed, &with_servers, err) != 0)
		return -1;
	const char *pattern =
	    compute_mv(req) >= 53 ? http_query(req, "hypervisor_hostname_pattern") : NULL;
	long long limit = -1;
	const char *marker = NULL, *q;
	if (compute_mv(req) >= 33) {
		if ((q = http_query(req, "limit")) != NULL) {
			char *end;
			limit = strtoll(q, &end, 10);
			if (*q == '\0' || *end || limit < 0)
				return api_fail(
				    err, API_BAD_REQUEST,
				    "Invalid input for query parameters limit. Value: %s.", q);
		}
		marker = http_query(req, "marker");
	}
	if (pattern != NULL) {
		if (http_query_has(req, "limit") || marker != NULL)
			return api_fail(err, API_BAD_REQUEST,
			                "Paging over hypervisors with the "
			                "hypervisor_hostname_pattern query parameter is not "
			                "supported.");
		if (!hostname_matches(req, pattern))
			return api_fail(err, API_NOT_FOUND,
			                "No hypervisor matching '%s' could be found.", pattern);
	}
	if (!compute_service_exists(req)) {
		if (pattern != NULL)
			return api_fail(err, API_NOT_FOUND,
			                "No hypervisor matching '%s' could be found.", pattern);
		if (marker != NULL)
			return api_fail(err, API_BAD_REQUEST, "marker [%s] not found", marker);
		http_reply_json(resp, 200, json_pack("{s:[]}", "hypervisors"));
		return 0;
	}
	json_t *h = hypervisor(req, detail, err);
	if (h == NULL)
		return -1;
	if (with_servers && add_servers(req, h, err) != 0) {
		json_decref(h);
		return -1;
	}
	json_t *id = json_object_get(h, "id");
	char idtext[64];
	if (json_is_integer(id))
		snprintf(idtext, sizeof(idtext), "%lld", (long long)json_integer_value(id));
	else
		snprintf(idtext, sizeof(idtext), "%s", json_string_value(id));
	if (marker != NULL && strcmp(marker, idtext) != 0) {
		json_decref(h);
		return api_fail(err, API_BAD_REQUEST, "marker [%s] not found", marker);
	}
	json_t *list = json_array();
	if (marker == NULL && limit != 0)
		json_array_append(list, h);
	json_decref(h);
	json_t *out = json_pack("{s:o}", "hypervisors", list);
	if (pattern == NULL && limit > 0 && json_array_size(list) == (size_t)limit)
		json_object_set_new(
		    out, "hypervisors_links",
		    json_pack("[{s:s,s:s}]", "rel", "next", "href",
		              arena_printf(req->arena,
		                           "%s/compute/v2.1/os-hypervisors%s?limit=%lld&marker=%s",
		                           req->base_url, detail ? "/detail" : "", limit, idtext)));
	http_reply_json(resp, 200, out);
	return 0;
}

COMPUTE_HANDLER(compute_hypervisor_list)
{
	return hypervisors_reply(req, resp, false, err);
}

COMPUTE_HANDLER(compute_hypervisor_detail)
{
	return hypervisors_reply(req, resp, true, err);
}

/* The hypervisor named by the path's id: from 2.53 a uuid (400 otherwise),
 * before an integer (404 otherwise); another id is 404. */
static json_t *hypervisor_by_id(struct http_request *req, bool detail, struct api_error *err)
{
	const char *id = http_param(req, "hypervisor_id");
	if (compute_mv(req) >= 53 && !ids_is_uuid(id)) {
		api_fail(err, API_BAD_REQUEST, "Invalid uuid %s", id);
		return NULL;
	}
	if (!compute_service_exists(req)) {
		api_fail(err, API_NOT_FOUND, "Hypervisor with ID '%s' could not be found.", id);
		return NULL;
	}
	json_t *h = hypervisor(req, detail, err);
	if (h == NULL)
		return NULL;
	json_t *jid = json_object_get(h, "id");
	char buf[64];
	if (json_is_integer(jid))
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(jid));
	else
		snprintf(buf, sizeof(buf), "%s", json_string_value(jid));
	if (strcmp(id, buf) != 0) {
		json_decref(h);
		api_fail(err, API_NOT_FOUND, "Hypervisor with ID '%s' could not be found.", id);
		return NULL;
	}
	return h;
}

COMPUTE_HANDLER(compute_hypervisor_show)
{
	static const char *const allowed[] = {"with_servers", NULL};
	bool with_servers;
	if (query_253(req, allowed, &with_servers, err) != 0)
		return -1;
	json_t *h = hypervisor_by_id(req, true, err);
	if (h == NULL)
		return -1;
	if (with_servers && add_servers(req, h, err) != 0) {
		json_decref(h);
		return -1;
	}
	http_reply_json(resp, 200, json_pack("{s:o}", "hypervisor", h));
	return 0;
}

/* The host's uptime line as libvirt's driver reports it (the output of
 * uptime(1)): time, time up, users, load averages. */
static const char *host_uptime(struct http_request *req)
{
	double up = 0, load[3] = {0, 0, 0};
	FILE *f = fopen("/proc/uptime", "r");
	if (f != NULL) {
		if (fscanf(f, "%lf", &up) != 1)
			up = 0;
		fclose(f);
	}
	f = fopen("/proc/loadavg", "r");
	if (f != NULL) {
		if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
			load[0] = load[1] = load[2] = 0;
		fclose(f);
	}
	int users = 0;
	setutxent();
	struct utmpx *u;
	while ((u = getutxent()) != NULL)
		if (u->ut_type == USER_PROCESS)
			users++;
	endutxent();
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	long mins = (long)up / 60, days = mins / 1440, hours = mins % 1440 / 60;
	mins %= 60;
	char *s = arena_printf(req->arena, " %02d:%02d:%02d up ", tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (days > 0)
		s = arena_printf(req->arena, "%s%ld day%s, ", s, days, days == 1 ? "" : "s");
	if (hours > 0)
		s = arena_printf(req->arena, "%s%2ld:%02ld, ", s, hours, mins);
	else
		s = arena_printf(req->arena, "%s%ld min, ", s, mins);
	return arena_printf(req->arena, "%s %d user%s,  load average: %.2f, %.2f, %.2f", s, users,
	                    users == 1 ? "" : "s", load[0], load[1], load[2]);
}

COMPUTE_HANDLER(compute_hypervisor_uptime)
{
	if (compute_mv(req) >= 88)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	json_t *h = hypervisor_by_id(req, false, err);
	if (h == NULL)
		return -1;
	json_object_set_new(h, "uptime", json_string(host_uptime(req)));
	http_reply_json(resp, 200, json_pack("{s:o}", "hypervisor", h));
	return 0;
}

/* Before 2.53: /os-hypervisors/{pattern}/search and /{pattern}/servers
 * (404 for no match; from 2.53 they are query parameters, and the paths
 * are Nova's 404). */
static int search_reply(struct http_request *req, struct http_response *resp, bool servers,
                        struct api_error *err)
{
	const char *pattern = http_param(req, "pattern");
	if (compute_mv(req) >= 53)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	if (!compute_service_exists(req) || !hostname_matches(req, pattern))
		return api_fail(err, API_NOT_FOUND, "No hypervisor matching '%s' could be found.",
		                pattern);
	json_t *h = hypervisor(req, false, err);
	if (h == NULL)
		return -1;
	if (servers && add_servers(req, h, err) != 0) {
		json_decref(h);
		return -1;
	}
	http_reply_json(resp, 200, json_pack("{s:[o]}", "hypervisors", h));
	return 0;
}

COMPUTE_HANDLER(compute_hypervisor_search)
{
	return search_reply(req, resp, false, err);
}

COMPUTE_HANDLER(compute_hypervisor_servers)
{
	return search_reply(req, resp, true, err);
}

COMPUTE_HANDLER(compute_hypervisor_stats)
{
	if (compute_mv(req) >= 88)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	if (!compute_service_exists(req)) {
		http_reply_json(resp, 200,
		                json_pack("{s:{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}}",
		                          "hypervisor_statistics", "count", 0, "vcpus", 0,
		                          "memory_mb", 0, "local_gb", 0, "vcpus_used", 0,
		                          "memory_mb_used", 0, "local_gb_used", 0, "free_ram_mb", 0,
		                          "free_disk_gb", 0, "current_workload", 0, "running_vms",
		                          0, "disk_available_least", 0));
		return 0;
	}
	json_t *h = hypervisor(req, true, err);
	if (h == NULL)
		return -1;
	static const char *const keys[] = {"vcpus",
	                                   "memory_mb",
	                                   "local_gb",
	                                   "vcpus_used",
	                                   "memory_mb_used",
	                                   "local_gb_used",
	                                   "free_ram_mb",
	                                   "free_disk_gb",
	                                   "current_workload",
	                                   "running_vms",
	                                   "disk_available_least",
	                                   NULL};
	json_t *s = json_pack("{s:i}", "count", 1);
	for (size_t i = 0; keys[i]; i++)
		json_object_set(s, keys[i], json_object_get(h, keys[i]));
	json_decref(h);
	http_reply_json(resp, 200, json_pack("{s:o}", "hypervisor_statistics", s));
	return 0;
}

/* The scheduler and the conductor run inside this daemon too: Nova lists
 * them as services of the host in the "internal" zone, always enabled (their
 * admin state changes nothing here, as in Nova) and up. */
static const char *const internal_binaries[] = {"nova-scheduler", "nova-conductor"};

/* Bits of svc->services_deleted. */
enum { SVC_COMPUTE = 1u, SVC_SCHEDULER = 2u, SVC_CONDUCTOR = 4u };

static bool svc_deleted(struct http_request *req, unsigned bit)
{
	struct compute_svc *svc = req->ctx;
	return (__atomic_load_n(&svc->services_deleted, __ATOMIC_RELAXED) & bit) != 0;
}

bool compute_service_exists(struct http_request *req)
{
	return !svc_deleted(req, SVC_COMPUTE);
}

static json_t *service_view(struct http_request *req, const char *zone, const char *now,
                            struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	struct svc_state ss;
	if (svc_state_get(req, &ss, err) != 0)
		return NULL;
	json_t *o =
	    json_pack("{s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "id", id_of(req, "service", 1), "binary",
	              "nova-compute", "host", svc->host.name, "zone", zone, "status",
	              ss.disabled ? "disabled" : "enabled", "state", ss.forced_down ? "down" : "up",
	              "updated_at", ss.updated_at ? ss.updated_at : now, "disabled_reason",
	              json_string_or_null(ss.reason));
	if (compute_mv(req) >= 11)
		json_object_set_new(o, "forced_down", json_boolean(ss.forced_down));
	return o;
}

static json_t *internal_service_view(struct http_request *req, size_t i, const char *now)
{
	struct compute_svc *svc = req->ctx;
	const char *salt = arena_printf(req->arena, "service:%s", internal_binaries[i]);
	json_t *o =
	    json_pack("{s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:n}", "id", id_of(req, salt, (int)i + 2),
	              "binary", internal_binaries[i], "host", svc->host.name, "zone", "internal",
	              "status", "enabled", "state", "up", "updated_at", now, "disabled_reason");
	if (compute_mv(req) >= 11)
		json_object_set_new(o, "forced_down", json_false());
	return o;
}

int compute_services(struct http_request *req, json_t **out, struct api_error *err)
{
	char zone[256];
	if (zone_of(req, zone, err) != 0)
		return -1;
	/* Services report every 10 s (Nova's report_interval). */
	char now[28];
	ids_time_iso_us((double)((long long)ids_now() / 10 * 10), now);
	json_t *list = json_array();
	for (size_t i = 0; i < sizeof(internal_binaries) / sizeof(internal_binaries[0]); i++)
		if (!svc_deleted(req, SVC_SCHEDULER << i))
			json_array_append_new(list, internal_service_view(req, i, now));
	if (svc_deleted(req, SVC_COMPUTE)) {
		*out = list;
		return 0;
	}
	json_t *o = service_view(req, zone, now, err);
	if (o == NULL) {
		json_decref(list);
		return -1;
	}
	json_array_append_new(list, o);
	*out = list;
	return 0;
}

COMPUTE_HANDLER(compute_service_list)
{
	const char *host = http_query(req, "host");
	const char *binary = http_query(req, "binary");
	json_t *all;
	if (compute_services(req, &all, err) != 0)
		return -1;
	json_t *list = json_array();
	size_t i;
	json_t *o;
	json_array_foreach(all, i, o)
	{
		if ((!host || strcmp(host, json_string_value(json_object_get(o, "host"))) == 0) &&
		    (!binary ||
		     strcmp(binary, json_string_value(json_object_get(o, "binary"))) == 0))
			json_array_append(list, o);
	}
	json_decref(all);
	http_reply_json(resp, 200, json_pack("{s:o}", "services", list));
	return 0;
}

/* PUT os-services: before 2.53 /os-services/{enable,disable,
 * disable-log-reason,force-down} with host and binary in the body; from
 * 2.53 /os-services/{uuid} with status, disabled_reason, forced_down. */
COMPUTE_HANDLER(compute_service_update)
{
	struct compute_svc *svc = req->ctx;
	const char *id = http_param(req, "service_id");
	int mv = compute_mv(req);
	json_t *body;
	struct svc_state ss;
	if (http_body_json(req, &body, err) != 0 || svc_state_get(req, &ss, err) != 0)
		return -1;
	if (!json_is_object(body))
		return api_fail(err, API_BAD_REQUEST, "The request body must be an object.");
	if (!compute_service_exists(req))
		return api_fail(err, API_NOT_FOUND, "Service %s could not be found.", id);
	if (mv >= 53) {
		for (size_t i = 0; i < sizeof(internal_binaries) / sizeof(internal_binaries[0]);
		     i++)
			if (strcmp(id, host_uuid(req, arena_printf(req->arena, "service:%s",
			                                           internal_binaries[i]))) == 0)
				return api_fail(err, API_BAD_REQUEST,
				                "Updating a %s service is not supported. Only "
				                "nova-compute services can be updated.",
				                internal_binaries[i]);
		if (strcmp(id, host_uuid(req, "service")) != 0)
			return api_fail(err, API_NOT_FOUND, "Service %s could not be found.", id);
		static const char *const allowed[] = {"status", "disabled_reason", "forced_down",
		                                      NULL};
		const char *status = NULL, *reason = NULL;
		json_t *fd = json_object_get(body, "forced_down");
		if (json_only_keys(body, allowed, "service", err) != 0 ||
		    json_get_string(body, "status", false, &status, err) != 0 ||
		    json_get_string(body, "disabled_reason", false, &reason, err) != 0)
			return -1;
		if (status == NULL && fd == NULL)
			return api_fail(err, API_BAD_REQUEST,
			                "At least one of status or forced_down must be specified.");
		if (status && strcmp(status, "enabled") != 0 && strcmp(status, "disabled") != 0)
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute status. Value: %s. '%s' "
			                "is not one of ['enabled', 'disabled']",
			                status, status);
		if (reason && (status == NULL || strcmp(status, "disabled") != 0))
			return api_fail(err, API_BAD_REQUEST,
			                "Specifying 'disabled_reason' with status other than "
			                "'disabled' is invalid.");
		if (fd && !json_is_boolean(fd))
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute forced_down.");
		if (reason && json_check_length("disabled_reason", reason, 255, err) != 0)
			return -1;
		if (status) {
			ss.disabled = strcmp(status, "disabled") == 0;
			ss.reason = ss.disabled ? reason : NULL;
		}
		if (fd)
			ss.forced_down = json_is_true(fd);
		if (svc_state_put(req, &ss, err) != 0)
			return -1;
		char zone[256], now[28];
		ids_time_iso_us(ids_now(), now);
		json_t *o;
		if (zone_of(req, zone, err) != 0 || (o = service_view(req, zone, now, err)) == NULL)
			return -1;
		http_reply_json(resp, 200, json_pack("{s:o}", "service", o));
		return 0;
	}
	const char *host = NULL, *binary = NULL, *reason = NULL;
	if (json_get_string(body, "host", true, &host, err) != 0 ||
	    json_get_string(body, "binary", true, &binary, err) != 0)
		return -1;
	bool force = strcmp(id, "force-down") == 0 && mv >= 11;
	if (strcmp(id, "enable") != 0 && strcmp(id, "disable") != 0 &&
	    strcmp(id, "disable-log-reason") != 0 && !force)
		return api_fail(err, API_NOT_FOUND, "Unknown action");
	/* Nova checks the binary before it looks the host up. */
	if (strcmp(binary, "nova-compute") != 0)
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Updating a %s service is not supported. Only nova-compute services "
		    "can be updated.",
		    binary);
	if (strcmp(host, svc->host.name) != 0)
		return api_fail(err, API_NOT_FOUND, "Host '%s' is not mapped to any cell", host);
	json_t *out = json_pack("{s:s,s:s}", "host", host, "binary", binary);
	if (force) {
		json_t *fd = json_object_get(body, "forced_down");
		if (!json_is_boolean(fd)) {
			json_decref(out);
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute forced_down.");
		}
		ss.forced_down = json_is_true(fd);
		json_object_set_new(out, "forced_down", json_boolean(ss.forced_down));
	} else {
		if (strcmp(id, "disable-log-reason") == 0 &&
		    (json_get_string(body, "disabled_reason", true, &reason, err) != 0 ||
		     json_check_length("disabled_reason", reason, 255, err) != 0)) {
			json_decref(out);
			return -1;
		}
		ss.disabled = strcmp(id, "enable") != 0;
		ss.reason = reason;
		json_object_set_new(out, "status",
		                    json_string(ss.disabled ? "disabled" : "enabled"));
		if (reason)
			json_object_set_new(out, "disabled_reason", json_string(reason));
	}
	if (svc_state_put(req, &ss, err) != 0) {
		json_decref(out);
		return -1;
	}
	http_reply_json(resp, 200, json_pack("{s:o}", "service", out));
	return 0;
}

/* DELETE /os-services/{id} (integer ids before 2.53, uuids from then):
 * Nova's service delete. nova-compute only without servers on its host or
 * migrations in progress (409); its host leaves every aggregate, its
 * admin state goes and so does its compute node (os-hypervisors), so the
 * scheduler has no host until the daemon starts again and registers its
 * services, as a restarted nova-compute does. */
static const char SQL_HOST_HAS_SERVERS[] = "SELECT count(*) FROM compute_servers WHERE host = ?";
static const char SQL_HOST_MIGRATING[] =
    "SELECT count(*) FROM compute_migrations WHERE (source_compute = ?1 OR dest_compute = ?1)"
    " AND status NOT IN ('confirmed', 'reverted', 'error', 'failed', 'completed',"
    " 'cancelled', 'done')";
static const char SQL_HOST_LEAVES_AGGREGATES[] =
    "DELETE FROM compute_aggregate_hosts WHERE host = ?";
static const char SQL_SVC_FORGET[] = "DELETE FROM compute_service_state WHERE host = ?";

static int host_count(const char *sql, const char *host, long long *n, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(sql, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, host);
	int rc = db_step(st, err);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

static int host_exec(const char *sql, const char *host, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(sql, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, host);
	return db_exec_stmt(st, err);
}

COMPUTE_HANDLER(compute_service_delete)
{
	struct compute_svc *svc = req->ctx;
	const char *id = http_param(req, "service_id");
	if (compute_mv(req) >= 53) {
		if (!ids_is_uuid(id))
			return api_fail(err, API_BAD_REQUEST, "Invalid uuid %s", id);
	} else {
		char *end;
		strtol(id, &end, 10);
		if (*id == '\0' || *end != '\0')
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input received: id must be an integer");
	}
	/* Which record: nova-compute (id 1), the scheduler (2), the conductor (3). */
	unsigned bit = 0;
	for (unsigned i = 0; i < 3 && bit == 0; i++) {
		const char *salt =
		    i == 0 ? "service"
		           : arena_printf(req->arena, "service:%s", internal_binaries[i - 1]);
		const char *text = compute_mv(req) >= 53 ? host_uuid(req, salt)
		                                         : arena_printf(req->arena, "%u", i + 1);
		if (strcmp(id, text) == 0 && !svc_deleted(req, 1u << i))
			bit = 1u << i;
	}
	if (bit == 0)
		return api_fail(err, API_NOT_FOUND, "Service %s not found.", id);
	if (bit == SVC_COMPUTE) {
		const char *host = svc->host.name;
		long long n;
		if (db_begin(err) != 0)
			return -1;
		if (host_count(SQL_HOST_HAS_SERVERS, host, &n, err) != 0)
			goto fail;
		if (n > 0) {
			api_fail(
			    err, API_CONFLICT,
			    "Unable to delete compute service that is hosting instances. Migrate "
			    "or delete the instances first.");
			goto fail;
		}
		if (host_count(SQL_HOST_MIGRATING, host, &n, err) != 0)
			goto fail;
		if (n > 0) {
			api_fail(
			    err, API_CONFLICT,
			    "Unable to delete compute service that has in-progress migrations. "
			    "Complete the migrations or delete the instances first.");
			goto fail;
		}
		if (host_exec(SQL_HOST_LEAVES_AGGREGATES, host, err) != 0 ||
		    host_exec(SQL_SVC_FORGET, host, err) != 0 || db_commit(err) != 0)
			goto fail;
		/* No compute service: the scheduler's ComputeFilter refuses. */
		__atomic_store_n(&svc->host.enabled, false, __ATOMIC_RELAXED);
	}
	__atomic_or_fetch(&svc->services_deleted, bit, __ATOMIC_RELAXED);
	http_reply_empty(resp, 204);
	return 0;
fail:
	db_rollback();
	return -1;
}
