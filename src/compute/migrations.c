/* Migration records (Nova's migrations table) and what asks for them:
 * GET /os-migrations (admin; migration_type from 2.23, uuid and paging from
 * 2.59), GET /servers/{id}/migrations[/{id}] (in-progress live migrations:
 * never any here), force_complete (2.22) and abort (2.24). A resize records
 * one (migrating, finished, confirmed or reverted, error); on this one-host
 * cloud a cold or live migration finds no other host and leaves a record in
 * error, as Nova's conductor does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"

static const char SQL_INSERT[] =
    "INSERT INTO compute_migrations (uuid, server_id, project_id, user_id, migration_type,"
    " status, source_compute, dest_compute, old_flavor_rowid, new_flavor_rowid, created_at,"
    " updated_at) VALUES (?,?,?,?,?,?,?,?,"
    " (SELECT rowid FROM compute_flavors WHERE id = ?),"
    " (SELECT rowid FROM compute_flavors WHERE id = ?), ?, NULL)";
static const char SQL_SET_STATUS[] =
    "UPDATE compute_migrations SET status = ?, updated_at = ? WHERE id = (SELECT max(id)"
    " FROM compute_migrations WHERE server_id = ? AND migration_type = ?)";
#define MIGRATION_COLS                                                               \
	"id, uuid, server_id, migration_type, status, source_compute, dest_compute," \
	" old_flavor_rowid, new_flavor_rowid, created_at, updated_at, user_id, project_id"
static const char SQL_LIST[] =
    "SELECT " MIGRATION_COLS " FROM compute_migrations ORDER BY created_at DESC, id DESC";
static const char SQL_ONE[] =
    "SELECT " MIGRATION_COLS " FROM compute_migrations WHERE server_id = ? AND id = ?";

int compute_migration_record(struct http_request *req, const struct compute_server *s,
                             const char *type, const char *status, const char *dest,
                             const char *old_flavor, const char *new_flavor, struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	char uuid[37], now[28];
	ids_uuid4(uuid);
	ids_time_iso_us(ids_now(), now);
	sqlite3_stmt *st = db_stmt(SQL_INSERT, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, uuid);
	db_bind_text(st, 2, s->id);
	db_bind_text(st, 3, s->project_id);
	db_bind_text(st, 4, auth->user_id);
	db_bind_text(st, 5, type);
	db_bind_text(st, 6, status);
	db_bind_text(st, 7, s->host);
	db_bind_text(st, 8, dest);
	db_bind_text(st, 9, old_flavor);
	db_bind_text(st, 10, new_flavor);
	db_bind_text(st, 11, now);
	return db_exec_stmt(st, err);
}

void compute_migration_status(const char *server_id, const char *type, const char *status)
{
	struct api_error err;
	char now[28];
	ids_time_iso_us(ids_now(), now);
	sqlite3_stmt *st = db_stmt(SQL_SET_STATUS, &err);
	if (st == NULL)
		return;
	db_bind_text(st, 1, status);
	db_bind_text(st, 2, now);
	db_bind_text(st, 3, server_id);
	db_bind_text(st, 4, type);
	if (db_exec_stmt(st, &err) != 0)
		log_warn("compute: migration of %s: %s", server_id, err.message);
}

static json_t *int_or_null(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL
	           ? json_null()
	           : json_integer(sqlite3_column_int64(st, col));
}

/* Nova's view: source/dest node are the hypervisor host names (the host's
 * own name here); dest_host (an IP) is not tracked. */
static json_t *migration_json(struct http_request *req, sqlite3_stmt *st)
{
	int mv = compute_mv(req);
	json_t *o = json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:o,s:n,s:o,s:o,s:s,s:o}", "id",
	                      (json_int_t)sqlite3_column_int64(st, 0), "instance_uuid",
	                      db_column_text(st, 2), "status", db_column_text(st, 4),
	                      "source_compute", json_string_or_null(db_column_text(st, 5)),
	                      "source_node", json_string_or_null(db_column_text(st, 5)),
	                      "dest_compute", json_string_or_null(db_column_text(st, 6)),
	                      "dest_node", json_string_or_null(db_column_text(st, 6)), "dest_host",
	                      "old_instance_type_id", int_or_null(st, 7), "new_instance_type_id",
	                      int_or_null(st, 8), "created_at", db_column_text(st, 9), "updated_at",
	                      json_string_or_null(db_column_text(st, 10)));
	if (mv >= 23)
		json_object_set_new(o, "migration_type", json_string(db_column_text(st, 3)));
	if (mv >= 59)
		json_object_set_new(o, "uuid", json_string(db_column_text(st, 1)));
	if (mv >= 80) {
		json_object_set_new(o, "user_id", json_string(db_column_text(st, 11)));
		json_object_set_new(o, "project_id", json_string(db_column_text(st, 12)));
	}
	return o;
}

