/* Image members: the owner of a shared image lists the projects it is
 * shared with; each member project accepts or rejects it (which decides
 * whether it appears in that project's default image list). The owner
 * adds and removes members; only the member changes its own status. */
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/json.h"
#include "image/internal.h"

static const char SQL_ADD[] =
    "INSERT INTO image_members (image_id, member_id, status, created_at, updated_at) "
    "VALUES (?1, ?2, 'pending', ?3, ?3)";
static const char SQL_COUNT[] = "SELECT COUNT(*) FROM image_members WHERE image_id = ?1";
static const char SQL_GET[] = "SELECT member_id, status, created_at, updated_at "
                              "FROM image_members WHERE image_id = ?1 AND member_id = ?2";
static const char SQL_LIST[] = "SELECT member_id, status, created_at, updated_at "
                               "FROM image_members WHERE image_id = ?1 ORDER BY created_at, "
                               "member_id";
static const char SQL_SET[] = "UPDATE image_members SET status = ?3, updated_at = ?4 "
                              "WHERE image_id = ?1 AND member_id = ?2";
static const char SQL_DEL[] = "DELETE FROM image_members WHERE image_id = ?1 AND member_id = ?2";

static json_t *member_json(const char *image_id, sqlite3_stmt *st)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "image_id", image_id, "member_id",
	                 db_column_text(st, 0), "status", db_column_text(st, 1), "created_at",
	                 db_column_text(st, 2), "updated_at", db_column_text(st, 3), "schema",
	                 "/v2/schemas/member");
}

/* Replies with one member row, or 404. */
static int reply_member(struct http_response *resp, const char *image_id, const char *member,
                        struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_GET, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, image_id);
	db_bind_text(st, 2, member);
	int rc = db_step(st, err);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return api_fail(err, API_NOT_FOUND, "Member %s not found for image %s.", member,
		                image_id);
	http_reply_json(resp, 200, member_json(image_id, st));
	sqlite3_reset(st);
	return 0;
}

/* The member may see its own membership; the owner and admin see all. */
static bool may_see_member(const struct identity_auth *auth, const struct image_row *row,
                           const char *member)
{
	const char *p = image_caller_project(auth);
	return identity_auth_is_admin(auth) || image_is_owner(auth, row) ||
	       (p && !strcmp(p, member));
}

int image_member_create(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	struct image_row row;
	if (image_load_visible(req, http_param(req, "image_id"), &row, err) != 0 ||
	    image_require_owner(identity_auth_of(req), &row, "add members to", err) != 0)
		return -1;
	if (strcmp(row.visibility, "shared") != 0)
		return api_fail(err, API_FORBIDDEN, "Only shared images have members.");
	json_t *body;
	const char *member = NULL;
	if (http_body_json(req, &body, err) != 0 ||
	    json_get_string(body, "member", true, &member, err) != 0 ||
	    json_check_length("member", member, 255, err) != 0)
		return -1;
	if (!*member)
		return api_fail(err, API_BAD_REQUEST, "The member must be a project id.");
	sqlite3_stmt *st = db_stmt(SQL_COUNT, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, row.id);
	if (db_step(st, err) != SQLITE_ROW)
		return -1;
	long long count = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (count >= IMAGE_MAX_MEMBERS)
		return api_fail(err, API_TOO_LARGE,
		                "The limit of %d members for this image has been reached.",
		                IMAGE_MAX_MEMBERS);
	char now[21];
	ids_time_iso(time(NULL), now);
	if (!(st = db_stmt(SQL_ADD, err)))
		return -1;
	db_bind_text(st, 1, row.id);
	db_bind_text(st, 2, member);
	db_bind_text(st, 3, now);
	if (db_exec_stmt(st, err) != 0)
		return db_fail(-1,
		               arena_printf(req->arena, "Member %s already exists for image %s.",
		                            member, row.id),
		               err);
	return reply_member(resp, row.id, member, err);
}

int image_member_list(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	struct image_row row;
	if (image_load_visible(req, http_param(req, "image_id"), &row, err) != 0)
		return -1;
	if (strcmp(row.visibility, "shared") != 0)
		return api_fail(err, API_FORBIDDEN, "Only shared images have members.");
	sqlite3_stmt *st = db_stmt(SQL_LIST, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, row.id);
	json_t *members = json_array();
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW)
		if (may_see_member(auth, &row, db_column_text(st, 0)))
			json_array_append_new(members, member_json(row.id, st));
	if (rc < 0) {
		json_decref(members);
		return -1;
	}
	http_reply_json(
	    resp, 200, json_pack("{s:o,s:s}", "members", members, "schema", "/v2/schemas/members"));
	return 0;
}

int image_member_show(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	const char *member = http_param(req, "member_id");
	struct image_row row;
	if (image_load_visible(req, http_param(req, "image_id"), &row, err) != 0)
		return -1;
	if (!may_see_member(identity_auth_of(req), &row, member))
		return api_fail(err, API_NOT_FOUND, "Member %s not found for image %s.", member,
		                row.id);
	return reply_member(resp, row.id, member, err);
}

int image_member_update(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	const char *member = http_param(req, "member_id");
	struct image_row row;
	if (image_load_visible(req, http_param(req, "image_id"), &row, err) != 0)
		return -1;
	if (!may_see_member(auth, &row, member))
		return api_fail(err, API_NOT_FOUND, "Member %s not found for image %s.", member,
		                row.id);
	const char *p = image_caller_project(auth);
	if (!p || strcmp(p, member) != 0)
		return api_fail(err, API_FORBIDDEN,
		                "Only the member project may change its membership status.");
	json_t *body;
	const char *status = NULL;
	if (http_body_json(req, &body, err) != 0 ||
	    json_get_string(body, "status", true, &status, err) != 0)
		return -1;
	if (strcmp(status, "pending") && strcmp(status, "accepted") && strcmp(status, "rejected"))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid status: %s (pending, accepted or rejected).", status);
	char now[21];
	ids_time_iso(time(NULL), now);
	sqlite3_stmt *st = db_stmt(SQL_SET, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, row.id);
	db_bind_text(st, 2, member);
	db_bind_text(st, 3, status);
	db_bind_text(st, 4, now);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	return reply_member(resp, row.id, member, err);
}

int image_member_delete(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	const char *member = http_param(req, "member_id");
	struct image_row row;
	if (image_load_visible(req, http_param(req, "image_id"), &row, err) != 0)
		return -1;
	if (!may_see_member(identity_auth_of(req), &row, member))
		return api_fail(err, API_NOT_FOUND, "Member %s not found for image %s.", member,
		                row.id);
	if (image_require_owner(identity_auth_of(req), &row, "remove members of", err) != 0)
		return -1;
	sqlite3_stmt *st = db_stmt(SQL_DEL, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, row.id);
	db_bind_text(st, 2, member);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	if (sqlite3_changes(db_conn(err)) == 0)
		return api_fail(err, API_NOT_FOUND, "Member %s not found for image %s.", member,
		                row.id);
	http_reply_empty(resp, 204);
	return 0;
}
