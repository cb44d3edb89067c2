/* The token routes besides issuing: validate (GET), check (HEAD) and revoke
 * (DELETE) the token named by X-Subject-Token, and what a token lets its
 * holder see: /v3/auth/catalog, /projects, /domains, /system. */
#include <string.h>

#include "identity/resources.h"

static const char SQL_USER_DOMAINS[] =
    "WITH grp(id) AS (SELECT group_id FROM identity_group_members WHERE user_id = ?1) "
    "SELECT d.id, d.name, d.description, d.enabled FROM identity_domains d WHERE "
    "d.enabled = 1 AND d.id IN (SELECT target_id FROM identity_assignments WHERE "
    "(type = 'UserDomain' AND actor_id = ?1) OR (type = 'GroupDomain' AND actor_id IN "
    "(SELECT id FROM grp))) ORDER BY d.name";
static const char SQL_USER_SYSTEM[] =
    "SELECT 1 FROM identity_assignments WHERE target_id = 'system' AND ((type = "
    "'UserSystem' AND actor_id = ?1) OR (type = 'GroupSystem' AND actor_id IN (SELECT "
    "group_id FROM identity_group_members WHERE user_id = ?1))) LIMIT 1";

/* The subject token, validated; 404 when it is not valid, 403 when the
 * caller may not see it (Keystone: admin, service, or the token's user). */
static int subject(struct http_request *req, struct identity_auth **out, struct api_error *err)
{
	struct identity_state *st = req->ctx;
	const char *tok = http_header(req, "X-Subject-Token");
	if (!tok)
		return api_fail(err, API_NOT_FOUND,
		                "Could not find token: X-Subject-Token is "
		                "missing.");
	struct api_error verr = {0};
	if (identity_validate(st, req->arena, tok, out, &verr) != 0) {
		if (verr.kind != API_UNAUTHORIZED) {
			*err = verr;
			return -1;
		}
		return api_fail(err, API_NOT_FOUND, "Failed to validate token");
	}
	const struct identity_auth *caller = identity_auth_of(req);
	if (!identity_auth_is_admin(caller) && !identity_auth_has_role(caller, "service") &&
	    strcmp(caller->user_id, (*out)->user_id) != 0)
		return api_fail(err, API_FORBIDDEN,
		                "You are not authorized to perform the requested action: "
		                "identity:validate_token.");
	return 0;
}

int identity_get_token(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	struct identity_auth *auth;
	if (subject(req, &auth, err) != 0)
		return -1;
	char *text;
	size_t len;
	if (identity_token_body_text(req->ctx, req->arena, auth, !http_query_has(req, "nocatalog"),
	                             &text, &len, err) != 0)
		return -1;
	http_header_set(resp, "X-Subject-Token", auth->token_id);
	http_reply_text(resp, 200, "application/json", text, len);
	return 0;
}

int identity_head_token(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	struct identity_auth *auth;
	if (subject(req, &auth, err) != 0)
		return -1;
	http_header_set(resp, "X-Subject-Token", auth->token_id);
	http_reply_empty(resp, 200);
	return 0;
}

int identity_delete_token(struct http_request *req, struct http_response *resp,
                          struct api_error *err)
{
	struct identity_auth *auth;
	if (subject(req, &auth, err) != 0)
		return -1;
	if (identity_revoke(req->ctx, auth->audit_id, NULL, NULL, NULL, NULL, NULL, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

int identity_get_auth_catalog(struct http_request *req, struct http_response *resp,
                              struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	json_t *cat = identity_catalog(req->ctx, auth->project_id, err);
	if (!cat)
		return -1;
	http_reply_json(resp, 200,
	                json_pack("{s:o,s:o}", "catalog", cat, "links",
	                          identity_collection_links(req->ctx, req)));
	return 0;
}

int identity_get_auth_projects(struct http_request *req, struct http_response *resp,
                               struct api_error *err)
{
	json_t *list;
	if (identity_user_projects(req, identity_auth_of(req)->user_id, &list, err) != 0)
		return -1;
	http_reply_json(resp, 200,
	                json_pack("{s:o,s:o}", "projects", list, "links",
	                          identity_collection_links(req->ctx, req)));
	return 0;
}

int identity_get_auth_domains(struct http_request *req, struct http_response *resp,
                              struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_USER_DOMAINS, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, identity_auth_of(req)->user_id);
	json_t *list = json_array();
	int rc;
	while ((rc = db_step(q, err)) == SQLITE_ROW) {
		const char *id = db_column_text(q, 0);
		json_array_append_new(
		    list, json_pack("{s:s,s:s,s:s,s:b,s:o,s:{}}", "id", id, "name",
		                    db_column_text(q, 1), "description", db_column_text(q, 2),
		                    "enabled", sqlite3_column_int(q, 3), "links",
		                    identity_links(req->ctx, "domains", id), "options"));
	}
	sqlite3_reset(q);
	if (rc < 0) {
		json_decref(list);
		return -1;
	}
	http_reply_json(resp, 200,
	                json_pack("{s:o,s:o}", "domains", list, "links",
	                          identity_collection_links(req->ctx, req)));
	return 0;
}

int identity_get_auth_system(struct http_request *req, struct http_response *resp,
                             struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_USER_SYSTEM, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, identity_auth_of(req)->user_id);
	int rc = db_step(q, err);
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	json_t *sys = json_array();
	if (rc == SQLITE_ROW)
		json_array_append_new(sys, json_pack("{s:b}", "all", 1));
	http_reply_json(resp, 200,
	                json_pack("{s:o,s:o}", "system", sys, "links",
	                          identity_collection_links(req->ctx, req)));
	return 0;
}
