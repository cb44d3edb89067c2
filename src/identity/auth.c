/* POST /v3/auth/tokens: authenticates by password, token (rescope) or
 * application credential, resolves the requested scope and issues a token.
 * Every failure to authenticate is the same 401: no hint whether the user
 * exists. */
#include <string.h>

#include "core/ids.h"
#include "core/json.h"
#include "identity/internal.h"

static const char SQL_USER_BY_ID[] =
    "SELECT u.id, u.password_hash, u.enabled AND d.enabled FROM identity_users u "
    "JOIN identity_domains d ON d.id = u.domain_id WHERE u.id = ?";
static const char SQL_USER_BY_NAME_DID[] =
    "SELECT u.id, u.password_hash, u.enabled AND d.enabled FROM identity_users u "
    "JOIN identity_domains d ON d.id = u.domain_id WHERE u.name = ? AND u.domain_id = ?";
static const char SQL_USER_BY_NAME_DNAME[] =
    "SELECT u.id, u.password_hash, u.enabled AND d.enabled FROM identity_users u "
    "JOIN identity_domains d ON d.id = u.domain_id WHERE u.name = ? AND d.name = ?";
static const char SQL_DEFAULT_PROJECT[] =
    "SELECT default_project_id FROM identity_users WHERE id = ?";
static const char SQL_PROJECT_BY_ID[] = "SELECT id FROM identity_projects WHERE id = ?";
static const char SQL_PROJECT_BY_NAME_DID[] =
    "SELECT id FROM identity_projects WHERE name = ? AND domain_id = ?";
static const char SQL_PROJECT_BY_NAME_DNAME[] =
    "SELECT p.id FROM identity_projects p JOIN identity_domains d ON d.id = p.domain_id "
    "WHERE p.name = ? AND d.name = ?";
static const char SQL_DOMAIN_BY_ID[] = "SELECT id FROM identity_domains WHERE id = ?";
static const char SQL_DOMAIN_BY_NAME[] = "SELECT id FROM identity_domains WHERE name = ?";
static const char SQL_APP_CRED_BY_ID[] =
    "SELECT id, user_id, secret_hash, expires_at, project_id FROM identity_app_creds "
    "WHERE id = ?";
static const char SQL_APP_CRED_BY_NAME[] =
    "SELECT id, user_id, secret_hash, expires_at, project_id FROM identity_app_creds "
    "WHERE name = ? AND user_id = ?";

static const char unauthorized[] = "The request you have made requires authentication.";

/* Runs q (bound) and copies column 0 of the first row; NULL when none. */
static int lookup_one(struct arena *a, sqlite3_stmt *q, const char **out, struct api_error *err)
{
	*out = NULL;
	int rc = db_step(q, err);
	if (rc == SQLITE_ROW)
		*out = arena_strdup(a, db_column_text(q, 0));
	sqlite3_reset(q);
	return rc < 0 ? -1 : 0;
}

static int lookup_by(struct arena *a, const char *sql, const char *p1, const char *p2,
                     const char **out, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(sql, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, p1);
	if (p2)
		db_bind_text(q, 2, p2);
	return lookup_one(a, q, out, err);
}

/* {"id": ...} or {"name": ...}: the domain's id, NULL when unknown. */
static int domain_ref(struct arena *a, json_t *ref, const char **id, struct api_error *err)
{
	const char *did = NULL, *dname = NULL;
	if (!json_is_object(ref))
		return api_fail(err, API_BAD_REQUEST, "Expecting to find domain id or name.");
	if (json_get_string(ref, "id", false, &did, err) != 0 ||
	    json_get_string(ref, "name", false, &dname, err) != 0)
		return -1;
	if (did)
		return lookup_by(a, SQL_DOMAIN_BY_ID, did, NULL, id, err);
	if (dname)
		return lookup_by(a, SQL_DOMAIN_BY_NAME, dname, NULL, id, err);
	return api_fail(err, API_BAD_REQUEST, "Expecting to find domain id or name.");
}

/* A user reference: {"id"} or {"name", "domain"}. Fills the statement
 * that finds it (bound, not stepped). */
