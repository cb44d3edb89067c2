/* /v3/groups: create, list (name, domain_id filters), show, update,
 * delete, and membership (add, check, remove, list users). Membership
 * changes change roles, so they revoke the user's tokens as Keystone does. */
#include <string.h>

#include "core/ids.h"
#include "core/json.h"
#include "identity/resources.h"

#define COLS "g.id, g.name, g.domain_id, g.description"
static const char SQL_LIST[] =
    "SELECT " COLS " FROM identity_groups g WHERE (?1 IS NULL OR g.name = ?1) AND "
    "(?2 IS NULL OR g.domain_id = ?2) ORDER BY g.name";
static const char SQL_GET[] = "SELECT " COLS " FROM identity_groups g WHERE g.id = ?";
static const char SQL_EXISTS[] = "SELECT 1 FROM identity_groups WHERE id = ?";
static const char SQL_USER_EXISTS[] = "SELECT 1 FROM identity_users WHERE id = ?";
static const char SQL_DOMAIN_EXISTS[] = "SELECT 1 FROM identity_domains WHERE id = ?";
static const char SQL_INSERT[] =
    "INSERT INTO identity_groups(id, name, domain_id, description) VALUES(?, ?, ?, ?)";
static const char SQL_UPDATE[] =
    "UPDATE identity_groups SET name = coalesce(?2, name), description = CASE WHEN ?3 "
    "THEN coalesce(?4, '') ELSE description END WHERE id = ?1";
static const char SQL_DELETE_ASSIGNMENTS[] =
    "DELETE FROM identity_assignments WHERE actor_id = ? AND type LIKE 'Group%'";
static const char SQL_DELETE[] = "DELETE FROM identity_groups WHERE id = ?";
static const char SQL_ADD_MEMBER[] =
    "INSERT OR IGNORE INTO identity_group_members(group_id, user_id) VALUES(?, ?)";
static const char SQL_IS_MEMBER[] =
    "SELECT 1 FROM identity_group_members WHERE group_id = ? AND user_id = ?";
static const char SQL_DEL_MEMBER[] =
    "DELETE FROM identity_group_members WHERE group_id = ? AND user_id = ?";
static const char SQL_MEMBERS[] =
    "SELECT u.id, u.name, u.domain_id, u.enabled, u.default_project_id, u.extra FROM "
    "identity_users u JOIN identity_group_members m ON m.user_id = u.id WHERE "
    "m.group_id = ? ORDER BY u.name";

static int reply_group(struct http_request *req, struct http_response *resp, int status,
                       const char *id, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_GET, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	return identity_reply_one(req, resp, status, "group", q, identity_group_row, "group", id,
	                          err);
}

int identity_list_groups(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_LIST, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, http_query(req, "name"));
	db_bind_text(q, 2, http_query(req, "domain_id"));
	return identity_reply_list(req, resp, "groups", q, identity_group_row, err);
}

int identity_get_group(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	return reply_group(req, resp, 200, http_param(req, "group_id"), err);
}

int identity_create_group(struct http_request *req, struct http_response *resp,
                          struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	json_t *g;
	const char *name = NULL, *desc = NULL, *domain_id = NULL;
	bool has_desc;
	if (identity_body_object(req, "group", &g, err) != 0 ||
	    json_get_string(g, "name", true, &name, err) != 0 ||
	    identity_check_name("name", name, err) != 0 ||
	    identity_optional_string(g, "description", &desc, &has_desc, err) != 0 ||
	    json_get_string(g, "domain_id", false, &domain_id, err) != 0)
		return -1;
	if (!domain_id)
		domain_id = auth && auth->project_domain_id ? auth->project_domain_id
		            : auth && auth->domain_id       ? auth->domain_id
		                                            : "default";
	bool found;
	if (identity_exists(SQL_DOMAIN_EXISTS, domain_id, &found, err) != 0)
		return -1;
	if (!found)
		return api_fail(err, API_NOT_FOUND, "Could not find domain: %s.", domain_id);
	char id[33];
	ids_hex32(id);
	sqlite3_stmt *q = db_stmt(SQL_INSERT, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, name);
	db_bind_text(q, 3, domain_id);
	db_bind_text(q, 4, desc ? desc : "");
	char *conflict = arena_printf(req->arena,
	                              "Conflict occurred attempting to store group - Duplicate "
	                              "entry found with name %s at domain ID %s.",
	                              name, domain_id);
	if (identity_run(q, conflict, err) != 0)
		return -1;
	return reply_group(req, resp, 201, id, err);
}