static bool query_match(struct http_request *req, sqlite3_stmt *st, const char *name, int col)
{
	const char *want = http_query(req, name);
	const char *have = db_column_text(st, col);
	return want == NULL || (have != NULL && strcmp(want, have) == 0);
}

COMPUTE_HANDLER(compute_migration_list)
{
	int mv = compute_mv(req);
	const char *host = http_query(req, "host");
	const char *marker = NULL, *q;
	long long limit = 1000;
	struct compute_window win = {0};
	/* 2.59: limit, marker (a migration uuid), changes-since (updated_at,
	 * or created_at for a record never updated), newest first. */
	if (mv >= 59) {
		/* From 2.59 the query schema takes no other parameters. */
		const char *const known[] = {"hidden",
		                             "host",
		                             "instance_uuid",
		                             "migration_type",
		                             "source_compute",
		                             "status",
		                             "limit",
		                             "marker",
		                             "changes-since",
		                             mv >= 66 ? "changes-before" : "changes-since",
		                             mv >= 80 ? "user_id" : "changes-since",
		                             mv >= 80 ? "project_id" : "changes-since"};
		for (size_t i = 0; i < req->nquery; i++) {
			bool ok = false;
			for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
				ok = ok || strcmp(req->query[i].key, known[k]) == 0;
			if (!ok)
				return api_fail(err, API_BAD_REQUEST,
				                "Invalid input for query parameters %s. Additional "
				                "properties are not allowed ('%s' was unexpected)",
				                req->query[i].key, req->query[i].key);
		}
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
		marker = http_query(req, "marker");
		if (compute_changes_window(req, &win, err) != 0)
			return -1;
	}
	sqlite3_stmt *st = db_stmt(SQL_LIST, err);
	if (st == NULL)
		return -1;
	json_t *list = json_array();
	bool past = marker == NULL;
	const char *last = NULL;
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW) {
		if (!past) {
			past = strcmp(db_column_text(st, 1), marker) == 0;
			continue;
		}
		if (!query_match(req, st, "status", 4) ||
		    !query_match(req, st, "instance_uuid", 2) ||
		    !query_match(req, st, "source_compute", 5) ||
		    !query_match(req, st, "migration_type", 3) ||
		    (mv >= 80 && (!query_match(req, st, "user_id", 11) ||
		                  !query_match(req, st, "project_id", 12))))
			continue;
		if (host && !((db_column_text(st, 5) && strcmp(host, db_column_text(st, 5)) == 0) ||
		              (db_column_text(st, 6) && strcmp(host, db_column_text(st, 6)) == 0)))
			continue;
		if (!compute_window_has(&win, db_column_text(st, 10) ? db_column_text(st, 10)
		                                                     : db_column_text(st, 9)))
			continue;
		if ((long long)json_array_size(list) >= limit)
			break;
		last = arena_strdup(req->arena, db_column_text(st, 1));
		json_array_append_new(list, migration_json(req, st));
	}
	sqlite3_reset(st);
	if (rc < 0) {
		json_decref(list);
		return -1;
	}
	if (!past) {
		json_decref(list);
		return api_fail(err, API_BAD_REQUEST, "Marker %s could not be found.", marker);
	}
	json_t *out = json_pack("{s:o}", "migrations", list);
	if (mv >= 59 && limit > 0 && (long long)json_array_size(list) == limit && last)
		json_object_set_new(out, "migrations_links",
		                    json_pack("[{s:s,s:s}]", "rel", "next", "href",
		                              arena_printf(req->arena,
		                                           "%s/compute/v2.1/os-migrations?"
		                                           "limit=%lld&marker=%s",
		                                           req->base_url, limit, last)));
	http_reply_json(resp, 200, out);
	return 0;
}

/* The server's in-progress live migrations: none can exist on one host. */
COMPUTE_HANDLER(compute_server_migration_list)
{
	struct compute_server s;
	if (compute_mv(req) < 23)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:[]}", "migrations"));
	return 0;
}

/* show (2.23), force_complete (2.22, POST .../action) and abort (2.24,
 * DELETE): a record of the server that is no live migration in progress is
 * Nova's 404 (show, abort) or 400 (force_complete). */
static int migration_lookup(struct http_request *req, int since, const char **status,
                            struct api_error *err)
{
	struct compute_server s;
	if (compute_mv(req) < since)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0)
		return -1;
	const char *mid = http_param(req, "migration_id");
	char *end;
	long long id = strtoll(mid, &end, 10);
	if (*mid == '\0' || *end)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute migration_id. Value: %s.", mid);
	sqlite3_stmt *st = db_stmt(SQL_ONE, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, s.id);
	sqlite3_bind_int64(st, 2, id);
	int rc = db_step(st, err);
	*status = rc == SQLITE_ROW ? arena_strdup(req->arena, db_column_text(st, 4)) : NULL;
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

