/* The image tables: one image row with its properties and tags, status
 * transitions as compare-and-set updates (two uploads never both win), and
 * the per-project byte usage the quota reads. */
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/ids.h"
#include "image/internal.h"

static const char SQL_GET[] =
    "SELECT id, name, status, visibility, owner, disk_format, container_format, size, "
    "virtual_size, checksum, os_hash_algo, os_hash_value, min_disk, min_ram, protected, "
    "os_hidden, staged, created_at, updated_at FROM images WHERE id = ?1";
static const char SQL_PROPS[] =
    "SELECT name, value FROM image_properties WHERE image_id = ?1 ORDER BY name";
static const char SQL_TAGS[] = "SELECT tag FROM image_tags WHERE image_id = ?1 ORDER BY tag";
static const char SQL_INSERT[] =
    "INSERT INTO images (id, name, status, visibility, owner, disk_format, "
    "container_format, min_disk, min_ram, protected, os_hidden, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)";
static const char SQL_UPDATE[] =
    "UPDATE images SET name = ?2, visibility = ?3, disk_format = ?4, container_format = ?5, "
    "min_disk = ?6, min_ram = ?7, protected = ?8, os_hidden = ?9, updated_at = ?10, "
    "owner = ?11 WHERE id = ?1";
static const char SQL_DEL_PROPS[] = "DELETE FROM image_properties WHERE image_id = ?1";
static const char SQL_ADD_PROP[] =
    "INSERT INTO image_properties (image_id, name, value) VALUES (?1, ?2, ?3)";
static const char SQL_DEL_TAGS[] = "DELETE FROM image_tags WHERE image_id = ?1";
static const char SQL_ADD_TAG[] =
    "INSERT OR IGNORE INTO image_tags (image_id, tag) VALUES (?1, ?2)";
static const char SQL_DELETE[] = "DELETE FROM images WHERE id = ?1";
static const char SQL_TRANSITION[] =
    "UPDATE images SET status = ?3, updated_at = ?4 WHERE id = ?1 AND status = ?2";
static const char SQL_SET_DATA[] =
    "UPDATE images SET status = ?3, size = ?4, virtual_size = ?5, checksum = ?6, "
    "os_hash_algo = CASE WHEN ?7 IS NULL THEN NULL ELSE 'sha512' END, os_hash_value = ?7, "
    "staged = ?8, updated_at = ?9 WHERE id = ?1 AND status = ?2";
static const char SQL_USAGE[] =
    "SELECT COALESCE(SUM(CASE WHEN staged > 0 THEN staged ELSE COALESCE(size, 0) END), 0) "
    "FROM images WHERE owner = ?1";
static const char SQL_ALL_IDS[] = "SELECT id FROM images";
static const char SQL_VISIBLE_IDS[] =
    "SELECT id FROM images i WHERE i.owner = ?1 OR i.visibility IN ('public', 'community') "
    "OR (i.visibility = 'shared' AND EXISTS (SELECT 1 FROM image_members m "
    "WHERE m.image_id = i.id AND m.member_id = ?1))";
static const char SQL_MEMBER_STATUS[] =
    "SELECT status FROM image_members WHERE image_id = ?1 AND member_id = ?2";

static const char *col_str(struct arena *a, sqlite3_stmt *st, int col)
{
	return arena_strdup(a, db_column_text(st, col));
}

static int64_t col_int_or_null(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, col);
}

static void decref(void *p)
{
	json_decref(p);
}

static void now_iso(char out[21])
{
	ids_time_iso(time(NULL), out);
}

