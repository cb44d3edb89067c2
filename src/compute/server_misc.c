/* Smaller Nova APIs around servers: a server's addresses on one network
 * (GET /servers/{id}/ips/{network}), os-server-password (the encrypted
 * password a guest left with the metadata service), os-server-external-
 * events (what Neutron tells Nova about ports), and the instance usage
 * audit (os-instance_usage_audit_log, and the periodic task that writes its
 * task log when `[compute] instance_usage_audit` is on, as Nova's
 * _instance_usage_audit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "service.h"

/* ---- GET /servers/{id}/ips/{network_label} ---- */

COMPUTE_HANDLER(compute_server_ips_show)
{
	const char *label = http_param(req, "network_label");
	struct compute_server s;
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0)
		return -1;
	json_t *all = compute_server_addresses(req, s.id, false);
	json_t *ips = json_object_get(all, label);
	if (ips == NULL) {
		json_decref(all);
		return api_fail(err, API_NOT_FOUND,
		                "Instance is not a member of specified network");
	}
	json_t *out = json_object();
	json_object_set(out, label, ips);
	json_decref(all);
	http_reply_json(resp, 200, out);
	return 0;
}

/* ---- os-server-password ---- */

static const char SQL_PASSWORD_GET[] =
    "SELECT password FROM compute_server_passwords WHERE server_id = ?";
static const char SQL_PASSWORD_CLEAR[] = "DELETE FROM compute_server_passwords WHERE server_id = ?";
/* Only while none is set (the guest's POST may race another one or the
 * API's DELETE: one statement decides), and only for a server that still
 * exists (the delete trigger would not see a row written after it). */
static const char SQL_PASSWORD_SET[] = "INSERT INTO compute_server_passwords (server_id, password)"
                                       " SELECT id, ?2 FROM compute_servers WHERE id = ?1"
                                       " ON CONFLICT (server_id) DO NOTHING";

int compute_server_password_set(const char *server_id, const char *pw, size_t len,
                                struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_PASSWORD_SET, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, server_id);
	sqlite3_bind_text(st, 2, pw, (int)len, SQLITE_TRANSIENT);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	return sqlite3_changes(db_conn(err)) > 0 ? 1 : 0;
}

const char *compute_server_password(struct arena *a, const char *server_id)
{
	struct api_error err = {0};
	sqlite3_stmt *st = db_stmt(SQL_PASSWORD_GET, &err);
	if (st == NULL)
		return "";
	db_bind_text(st, 1, server_id);
	const char *pw = "";
	if (db_step(st, &err) == SQLITE_ROW && db_column_text(st, 0))
		pw = arena_strdup(a, db_column_text(st, 0));
	sqlite3_reset(st);
	return pw;
}

COMPUTE_HANDLER(compute_server_password_show)
{
	struct compute_server s;
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0)
		return -1;
	sqlite3_stmt *st = db_stmt(SQL_PASSWORD_GET, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, s.id);
	int rc = db_step(st, err);
	const char *pw = rc == SQLITE_ROW && db_column_text(st, 0)
	                     ? arena_strdup(req->arena, db_column_text(st, 0))
	                     : "";
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:s}", "password", pw));
	return 0;
}

/* Forgets the password the metadata service keeps; the guest's own
 * password does not change (as in Nova). */
COMPUTE_HANDLER(compute_server_password_clear)
{
	struct compute_server s;
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0)
		return -1;
	sqlite3_stmt *st = db_stmt(SQL_PASSWORD_CLEAR, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, s.id);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

/* ---- os-server-external-events (admin) ---- */

/* The event names Nova's schema takes at a microversion: volume-extended
 * (2.51), power-update (2.76), accelerator-request-bound (2.82),
 * volume-reimaged (2.93; no volumes here: nothing waits for it). */
