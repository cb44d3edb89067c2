/* /v3/roles: create, list (name, domain_id filters), show, update, delete;
 * implied roles (/v3/roles/{prior}/implies/{implied}, /v3/role_inferences).
 * As in Keystone, `admin` may not be implied by another role. */
#include <string.h>

#include "core/ids.h"
#include "core/json.h"
#include "identity/resources.h"

#define COLS "r.id, r.name, r.domain_id, r.description, r.extra"
static const char SQL_LIST[] =
    "SELECT " COLS " FROM identity_roles r WHERE (?1 IS NULL OR r.name = ?1) AND "
    "r.domain_id = coalesce(?2, '') ORDER BY r.name";
static const char SQL_GET[] = "SELECT " COLS " FROM identity_roles r WHERE r.id = ?";
static const char SQL_EXISTS[] = "SELECT 1 FROM identity_roles WHERE id = ?";
static const char SQL_DOMAIN_EXISTS[] = "SELECT 1 FROM identity_domains WHERE id = ?";
static const char SQL_INSERT[] = "INSERT INTO identity_roles(id, name, domain_id, description, "
                                 "extra) VALUES(?, ?, ?, ?, ?)";
static const char SQL_UPDATE[] =
    "UPDATE identity_roles SET name = coalesce(?2, name), description = CASE WHEN ?3 THEN "
    "?4 ELSE description END WHERE id = ?1";
static const char SQL_DELETE[] = "DELETE FROM identity_roles WHERE id = ?";
static const char SQL_ADD_IMPLIED[] = "INSERT OR IGNORE INTO identity_implied_roles("
                                      "prior_role_id, implied_role_id) VALUES(?, ?)";
static const char SQL_IS_IMPLIED[] = "SELECT 1 FROM identity_implied_roles WHERE "
                                     "prior_role_id = ? AND implied_role_id = ?";
static const char SQL_DEL_IMPLIED[] = "DELETE FROM identity_implied_roles WHERE "
                                      "prior_role_id = ? AND implied_role_id = ?";
static const char SQL_IMPLIES[] =
    "SELECT " COLS " FROM identity_roles r JOIN identity_implied_roles i ON "
    "i.implied_role_id = r.id WHERE i.prior_role_id = ? ORDER BY r.name";
static const char SQL_GLOBAL_ROLE[] = "SELECT 1 FROM identity_roles WHERE id = ? AND "
                                      "domain_id = ''";
static const char SQL_DOMAIN_ROLE[] = "SELECT 1 FROM identity_roles WHERE id = ? AND "
                                      "domain_id != ''";
static const char SQL_PRIORS[] =
    "SELECT DISTINCT prior_role_id FROM identity_implied_roles ORDER BY prior_role_id";

static const char *const known[] = {"name", "domain_id", "description", "options",
                                    "id",   "links",     NULL};

json_t *identity_role_row(struct identity_state *st, sqlite3_stmt *q)
{
	const char *id = db_column_text(q, 0);
	const char *dom = db_column_text(q, 2);
	json_t *r =
	    json_pack("{s:s,s:s,s:o,s:o,s:o,s:{}}", "id", id, "name", db_column_text(q, 1),
	              "domain_id", dom && *dom ? json_string(dom) : json_null(), "description",
	              identity_col_json(q, 3), "links", identity_links(st, "roles", id), "options");
	identity_merge_extra(r, db_column_text(q, 4));
	return r;
}

/* {"id", "name", "links"}: a role as inferences show it. */
static json_t *role_ref(struct identity_state *st, sqlite3_stmt *q)
{
	const char *id = db_column_text(q, 0);
	return json_pack("{s:s,s:s,s:o}", "id", id, "name", db_column_text(q, 1), "links",
	                 identity_links(st, "roles", id));
}

static int reply_role(struct http_request *req, struct http_response *resp, int status,
                      const char *id, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_GET, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	return identity_reply_one(req, resp, status, "role", q, identity_role_row, "role", id, err);
}

int identity_list_roles(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_LIST, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, http_query(req, "name"));
	db_bind_text(q, 2, http_query(req, "domain_id"));
	return identity_reply_list(req, resp, "roles", q, identity_role_row, err);
}

int identity_get_role(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	return reply_role(req, resp, 200, http_param(req, "role_id"), err);
}

