/* /v3/users/{user_id}/application_credentials: a user's delegated secret
 * for its current project, with a subset of its roles and an optional
 * expiry. The secret is shown once, at creation, and stored as an Argon2id
 * hash; deleting a credential revokes the tokens made from it. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/ids.h"
#include "core/json.h"
#include "identity/resources.h"

#define COLS "id, name, description, expires_at, project_id, unrestricted, user_id"
static const char SQL_LIST[] = "SELECT " COLS " FROM identity_app_creds WHERE user_id = ?1 AND "
                               "(?2 IS NULL OR name = ?2) ORDER BY name";
static const char SQL_GET[] =
    "SELECT " COLS " FROM identity_app_creds WHERE id = ?2 AND user_id = ?1";
static const char SQL_ROLES[] =
    "SELECT r.id, r.name, r.domain_id FROM identity_roles r JOIN identity_app_cred_roles a "
    "ON a.role_id = r.id WHERE a.app_cred_id = ? ORDER BY r.name";
static const char SQL_INSERT[] =
    "INSERT INTO identity_app_creds(id, name, user_id, project_id, secret_hash, description, "
    "expires_at, unrestricted) VALUES(?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_ADD_ROLE[] =
    "INSERT OR IGNORE INTO identity_app_cred_roles(app_cred_id, role_id) VALUES(?, ?)";
static const char SQL_DELETE[] = "DELETE FROM identity_app_creds WHERE id = ? AND user_id = ?";
static const char SQL_USER_EXISTS[] = "SELECT 1 FROM identity_users WHERE id = ?";

static const char *const known[] = {"name",  "description",  "secret",       "expires_at",
                                    "roles", "unrestricted", "access_rules", NULL};

static json_t *row(struct identity_state *st, sqlite3_stmt *q)
{
	const char *id = db_column_text(q, 0);
	json_t *exp = json_null();
	if (sqlite3_column_type(q, 3) != SQLITE_NULL) {
		/* Keystone's isoformat(): no zone suffix. Rounded to the
		 * microsecond: a double holds 1.7e9 s to a quarter of one. */
		long long us = llround(sqlite3_column_double(q, 3) * 1e6);
		time_t sec = (time_t)(us / 1000000);
		struct tm tm;
		gmtime_r(&sec, &tm);
		char buf[40];
		size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf + n, sizeof(buf) - n, ".%06lld", us % 1000000);
		json_decref(exp);
		exp = json_string(buf);
	}
	json_t *roles = json_array();
	struct api_error err = {0};
	sqlite3_stmt *r = db_stmt(SQL_ROLES, &err);
	if (r) {
		db_bind_text(r, 1, id);
		while (db_step(r, &err) == SQLITE_ROW) {
			const char *dom = db_column_text(r, 2);
			json_array_append_new(
			    roles, json_pack("{s:s,s:s,s:o}", "id", db_column_text(r, 0), "name",
			                     db_column_text(r, 1), "domain_id",
			                     dom && *dom ? json_string(dom) : json_null()));
		}
		sqlite3_reset(r);
	}
	char *self = NULL;
	if (asprintf(&self, "%s/v3/users/%s/application_credentials/%s", st->auth_url,
	             db_column_text(q, 6), id) < 0)
		abort();
	json_t *o = json_pack("{s:s,s:s,s:o,s:o,s:s,s:o,s:b,s:s,s:[],s:{s:s}}", "id", id, "name",
	                      db_column_text(q, 1), "description", identity_col_json(q, 2),
	                      "expires_at", exp, "project_id", db_column_text(q, 4), "roles", roles,
	                      "unrestricted", sqlite3_column_int(q, 5), "user_id",
	                      db_column_text(q, 6), "access_rules", "links", "self", self);
	free(self);
	return o;
}

static sqlite3_stmt *get_stmt(const char *uid, const char *id, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_GET, err);
	if (q) {
		db_bind_text(q, 1, uid);
		db_bind_text(q, 2, id);
	}
	return q;
}