static bool event_name_ok(int mv, const char *name)
{
	static const char *const base[] = {"network-changed", "network-vif-plugged",
	                                   "network-vif-unplugged", "network-vif-deleted", NULL};
	for (size_t i = 0; base[i]; i++)
		if (strcmp(name, base[i]) == 0)
			return true;
	return (mv >= 51 && strcmp(name, "volume-extended") == 0) ||
	       (mv >= 76 && strcmp(name, "power-update") == 0) ||
	       (mv >= 82 && strcmp(name, "accelerator-request-bound") == 0) ||
	       (mv >= 93 && strcmp(name, "volume-reimaged") == 0);
}

/* Nova's TAG_REQUIRED events. */
static bool tag_required(const char *name)
{
	return strcmp(name, "volume-extended") == 0 || strcmp(name, "power-update") == 0 ||
	       strcmp(name, "accelerator-request-bound") == 0;
}

/* power-update (2.76) is for drivers whose hypervisor changes a server's
 * power out of band (Ironic's). Nova records a start or stop action for
 * it and its compute manager asks the driver, which libvirt's (and so
 * ours, whose watcher reports power itself) does not implement: the action
 * fails and the server's state stays. An unknown tag is skipped, as Nova. */
static void power_update_event(struct http_request *req, const char *server_id, const char *tag)
{
	const char *action = strcmp(tag, "POWER_ON") == 0    ? "start"
	                     : strcmp(tag, "POWER_OFF") == 0 ? "stop"
	                                                     : NULL;
	long long id;
	struct api_error e = {0};
	if (action == NULL) {
		log_warn("compute: power-update event with tag %s for %s skipped", tag, server_id);
		return;
	}
	if (compute_action_start(req, server_id, action, &id, &e) == 0)
		compute_action_finish(id, false,
		                      "NotImplementedError: the driver reports power states itself "
		                      "and does not take power-update events");
}

/* Nova's schema for one event: server_uuid (uuid), name, status, tag. */
static int event_check(struct http_request *req, json_t *ev, struct api_error *err)
{
	static const char *const allowed[] = {"server_uuid", "name", "status", "tag", NULL};
	if (!json_is_object(ev))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute events. Value: an event is "
		                "not an object");
	if (json_only_keys(ev, allowed, "events", err) != 0)
		return -1;
	const char *uuid = NULL, *name = NULL, *status = NULL, *tag = NULL;
	if (json_get_string(ev, "server_uuid", true, &uuid, err) != 0 ||
	    json_get_string(ev, "name", true, &name, err) != 0 ||
	    json_get_string(ev, "status", false, &status, err) != 0 ||
	    json_get_string(ev, "tag", false, &tag, err) != 0)
		return -1;
	if (!ids_is_uuid(uuid))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute server_uuid. Value: %s. '%s' "
		                "is not a 'uuid'",
		                uuid, uuid);
	if (!event_name_ok(compute_mv(req), name))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute name. Value: %s. '%s' is not "
		                "one of the event names",
		                name, name);
	if (status && strcmp(status, "failed") && strcmp(status, "completed") &&
	    strcmp(status, "in-progress"))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute status. Value: %s. '%s' is not "
		                "one of ['failed', 'completed', 'in-progress']",
		                status, status);
	if (tag && json_check_length("tag", tag, 255, err) != 0)
		return -1;
	return 0;
}

/* Each event answers for itself: 200 (taken by the server's host), 404
 * (no such server), 400 (a tag was required), 422 (the server has no
 * host); the whole request is 207 when any event failed. There is no
 * network info cache to refresh here (addresses come from network.h on
 * every read) and spawn waits for no vif-plugged event, so a taken event
 * is logged and done. */