int identity_create_role(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	json_t *r;
	const char *name = NULL, *desc = NULL, *domain_id = NULL;
	bool has_desc, has_domain;
	if (identity_body_object(req, "role", &r, err) != 0 ||
	    json_get_string(r, "name", true, &name, err) != 0 ||
	    identity_check_name("name", name, err) != 0 ||
	    identity_optional_string(r, "description", &desc, &has_desc, err) != 0 ||
	    identity_optional_string(r, "domain_id", &domain_id, &has_domain, err) != 0)
		return -1;
	if (domain_id) {
		bool found;
		if (identity_exists(SQL_DOMAIN_EXISTS, domain_id, &found, err) != 0)
			return -1;
		if (!found)
			return api_fail(err, API_BAD_REQUEST, "Could not find domain: %s.",
			                domain_id);
	}
	char id[33];
	ids_hex32(id);
	sqlite3_stmt *q = db_stmt(SQL_INSERT, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, name);
	db_bind_text(q, 3, domain_id ? domain_id : "");
	db_bind_text(q, 4, desc);
	db_bind_text(q, 5, identity_extra_of(req->arena, r, known));
	char *conflict = arena_printf(req->arena,
	                              "Conflict occurred attempting to store role - Duplicate "
	                              "entry found with name %s.",
	                              name);
	if (identity_run(q, conflict, err) != 0)
		return -1;
	return reply_role(req, resp, 201, id, err);
}