int image_db_get(struct arena *a, const char *id, struct image_row *out, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_GET, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, id);
	int rc = db_step(st, err);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return api_fail(err, API_NOT_FOUND, "No image found with ID %s", id);
	memset(out, 0, sizeof(*out));
	out->id = col_str(a, st, 0);
	out->name = col_str(a, st, 1);
	out->status = col_str(a, st, 2);
	out->visibility = col_str(a, st, 3);
	out->owner = col_str(a, st, 4);
	out->disk_format = col_str(a, st, 5);
	out->container_format = col_str(a, st, 6);
	out->size = col_int_or_null(st, 7);
	out->virtual_size = col_int_or_null(st, 8);
	out->checksum = col_str(a, st, 9);
	out->os_hash_algo = col_str(a, st, 10);
	out->os_hash_value = col_str(a, st, 11);
	out->min_disk = sqlite3_column_int64(st, 12);
	out->min_ram = sqlite3_column_int64(st, 13);
	out->protected_ = sqlite3_column_int(st, 14) != 0;
	out->os_hidden = sqlite3_column_int(st, 15) != 0;
	out->staged = sqlite3_column_int64(st, 16);
	out->created_at = col_str(a, st, 17);
	out->updated_at = col_str(a, st, 18);
	sqlite3_reset(st);

	out->props = json_object();
	arena_defer(a, decref, out->props);
	out->tags = json_array();
	arena_defer(a, decref, out->tags);
	if (!(st = db_stmt(SQL_PROPS, err)))
		return -1;
	db_bind_text(st, 1, id);
	while ((rc = db_step(st, err)) == SQLITE_ROW)
		json_object_set_new(out->props, db_column_text(st, 0),
		                    json_string(db_column_text(st, 1)));
	if (rc < 0)
		return -1;
	if (!(st = db_stmt(SQL_TAGS, err)))
		return -1;
	db_bind_text(st, 1, id);
	while ((rc = db_step(st, err)) == SQLITE_ROW)
		json_array_append_new(out->tags, json_string(db_column_text(st, 0)));
	return rc < 0 ? -1 : 0;
}

static int write_props_tags(const struct image_row *row, struct api_error *err)
{
	sqlite3_stmt *st;
	if (!(st = db_stmt(SQL_DEL_PROPS, err)))
		return -1;
	db_bind_text(st, 1, row->id);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	const char *key;
	json_t *v;
	json_object_foreach(row->props, key, v)
	{
		if (!(st = db_stmt(SQL_ADD_PROP, err)))
			return -1;
		db_bind_text(st, 1, row->id);
		db_bind_text(st, 2, key);
		db_bind_text(st, 3, json_string_value(v));
		if (db_exec_stmt(st, err) != 0)
			return -1;
	}
	if (!(st = db_stmt(SQL_DEL_TAGS, err)))
		return -1;
	db_bind_text(st, 1, row->id);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	size_t i;
	json_array_foreach(row->tags, i, v)
	{
		if (!(st = db_stmt(SQL_ADD_TAG, err)))
			return -1;
		db_bind_text(st, 1, row->id);
		db_bind_text(st, 2, json_string_value(v));
		if (db_exec_stmt(st, err) != 0)
			return -1;
	}
	return 0;
}

int image_db_insert(const struct image_row *row, struct api_error *err)
{
	if (db_begin(err) != 0)
		return -1;
	sqlite3_stmt *st = db_stmt(SQL_INSERT, err);
	if (!st)
		goto fail;
	db_bind_text(st, 1, row->id);
	db_bind_text(st, 2, row->name);
	db_bind_text(st, 3, row->status);
	db_bind_text(st, 4, row->visibility);
	db_bind_text(st, 5, row->owner);
	db_bind_text(st, 6, row->disk_format);
	db_bind_text(st, 7, row->container_format);
	sqlite3_bind_int64(st, 8, row->min_disk);
	sqlite3_bind_int64(st, 9, row->min_ram);
	sqlite3_bind_int(st, 10, row->protected_);
	sqlite3_bind_int(st, 11, row->os_hidden);
	db_bind_text(st, 12, row->created_at);
	int rc = db_step(st, err);
	if (rc < 0)
		goto fail;
	if (rc != SQLITE_DONE) {
		api_fail(err, API_CONFLICT, "Image with identifier %s already exists!", row->id);
		goto fail;
	}
	if (write_props_tags(row, err) != 0 || db_commit(err) != 0)
		goto fail;
	return 0;
fail:
	db_rollback();
	if (err->kind == API_CONFLICT)
		api_fail(err, API_CONFLICT, "Image with identifier %s already exists!", row->id);
	return -1;
}