static int user_query(json_t *user, sqlite3_stmt **out, struct api_error *err)
{
	const char *id = NULL, *name = NULL;
	json_t *domain = NULL;
	if (json_get_string(user, "id", false, &id, err) != 0 ||
	    json_get_string(user, "name", false, &name, err) != 0 ||
	    json_get_object(user, "domain", false, &domain, err) != 0)
		return -1;
	sqlite3_stmt *q;
	if (id) {
		q = db_stmt(SQL_USER_BY_ID, err);
		if (!q)
			return -1;
		db_bind_text(q, 1, id);
	} else if (name) {
		if (!domain)
			return api_fail(err, API_BAD_REQUEST,
			                "Expecting to find domain in user. The server could not "
			                "comply with the request since it is either malformed or "
			                "otherwise incorrect.");
		const char *did = NULL, *dname = NULL;
		if (json_get_string(domain, "id", false, &did, err) != 0 ||
		    json_get_string(domain, "name", false, &dname, err) != 0)
			return -1;
		if (!did && !dname)
			return api_fail(err, API_BAD_REQUEST,
			                "Expecting to find domain id or name in user.");
		q = db_stmt(did ? SQL_USER_BY_NAME_DID : SQL_USER_BY_NAME_DNAME, err);
		if (!q)
			return -1;
		db_bind_text(q, 1, name);
		db_bind_text(q, 2, did ? did : dname);
	} else {
		return api_fail(err, API_BAD_REQUEST, "Expecting to find user id or name.");
	}
	*out = q;
	return 0;
}

static int by_password(struct arena *a, json_t *method, const char **user_id, struct api_error *err)
{
	json_t *user;
	const char *password;
	if (json_get_object(method, "user", true, &user, err) != 0 ||
	    json_get_string(user, "password", true, &password, err) != 0)
		return -1;
	sqlite3_stmt *q;
	if (user_query(user, &q, err) != 0)
		return -1;
	const char *id = NULL, *hash = NULL;
	bool enabled = false;
	int rc = db_step(q, err);
	if (rc == SQLITE_ROW) {
		id = arena_strdup(a, db_column_text(q, 0));
		hash = arena_strdup(a, db_column_text(q, 1));
		enabled = sqlite3_column_int(q, 2) != 0;
	}
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	if (!hash) {
		identity_password_dummy(password);
		return api_fail(err, API_UNAUTHORIZED, unauthorized);
	}
	if (!identity_password_verify(hash, password) || !enabled)
		return api_fail(err, API_UNAUTHORIZED, unauthorized);
	*user_id = id;
	return 0;
}

static int by_app_cred(struct arena *a, json_t *method, const char **user_id,
                       const char **app_cred_id, const char **project_id, struct api_error *err)
{
	const char *id = NULL, *name = NULL, *secret;
	json_t *user = NULL;
	if (json_get_string(method, "id", false, &id, err) != 0 ||
	    json_get_string(method, "name", false, &name, err) != 0 ||
	    json_get_string(method, "secret", true, &secret, err) != 0 ||
	    json_get_object(method, "user", false, &user, err) != 0)
		return -1;
	sqlite3_stmt *q;
	if (id) {
		q = db_stmt(SQL_APP_CRED_BY_ID, err);
		if (!q)
			return -1;
		db_bind_text(q, 1, id);
	} else {
		if (!name || !user)
			return api_fail(err, API_BAD_REQUEST,
			                "Expecting to find the application credential id, or its "
			                "name and user.");
		sqlite3_stmt *uq;
		if (user_query(user, &uq, err) != 0)
			return -1;
		const char *uid = NULL;
		if (lookup_one(a, uq, &uid, err) != 0)
			return -1;
		q = db_stmt(SQL_APP_CRED_BY_NAME, err);
		if (!q)
			return -1;
		db_bind_text(q, 1, name);
		db_bind_text(q, 2, uid ? uid : "");
	}
	const char *hash = NULL;
	bool expired = false;
	int rc = db_step(q, err);
	if (rc == SQLITE_ROW) {
		*app_cred_id = arena_strdup(a, db_column_text(q, 0));
		*user_id = arena_strdup(a, db_column_text(q, 1));
		hash = arena_strdup(a, db_column_text(q, 2));
		expired = sqlite3_column_type(q, 3) != SQLITE_NULL &&
		          sqlite3_column_double(q, 3) <= ids_now();
		*project_id = arena_strdup(a, db_column_text(q, 4));
	}
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	if (!hash) {
		identity_password_dummy(secret);
		return api_fail(err, API_UNAUTHORIZED, unauthorized);
	}
	if (!identity_password_verify(hash, secret) || expired)
		return api_fail(err, API_UNAUTHORIZED, unauthorized);
	return 0;
}