COMPUTE_HANDLER(compute_server_external_events)
{
	json_t *body, *events;
	if (http_body_json(req, &body, err) != 0)
		return -1;
	if (!json_is_object(body))
		return api_fail(err, API_BAD_REQUEST, "The request body must be an object.");
	static const char *const allowed[] = {"events", NULL};
	if (json_only_keys(body, allowed, "body", err) != 0)
		return -1;
	events = json_object_get(body, "events");
	if (!json_is_array(events) || json_array_size(events) == 0)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute events. Value: must be a "
		                "non-empty list");
	size_t i;
	json_t *ev;
	json_array_foreach(events, i, ev) if (event_check(req, ev, err) != 0) return -1;
	int status = 200;
	json_t *out = json_array();
	json_array_foreach(events, i, ev)
	{
		json_t *r = json_deep_copy(ev);
		const char *uuid = json_string_value(json_object_get(ev, "server_uuid"));
		const char *name = json_string_value(json_object_get(ev, "name"));
		const char *tag = json_string_value(json_object_get(ev, "tag"));
		struct compute_server s;
		struct api_error e = {0};
		int code = 200;
		if (compute_server_read(req->arena, uuid, &s, &e) != 0) {
			if (e.kind != API_NOT_FOUND) {
				json_decref(r);
				json_decref(out);
				*err = e;
				return -1;
			}
			code = 404;
		} else if (tag_required(name) && tag == NULL) {
			code = 400;
		} else if (s.host == NULL) {
			code = 422;
		}
		if (code == 200) {
			log_info("compute: external event %s%s%s for %s on %s", name,
			         tag ? ":" : "", tag ? tag : "", uuid, s.host);
			if (strcmp(name, "power-update") == 0)
				power_update_event(req, uuid, tag);
		} else
			status = 207;
		json_object_set_new(r, "status", json_string(code == 200 ? "completed" : "failed"));
		json_object_set_new(r, "code", json_integer(code));
		json_array_append_new(out, r);
	}
	http_reply_json(resp, status, json_pack("{s:o}", "events", out));
	return 0;
}

/* ---- the instance usage audit ---- */

static const char SQL_TASK_LOGS[] =
    "SELECT host, state, task_items, errors, message FROM compute_task_log"
    " WHERE task_name = 'instance_usage_audit' AND period_beginning = ?"
    " AND period_ending = ? ORDER BY host";
static const char SQL_TASK_BEGIN[] =
    "INSERT OR IGNORE INTO compute_task_log (task_name, host, period_beginning,"
    " period_ending, state, task_items, errors, message, created_at)"
    " VALUES ('instance_usage_audit', ?, ?, ?, 'RUNNING', 0, 0, '', ?)";
static const char SQL_TASK_END[] =
    "UPDATE compute_task_log SET state = 'DONE', task_items = ?, errors = 0, message = ?"
    " WHERE task_name = 'instance_usage_audit' AND host = ? AND period_beginning = ?"
    " AND period_ending = ?";
/* Nova's instance_get_active_by_window_joined: launched before the end and
 * not terminated before the beginning (times are ISO text, comparable). */
static const char SQL_ACTIVE_IN_WINDOW[] =
    "SELECT (SELECT count(*) FROM compute_servers WHERE host = ?1 AND launched_at IS NOT NULL"
    " AND launched_at < ?3) + (SELECT count(*) FROM compute_usage_terminated"
    " WHERE launched_at < ?3 AND terminated_at > ?2)";

/* Nova's last_completed_audit_period: unit month (default), day, year or
 * hour, with an optional "@offset"; the period that ended last at or
 * before `before`. Both as "YYYY-MM-DD HH:MM:SS" (UTC). */