int identity_update_role(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	const char *id = http_param(req, "role_id");
	json_t *r;
	const char *name = NULL, *desc = NULL;
	bool has_desc;
	if (identity_body_object(req, "role", &r, err) != 0 ||
	    json_get_string(r, "name", false, &name, err) != 0 ||
	    (name && identity_check_name("name", name, err) != 0) ||
	    identity_optional_string(r, "description", &desc, &has_desc, err) != 0)
		return -1;
	if (json_object_get(r, "domain_id"))
		return api_fail(err, API_BAD_REQUEST, "Cannot change the domain of a role.");
	if (identity_require(SQL_EXISTS, id, "role", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_UPDATE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, name);
	sqlite3_bind_int(q, 3, has_desc);
	db_bind_text(q, 4, desc);
	char *conflict = arena_printf(req->arena,
	                              "Conflict occurred attempting to update role - Duplicate "
	                              "entry found with name %s.",
	                              name ? name : "");
	if (identity_run(q, conflict, err) != 0)
		return -1;
	return reply_role(req, resp, 200, id, err);
}

int identity_delete_role(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	const char *id = http_param(req, "role_id");
	if (identity_require(SQL_EXISTS, id, "role", err) != 0)
		return -1;
	/* Assignments and inferences go with it (ON DELETE CASCADE); every
	 * token is re-resolved after the write. */
	sqlite3_stmt *q = db_stmt(SQL_DELETE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

/* ---- implied roles ---- */

static int fetch_ref(struct identity_state *st, const char *id, json_t **out, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_GET, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	return identity_fetch(st, q, role_ref, "role", id, out, err);
}

static int inference(struct http_request *req, json_t **prior, json_t **implied,
                     struct api_error *err)
{
	const char *p = http_param(req, "prior_role_id"), *i = http_param(req, "implied_role_id");
	if (fetch_ref(req->ctx, p, prior, err) != 0)
		return -1;
	if (fetch_ref(req->ctx, i, implied, err) != 0) {
		json_decref(*prior);
		return -1;
	}
	return 0;
}

static int reply_inference(struct http_request *req, struct http_response *resp, int status,
                           json_t *prior, json_t *implied)
{
	struct identity_state *st = req->ctx;
	char *self =
	    arena_printf(req->arena, "%s/v3/roles/%s/implies/%s", st->auth_url,
	                 http_param(req, "prior_role_id"), http_param(req, "implied_role_id"));
	http_reply_json(resp, status,
	                json_pack("{s:{s:o,s:o},s:{s:s}}", "role_inference", "prior_role", prior,
	                          "implies", implied, "links", "self", self));
	return 0;
}

static int is_implied(const char *p, const char *i, bool *out, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_IS_IMPLIED, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, p);
	db_bind_text(q, 2, i);
	int rc = db_step(q, err);
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	*out = rc == SQLITE_ROW;
	return 0;
}

int identity_put_implied_role(struct http_request *req, struct http_response *resp,
                              struct api_error *err)
{
	json_t *prior, *implied;
	if (inference(req, &prior, &implied, err) != 0)
		return -1;
	if (!strcmp(json_string_value(json_object_get(implied, "name")), "admin")) {
		json_decref(prior);
		json_decref(implied);
		return api_fail(err, API_FORBIDDEN, "admin may not be an implied role.");
	}
	bool prior_global, implied_domain;
	if (identity_exists(SQL_GLOBAL_ROLE, http_param(req, "prior_role_id"), &prior_global,
	                    err) != 0 ||
	    identity_exists(SQL_DOMAIN_ROLE, http_param(req, "implied_role_id"), &implied_domain,
	                    err) != 0) {
		json_decref(prior);
		json_decref(implied);
		return -1;
	}
	if (prior_global && implied_domain) {
		json_decref(prior);
		json_decref(implied);
		return api_fail(err, API_FORBIDDEN,
		                "A global role cannot imply a domain-specific role.");
	}
	sqlite3_stmt *q = db_stmt(SQL_ADD_IMPLIED, err);
	if (!q ||
	    (db_bind_text(q, 1, http_param(req, "prior_role_id")),
	     db_bind_text(q, 2, http_param(req, "implied_role_id")), db_exec_stmt(q, err) != 0)) {
		json_decref(prior);
		json_decref(implied);
		return -1;
	}
	return reply_inference(req, resp, 201, prior, implied);
}

/* GET (200 with the body) and HEAD (204) of one inference. */
static int one_inference(struct http_request *req, struct http_response *resp, bool head,
                         struct api_error *err)
{
	json_t *prior, *implied;
	if (inference(req, &prior, &implied, err) != 0)
		return -1;
	bool found;
	if (is_implied(http_param(req, "prior_role_id"), http_param(req, "implied_role_id"), &found,
	               err) != 0 ||
	    !found) {
		json_decref(prior);
		json_decref(implied);
		return found ? -1
		             : api_fail(err, API_NOT_FOUND, "%s does not imply %s.",
		                        http_param(req, "prior_role_id"),
		                        http_param(req, "implied_role_id"));
	}
	if (head) {
		json_decref(prior);
		json_decref(implied);
		http_reply_empty(resp, 204);
		return 0;
	}
	return reply_inference(req, resp, 200, prior, implied);
}

int identity_get_implied_role(struct http_request *req, struct http_response *resp,
                              struct api_error *err)
{
	return one_inference(req, resp, false, err);
}

int identity_check_implied_role(struct http_request *req, struct http_response *resp,
                                struct api_error *err)
{
	return one_inference(req, resp, true, err);
}

int identity_delete_implied_role(struct http_request *req, struct http_response *resp,
                                 struct api_error *err)
{
	if (identity_check_implied_role(req, resp, err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_DEL_IMPLIED, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, http_param(req, "prior_role_id"));
	db_bind_text(q, 2, http_param(req, "implied_role_id"));
	if (db_exec_stmt(q, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

/* {"prior_role": ref, "implies": [refs]} for one prior role. */
static int prior_doc(struct identity_state *st, const char *prior_id, json_t **out,
                     struct api_error *err)
{
	json_t *prior, *implies;
	if (fetch_ref(st, prior_id, &prior, err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_IMPLIES, err);
	if (!q) {
		json_decref(prior);
		return -1;
	}
	db_bind_text(q, 1, prior_id);
	if (identity_collect(st, q, role_ref, &implies, err) != 0) {
		json_decref(prior);
		return -1;
	}
	*out = json_pack("{s:o,s:o}", "prior_role", prior, "implies", implies);
	return 0;
}

int identity_list_implied_roles(struct http_request *req, struct http_response *resp,
                                struct api_error *err)
{
	json_t *doc;
	if (prior_doc(req->ctx, http_param(req, "prior_role_id"), &doc, err) != 0)
		return -1;
	http_reply_json(resp, 200,
	                json_pack("{s:o,s:o}", "role_inference", doc, "links",
	                          identity_collection_links(req->ctx, req)));
	return 0;
}

int identity_list_role_inferences(struct http_request *req, struct http_response *resp,
                                  struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_PRIORS, err);
	if (!q)
		return -1;
	json_t *ids = json_array();
	int rc;
	while ((rc = db_step(q, err)) == SQLITE_ROW)
		json_array_append_new(ids, json_string(db_column_text(q, 0)));
	sqlite3_reset(q);
	json_t *list = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v)
	{
		json_t *doc;
		if (rc < 0 || prior_doc(req->ctx, json_string_value(v), &doc, err) != 0) {
			rc = -1;
			break;
		}
		json_array_append_new(list, doc);
	}
	json_decref(ids);
	if (rc < 0) {
		json_decref(list);
		return -1;
	}
	http_reply_json(resp, 200,
	                json_pack("{s:o,s:o}", "role_inferences", list, "links",
	                          identity_collection_links(req->ctx, req)));
	return 0;
}
