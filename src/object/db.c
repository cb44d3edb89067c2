/* The index's reads: an object row, a container with its counts, an
 * account's metadata and usage. Counts are sums over the object rows, so
 * they always match the listings. Expired objects count as absent. */
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/db.h"
#include "object/internal.h"

static const char SQL_OBJECT[] =
    "SELECT file, size, etag, content_type, modified, meta, delete_at, manifest, slo "
    "FROM object_objects WHERE account = ?1 AND container = ?2 AND name = ?3 "
    "AND (delete_at IS NULL OR delete_at > ?4)";
static const char SQL_CONTAINER[] =
    "SELECT meta, created, modified FROM object_containers WHERE account = ?1 AND name = ?2";
static const char SQL_CONTAINER_USAGE[] =
    "SELECT count(*), coalesce(sum(size), 0) FROM object_objects WHERE account = ?1 AND "
    "container = ?2 AND (delete_at IS NULL OR delete_at > ?3)";
static const char SQL_ACCOUNT[] = "SELECT meta FROM object_accounts WHERE account = ?1";
static const char SQL_ACCOUNT_SAVE[] =
    "INSERT INTO object_accounts (account, meta, created) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (account) DO UPDATE SET meta = excluded.meta";
static const char SQL_USAGE[] =
    "SELECT (SELECT count(*) FROM object_containers WHERE account = ?1), "
    "(SELECT count(*) FROM object_objects WHERE account = ?1 AND (delete_at IS NULL OR "
    "delete_at > ?2)), "
    "(SELECT coalesce(sum(size), 0) FROM object_objects WHERE account = ?1 AND (delete_at IS "
    "NULL OR delete_at > ?2))";

int object_db_get(struct arena *a, const char *account, const char *container, const char *name,
                  struct object_row *out, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_OBJECT, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, container);
	db_bind_text(st, 3, name);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	int rc = db_step(st, err);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	memset(out, 0, sizeof(*out));
	out->account = arena_strdup(a, account);
	out->container = arena_strdup(a, container);
	out->name = arena_strdup(a, name);
	out->file = arena_strdup(a, db_column_text(st, 0));
	out->size = sqlite3_column_int64(st, 1);
	out->etag = arena_strdup(a, db_column_text(st, 2));
	out->content_type = arena_strdup(a, db_column_text(st, 3));
	out->modified = sqlite3_column_double(st, 4);
	out->meta = object_meta_parse(a, db_column_text(st, 5));
	out->delete_at =
	    sqlite3_column_type(st, 6) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 6);
	out->manifest = arena_strdup(a, db_column_text(st, 7));
	out->slo = sqlite3_column_int(st, 8) != 0;
	sqlite3_reset(st);
	return 0;
}

int object_db_container(struct arena *a, const char *account, const char *name,
                        struct object_container *out, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_CONTAINER, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, name);
	int rc = db_step(st, err);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	out->name = arena_strdup(a, name);
	out->meta = object_meta_parse(a, db_column_text(st, 0));
	out->created = sqlite3_column_double(st, 1);
	out->modified = sqlite3_column_double(st, 2);
	out->count = -1;
	out->bytes = -1;
	sqlite3_reset(st);
	return 0;
}

int object_db_container_usage(const char *account, struct object_container *c,
                              struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_CONTAINER_USAGE, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, c->name);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	if (db_step(st, err) != SQLITE_ROW)
		return -1;
	c->count = sqlite3_column_int64(st, 0);
	c->bytes = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return 0;
}

int object_db_account_meta(struct arena *a, const char *account, json_t **meta,
                           struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_ACCOUNT, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, account);
	int rc = db_step(st, err);
	if (rc < 0)
		return -1;
	*meta = object_meta_parse(a, rc == SQLITE_ROW ? db_column_text(st, 0) : NULL);
	sqlite3_reset(st);
	return 0;
}

int object_db_account_save(const char *account, json_t *meta, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_ACCOUNT_SAVE, err);
	if (!st)
		return -1;
	char *text = json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS);
	db_bind_text(st, 1, account);
	sqlite3_bind_text(st, 2, text ? text : "{}", -1, SQLITE_TRANSIENT);
	free(text);
	sqlite3_bind_double(st, 3, object_now());
	return db_exec_stmt(st, err);
}

int object_db_account_usage(const char *account, int64_t *containers, int64_t *objects,
                            int64_t *bytes, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_USAGE, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, account);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	if (db_step(st, err) != SQLITE_ROW)
		return -1;
	*containers = sqlite3_column_int64(st, 0);
	*objects = sqlite3_column_int64(st, 1);
	*bytes = sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
	return 0;
}
