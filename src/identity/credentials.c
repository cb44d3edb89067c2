/* /v3/credentials (blobs a user keeps with identity: EC2 keys, certs, TOTP
 * seeds) and /v3/users/{user_id}/credentials/OS-EC2 on top of them. An EC2
 * credential's id is the SHA-256 of its access key, as in Keystone, so the
 * two views name the same rows. Callers other than admin see and change
 * only their own credentials. */
#include <string.h>

#include "core/ids.h"
#include "core/json.h"
#include "identity/resources.h"

#define COLS "id, user_id, project_id, type, blob, extra"
static const char SQL_LIST[] =
    "SELECT " COLS " FROM identity_credentials WHERE (?1 IS NULL OR user_id = ?1) AND "
    "(?2 IS NULL OR type = ?2) ORDER BY id";
static const char SQL_GET[] = "SELECT " COLS " FROM identity_credentials WHERE id = ?";
static const char SQL_INSERT[] = "INSERT INTO identity_credentials(id, user_id, project_id, "
                                 "type, blob, extra) VALUES(?, ?, ?, ?, ?, ?)";
static const char SQL_UPDATE[] =
    "UPDATE identity_credentials SET user_id = coalesce(?2, user_id), project_id = CASE "
    "WHEN ?3 THEN ?4 ELSE project_id END, type = coalesce(?5, type), blob = coalesce(?6, "
    "blob) WHERE id = ?1";
static const char SQL_DELETE[] = "DELETE FROM identity_credentials WHERE id = ?";
static const char SQL_USER_EXISTS[] = "SELECT 1 FROM identity_users WHERE id = ?";
static const char SQL_PROJECT_EXISTS[] = "SELECT 1 FROM identity_projects WHERE id = ?";
static const char SQL_EC2_LIST[] = "SELECT " COLS " FROM identity_credentials WHERE user_id = "
                                   "? AND type = 'ec2' ORDER BY id";

static const char *const known[] = {"user_id", "project_id", "type", "blob", "id", "links", NULL};

static json_t *row(struct identity_state *st, sqlite3_stmt *q)
{
	const char *id = db_column_text(q, 0);
	json_t *c =
	    json_pack("{s:s,s:s,s:o,s:s,s:s,s:o}", "id", id, "user_id", db_column_text(q, 1),
	              "project_id", identity_col_json(q, 2), "type", db_column_text(q, 3), "blob",
	              db_column_text(q, 4), "links", identity_links(st, "credentials", id));
	identity_merge_extra(c, db_column_text(q, 5));
	return c;
}

/* Keystone's EC2 shape: {"user_id", "tenant_id", "access", "secret",
 * "trust_id", "links"}. */
static json_t *ec2_row(struct identity_state *st, sqlite3_stmt *q)
{
	json_t *blob = json_loads(db_column_text(q, 4), 0, NULL);
	const char *access = json_string_value(json_object_get(blob, "access"));
	const char *secret = json_string_value(json_object_get(blob, "secret"));
	char *self = NULL;
	if (asprintf(&self, "%s/v3/users/%s/credentials/OS-EC2/%s", st->auth_url,
	             db_column_text(q, 1), access ? access : "") < 0)
		abort();
	json_t *c = json_pack("{s:s,s:o,s:s,s:s,s:n,s:{s:s}}", "user_id", db_column_text(q, 1),
	                      "tenant_id", identity_col_json(q, 2), "access", access ? access : "",
	                      "secret", secret ? secret : "", "trust_id", "links", "self", self);
	free(self);
	json_decref(blob);
	return c;
}

static bool is_admin(struct http_request *req)
{
	return identity_auth_is_admin(identity_auth_of(req));
}

/* SHA-256 hex of the blob's "access" (an ec2 credential's id). */
static int ec2_id(const char *blob, char out[65], struct api_error *err)
{
	json_t *b = json_loads(blob, 0, NULL);
	const char *access = json_string_value(json_object_get(b, "access"));
	if (!json_is_object(b) || !access || !*access) {
		json_decref(b);
		return api_fail(err, API_BAD_REQUEST,
		                "The blob of an ec2 credential must be a JSON object with an "
		                "'access' key.");
	}
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)access, strlen(access));
	sodium_bin2hex(out, 65, h, sizeof(h));
	json_decref(b);
	return 0;
}

