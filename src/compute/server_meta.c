/* A server's metadata, tags and action log (os-instance-actions): small
 * read-modify-write updates of the server row, each in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/json.h"

static const char SQL_SET_META[] =
    "UPDATE compute_servers SET metadata = ?, updated_at = ? WHERE id = ?";
static const char SQL_SET_TAGS[] =
    "UPDATE compute_servers SET tags = ?, updated_at = ? WHERE id = ?";
static const char SQL_ACTIONS[] =
    "SELECT action, request_id, user_id, project_id, start_time, finish_time, result, message"
    " FROM compute_actions WHERE server_id = ? ORDER BY start_time DESC, id DESC";
/* A deleted server's project, from its actions (2.21). */
static const char SQL_ACTIONS_OWNER[] =
    "SELECT server_project_id FROM compute_actions WHERE server_id = ? ORDER BY id LIMIT 1";
static const char SQL_ACTION[] =
    "SELECT action, request_id, user_id, project_id, start_time, finish_time, result, message"
    " FROM compute_actions WHERE server_id = ? AND request_id = ?";

/* Loads the server in a transaction for a read-modify-write. */
static int meta_begin(struct http_request *req, struct compute_server *s, bool check_lock,
                      struct api_error *err)
{
	if (db_begin(err) != 0)
		return -1;
	if (compute_server_load(req, http_param(req, "server_id"), s, err) != 0 ||
	    (check_lock && compute_check_lock(req, s, err) != 0)) {
		db_rollback();
		return -1;
	}
	return 0;
}

static int store_json(const char *sql, const char *id, json_t *v, struct api_error *err)
{
	char now[21];
	ids_time_iso(time(NULL), now);
	char *text = json_dumps(v, JSON_COMPACT);
	sqlite3_stmt *st = db_stmt(sql, err);
	int rc = -1;
	if (st != NULL) {
		db_bind_text(st, 1, text);
		db_bind_text(st, 2, now);
		db_bind_text(st, 3, id);
		rc = db_exec_stmt(st, err);
	}
	free(text);
	if (rc == 0 && db_commit(err) == 0)
		return 0;
	db_rollback();
	return -1;
}

COMPUTE_HANDLER(compute_server_metadata_list)
{
	struct compute_server s;
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:O}", "metadata", s.metadata));
	return 0;
}

COMPUTE_HANDLER(compute_server_metadata_show)
{
	struct compute_server s;
	const char *key = http_param(req, "key");
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0)
		return -1;
	json_t *v = json_object_get(s.metadata, key);
	if (v == NULL)
		return api_fail(err, API_NOT_FOUND, "Metadata item was not found");
	http_reply_json(resp, 200, json_pack("{s:{s:O}}", "meta", key, v));
	return 0;
}

/* POST merges, PUT replaces. */
static int metadata_write(struct http_request *req, struct http_response *resp, bool replace,
                          struct api_error *err)
{
	json_t *body, *md;
	struct compute_server s;
	if (http_body_json(req, &body, err) != 0 ||
	    json_get_object(body, "metadata", true, &md, err) != 0 ||
	    compute_metadata_valid(md, "metadata", err) != 0 || meta_begin(req, &s, true, err) != 0)
		return -1;
	json_t *merged = replace ? json_object() : json_deep_copy(s.metadata);
	json_object_update(merged, md);
	if (json_object_size(merged) > 128) {
		json_decref(merged);
		db_rollback();
		return api_fail(err, API_FORBIDDEN,
		                "Quota exceeded for metadata_items: Requested "
		                "%zu, but already used 0 of 128 metadata_items",
		                json_object_size(merged));
	}
	if (store_json(SQL_SET_META, s.id, merged, err) != 0) {
		json_decref(merged);
		return -1;
	}
	http_reply_json(resp, 200, json_pack("{s:o}", "metadata", merged));
	return 0;
}

COMPUTE_HANDLER(compute_server_metadata_set)
{
	return metadata_write(req, resp, false, err);
}

COMPUTE_HANDLER(compute_server_metadata_replace)
{
	return metadata_write(req, resp, true, err);
}