int identity_list_app_creds(struct http_request *req, struct http_response *resp,
                            struct api_error *err)
{
	const char *uid = http_param(req, "user_id");
	if (identity_require(SQL_USER_EXISTS, uid, "user", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_LIST, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, uid);
	db_bind_text(q, 2, http_query(req, "name"));
	return identity_reply_list(req, resp, "application_credentials", q, row, err);
}

int identity_get_app_cred(struct http_request *req, struct http_response *resp,
                          struct api_error *err)
{
	const char *id = http_param(req, "app_cred_id");
	sqlite3_stmt *q = get_stmt(http_param(req, "user_id"), id, err);
	if (!q)
		return -1;
	return identity_reply_one(req, resp, 200, "application_credential", q, row,
	                          "application credential", id, err);
}

/* The requested roles (by id or name) as ids, each held by the caller's
 * token; all of the token's roles when none are asked. */
static int pick_roles(struct http_request *req, json_t *ac, const char ***ids, size_t *n,
                      struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	json_t *roles = NULL;
	if (json_get_array(ac, "roles", false, &roles, err) != 0)
		return -1;
	if (!roles || json_array_size(roles) == 0) {
		*ids = auth->role_ids;
		*n = auth->nroles;
		return 0;
	}
	const char **out = arena_alloc(req->arena, json_array_size(roles) * sizeof(*out));
	size_t cnt = 0, i;
	json_t *r;
	json_array_foreach(roles, i, r)
	{
		const char *rid = NULL, *rname = NULL;
		if (!json_is_object(r) || json_get_string(r, "id", false, &rid, err) != 0 ||
		    json_get_string(r, "name", false, &rname, err) != 0)
			return err->kind ? -1
			                 : api_fail(err, API_BAD_REQUEST,
			                            "Invalid input for field 'roles'.");
		if (!rid && !rname)
			return api_fail(err, API_BAD_REQUEST, "Each role needs an id or a name.");
		const char *found = NULL;
		for (size_t k = 0; k < auth->nroles; k++)
			if ((rid && !strcmp(rid, auth->role_ids[k])) ||
			    (!rid && !strcmp(rname, auth->roles[k])))
				found = auth->role_ids[k];
		if (!found)
			return api_fail(err, API_NOT_FOUND,
			                "Could not find role assignment with role: %s, user or "
			                "group: %s, project, domain, or system: %s.",
			                rid ? rid : rname, auth->user_id, auth->project_id);
		out[cnt++] = found;
	}
	*ids = out;
	*n = cnt;
	return 0;
}

int identity_create_app_cred(struct http_request *req, struct http_response *resp,
                             struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	const char *uid = http_param(req, "user_id");
	json_t *ac;
	const char *name = NULL, *desc = NULL, *secret = NULL, *expires = NULL;
	bool has_desc, has_exp, unrestricted = false;
	if (identity_body_object(req, "application_credential", &ac, err) != 0 ||
	    json_only_keys(ac, known, "application_credential", err) != 0 ||
	    json_get_string(ac, "name", true, &name, err) != 0 ||
	    identity_check_name("name", name, err) != 0 ||
	    identity_optional_string(ac, "description", &desc, &has_desc, err) != 0 ||
	    json_get_string(ac, "secret", false, &secret, err) != 0 ||
	    identity_optional_string(ac, "expires_at", &expires, &has_exp, err) != 0 ||
	    json_get_bool(ac, "unrestricted", false, &unrestricted, err) != 0)
		return -1;
	if (strcmp(auth->user_id, uid) != 0)
		return api_fail(err, API_FORBIDDEN,
		                "You are not authorized to perform the requested action: "
		                "identity:create_application_credential.");
	if (!auth->project_id)
		return api_fail(err, API_FORBIDDEN,
		                "Application credentials need a project-scoped token.");
	if (auth->app_cred_id && !auth->app_cred_unrestricted)
		return api_fail(err, API_FORBIDDEN,
		                "A restricted application credential cannot create another.");
	double exp = 0;
	if (expires && (ids_time_parse(expires, &exp) != 0))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field 'expires_at': '%.40s' is not a date-time.",
		                expires);
	if (expires && exp <= ids_now())
		return api_fail(err, API_BAD_REQUEST, "The expiration time is in the past.");
	if (secret && (!*secret || json_check_length("secret", secret, 4096, err) != 0))
		return err->kind ? -1 : api_fail(err, API_BAD_REQUEST, "The secret is empty.");
	const char **roles = NULL;
	size_t nroles = 0;
	if (pick_roles(req, ac, &roles, &nroles, err) != 0)
		return -1;
	char made[90];
	if (!secret) {
		unsigned char raw[64];
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(made, sizeof(made), raw, sizeof(raw),
		                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		secret = made;
	}
	char hash[crypto_pwhash_STRBYTES];
	if (identity_password_hash(secret, hash, err) != 0)
		return -1;
	char id[33];
	ids_hex32(id);
	if (db_begin(err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_INSERT, err);
	if (!q)
		goto fail;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, name);
	db_bind_text(q, 3, uid);
	db_bind_text(q, 4, auth->project_id);
	db_bind_text(q, 5, hash);
	db_bind_text(q, 6, desc);
	if (expires)
		sqlite3_bind_double(q, 7, exp);
	sqlite3_bind_int(q, 8, unrestricted);
	char *conflict = arena_printf(req->arena,
	                              "Conflict occurred attempting to store application_"
	                              "credential - Duplicate entry found with name %s.",
	                              name);
	if (identity_run(q, conflict, err) != 0)
		goto fail;
	for (size_t i = 0; i < nroles; i++) {
		q = db_stmt(SQL_ADD_ROLE, err);
		if (!q)
			goto fail;
		db_bind_text(q, 1, id);
		db_bind_text(q, 2, roles[i]);
		if (db_exec_stmt(q, err) != 0)
			goto fail;
	}
	if (db_commit(err) != 0)
		goto fail;
	json_t *obj;
	q = get_stmt(uid, id, err);
	if (!q || identity_fetch(req->ctx, q, row, "application credential", id, &obj, err) != 0)
		return -1;
	json_object_set_new(obj, "secret", json_string(secret));
	sodium_memzero(made, sizeof(made));
	http_reply_json(resp, 201, json_pack("{s:o}", "application_credential", obj));
	return 0;
fail:
	db_rollback();
	return -1;
}

int identity_delete_app_cred(struct http_request *req, struct http_response *resp,
                             struct api_error *err)
{
	const char *uid = http_param(req, "user_id"), *id = http_param(req, "app_cred_id");
	sqlite3_stmt *q = get_stmt(uid, id, err);
	if (!q)
		return -1;
	int rc = db_step(q, err);
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return api_fail(err, API_NOT_FOUND, "Could not find application credential: %s.",
		                id);
	q = db_stmt(SQL_DELETE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, uid);
	if (db_exec_stmt(q, err) != 0 ||
	    identity_revoke(req->ctx, NULL, NULL, NULL, NULL, NULL, id, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}