/* The scope object of the request into t->scope / t->scope_id. */
static int parse_scope(struct arena *a, json_t *scope, struct identity_token *t,
                       struct api_error *err)
{
	if (json_is_string(scope) && !strcmp(json_string_value(scope), "unscoped")) {
		t->scope = 'u';
		t->scope_id = "";
		return 0;
	}
	if (!json_is_object(scope))
		return api_fail(err, API_BAD_REQUEST, "Invalid input for field 'scope'.");
	json_t *project = json_object_get(scope, "project");
	json_t *domain = json_object_get(scope, "domain");
	json_t *system = json_object_get(scope, "system");
	if (json_object_get(scope, "OS-TRUST:trust"))
		return api_fail(err, API_NOT_IMPLEMENTED, "Trusts are not implemented.");
	if (!!project + !!domain + !!system != 1)
		return api_fail(err, API_BAD_REQUEST,
		                "Exactly one of project, domain or system must be given as the "
		                "scope.");
	const char *id = NULL;
	if (project) {
		if (!json_is_object(project))
			return api_fail(err, API_BAD_REQUEST, "Invalid input for field 'project'.");
		const char *pid = NULL, *pname = NULL;
		if (json_get_string(project, "id", false, &pid, err) != 0 ||
		    json_get_string(project, "name", false, &pname, err) != 0)
			return -1;
		if (pid) {
			if (lookup_by(a, SQL_PROJECT_BY_ID, pid, NULL, &id, err) != 0)
				return -1;
		} else if (pname) {
			json_t *dref = json_object_get(project, "domain");
			if (!dref)
				return api_fail(err, API_BAD_REQUEST,
				                "Expecting to find domain in project.");
			const char *did = NULL, *dname = NULL;
			if (!json_is_object(dref) ||
			    json_get_string(dref, "id", false, &did, err) != 0 ||
			    json_get_string(dref, "name", false, &dname, err) != 0)
				return err->kind ? -1
				                 : api_fail(err, API_BAD_REQUEST,
				                            "Invalid input for field 'domain'.");
			if (!did && !dname)
				return api_fail(err, API_BAD_REQUEST,
				                "Expecting to find domain id or name in project.");
			if (lookup_by(a, did ? SQL_PROJECT_BY_NAME_DID : SQL_PROJECT_BY_NAME_DNAME,
			              pname, did ? did : dname, &id, err) != 0)
				return -1;
		} else {
			return api_fail(err, API_BAD_REQUEST,
			                "Expecting to find project id or name.");
		}
		t->scope = 'p';
	} else if (domain) {
		if (domain_ref(a, domain, &id, err) != 0)
			return -1;
		t->scope = 'd';
	} else {
		bool all = false;
		if (!json_is_object(system) || json_get_bool(system, "all", true, &all, err) != 0)
			return err->kind ? -1
			                 : api_fail(err, API_BAD_REQUEST,
			                            "Invalid input for field 'system'.");
		if (!all)
			return api_fail(err, API_BAD_REQUEST,
			                "Only the system scope 'all' exists.");
		t->scope = 's';
		id = "all";
	}
	if (!id)
		return api_fail(err, API_UNAUTHORIZED, unauthorized);
	t->scope_id = id;
	return 0;
}

