/* os-simple-tenant-usage: what servers used in a period, per project
 * (index, admin) or for one project (show), computed as Nova does from the
 * servers' launched and terminated times and their flavors: a server
 * counts from max(launched, start) to min(terminated or end, end).
 * Servers that are gone are read from compute_usage_terminated (the record
 * a launched server leaves when its row is deleted, schema/005). Paging
 * (limit/marker over servers) from 2.40. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/json.h"
#include "service.h"

static const char SQL_USAGE[] =
    "SELECT id, name, project_id, flavor, launched_at, NULL, vm_state, created_at"
    " FROM compute_servers WHERE launched_at IS NOT NULL AND (?1 IS NULL OR project_id = ?1)"
    " UNION ALL"
    " SELECT id, name, project_id, flavor, launched_at, terminated_at, NULL, created_at"
    " FROM compute_usage_terminated WHERE (?1 IS NULL OR project_id = ?1)"
    " ORDER BY 8, 1";

/* Nova's three formats: "2024-05-01T10:00:00", "2024-05-01T10:00:00.5",
 * "2024-05-01 10:00:00.500000"; no zone (UTC). Absent: now. */
static int parse_when(struct http_request *req, const char *key, double now, double *out,
                      struct api_error *err)
{
	const char *s = http_query(req, key);
	if (s == NULL || *s == '\0') {
		*out = now;
		return 0;
	}
	static const char shape[] = "dddd-dd-ddXdd:dd:dd";
	size_t n = strlen(s), i;
	bool ok = n >= sizeof(shape) - 1;
	for (i = 0; ok && i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd')
			ok = isdigit((unsigned char)s[i]);
		else if (shape[i] == 'X')
			ok = s[i] == 'T' || s[i] == ' ';
		else
			ok = s[i] == shape[i];
	}
	if (ok && n > i) {
		ok = s[i] == '.' && n > i + 1 && n <= i + 7;
		for (size_t k = i + 1; ok && k < n; k++)
			ok = isdigit((unsigned char)s[k]);
	} else if (ok && s[10] == ' ')
		ok = false; /* the space form has microseconds */
	if (!ok || ids_time_parse(s, out) != 0)
		return api_fail(err, API_BAD_REQUEST, "Invalid datetime string: %s", s);
	return 0;
}

/* Nova's datetime in these bodies: naive UTC with microseconds. */
static json_t *when_json(struct arena *a, double t)
{
	time_t secs = (time_t)floor(t);
	int us = (int)llround((t - (double)secs) * 1e6);
	if (us >= 1000000) {
		secs++;
		us -= 1000000;
	}
	struct tm tm;
	gmtime_r(&secs, &tm);
	char buf[64];
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return json_string(arena_printf(a, "%s.%06d", buf, us));
}

static void url_append(struct arena *a, char **url, const char *key, const char *value)
{
	char *v = arena_alloc(a, 3 * strlen(value) + 1), *p = v;
	for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
		if (isalnum(*c) || strchr("-._~", *c))
			*p++ = (char)*c;
		else
			p += sprintf(p, "%%%02X", *c);
	}
	*p = '\0';
	*url = arena_printf(a, "%s%s%s=%s", *url, strchr(*url, '?') ? "&" : "?", key, v);
}