int identity_update_group(struct http_request *req, struct http_response *resp,
                          struct api_error *err)
{
	const char *id = http_param(req, "group_id");
	json_t *g;
	const char *name = NULL, *desc = NULL;
	bool has_desc;
	if (identity_body_object(req, "group", &g, err) != 0 ||
	    json_get_string(g, "name", false, &name, err) != 0 ||
	    (name && identity_check_name("name", name, err) != 0) ||
	    identity_optional_string(g, "description", &desc, &has_desc, err) != 0)
		return -1;
	if (json_object_get(g, "domain_id"))
		return api_fail(err, API_BAD_REQUEST, "Cannot change the domain of a group.");
	if (identity_require(SQL_EXISTS, id, "group", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_UPDATE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, name);
	sqlite3_bind_int(q, 3, has_desc);
	db_bind_text(q, 4, desc);
	if (identity_run(q, "Conflict occurred attempting to update group - Duplicate entry.",
	                 err) != 0)
		return -1;
	return reply_group(req, resp, 200, id, err);
}

int identity_delete_group(struct http_request *req, struct http_response *resp,
                          struct api_error *err)
{
	const char *id = http_param(req, "group_id");
	if (identity_require(SQL_EXISTS, id, "group", err) != 0 || db_begin(err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_DELETE_ASSIGNMENTS, err);
	if (!q)
		goto fail;
	db_bind_text(q, 1, id);
	if (db_exec_stmt(q, err) != 0)
		goto fail;
	q = db_stmt(SQL_DELETE, err);
	if (!q)
		goto fail;
	db_bind_text(q, 1, id);
	if (db_exec_stmt(q, err) != 0 || db_commit(err) != 0)
		goto fail;
	http_reply_empty(resp, 204);
	return 0;
fail:
	db_rollback();
	return -1;
}

static int member_args(struct http_request *req, const char **gid, const char **uid,
                       struct api_error *err)
{
	*gid = http_param(req, "group_id");
	*uid = http_param(req, "user_id");
	if (identity_require(SQL_EXISTS, *gid, "group", err) != 0 ||
	    identity_require(SQL_USER_EXISTS, *uid, "user", err) != 0)
		return -1;
	return 0;
}

static int member_exec(const char *sql, const char *gid, const char *uid, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(sql, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, gid);
	db_bind_text(q, 2, uid);
	return db_exec_stmt(q, err);
}

int identity_add_group_user(struct http_request *req, struct http_response *resp,
                            struct api_error *err)
{
	const char *gid, *uid;
	if (member_args(req, &gid, &uid, err) != 0 || member_exec(SQL_ADD_MEMBER, gid, uid, err))
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

int identity_check_group_user(struct http_request *req, struct http_response *resp,
                              struct api_error *err)
{
	const char *gid, *uid;
	if (member_args(req, &gid, &uid, err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_IS_MEMBER, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, gid);
	db_bind_text(q, 2, uid);
	int rc = db_step(q, err);
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return api_fail(err, API_NOT_FOUND, "User %s is not in group %s.", uid, gid);
	http_reply_empty(resp, 204);
	return 0;
}

int identity_remove_group_user(struct http_request *req, struct http_response *resp,
                               struct api_error *err)
{
	const char *gid, *uid;
	if (identity_check_group_user(req, resp, err) != 0)
		return -1;
	gid = http_param(req, "group_id");
	uid = http_param(req, "user_id");
	if (member_exec(SQL_DEL_MEMBER, gid, uid, err) != 0 ||
	    identity_revoke(req->ctx, NULL, uid, NULL, NULL, NULL, NULL, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

int identity_list_group_users(struct http_request *req, struct http_response *resp,
                              struct api_error *err)
{
	const char *gid = http_param(req, "group_id");
	if (identity_require(SQL_EXISTS, gid, "group", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_MEMBERS, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, gid);
	return identity_reply_list(req, resp, "users", q, identity_user_row, err);
}