/* The credential id, loaded; 404 when absent or not the caller's. */
static int owned(struct http_request *req, const char *id, json_t **out, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_GET, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	json_t *c;
	if (identity_fetch(req->ctx, q, row, "credential", id, &c, err) != 0)
		return -1;
	const char *uid = json_string_value(json_object_get(c, "user_id"));
	if (!is_admin(req) && strcmp(uid, identity_auth_of(req)->user_id) != 0) {
		json_decref(c);
		return api_fail(err, API_FORBIDDEN,
		                "You are not authorized to perform the requested action: "
		                "identity:get_credential.");
	}
	*out = c;
	return 0;
}

int identity_list_credentials(struct http_request *req, struct http_response *resp,
                              struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_LIST, err);
	if (!q)
		return -1;
	const char *uid = http_query(req, "user_id");
	if (!is_admin(req))
		uid = identity_auth_of(req)->user_id; /* others see their own only */
	db_bind_text(q, 1, uid);
	db_bind_text(q, 2, http_query(req, "type"));
	return identity_reply_list(req, resp, "credentials", q, row, err);
}

int identity_get_credential(struct http_request *req, struct http_response *resp,
                            struct api_error *err)
{
	json_t *c;
	if (owned(req, http_param(req, "credential_id"), &c, err) != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:o}", "credential", c));
	return 0;
}

struct cred_fields {
	const char *user_id, *project_id, *type, *blob;
	bool has_project;
};

static int cred_fields(struct http_request *req, json_t *c, struct cred_fields *f,
                       struct api_error *err)
{
	memset(f, 0, sizeof(*f));
	if (json_get_string(c, "user_id", false, &f->user_id, err) != 0 ||
	    identity_optional_string(c, "project_id", &f->project_id, &f->has_project, err) != 0 ||
	    json_get_string(c, "type", false, &f->type, err) != 0 ||
	    json_get_string(c, "blob", false, &f->blob, err) != 0)
		return -1;
	if (f->type && identity_check_name("type", f->type, err) != 0)
		return -1;
	if (f->blob && json_check_length("blob", f->blob, 65536, err) != 0)
		return -1;
	if (f->user_id) {
		if (!is_admin(req) && strcmp(f->user_id, identity_auth_of(req)->user_id) != 0)
			return api_fail(err, API_FORBIDDEN,
			                "You are not authorized to perform the requested action: "
			                "identity:create_credential.");
		if (identity_require(SQL_USER_EXISTS, f->user_id, "user", err) != 0)
			return -1;
	}
	if (f->project_id && identity_require(SQL_PROJECT_EXISTS, f->project_id, "project", err))
		return -1;
	return 0;
}

int identity_create_credential(struct http_request *req, struct http_response *resp,
                               struct api_error *err)
{
	json_t *c;
	struct cred_fields f;
	if (identity_body_object(req, "credential", &c, err) != 0 ||
	    cred_fields(req, c, &f, err) != 0)
		return -1;
	if (!f.user_id || !f.type || !f.blob)
		return api_fail(err, API_BAD_REQUEST, "'%s' is a required property",
		                !f.user_id ? "user_id"
		                : !f.type  ? "type"
		                           : "blob");
	char id[65];
	if (!strcmp(f.type, "ec2")) {
		if (!f.project_id)
			return api_fail(err, API_BAD_REQUEST,
			                "An ec2 credential needs a project_id.");
		if (ec2_id(f.blob, id, err) != 0)
			return -1;
	} else {
		ids_hex32(id);
	}
	sqlite3_stmt *q = db_stmt(SQL_INSERT, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, f.user_id);
	db_bind_text(q, 3, f.project_id);
	db_bind_text(q, 4, f.type);
	db_bind_text(q, 5, f.blob);
	db_bind_text(q, 6, identity_extra_of(req->arena, c, known));
	if (identity_run(q, "A credential with this access key already exists.", err) != 0)
		return -1;
	json_t *out;
	if (owned(req, id, &out, err) != 0)
		return -1;
	http_reply_json(resp, 201, json_pack("{s:o}", "credential", out));
	return 0;
}