static int audit_period(const char *unit_cfg, time_t before, char begin[20], char end[20])
{
	char unit[16];
	int offset = 0;
	snprintf(unit, sizeof(unit), "%s", unit_cfg);
	char *at = strchr(unit, '@');
	if (at) {
		*at = '\0';
		offset = atoi(at + 1);
	}
	struct tm now, e = {0}, b = {0};
	gmtime_r(&before, &now);
	if (strcmp(unit, "month") == 0) {
		if (offset == 0)
			offset = 1;
		e.tm_year = now.tm_year, e.tm_mon = now.tm_mon, e.tm_mday = offset;
		if (timegm(&e) >= before)
			e.tm_mon -= 1;
		b = e;
		b.tm_mon -= 1;
	} else if (strcmp(unit, "year") == 0) {
		if (offset == 0)
			offset = 1;
		e.tm_year = now.tm_year, e.tm_mon = offset - 1, e.tm_mday = 1;
		if (timegm(&e) >= before)
			e.tm_year -= 1;
		b = e;
		b.tm_year -= 1;
	} else if (strcmp(unit, "day") == 0) {
		e.tm_year = now.tm_year, e.tm_mon = now.tm_mon, e.tm_mday = now.tm_mday;
		e.tm_hour = offset;
		if (timegm(&e) >= before)
			e.tm_mday -= 1;
		b = e;
		b.tm_mday -= 1;
	} else if (strcmp(unit, "hour") == 0) {
		e.tm_year = now.tm_year, e.tm_mon = now.tm_mon, e.tm_mday = now.tm_mday;
		e.tm_hour = now.tm_hour, e.tm_min = offset;
		if (timegm(&e) >= before)
			e.tm_hour -= 1;
		b = e;
		b.tm_hour -= 1;
	} else {
		return -1;
	}
	time_t te = timegm(&e), tb = timegm(&b);
	gmtime_r(&te, &e);
	gmtime_r(&tb, &b);
	strftime(end, 20, "%Y-%m-%d %H:%M:%S", &e);
	strftime(begin, 20, "%Y-%m-%d %H:%M:%S", &b);
	return 0;
}

static const char *audit_unit(const struct compute_svc *svc)
{
	return config_get(svc->env->cfg, "compute", "instance_usage_audit_period", "month");
}

/* "YYYY-MM-DD HH:MM:SS" as the ISO text the servers table holds. */
static void iso_of(const char *period, char out[21])
{
	snprintf(out, 21, "%.10sT%.8sZ", period, period + 11);
}