/* Runs each method; they must all name the same user. */
static int run_methods(struct identity_state *st, struct http_request *req, json_t *identity,
                       struct identity_token *t, const struct identity_auth **from_token,
                       const char **app_cred_project, struct api_error *err)
{
	json_t *methods;
	if (json_get_array(identity, "methods", true, &methods, err) != 0)
		return -1;
	if (json_array_size(methods) == 0)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field 'methods': [] is "
		                "too short.");
	size_t i;
	json_t *m;
	json_array_foreach(methods, i, m)
	{
		if (!json_is_string(m))
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field 'methods': expected strings.");
		const char *name = json_string_value(m);
		json_t *data = NULL;
		if (json_get_object(identity, name, true, &data, err) != 0)
			return -1;
		const char *uid = NULL;
		if (!strcmp(name, "password")) {
			if (by_password(req->arena, data, &uid, err) != 0)
				return -1;
			t->methods |= IDENTITY_METHOD_PASSWORD;
		} else if (!strcmp(name, "token")) {
			const char *tid;
			struct identity_auth *src;
			if (json_get_string(data, "id", true, &tid, err) != 0)
				return -1;
			if (identity_validate(st, req->arena, tid, &src, err) != 0)
				return -1;
			if (src->app_cred_id)
				return api_fail(err, API_FORBIDDEN,
				                "Tokens made from an application credential cannot "
				                "be rescoped.");
			uid = src->user_id;
			t->methods |= IDENTITY_METHOD_TOKEN | src->methods;
			*from_token = src;
		} else if (!strcmp(name, "application_credential")) {
			const char *acid = NULL;
			if (by_app_cred(req->arena, data, &uid, &acid, app_cred_project, err) != 0)
				return -1;
			t->methods |= IDENTITY_METHOD_APP_CRED;
			t->app_cred_id = acid;
		} else {
			return api_fail(err, API_UNAUTHORIZED,
			                "Attempted to authenticate with an unsupported method.");
		}
		if (t->user_id && strcmp(t->user_id, uid) != 0)
			return api_fail(err, API_UNAUTHORIZED, unauthorized);
		t->user_id = uid;
	}
	return 0;
}

/* No scope asked: the user's default project if it gives a role, else
 * unscoped (Keystone does the same). */
static int default_scope(struct identity_state *st, struct http_request *req,
                         struct identity_token *t, struct api_error *err)
{
	const char *pid = NULL;
	t->scope = 'u';
	t->scope_id = "";
	if (lookup_by(req->arena, SQL_DEFAULT_PROJECT, t->user_id, NULL, &pid, err) != 0)
		return -1;
	if (!pid)
		return 0;
	struct identity_token try = *t;
	try.scope = 'p';
	try.scope_id = pid;
	struct identity_auth *auth;
	struct api_error ignored = {0};
	if (identity_issue(st, req->arena, &try, &auth, &ignored) == 0)
		*t = try;
	return 0;
}

int identity_post_tokens(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	struct identity_state *st = req->ctx;
	json_t *body, *auth_obj, *identity;
	if (http_body_json(req, &body, err) != 0 ||
	    json_get_object(body, "auth", true, &auth_obj, err) != 0 ||
	    json_get_object(auth_obj, "identity", true, &identity, err) != 0)
		return -1;
	json_t *scope = json_object_get(auth_obj, "scope");

	char audit[23];
	identity_audit_id(audit);
	struct identity_token t = {0};
	t.issued_at = ids_now();
	t.expires_at = t.issued_at + (double)st->token_ttl;
	t.audit_id = audit;
	const struct identity_auth *src = NULL;
	const char *app_cred_project = NULL;
	if (run_methods(st, req, identity, &t, &src, &app_cred_project, err) != 0)
		return -1;
	if (src) {
		/* A rescoped token lives no longer than its source and shares
		 * its audit chain. */
		if (src->expires_at < t.expires_at)
			t.expires_at = src->expires_at;
		t.parent_audit_id = src->parent_audit_id ? src->parent_audit_id : src->audit_id;
	}
	if (t.app_cred_id) {
		if (scope)
			return api_fail(err, API_UNAUTHORIZED,
			                "Application credentials cannot request a scope.");
		t.scope = 'p';
		t.scope_id = app_cred_project;
	} else if (scope) {
		if (parse_scope(req->arena, scope, &t, err) != 0)
			return -1;
	} else if (default_scope(st, req, &t, err) != 0) {
		return -1;
	}

	struct identity_auth *auth;
	if (identity_issue(st, req->arena, &t, &auth, err) != 0)
		return -1;
	bool catalog = !http_query_has(req, "nocatalog");
	json_t *out = identity_token_body(st, auth, catalog, err);
	if (!out)
		return -1;
	http_header_set(resp, "X-Subject-Token", auth->token_id);
	http_reply_json(resp, 201, out);
	return 0;
}
