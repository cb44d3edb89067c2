/* Bulk delete (?bulk-delete on the account, POST or DELETE): a body of
 * URL-encoded "/container/object" or "/container" lines, deleted one by
 * one; the answer is always a 200 whose body (JSON when asked, else plain
 * text) tells the counts and the failures, as Swift's bulk middleware. */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/db.h"
#include "object/internal.h"

static const char SQL_ANY[] = "SELECT 1 FROM object_objects WHERE account = ?1 AND container = ?2 "
                              "LIMIT 1";
static const char SQL_DROP[] = "DELETE FROM object_containers WHERE account = ?1 AND name = ?2";

/* 1 deleted, 0 not found, -1 failed with err. */
static int delete_container(struct object_target *t, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_ANY, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, t->account);
	db_bind_text(st, 2, t->container);
	int rc = db_step(st, err);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (rc == SQLITE_ROW)
		return api_fail(err, API_CONFLICT, "409 Conflict");
	if (!(st = db_stmt(SQL_DROP, err)))
		return -1;
	db_bind_text(st, 1, t->account);
	db_bind_text(st, 2, t->container);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	return sqlite3_changes(db_conn(err)) > 0 ? 1 : 0;
}

int object_bulk_delete(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	struct object_target t;
	struct arena *a = req->arena;
	if (object_target_of(req, false, &t, err) != 0 ||
	    object_authorize(req, &t, OBJECT_WRITE, NULL, err) != 0)
		return -1;
	int deleted = 0, missing = 0, lines = 0;
	json_t *errors = json_array();
	char *body = arena_strndup(a, req->body ? req->body : "", req->body_len);
	char *save = NULL;
	for (char *line = strtok_r(body, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (++lines > OBJECT_MAX_BULK_DELETES) {
			json_decref(errors);
			return api_fail(err, API_TOO_LARGE, "Max delete failures exceeded");
		}
		char *path = arena_strdup(a, line);
		const char *shown = arena_strdup(a, line);
		if (!object_url_decode(path)) {
			json_array_append_new(errors, json_pack("[s,s]", shown, "400 Bad Request"));
			continue;
		}
		while (*path == '/')
			path++;
		char *slash = strchr(path, '/');
		struct object_target one = t;
		one.container = path;
		one.object = NULL;
		if (slash) {
			*slash = '\0';
			one.object = slash[1] ? slash + 1 : NULL;
		}
		struct api_error e = {0};
		int rc;
		if (!*one.container || object_check_names(&one, &e) != 0) {
			json_array_append_new(errors, json_pack("[s,s]", shown, "400 Bad Request"));
			continue;
		}
		if (one.object) {
			struct object_row row;
			rc = object_db_get(a, one.account, one.container, one.object, &row, &e);
			if (rc == 0)
				rc = object_store_delete(a, t.svc, &row, &e) == 0 ? 1 : -1;
			else if (e.kind == API_NOT_FOUND)
				rc = 0;
		} else {
			rc = delete_container(&one, &e);
		}
		if (rc > 0)
			deleted++;
		else if (rc == 0)
			missing++;
		else
			json_array_append_new(errors, json_pack("[s,s]", shown,
			                                        e.kind == API_CONFLICT
			                                            ? "409 Conflict"
			                                            : "500 Internal Error"));
	}
	const char *status = json_array_size(errors) ? "400 Bad Request" : "200 OK";
	const char *acc = http_header(req, "Accept");
	if (acc && strstr(acc, "json")) {
		http_reply_json(resp, 200,
		                json_pack("{s:i,s:i,s:s,s:s,s:o}", "Number Deleted", deleted,
		                          "Number Not Found", missing, "Response Body", "",
		                          "Response Status", status, "Errors", errors));
		return 0;
	}
	char *text = arena_printf(a,
	                          "Number Deleted: %d\nNumber Not Found: %d\nResponse Body: \n"
	                          "Response Status: %s\nErrors:\n",
	                          deleted, missing, status);
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e)
	{
		text = arena_printf(a, "%s%s, %s\n", text, json_string_value(json_array_get(e, 0)),
		                    json_string_value(json_array_get(e, 1)));
	}
	json_decref(errors);
	http_reply_text(resp, 200, "text/plain; charset=utf-8", text, strlen(text));
	return 0;
}