void compute_usage_audit_run(struct compute_svc *svc)
{
	const char *on = config_get(svc->env->cfg, "compute", "instance_usage_audit", "false");
	if (strcmp(on, "true") != 0 && strcmp(on, "True") != 0 && strcmp(on, "1") != 0)
		return;
	char begin[20], end[20], now[21], ib[21], ie[21];
	if (audit_period(audit_unit(svc), time(NULL), begin, end) != 0)
		return;
	ids_time_iso(time(NULL), now);
	struct api_error err = {0};
	sqlite3_stmt *st = db_stmt(SQL_TASK_BEGIN, &err);
	if (st == NULL)
		goto fail;
	db_bind_text(st, 1, svc->host.name);
	db_bind_text(st, 2, begin);
	db_bind_text(st, 3, end);
	db_bind_text(st, 4, now);
	if (db_exec_stmt(st, &err) != 0)
		goto fail;
	if (sqlite3_changes(db_conn(&err)) == 0)
		return; /* this period is audited (or being audited) already */
	double t0 = ids_now();
	iso_of(begin, ib);
	iso_of(end, ie);
	long long n = 0;
	if ((st = db_stmt(SQL_ACTIVE_IN_WINDOW, &err)) == NULL)
		goto fail;
	db_bind_text(st, 1, svc->host.name);
	db_bind_text(st, 2, ib);
	db_bind_text(st, 3, ie);
	if (db_step(st, &err) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	char msg[768];
	snprintf(msg, sizeof(msg),
	         "Instance usage audit ran for host %s, %lld instances in %f seconds.",
	         svc->host.name, n, ids_now() - t0);
	if ((st = db_stmt(SQL_TASK_END, &err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, n);
	db_bind_text(st, 2, msg);
	db_bind_text(st, 3, svc->host.name);
	db_bind_text(st, 4, begin);
	db_bind_text(st, 5, end);
	if (db_exec_stmt(st, &err) != 0)
		goto fail;
	log_info("compute: %s", msg);
	return;
fail:
	log_error("compute: instance usage audit: %s", err.message);
}

/* Nova's _get_audit_task_logs for the period that ended last before
 * `before`: the compute hosts (disabled ones too) and their task logs. */
static json_t *audit_view(struct http_request *req, time_t before, struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	char begin[20], end[20];
	if (audit_period(audit_unit(svc), before, begin, end) != 0) {
		api_fail(err, API_INTERNAL, "Invalid instance_usage_audit_period %s",
		         audit_unit(svc));
		return NULL;
	}
	sqlite3_stmt *st = db_stmt(SQL_TASK_LOGS, err);
	if (st == NULL)
		return NULL;
	db_bind_text(st, 1, begin);
	db_bind_text(st, 2, end);
	json_t *log = json_object();
	long long done = 0, running = 0, errors = 0, items = 0;
	bool seen = false;
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW) {
		const char *host = db_column_text(st, 0), *state = db_column_text(st, 1);
		long long ti = sqlite3_column_int64(st, 2), te = sqlite3_column_int64(st, 3);
		seen |= strcmp(host, svc->host.name) == 0;
		done += strcmp(state, "DONE") == 0;
		running += strcmp(state, "RUNNING") == 0;
		errors += te;
		items += ti;
		json_object_set_new(log, host,
		                    json_pack("{s:s,s:I,s:I,s:s}", "state", state, "instances",
		                              (json_int_t)ti, "errors", (json_int_t)te, "message",
		                              db_column_text(st, 4) ? db_column_text(st, 4) : ""));
	}
	sqlite3_reset(st);
	if (rc < 0) {
		json_decref(log);
		return NULL;
	}
	/* One compute host: this daemon's (none once its service is deleted). */
	const long long hosts = compute_service_exists(req) ? 1 : 0;
	json_t *not_run = json_array();
	if (!seen && hosts > 0)
		json_array_append_new(not_run, json_string(svc->host.name));
	const char *overall =
	    done == hosts ? arena_printf(req->arena, "ALL hosts done. %lld errors.", errors)
	                  : arena_printf(req->arena, "%lld of %lld hosts done. %lld errors.", done,
	                                 hosts, errors);
	return json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:o,s:I,s:I,s:s,s:o}", "period_beginning", begin,
	                 "period_ending", end, "num_hosts", (json_int_t)hosts, "num_hosts_done",
	                 (json_int_t)done, "num_hosts_running", (json_int_t)running,
	                 "num_hosts_not_run", (json_int_t)json_array_size(not_run), "hosts_not_run",
	                 not_run, "total_instances", (json_int_t)items, "total_errors",
	                 (json_int_t)errors, "overall_status", overall, "log", log);
}

COMPUTE_HANDLER(compute_usage_audit_list)
{
	json_t *v = audit_view(req, time(NULL), err);
	if (v == NULL)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:o}", "instance_usage_audit_logs", v));
	return 0;
}

/* {before_timestamp}: "%Y-%m-%d %H:%M:%S" or with ".%f" (Nova's formats). */
COMPUTE_HANDLER(compute_usage_audit_show)
{
	const char *id = http_param(req, "before_timestamp");
	struct tm tm = {0};
	const char *rest = strptime(id, "%Y-%m-%d %H:%M:%S", &tm);
	bool ok = rest != NULL;
	if (ok && strchr(id, '.') != NULL) {
		/* .%f: one to six digits, nothing after. */
		size_t digits = rest[0] == '.' ? strspn(rest + 1, "0123456789") : 0;
		ok = digits >= 1 && digits <= 6 && rest[1 + digits] == '\0';
	} else if (ok) {
		ok = *rest == '\0';
	}
	if (!ok)
		return api_fail(err, API_BAD_REQUEST, "Invalid timestamp for date %s", id);
	/* Periods end on whole seconds: a fraction past one counts as the
	 * next second for "ended before". */
	time_t before = timegm(&tm);
	if (strchr(id, '.') != NULL &&
	    strspn(strchr(id, '.') + 1, "0") != strlen(strchr(id, '.') + 1))
		before++;
	json_t *v = audit_view(req, before, err);
	if (v == NULL)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:o}", "instance_usage_audit_log", v));
	return 0;
}