COMPUTE_HANDLER(compute_server_migration_show)
{
	const char *status;
	if (migration_lookup(req, 23, &status, err) != 0)
		return -1;
	return api_fail(err, API_NOT_FOUND,
	                "In-progress live migration %s is not found for server %s.",
	                http_param(req, "migration_id"), http_param(req, "server_id"));
}

static int not_in_progress(struct http_request *req, const char *status, const char *method,
                           struct api_error *err)
{
	if (status == NULL)
		return api_fail(err, API_NOT_FOUND, "Migration %s not found for instance %s",
		                http_param(req, "migration_id"), http_param(req, "server_id"));
	return api_fail(err, API_BAD_REQUEST,
	                "Migration %s state of instance %s is %s. Cannot %s while the migration "
	                "is in this state.",
	                http_param(req, "migration_id"), http_param(req, "server_id"), status,
	                method);
}

COMPUTE_HANDLER(compute_server_migration_abort)
{
	const char *status;
	if (migration_lookup(req, 24, &status, err) != 0)
		return -1;
	return not_in_progress(req, status, "abort live migration", err);
}

COMPUTE_HANDLER(compute_server_migration_action)
{
	const char *status;
	json_t *body;
	if (migration_lookup(req, 22, &status, err) != 0 || http_body_json(req, &body, err) != 0)
		return -1;
	if (!json_is_object(body) || json_object_get(body, "force_complete") == NULL)
		return api_fail(err, API_BAD_REQUEST, "The request body is not an action.");
	return not_in_progress(req, status, "force complete", err);
}

/* ---- migrate, os-migrateLive, evacuate: there is no other host ---- */

static int admin_only(struct http_request *req, const char *rule, struct api_error *err)
{
	if (compute_is_admin(req))
		return 0;
	return api_fail(err, API_FORBIDDEN, "Policy doesn't allow %s to be performed.", rule);
}

static int state_check(const struct compute_server *s, const char *nova_name,
                       const char *const *states, struct api_error *err)
{
	if (s->task_state != NULL)
		return api_fail(err, API_CONFLICT,
		                "Cannot '%s' instance %s while it is in task_state %s", nova_name,
		                s->id, s->task_state);
	for (const char *const *p = states; *p; p++)
		if (strcmp(s->vm_state, *p) == 0)
			return 0;
	return api_fail(err, API_CONFLICT, "Cannot '%s' instance %s while it is in vm_state %s",
	                nova_name, s->id, s->vm_state);
}

/* The action and the migration record of a move the scheduler refused. */
static int refused_move(struct http_request *req, const struct compute_server *s,
                        const char *action, const char *type, const char *dest, const char *why,
                        struct api_error *err)
{
	long long action_id;
	if (compute_action_start(req, s->id, action, &action_id, err) != 0)
		return -1;
	compute_action_finish(action_id, false, why);
	return compute_migration_record(req, s, type, "error", dest, s->flavor_id, s->flavor_id,
	                                err);
}

int compute_server_migrate(struct http_request *req, const struct compute_server *s, json_t *arg,
                           struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	const char *host = NULL;
	if (admin_only(req, "os_compute_api:os-migrate-server:migrate", err) != 0)
		return -1;
	if (json_is_object(arg) && json_object_size(arg) > 0) {
		static const char *const allowed[] = {"host", NULL};
		if (compute_mv(req) < 56)
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute migrate. Value: %s. "
			                "Additional properties are not allowed",
			                json_object_iter_key(json_object_iter(arg)));
		if (json_only_keys(arg, allowed, "migrate", err) != 0 ||
		    (!json_is_null(json_object_get(arg, "host")) &&
		     json_get_string(arg, "host", false, &host, err) != 0))
			return -1;
	} else if (!json_is_null(arg) && !json_is_object(arg))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute migrate. Value: not null");
	if (host != NULL && strcmp(host, svc->host.name) != 0)
		return api_fail(err, API_BAD_REQUEST, "Compute host %s could not be found.", host);
	if (compute_check_lock(req, s, err) != 0 ||
	    state_check(s, "migrate", (const char *const[]){"active", "stopped", NULL}, err) != 0)
		return -1;
	if (host != NULL)
		return api_fail(err, API_BAD_REQUEST, "The target host can't be the same one.");
	const char *why = "No valid host was found. No valid host found for cold migrate";
	if (refused_move(req, s, "migrate", "migration", NULL, why, err) != 0)
		return -1;
	return api_fail(err, API_BAD_REQUEST, "%s", why);
}

