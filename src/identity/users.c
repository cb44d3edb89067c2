/* /v3/users: create, list (name, domain_id, enabled filters), show, update
 * (a new password or disabling revokes the user's tokens), delete, a user
 * changing their own password, and the user's groups. */
#include <string.h>

#include "core/ids.h"
#include "core/json.h"
#include "identity/resources.h"

#define COLS "u.id, u.name, u.domain_id, u.enabled, u.default_project_id, u.extra"
static const char SQL_LIST[] =
    "SELECT " COLS " FROM identity_users u WHERE (?1 IS NULL OR u.name = ?1) AND "
    "(?2 IS NULL OR u.domain_id = ?2) AND (?3 IS NULL OR u.enabled = ?3) ORDER BY u.name";
static const char SQL_GET[] = "SELECT " COLS " FROM identity_users u WHERE u.id = ?";
static const char SQL_EXISTS[] = "SELECT 1 FROM identity_users WHERE id = ?";
static const char SQL_DOMAIN_EXISTS[] = "SELECT 1 FROM identity_domains WHERE id = ?";
static const char SQL_PROJECT_EXISTS[] = "SELECT 1 FROM identity_projects WHERE id = ?";
static const char SQL_INSERT[] =
    "INSERT INTO identity_users(id, name, domain_id, enabled, default_project_id, "
    "password_hash, password_changed_at, extra) VALUES(?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_UPDATE[] =
    "UPDATE identity_users SET name = coalesce(?2, name), enabled = coalesce(?3, enabled), "
    "default_project_id = CASE WHEN ?4 THEN ?5 ELSE default_project_id END, "
    "extra = coalesce(?6, extra) WHERE id = ?1";
static const char SQL_SET_PASSWORD[] = "UPDATE identity_users SET password_hash = ?2, "
                                       "password_changed_at = ?3 WHERE id = ?1";
static const char SQL_HASH[] = "SELECT password_hash FROM identity_users WHERE id = ?";
static const char SQL_DELETE_ASSIGNMENTS[] =
    "DELETE FROM identity_assignments WHERE actor_id = ? AND type LIKE 'User%'";
static const char SQL_DELETE[] = "DELETE FROM identity_users WHERE id = ?";
static const char SQL_GROUPS[] =
    "SELECT g.id, g.name, g.domain_id, g.description FROM identity_groups g JOIN "
    "identity_group_members m ON m.group_id = g.id WHERE m.user_id = ? ORDER BY g.name";

static const char *const known[] = {
    "name",    "domain_id", "enabled", "default_project_id",  "password",
    "options", "id",        "links",   "password_expires_at", NULL};

json_t *identity_user_row(struct identity_state *st, sqlite3_stmt *q)
{
	const char *id = db_column_text(q, 0);
	json_t *u =
	    json_pack("{s:s,s:s,s:s,s:b,s:n,s:{},s:o}", "id", id, "name", db_column_text(q, 1),
	              "domain_id", db_column_text(q, 2), "enabled", sqlite3_column_int(q, 3),
	              "password_expires_at", "options", "links", identity_links(st, "users", id));
	if (db_column_text(q, 4))
		json_object_set_new(u, "default_project_id", json_string(db_column_text(q, 4)));
	identity_merge_extra(u, db_column_text(q, 5));
	return u;
}

json_t *identity_group_row(struct identity_state *st, sqlite3_stmt *q)
{
	const char *id = db_column_text(q, 0);
	return json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", id, "name", db_column_text(q, 1),
	                 "domain_id", db_column_text(q, 2), "description", db_column_text(q, 3),
	                 "links", identity_links(st, "groups", id));
}

static int reply_user(struct http_request *req, struct http_response *resp, int status,
                      const char *id, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_GET, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	return identity_reply_one(req, resp, status, "user", q, identity_user_row, "user", id, err);
}

int identity_list_users(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_LIST, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, http_query(req, "name"));
	db_bind_text(q, 2, http_query(req, "domain_id"));
	const char *en = http_query(req, "enabled");
	if (en)
		sqlite3_bind_int(q, 3, identity_query_bool(en));
	return identity_reply_list(req, resp, "users", q, identity_user_row, err);
}

int identity_get_user(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	return reply_user(req, resp, 200, http_param(req, "user_id"), err);
}

struct user_fields {
	const char *name, *password, *default_project_id;
	bool has_password, has_default_project;
	int enabled;
};

static int parse_fields(json_t *u, struct user_fields *f, struct api_error *err)
{
	memset(f, 0, sizeof(*f));
	f->enabled = -1;
	if (json_get_string(u, "name", false, &f->name, err) != 0 ||
	    identity_optional_string(u, "password", &f->password, &f->has_password, err) != 0 ||
	    identity_optional_string(u, "default_project_id", &f->default_project_id,
	                             &f->has_default_project, err) != 0)
		return -1;
	if (json_object_get(u, "enabled")) {
		bool en;
		if (json_get_bool(u, "enabled", true, &en, err) != 0)
			return -1;
		f->enabled = en;
	}
	if (f->name && identity_check_name("name", f->name, err) != 0)
		return -1;
	if (f->password && json_check_length("password", f->password, 4096, err) != 0)
		return -1;
	if (f->default_project_id) {
		bool found;
		if (identity_exists(SQL_PROJECT_EXISTS, f->default_project_id, &found, err) != 0)
			return -1;
		if (!found)
			return api_fail(err, API_NOT_FOUND, "Could not find project: %s.",
			                f->default_project_id);
	}
	return 0;
}