int identity_update_credential(struct http_request *req, struct http_response *resp,
                               struct api_error *err)
{
	const char *id = http_param(req, "credential_id");
	json_t *c, *cur;
	struct cred_fields f;
	if (identity_body_object(req, "credential", &c, err) != 0 || owned(req, id, &cur, err) != 0)
		return -1;
	json_decref(cur);
	if (cred_fields(req, c, &f, err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_UPDATE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, f.user_id);
	sqlite3_bind_int(q, 3, f.has_project);
	db_bind_text(q, 4, f.project_id);
	db_bind_text(q, 5, f.type);
	db_bind_text(q, 6, f.blob);
	if (db_exec_stmt(q, err) != 0 || owned(req, id, &cur, err) != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:o}", "credential", cur));
	return 0;
}

int identity_delete_credential(struct http_request *req, struct http_response *resp,
                               struct api_error *err)
{
	const char *id = http_param(req, "credential_id");
	json_t *cur;
	if (owned(req, id, &cur, err) != 0)
		return -1;
	json_decref(cur);
	sqlite3_stmt *q = db_stmt(SQL_DELETE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

/* ---- OS-EC2 ---- */

/* The EC2 credential {access} of {user_id}; 404 when there is none. */
static int ec2_get(struct http_request *req, json_t **out, char id[65], struct api_error *err)
{
	const char *uid = http_param(req, "user_id"), *access = http_param(req, "access");
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)access, strlen(access));
	sodium_bin2hex(id, 65, h, sizeof(h));
	sqlite3_stmt *q = db_stmt(SQL_GET, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	json_t *c;
	if (identity_fetch(req->ctx, q, ec2_row, "credential", access, &c, err) != 0)
		return -1;
	if (strcmp(json_string_value(json_object_get(c, "user_id")), uid) != 0) {
		json_decref(c);
		return api_fail(err, API_NOT_FOUND, "Could not find credential: %s.", access);
	}
	*out = c;
	return 0;
}

int identity_create_ec2(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	const char *uid = http_param(req, "user_id"), *project_id = NULL;
	json_t *body;
	if (http_body_json(req, &body, err) != 0 ||
	    json_get_string(body, "tenant_id", true, &project_id, err) != 0 ||
	    identity_require(SQL_USER_EXISTS, uid, "user", err) != 0 ||
	    identity_require(SQL_PROJECT_EXISTS, project_id, "project", err) != 0)
		return -1;
	char access[33], secret[33], id[65];
	ids_hex32(access);
	ids_hex32(secret);
	char *blob =
	    arena_printf(req->arena, "{\"access\": \"%s\", \"secret\": \"%s\", \"trust_id\": null}",
	                 access, secret);
	if (ec2_id(blob, id, err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_INSERT, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, uid);
	db_bind_text(q, 3, project_id);
	db_bind_text(q, 4, "ec2");
	db_bind_text(q, 5, blob);
	db_bind_text(q, 6, "{}");
	if (db_exec_stmt(q, err) != 0)
		return -1;
	q = db_stmt(SQL_GET, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	return identity_reply_one(req, resp, 201, "credential", q, ec2_row, "credential", access,
	                          err);
}

int identity_list_ec2(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	const char *uid = http_param(req, "user_id");
	if (identity_require(SQL_USER_EXISTS, uid, "user", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_EC2_LIST, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, uid);
	return identity_reply_list(req, resp, "credentials", q, ec2_row, err);
}

int identity_get_ec2(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	json_t *c;
	char id[65];
	if (ec2_get(req, &c, id, err) != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:o}", "credential", c));
	return 0;
}

int identity_delete_ec2(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	json_t *c;
	char id[65];
	if (ec2_get(req, &c, id, err) != 0)
		return -1;
	json_decref(c);
	sqlite3_stmt *q = db_stmt(SQL_DELETE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}