int compute_server_live_migrate(struct http_request *req, const struct compute_server *s,
                                json_t *arg, struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	int mv = compute_mv(req);
	if (admin_only(req, "os_compute_api:os-migrate-server:migrate_live", err) != 0)
		return -1;
	if (!json_is_object(arg))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute os-migrateLive. Value: not an "
		                "object");
	/* "" stands for a key this microversion does not have. */
	const char *allowed[] = {"host", "block_migration", mv < 25 ? "disk_over_commit" : "",
	                         mv >= 30 && mv < 68 ? "force" : "", NULL};
	if (json_only_keys(arg, allowed, "os-migrateLive", err) != 0)
		return -1;
	const char *required[] = {"host", "block_migration", mv < 25 ? "disk_over_commit" : NULL};
	for (size_t i = 0; i < 3 && required[i]; i++)
		if (json_object_get(arg, required[i]) == NULL)
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute os-migrateLive. Value: "
			                "'%s' is a required property",
			                required[i]);
	json_t *bm = json_object_get(arg, "block_migration");
	bool bm_ok = json_is_boolean(bm) ||
	             (mv >= 25 && json_is_string(bm) && strcmp(json_string_value(bm), "auto") == 0);
	if (!bm_ok)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute block_migration. Value: %s.",
		                json_is_string(bm) ? json_string_value(bm) : "(not a boolean)");
	const char *host = NULL;
	if (!json_is_null(json_object_get(arg, "host")) &&
	    json_get_string(arg, "host", false, &host, err) != 0)
		return -1;
	if (host != NULL && strcmp(host, svc->host.name) != 0)
		return api_fail(err, API_BAD_REQUEST, "Compute host %s could not be found.", host);
	if (compute_check_lock(req, s, err) != 0 ||
	    state_check(s, "os-migrateLive", (const char *const[]){"active", "paused", NULL},
	                err) != 0)
		return -1;
	const char *why =
	    host ? arena_printf(req->arena, "Unable to migrate instance (%s) to current host (%s).",
	                        s->id, host)
	         : "No valid host was found. There are not enough hosts available.";
	if (refused_move(req, s, "live-migration", "live-migration", host, why, err) != 0)
		return -1;
	/* From 2.34 the checks run after the 202: the failure is in the
	 * action and the migration record only. */
	if (mv >= 34)
		return 0;
	return api_fail(err, API_BAD_REQUEST, "%s", why);
}

int compute_server_evacuate(struct http_request *req, struct http_response *resp,
                            const struct compute_server *s, json_t *arg, struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	int mv = compute_mv(req);
	if (admin_only(req, "os_compute_api:os-evacuate", err) != 0)
		return -1;
	if (!json_is_object(arg))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute evacuate. Value: not an object");
	const char *allowed[] = {"host", "adminPass", mv < 14 ? "onSharedStorage" : "",
	                         mv >= 29 && mv < 68 ? "force" : "", NULL};
	if (json_only_keys(arg, allowed, "evacuate", err) != 0)
		return -1;
	if (mv < 14 && json_object_get(arg, "onSharedStorage") == NULL)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute evacuate. Value: "
		                "'onSharedStorage' is a required property");
	const char *host = NULL, *pass = NULL;
	if (json_get_string(arg, "host", false, &host, err) != 0 ||
	    compute_admin_pass(arg, &pass, err) != 0)
		return -1;
	if (host != NULL && strcmp(host, svc->host.name) != 0)
		return api_fail(err, API_NOT_FOUND, "Compute host %s not found.", host);
	if (host != NULL)
		return api_fail(err, API_BAD_REQUEST, "The target host can't be the same one.");
	if (state_check(s, "evacuate", (const char *const[]){"active", "stopped", "error", NULL},
	                err) != 0)
		return -1;
	/* The server's host is this one: while its compute service is up,
	 * Nova refuses; forced down (os-services), the rebuild elsewhere is
	 * accepted and then finds no other host: an error record. */
	if (!compute_service_forced_down(req))
		return api_fail(err, API_BAD_REQUEST, "Compute service of %s is still in use.",
		                s->host ? s->host : svc->host.name);
	if (refused_move(req, s, "evacuate", "evacuation", NULL,
	                 "No valid host was found. There are not enough hosts available.",
	                 err) != 0)
		return -1;
	if (mv < 14) {
		char hex[33];
		ids_hex32(hex);
		hex[12] = '\0';
		http_reply_json(resp, 200, json_pack("{s:s}", "adminPass", pass ? pass : hex));
	} else
		http_reply_empty(resp, 200);
	return 0;
}
