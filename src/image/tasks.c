/* Import tasks: each POST .../import leaves a task record (Glance's
 * api_image_import), which GET /v2/images/{id}/tasks lists. Imports finish
 * within their request here, so a task is written once, already in its
 * final state, success or failure. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/json.h"
#include "image/internal.h"

/* Glance keeps finished tasks 48 hours. */
#define TASK_TTL_SECONDS (48 * 3600)

static const char SQL_ADD[] =
    "INSERT INTO image_tasks (id, image_id, type, status, owner, user_id, request_id, input, "
    "message, created_at, updated_at, expires_at) "
    "VALUES (?1, ?2, 'api_image_import', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)";
static const char SQL_LIST[] =
    "SELECT id, type, status, owner, user_id, request_id, input, message, created_at, "
    "updated_at, expires_at FROM image_tasks WHERE image_id = ?1 ORDER BY created_at, id";

int image_task_record(struct http_request *req, const char *image_id, const char *owner,
                      const char *method, bool success, const char *message, struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	char id[37], now[21], expires[21];
	ids_uuid4(id);
	time_t t = time(NULL);
	ids_time_iso(t, now);
	ids_time_iso(t + TASK_TTL_SECONDS, expires);
	json_t *input = json_pack("{s:s,s:{s:{s:s}},s:n}", "image_id", image_id, "import_req",
	                          "method", "name", method, "backend");
	char *text = json_dumps(input, JSON_COMPACT);
	json_decref(input);
	sqlite3_stmt *st = db_stmt(SQL_ADD, err);
	if (!st) {
		free(text);
		return -1;
	}
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, image_id);
	db_bind_text(st, 3, success ? "success" : "failure");
	db_bind_text(st, 4, owner);
	db_bind_text(st, 5, auth ? auth->user_id : NULL);
	db_bind_text(st, 6, req->request_id);
	db_bind_text(st, 7, text);
	db_bind_text(st, 8, message ? message : "");
	db_bind_text(st, 9, now);
	db_bind_text(st, 10, expires);
	int rc = db_exec_stmt(st, err);
	free(text);
	return rc;
}

static json_t *task_json(const char *image_id, sqlite3_stmt *st)
{
	json_t *input = json_loads(db_column_text(st, 6), 0, NULL);
	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:s,s:s,s:o,s:o,s:b,s:o,s:{},s:o}", "id",
	                 db_column_text(st, 0), "type", db_column_text(st, 1), "status",
	                 db_column_text(st, 2), "owner", db_column_text(st, 3), "user_id",
	                 json_string_or_null(db_column_text(st, 4)), "image_id", image_id,
	                 "message", db_column_text(st, 7), "created_at", db_column_text(st, 8),
	                 "updated_at", db_column_text(st, 9), "expires_at",
	                 json_string_or_null(db_column_text(st, 10)), "request_id",
	                 json_string_or_null(db_column_text(st, 5)), "deleted", 0, "deleted_at",
	                 json_null(), "result", "input", input ? input : json_object());
}

int image_tasks(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	struct image_row row;
	if (image_load_visible(req, http_param(req, "image_id"), &row, err) != 0)
		return -1;
	sqlite3_stmt *st = db_stmt(SQL_LIST, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, row.id);
	json_t *tasks = json_array();
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW)
		json_array_append_new(tasks, task_json(row.id, st));
	if (rc < 0) {
		json_decref(tasks);
		return -1;
	}
	http_reply_json(resp, 200, json_pack("{s:o}", "tasks", tasks));
	return 0;
}
