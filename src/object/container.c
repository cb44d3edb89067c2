/* Containers: create (201) or update (202) with metadata, ACLs and quota
 * headers, object listing, HEAD with counts, POST of metadata, DELETE (409
 * while objects remain). Only the account's owner changes a container;
 * X-Container-Read opens listings and reads to others. */
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/db.h"
#include "object/internal.h"

static const char SQL_CREATE[] =
    "INSERT INTO object_containers (account, name, meta, created, modified) VALUES (?1, ?2, ?3, "
    "?4, ?4) ON CONFLICT (account, name) DO UPDATE SET meta = excluded.meta, modified = "
    "excluded.modified";
static const char SQL_DELETE[] = "DELETE FROM object_containers WHERE account = ?1 AND name = ?2";
static const char SQL_ANY_OBJECT[] =
    "SELECT 1 FROM object_objects WHERE account = ?1 AND container = ?2 AND (delete_at IS NULL "
    "OR delete_at > ?3) LIMIT 1";

static const char *const acl_headers[] = {"X-Container-Read", "X-Container-Write",
                                          "X-Versions-Location", "X-History-Location", NULL};

static void container_headers(struct http_request *req, struct http_response *resp,
                              struct object_container *c)
{
	struct api_error ignored;
	if (c->count < 0 && object_db_container_usage(http_param(req, "account"), c, &ignored) != 0)
		c->count = c->bytes = 0;
	struct arena *a = req->arena;
	http_header_set(resp, "X-Container-Object-Count",
	                arena_printf(a, "%lld", (long long)c->count));
	http_header_set(resp, "X-Container-Bytes-Used",
	                arena_printf(a, "%lld", (long long)c->bytes));
	http_header_set(resp, "X-Timestamp", object_timestamp(a, c->created));
	http_header_set(resp, "Last-Modified", object_http_date(a, c->modified));
	http_header_set(resp, "X-Storage-Policy", "Policy-0");
	http_header_set(resp, "Accept-Ranges", "bytes");
	object_meta_emit(resp, c->meta);
}

static int save(struct http_request *req, const char *account, const char *name, json_t *meta,
                struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_CREATE, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, object_meta_dump(req->arena, meta));
	sqlite3_bind_double(st, 4, object_now());
	return db_exec_stmt(st, err);
}

/* Applies the metadata, ACL and quota headers of req to meta. */
static int apply_headers(struct http_request *req, json_t *meta, struct api_error *err)
{
	if (object_meta_update(req, meta, "X-Container-Meta-", "X-Remove-Container-Meta-", true,
	                       err) != 0)
		return -1;
	object_meta_take(req, meta, acl_headers);
	static const char *const removals[] = {
	    "X-Remove-Container-Read", "X-Remove-Container-Write", "X-Remove-Versions-Location",
	    "X-Remove-History-Location", NULL};
	for (int i = 0; removals[i]; i++)
		if (http_header(req, removals[i]))
			json_object_del(meta, acl_headers[i]);
	const char *q[] = {"X-Container-Meta-Quota-Bytes", "X-Container-Meta-Quota-Count"};
	for (int i = 0; i < 2; i++) {
		const char *v = json_string_value(json_object_get(meta, q[i]));
		for (const char *p = v; p && *p; p++)
			if (*p < '0' || *p > '9')
				return api_fail(err, API_BAD_REQUEST, "Invalid %s.",
				                i ? "count quota" : "bytes quota");
	}
	const char *rd = json_string_value(json_object_get(meta, "X-Container-Write"));
	if (rd && strstr(rd, ".r:"))
		return api_fail(err, API_BAD_REQUEST, "Referrers not allowed in write ACL: '.r:*'");
	return 0;
}

static int owner_target(struct http_request *req, struct object_target *t, struct api_error *err)
{
	if (object_target_of(req, false, t, err) != 0 ||
	    object_authorize(req, t, OBJECT_READ, NULL, err) != 0)
		return -1;
	return 0;
}

int object_container_put(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	struct object_target t;
	struct object_container c;
	if (owner_target(req, &t, err) != 0)
		return -1;
	struct api_error missing;
	bool exists = object_db_container(req->arena, t.account, t.container, &c, &missing) == 0;
	json_t *meta = exists ? c.meta : object_meta_parse(req->arena, NULL);
	if (apply_headers(req, meta, err) != 0 || save(req, t.account, t.container, meta, err) != 0)
		return -1;
	http_reply_empty(resp, exists ? 202 : 201);
	http_header_set(resp, "X-Timestamp", object_timestamp(req->arena, object_now()));
	return 0;
}

static int readable(struct http_request *req, struct object_target *t, struct object_container *c,
                    struct api_error *err)
{
	if (object_target_of(req, false, t, err) != 0)
		return -1;
	if (object_db_container(req->arena, t->account, t->container, c, err) != 0) {
		/* Do not tell strangers which containers exist. */
		if (err->kind == API_NOT_FOUND && !t->owner)
			object_authorize(req, t, OBJECT_LIST, NULL, err);
		return -1;
	}
	return object_authorize(req, t, OBJECT_LIST, c->meta, err);
}

int object_container_get(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	struct object_target t;
	struct object_container c;
	json_t *items;
	if (readable(req, &t, &c, err) != 0 ||
	    object_list_collect(req, t.account, t.container, &items, err) != 0 ||
	    object_list_reply(req, resp, items, "container", t.container, err) != 0)
		return -1;
	container_headers(req, resp, &c);
	return 0;
}

int object_container_head(struct http_request *req, struct http_response *resp,
                          struct api_error *err)
{
	struct object_target t;
	struct object_container c;
	if (readable(req, &t, &c, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	container_headers(req, resp, &c);
	return 0;
}

int object_container_post(struct http_request *req, struct http_response *resp,
                          struct api_error *err)
{
	struct object_target t;
	struct object_container c;
	if (owner_target(req, &t, err) != 0 ||
	    object_db_container(req->arena, t.account, t.container, &c, err) != 0 ||
	    apply_headers(req, c.meta, err) != 0 ||
	    save(req, t.account, t.container, c.meta, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

int object_container_delete(struct http_request *req, struct http_response *resp,
                            struct api_error *err)
{
	struct object_target t;
	struct object_container c;
	if (owner_target(req, &t, err) != 0 ||
	    object_db_container(req->arena, t.account, t.container, &c, err) != 0)
		return -1;
	if (db_begin(err) != 0)
		return -1;
	sqlite3_stmt *st = db_stmt(SQL_ANY_OBJECT, err);
	if (!st)
		goto fail;
	db_bind_text(st, 1, t.account);
	db_bind_text(st, 2, t.container);
	/* Expired objects are gone for readers already (the expirer removes
	 * their rows and files later): they do not keep the container. */
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	int rc = db_step(st, err);
	sqlite3_reset(st);
	if (rc < 0)
		goto fail;
	if (rc == SQLITE_ROW) {
		api_fail(err, API_CONFLICT,
		         "There was a conflict when trying to complete your request.");
		goto fail;
	}
	if (!(st = db_stmt(SQL_DELETE, err)))
		goto fail;
	db_bind_text(st, 1, t.account);
	db_bind_text(st, 2, t.container);
	if (db_exec_stmt(st, err) != 0 || db_commit(err) != 0)
		goto fail;
	http_reply_empty(resp, 204);
	return 0;
fail:
	db_rollback();
	return -1;
}