COMPUTE_HANDLER(compute_server_metadata_put)
{
	json_t *body, *meta;
	struct compute_server s;
	const char *key = http_param(req, "key");
	if (http_body_json(req, &body, err) != 0 ||
	    json_get_object(body, "meta", true, &meta, err) != 0)
		return -1;
	if (json_object_size(meta) != 1)
		return api_fail(err, API_BAD_REQUEST, "Request body contains too many items");
	if (json_object_get(meta, key) == NULL)
		return api_fail(err, API_BAD_REQUEST, "Request body and URI mismatch");
	if (compute_metadata_valid(meta, "meta", err) != 0 || meta_begin(req, &s, true, err) != 0)
		return -1;
	json_t *merged = json_deep_copy(s.metadata);
	json_object_update(merged, meta);
	int rc = store_json(SQL_SET_META, s.id, merged, err);
	json_decref(merged);
	if (rc != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:O}", "meta", meta));
	return 0;
}

COMPUTE_HANDLER(compute_server_metadata_delete)
{
	struct compute_server s;
	if (meta_begin(req, &s, true, err) != 0)
		return -1;
	json_t *md = json_deep_copy(s.metadata);
	if (json_object_del(md, http_param(req, "key")) != 0) {
		json_decref(md);
		db_rollback();
		return api_fail(err, API_NOT_FOUND, "Metadata item was not found");
	}
	int rc = store_json(SQL_SET_META, s.id, md, err);
	json_decref(md);
	if (rc != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

static int tags_mv(struct http_request *req, struct api_error *err)
{
	if (compute_mv(req) < 26)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	return 0;
}

static bool has_tag(json_t *tags, const char *tag)
{
	size_t i;
	json_t *t;
	json_array_foreach(tags, i, t) if (strcmp(json_string_value(t), tag) == 0) return true;
	return false;
}

COMPUTE_HANDLER(compute_server_tags_list)
{
	struct compute_server s;
	if (tags_mv(req, err) || compute_server_load(req, http_param(req, "server_id"), &s, err))
		return -1;
	http_reply_json(resp, 200, json_pack("{s:O}", "tags", s.tags));
	return 0;
}

COMPUTE_HANDLER(compute_server_tags_replace)
{
	json_t *body, *tags;
	struct compute_server s;
	if (tags_mv(req, err) || http_body_json(req, &body, err) ||
	    json_get_array(body, "tags", true, &tags, err))
		return -1;
	if (json_array_size(tags) > 50)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute tags: at "
		                "most 50 tags");
	json_t *clean = json_array();
	size_t i;
	json_t *t;
	json_array_foreach(tags, i, t)
	{
		if (!json_is_string(t) || compute_tag_valid(json_string_value(t), err) != 0) {
			json_decref(clean);
			return err->kind ? -1
			                 : api_fail(err, API_BAD_REQUEST,
			                            "Invalid input for field/attribute tags.");
		}
		if (!has_tag(clean, json_string_value(t)))
			json_array_append(clean, t);
	}
	if (meta_begin(req, &s, false, err) != 0 || store_json(SQL_SET_TAGS, s.id, clean, err)) {
		json_decref(clean);
		return -1;
	}
	http_reply_json(resp, 200, json_pack("{s:o}", "tags", clean));
	return 0;
}

COMPUTE_HANDLER(compute_server_tags_clear)
{
	struct compute_server s;
	json_t *empty = json_array();
	int rc = tags_mv(req, err) || meta_begin(req, &s, false, err) ||
	         store_json(SQL_SET_TAGS, s.id, empty, err);
	json_decref(empty);
	if (rc)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

COMPUTE_HANDLER(compute_server_tag_check)
{
	struct compute_server s;
	if (tags_mv(req, err) || compute_server_load(req, http_param(req, "server_id"), &s, err))
		return -1;
	if (!has_tag(s.tags, http_param(req, "tag")))
		return api_fail(err, API_NOT_FOUND, "Tag '%s' could not be found.",
		                http_param(req, "tag"));
	http_reply_empty(resp, 204);
	return 0;
}

COMPUTE_HANDLER(compute_server_tag_add)
{
	struct compute_server s;
	const char *tag = http_param(req, "tag");
	if (tags_mv(req, err) || compute_tag_valid(tag, err) || meta_begin(req, &s, false, err))
		return -1;
	if (has_tag(s.tags, tag)) {
		db_rollback();
		http_reply_empty(resp, 204);
		return 0;
	}
	if (json_array_size(s.tags) >= 50) {
		db_rollback();
		return api_fail(err, API_BAD_REQUEST,
		                "The number of tags exceeded the per-server "
		                "limit 50");
	}
	json_t *tags = json_deep_copy(s.tags);
	json_array_append_new(tags, json_string(tag));
	int rc = store_json(SQL_SET_TAGS, s.id, tags, err);
	json_decref(tags);
	if (rc)
		return -1;
	http_header_set(resp, "Location",
	                arena_printf(req->arena, "%s/compute/v2.1/servers/%s/tags/%s",
	                             req->base_url, s.id, tag));
	http_reply_empty(resp, 201);
	return 0;
}

COMPUTE_HANDLER(compute_server_tag_delete)
{
	struct compute_server s;
	const char *tag = http_param(req, "tag");
	if (tags_mv(req, err) || meta_begin(req, &s, false, err))
		return -1;
	json_t *tags = json_array();
	size_t i;
	json_t *t;
	json_array_foreach(s.tags, i, t) if (strcmp(json_string_value(t), tag) != 0)
	    json_array_append(tags, t);
	if (json_array_size(tags) == json_array_size(s.tags)) {
		json_decref(tags);
		db_rollback();
		return api_fail(err, API_NOT_FOUND, "Tag '%s' could not be found.", tag);
	}
	int rc = store_json(SQL_SET_TAGS, s.id, tags, err);
	json_decref(tags);
	if (rc)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

static json_t *action_json(struct http_request *req, sqlite3_stmt *st, const char *server_id,
                           bool events)
{
	const char *result = db_column_text(st, 6);
	json_t *o = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "action", db_column_text(st, 0), "instance_uuid",
	    server_id, "request_id", db_column_text(st, 1), "user_id", db_column_text(st, 2),
	    "project_id", db_column_text(st, 3), "start_time", db_column_text(st, 4), "message",
	    json_string_or_null(result && strcmp(result, "Error") == 0 ? db_column_text(st, 7)
	                                                               : NULL));
	/* 2.58 added updated_at (list and show). */
	if (compute_mv(req) >= 58)
		json_object_set_new(o, "updated_at",
		                    json_string(db_column_text(st, 5) ? db_column_text(st, 5)
		                                                      : db_column_text(st, 4)));
	if (events) {
		char name[128];
		snprintf(name, sizeof(name), "compute_%s_instance", db_column_text(st, 0));
		json_t *ev = json_pack("{s:s,s:s,s:o,s:o}", "event", name, "start_time",
		                       db_column_text(st, 4), "finish_time",
		                       json_string_or_null(db_column_text(st, 5)), "result",
		                       json_string_or_null(result));
		if (compute_is_admin(req)) {
			json_object_set_new(
			    ev, "traceback",
			    json_string_or_null(result && strcmp(result, "Error") == 0
			                            ? db_column_text(st, 7)
			                            : NULL));
			if (compute_mv(req) >= 62)
				json_object_set_new(
				    ev, "host",
				    json_string(((struct compute_svc *)req->ctx)->host.name));
			/* 2.84: what went wrong, for admins (Nova's default policy). */
			if (compute_mv(req) >= 84)
				json_object_set_new(
				    ev, "details",
				    json_string_or_null(result && strcmp(result, "Error") == 0
				                            ? db_column_text(st, 7)
				                            : NULL));
		}
		if (compute_mv(req) >= 62) {
			/* hostId as for the server: a hash, never the host name. */
			json_object_set_new(ev, "hostId",
			                    json_string(compute_host_id(
			                        req, db_column_text(st, 3),
			                        ((struct compute_svc *)req->ctx)->host.name)));
		}
		json_object_set_new(o, "events", json_pack("[o]", ev));
	}
	return o;
}

/* The server whose actions are asked for: a live one as always; from 2.21
 * also a deleted one, known from its actions, to its project and admins. */
static int actions_server(struct http_request *req, const char **id, struct api_error *err)
{
	struct compute_server s;
	const char *want = http_param(req, "server_id");
	if (compute_server_load(req, want, &s, err) == 0) {
		*id = s.id;
		return 0;
	}
	if (err->kind != API_NOT_FOUND || compute_mv(req) < 21)
		return -1;
	sqlite3_stmt *st = db_stmt(SQL_ACTIONS_OWNER, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, want);
	int rc = db_step(st, err);
	bool visible =
	    rc == SQLITE_ROW &&
	    (compute_is_admin(req) ||
	     (db_column_text(st, 0) && strcmp(db_column_text(st, 0), compute_project(req)) == 0));
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (!visible)
		return api_fail(err, API_NOT_FOUND, "Instance %s could not be found.", want);
	*err = (struct api_error){0};
	*id = want;
	return 0;
}

COMPUTE_HANDLER(compute_instance_actions_list)
{
	const char *id;
	if (actions_server(req, &id, err) != 0)
		return -1;
	/* 2.58: limit, marker (a request_id) and changes-since (updated_at),
	 * a next link when a page is full (Nova's max_limit is 1000). */
	int mv = compute_mv(req);
	long long limit = 1000;
	const char *marker = NULL, *q;
	struct compute_window win = {0};
	if (mv >= 58) {
		if ((q = http_query(req, "limit")) != NULL) {
			char *end;
			limit = strtoll(q, &end, 10);
			if (*q == '\0' || *end || limit < 0)
				return api_fail(
				    err, API_BAD_REQUEST,
				    "Invalid input for query parameters limit. Value: %s. "
				    "'%s' does not match '^[0-9]*$'",
				    q, q);
			if (limit > 1000)
				limit = 1000;
		}
		marker = http_query(req, "marker");
		if (compute_changes_window(req, &win, err) != 0)
			return -1;
	}
	sqlite3_stmt *st = db_stmt(SQL_ACTIONS, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, id);
	json_t *list = json_array();
	bool past = marker == NULL;
	const char *last = NULL;
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW) {
		if (!past) {
			past = strcmp(db_column_text(st, 1), marker) == 0;
			continue;
		}
		if (!compute_window_has(&win, db_column_text(st, 5) ? db_column_text(st, 5)
		                                                    : db_column_text(st, 4)))
			continue;
		if ((long long)json_array_size(list) >= limit)
			break;
		json_t *a = action_json(req, st, id, false);
		last = json_string_value(json_object_get(a, "request_id"));
		json_array_append_new(list, a);
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
	json_t *out = json_pack("{s:o}", "instanceActions", list);
	if (mv >= 58 && limit > 0 && (long long)json_array_size(list) == limit && last)
		json_object_set_new(
		    out, "links",
		    json_pack("[{s:s,s:s}]", "rel", "next", "href",
		              arena_printf(req->arena,
		                           "%s/compute/v2.1/servers/%s/os-instance-actions?"
		                           "limit=%lld&marker=%s",
		                           req->base_url, id, limit, last)));
	http_reply_json(resp, 200, out);
	return 0;
}

COMPUTE_HANDLER(compute_instance_action_show)
{
	struct {
		const char *id;
	} s;
	const char *rid = http_param(req, "request_id");
	if (actions_server(req, &s.id, err) != 0)
		return -1;
	sqlite3_stmt *st = db_stmt(SQL_ACTION, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, s.id);
	db_bind_text(st, 2, rid);
	int rc = db_step(st, err);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return api_fail(err, API_NOT_FOUND,
		                "Action for request_id %s on instance %s not "
		                "found",
		                rid, s.id);
	/* events: for admins (Nova's default policy), for everyone from 2.51. */
	bool events = compute_mv(req) >= 51 || compute_is_admin(req);
	http_reply_json(resp, 200,
	                json_pack("{s:o}", "instanceAction", action_json(req, st, s.id, events)));
	sqlite3_reset(st);
	return 0;
}