int identity_create_user(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	json_t *u;
	struct user_fields f;
	const char *domain_id = NULL;
	if (identity_body_object(req, "user", &u, err) != 0 || parse_fields(u, &f, err) != 0 ||
	    json_get_string(u, "domain_id", false, &domain_id, err) != 0)
		return -1;
	if (!f.name)
		return api_fail(err, API_BAD_REQUEST, "'name' is a required property");
	if (!domain_id)
		domain_id = auth && auth->project_domain_id ? auth->project_domain_id
		            : auth && auth->domain_id       ? auth->domain_id
		                                            : "default";
	bool found;
	if (identity_exists(SQL_DOMAIN_EXISTS, domain_id, &found, err) != 0)
		return -1;
	if (!found)
		return api_fail(err, API_NOT_FOUND, "Could not find domain: %s.", domain_id);
	char hash[crypto_pwhash_STRBYTES];
	if (f.password && identity_password_hash(f.password, hash, err) != 0)
		return -1;
	char id[33];
	ids_hex32(id);
	sqlite3_stmt *q = db_stmt(SQL_INSERT, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, f.name);
	db_bind_text(q, 3, domain_id);
	sqlite3_bind_int(q, 4, f.enabled != 0);
	db_bind_text(q, 5, f.default_project_id);
	db_bind_text(q, 6, f.password ? hash : NULL);
	if (f.password)
		sqlite3_bind_double(q, 7, ids_now());
	db_bind_text(q, 8, identity_extra_of(req->arena, u, known));
	char *conflict = arena_printf(req->arena,
	                              "Conflict occurred attempting to store user - Duplicate "
	                              "entry found with name %s at domain ID %s.",
	                              f.name, domain_id);
	if (identity_run(q, conflict, err) != 0)
		return -1;
	return reply_user(req, resp, 201, id, err);
}

static int set_password(const char *id, const char *password, struct api_error *err)
{
	char hash[crypto_pwhash_STRBYTES];
	if (identity_password_hash(password, hash, err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_SET_PASSWORD, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, hash);
	sqlite3_bind_double(q, 3, ids_now());
	return db_exec_stmt(q, err);
}

int identity_update_user(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	const char *id = http_param(req, "user_id");
	json_t *u;
	struct user_fields f;
	if (identity_body_object(req, "user", &u, err) != 0 || parse_fields(u, &f, err) != 0)
		return -1;
	json_t *idv = json_object_get(u, "id");
	if (idv && (!json_is_string(idv) || strcmp(json_string_value(idv), id) != 0))
		return api_fail(err, API_BAD_REQUEST, "Cannot change the user ID.");
	if (json_object_get(u, "domain_id"))
		return api_fail(err, API_BAD_REQUEST, "Cannot change the domain of a user.");
	if (identity_require(SQL_EXISTS, id, "user", err) != 0)
		return -1;
	if (f.password && set_password(id, f.password, err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_UPDATE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, f.name);
	if (f.enabled >= 0)
		sqlite3_bind_int(q, 3, f.enabled);
	sqlite3_bind_int(q, 4, f.has_default_project);
	db_bind_text(q, 5, f.default_project_id);
	const char *extra = identity_extra_of(req->arena, u, known);
	db_bind_text(q, 6, strcmp(extra, "{}") ? extra : NULL);
	char *conflict = arena_printf(req->arena,
	                              "Conflict occurred attempting to update user - Duplicate "
	                              "entry found with name %s.",
	                              f.name ? f.name : "");
	if (identity_run(q, conflict, err) != 0)
		return -1;
	if ((f.password || f.enabled == 0) &&
	    identity_revoke(req->ctx, NULL, id, NULL, NULL, NULL, NULL, err) != 0)
		return -1;
	return reply_user(req, resp, 200, id, err);
}

int identity_delete_user(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	const char *id = http_param(req, "user_id");
	if (identity_require(SQL_EXISTS, id, "user", err) != 0 || db_begin(err) != 0)
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
	if (db_exec_stmt(q, err) != 0 ||
	    identity_revoke(req->ctx, NULL, id, NULL, NULL, NULL, NULL, err) != 0 ||
	    db_commit(err) != 0)
		goto fail;
	http_reply_empty(resp, 204);
	return 0;
fail:
	db_rollback();
	return -1;
}

/* POST /v3/users/{user_id}/password needs no token (the password may have
 * expired): the original password is the proof. */
int identity_change_password(struct http_request *req, struct http_response *resp,
                             struct api_error *err)
{
	const char *id = http_param(req, "user_id");
	json_t *u;
	const char *original, *password;
	if (identity_body_object(req, "user", &u, err) != 0 ||
	    json_get_string(u, "original_password", true, &original, err) != 0 ||
	    json_get_string(u, "password", true, &password, err) != 0 ||
	    json_check_length("password", password, 4096, err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_HASH, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	const char *hash = NULL;
	int rc = db_step(q, err);
	if (rc == SQLITE_ROW)
		hash = arena_strdup(req->arena, db_column_text(q, 0));
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	if (!hash) {
		identity_password_dummy(original);
		return api_fail(err, API_UNAUTHORIZED,
		                "The request you have made requires authentication.");
	}
	if (!identity_password_verify(hash, original))
		return api_fail(err, API_UNAUTHORIZED,
		                "The request you have made requires authentication.");
	if (set_password(id, password, err) != 0 ||
	    identity_revoke(req->ctx, NULL, id, NULL, NULL, NULL, NULL, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

int identity_list_user_groups(struct http_request *req, struct http_response *resp,
                              struct api_error *err)
{
	const char *id = http_param(req, "user_id");
	if (identity_require(SQL_EXISTS, id, "user", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_GROUPS, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	return identity_reply_list(req, resp, "groups", q, identity_group_row, err);
}