int image_db_update(struct image_row *row, struct api_error *err)
{
	char now[21];
	now_iso(now);
	if (db_begin(err) != 0)
		return -1;
	sqlite3_stmt *st = db_stmt(SQL_UPDATE, err);
	if (!st)
		goto fail;
	db_bind_text(st, 1, row->id);
	db_bind_text(st, 2, row->name);
	db_bind_text(st, 3, row->visibility);
	db_bind_text(st, 4, row->disk_format);
	db_bind_text(st, 5, row->container_format);
	sqlite3_bind_int64(st, 6, row->min_disk);
	sqlite3_bind_int64(st, 7, row->min_ram);
	sqlite3_bind_int(st, 8, row->protected_);
	sqlite3_bind_int(st, 9, row->os_hidden);
	db_bind_text(st, 10, now);
	db_bind_text(st, 11, row->owner);
	if (db_exec_stmt(st, err) != 0)
		goto fail;
	if (sqlite3_changes(db_conn(err)) == 0) {
		api_fail(err, API_NOT_FOUND, "No image found with ID %s", row->id);
		goto fail;
	}
	if (write_props_tags(row, err) != 0 || db_commit(err) != 0)
		goto fail;
	return 0;
fail:
	db_rollback();
	return -1;
}

int image_db_delete(const char *id, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_DELETE, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, id);
	return db_exec_stmt(st, err);
}

int image_db_transition(const char *id, const char *from, const char *to, struct api_error *err)
{
	char now[21];
	now_iso(now);
	sqlite3_stmt *st = db_stmt(SQL_TRANSITION, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, from);
	db_bind_text(st, 3, to);
	db_bind_text(st, 4, now);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	return sqlite3_changes(db_conn(err)) > 0 ? 1 : 0;
}

int image_db_set_data(const char *id, const char *from, const char *status, int64_t size,
                      int64_t virtual_size, const char *md5, const char *sha512, int64_t staged,
                      struct api_error *err)
{
	char now[21];
	now_iso(now);
	sqlite3_stmt *st = db_stmt(SQL_SET_DATA, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, from);
	db_bind_text(st, 3, status);
	if (size < 0)
		sqlite3_bind_null(st, 4);
	else
		sqlite3_bind_int64(st, 4, size);
	if (virtual_size < 0)
		sqlite3_bind_null(st, 5);
	else
		sqlite3_bind_int64(st, 5, virtual_size);
	db_bind_text(st, 6, md5);
	db_bind_text(st, 7, sha512);
	sqlite3_bind_int64(st, 8, staged);
	db_bind_text(st, 9, now);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	return sqlite3_changes(db_conn(err)) > 0 ? 1 : 0;
}

int image_db_usage(const char *owner, int64_t *out, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_USAGE, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, owner);
	int rc = db_step(st, err);
	if (rc < 0)
		return -1;
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return 0;
}

int image_db_candidates(struct arena *a, const struct identity_auth *auth, const char ***ids,
                        size_t *n, struct api_error *err)
{
	bool admin = identity_auth_is_admin(auth);
	sqlite3_stmt *st = db_stmt(admin ? SQL_ALL_IDS : SQL_VISIBLE_IDS, err);
	if (!st)
		return -1;
	if (!admin)
		db_bind_text(st, 1, image_caller_project(auth));
	size_t cap = 64, count = 0;
	const char **out = arena_alloc(a, cap * sizeof(*out));
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW) {
		if (count == cap) {
			const char **bigger = arena_alloc(a, 2 * cap * sizeof(*out));
			memcpy(bigger, out, cap * sizeof(*out));
			out = bigger;
			cap *= 2;
		}
		out[count++] = col_str(a, st, 0);
	}
	if (rc < 0)
		return -1;
	*ids = out;
	*n = count;
	return 0;
}

const char *image_db_member_status(struct arena *a, const char *image_id, const char *member)
{
	struct api_error err = {0};
	if (!member)
		return NULL;
	sqlite3_stmt *st = db_stmt(SQL_MEMBER_STATUS, &err);
	if (!st)
		return NULL;
	db_bind_text(st, 1, image_id);
	db_bind_text(st, 2, member);
	const char *status = NULL;
	if (db_step(st, &err) == SQLITE_ROW)
		status = col_str(a, st, 0);
	sqlite3_reset(st);
	return status;
}