/* The usages of project (NULL: every project) in [start, stop). */
static int usage_reply(struct http_request *req, struct http_response *resp, const char *project,
                       struct api_error *err)
{
	int mv = compute_mv(req);
	double now = ids_now(), start, stop;
	if (parse_when(req, "start", now, &start, err) != 0 ||
	    parse_when(req, "end", now + 1e-6, &stop, err) != 0)
		return -1;
	if (!(start < stop))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid start time. The start time cannot occur after the end "
		                "time.");
	const char *d = http_query(req, "detailed");
	bool detailed = project != NULL || (d != NULL && strcmp(d, "1") == 0);
	long long limit = -1;
	const char *marker = NULL, *q;
	if (mv >= 40) {
		limit = 1000;
		marker = http_query(req, "marker");
		if ((q = http_query(req, "limit")) != NULL) {
			char *end;
			limit = strtoll(q, &end, 10);
			if (*q == '\0' || *end || limit < 0)
				return api_fail(
				    err, API_BAD_REQUEST,
				    "Invalid input for query parameters limit. Value: %s.", q);
			if (limit > 1000)
				limit = 1000;
		}
	}
	sqlite3_stmt *st = db_stmt(SQL_USAGE, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, project);
	json_t *tenants = json_object(); /* project -> summary, in order of first server */
	json_t *order = json_array();
	arena_defer(req->arena, (void (*)(void *))json_decref, tenants);
	arena_defer(req->arena, (void (*)(void *))json_decref, order);
	bool past = marker == NULL;
	long long taken = 0;
	const char *last = NULL;
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW) {
		double launched, terminated = -1;
		if (ids_time_parse(db_column_text(st, 4), &launched) != 0)
			continue;
		if (db_column_text(st, 5) &&
		    ids_time_parse(db_column_text(st, 5), &terminated) != 0)
			continue;
		/* Nova's active-by-window: not terminated before the start,
		 * launched before the end. */
		if ((terminated >= 0 && terminated <= start) || launched >= stop)
			continue;
		const char *id = db_column_text(st, 0);
		if (!past) {
			past = strcmp(id, marker) == 0;
			continue;
		}
		if (limit >= 0 && taken >= limit)
			break;
		taken++;
		last = arena_strdup(req->arena, id);
		json_t *f = json_loads(db_column_text(st, 3), 0, NULL);
		if (f == NULL)
			f = json_object();
		double from = launched > start ? launched : start;
		double to = terminated >= 0 && terminated < stop ? terminated : stop;
		double hours = (to - from) / 3600.0;
		long long ram = json_integer_value(json_object_get(f, "ram"));
		long long gb = json_integer_value(json_object_get(f, "disk")) +
		               json_integer_value(json_object_get(f, "ephemeral"));
		long long vcpus = json_integer_value(json_object_get(f, "vcpus"));
		const char *pid = db_column_text(st, 2);
		json_t *sum = json_object_get(tenants, pid);
		if (sum == NULL) {
			sum = json_pack("{s:s,s:f,s:f,s:f,s:f,s:o,s:o}", "tenant_id", pid,
			                "total_local_gb_usage", 0.0, "total_vcpus_usage", 0.0,
			                "total_memory_mb_usage", 0.0, "total_hours", 0.0, "start",
			                when_json(req->arena, start), "stop",
			                when_json(req->arena, stop));
			if (detailed)
				json_object_set_new(sum, "server_usages", json_array());
			json_object_set_new(tenants, pid, sum);
			json_array_append_new(order, json_string(pid));
		}
#define ADD(k, v) \
	json_object_set_new(sum, k, json_real(json_real_value(json_object_get(sum, k)) + (v)))
		ADD("total_local_gb_usage", (double)gb * hours);
		ADD("total_vcpus_usage", (double)vcpus * hours);
		ADD("total_memory_mb_usage", (double)ram * hours);
		ADD("total_hours", hours);
#undef ADD
		if (detailed) {
			const char *fname = json_string_value(json_object_get(f, "name"));
			json_t *u = json_pack(
			    "{s:o,s:s,s:f,s:s,s:I,s:I,s:s,s:o,s:s,s:s,s:I,s:I}", "ended_at",
			    terminated >= 0 ? when_json(req->arena, terminated) : json_null(),
			    "flavor", fname ? fname : "", "hours", hours, "instance_id", id,
			    "local_gb", (json_int_t)gb, "memory_mb", (json_int_t)ram, "name",
			    db_column_text(st, 1), "started_at", when_json(req->arena, launched),
			    "state", terminated >= 0 ? "terminated" : db_column_text(st, 6),
			    "tenant_id", pid, "uptime",
			    (json_int_t)((terminated >= 0 ? terminated : now) - launched), "vcpus",
			    (json_int_t)vcpus);
			json_array_append_new(json_object_get(sum, "server_usages"), u);
		}
		json_decref(f);
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (!past)
		return api_fail(err, API_BAD_REQUEST, "Marker %s could not be found.", marker);
	json_t *out = json_object();
	const char *links_key = project ? "tenant_usage_links" : "tenant_usages_links";
	if (project) {
		json_t *sum = json_object_get(tenants, project);
		json_object_set_new(out, "tenant_usage", sum ? json_incref(sum) : json_object());
	} else {
		json_t *list = json_array();
		size_t i;
		json_t *pid;
		json_array_foreach(order, i, pid)
		    json_array_append(list, json_object_get(tenants, json_string_value(pid)));
		json_object_set_new(out, "tenant_usages", list);
	}
	/* A full page links to the next one (Nova's collection links). */
	if (limit > 0 && taken == limit && last != NULL) {
		char *url = arena_printf(req->arena, "%s/compute/v2.1/os-simple-tenant-usage%s%s",
		                         req->base_url, project ? "/" : "", project ? project : "");
		static const char *const keep[] = {"start", "end", "detailed", NULL};
		for (size_t i = 0; keep[i]; i++)
			if ((q = http_query(req, keep[i])) != NULL)
				url_append(req->arena, &url, keep[i], q);
		url_append(req->arena, &url, "limit", arena_printf(req->arena, "%lld", limit));
		url_append(req->arena, &url, "marker", last);
		json_object_set_new(out, links_key,
		                    json_pack("[{s:s,s:s}]", "rel", "next", "href", url));
	}
	http_reply_json(resp, 200, out);
	return 0;
}

COMPUTE_HANDLER(compute_usage_list)
{
	/* "/os-simple-tenant-usage/" is a show with an empty project to Nova
	 * (404; Tempest checks it), not the index the router forgives it as. */
	size_t n = strlen(req->subpath);
	if (n > 0 && req->subpath[n - 1] == '/')
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	return usage_reply(req, resp, NULL, err);
}

COMPUTE_HANDLER(compute_usage_show)
{
	const char *project = http_param(req, "tenant_id");
	if (strcmp(project, compute_project(req)) != 0 && !compute_is_admin(req))
		return api_fail(err, API_FORBIDDEN,
		                "Policy doesn't allow os_compute_api:os-simple-tenant-usage:show "
		                "to be performed.");
	return usage_reply(req, resp, project, err);
}
