/* /v3/domains: create, list (name, enabled filters), show, update, delete.
 * Deleting a domain (it must be disabled first, as in Keystone) deletes
 * its projects, users, groups, domain roles and their assignments. */
#include <string.h>

#include "core/ids.h"
#include "core/json.h"
#include "identity/resources.h"

#define COLS "id, name, description, enabled"
static const char SQL_LIST[] = "SELECT " COLS " FROM identity_domains WHERE "
                               "(?1 IS NULL OR name = ?1) AND (?2 IS NULL OR enabled = ?2) "
                               "ORDER BY name";
static const char SQL_GET[] = "SELECT " COLS " FROM identity_domains WHERE id = ?";
static const char SQL_INSERT[] =
    "INSERT INTO identity_domains(id, name, description, enabled) VALUES(?, ?, ?, ?)";
static const char SQL_UPDATE[] =
    "UPDATE identity_domains SET name = coalesce(?2, name), description = "
    "CASE WHEN ?3 THEN coalesce(?4, '') ELSE description END, enabled = "
    "coalesce(?5, enabled) WHERE id = ?1";
static const char SQL_ENABLED[] = "SELECT enabled FROM identity_domains WHERE id = ?";
static const char SQL_DELETE_ASSIGNMENTS[] =
    "DELETE FROM identity_assignments WHERE target_id = ?1 OR target_id IN (SELECT id FROM "
    "identity_projects WHERE domain_id = ?1) OR actor_id IN (SELECT id FROM identity_users "
    "WHERE domain_id = ?1) OR actor_id IN (SELECT id FROM identity_groups WHERE domain_id "
    "= ?1) OR role_id IN (SELECT id FROM identity_roles WHERE domain_id = ?1)";
static const char SQL_DELETE_PROJECTS[] = "DELETE FROM identity_projects WHERE domain_id = ?";
static const char SQL_DELETE_USERS[] = "DELETE FROM identity_users WHERE domain_id = ?";
static const char SQL_DELETE_GROUPS[] = "DELETE FROM identity_groups WHERE domain_id = ?";
static const char SQL_DELETE_ROLES[] = "DELETE FROM identity_roles WHERE domain_id = ?";
static const char SQL_DELETE[] = "DELETE FROM identity_domains WHERE id = ?";

static json_t *row(struct identity_state *st, sqlite3_stmt *q)
{
	const char *id = db_column_text(q, 0);
	return json_pack("{s:s,s:s,s:s,s:b,s:o,s:[],s:{}}", "id", id, "name", db_column_text(q, 1),
	                 "description", db_column_text(q, 2), "enabled", sqlite3_column_int(q, 3),
	                 "links", identity_links(st, "domains", id), "tags", "options");
}

static int reply_domain(struct http_request *req, struct http_response *resp, int status,
                        const char *id, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_GET, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	return identity_reply_one(req, resp, status, "domain", q, row, "domain", id, err);
}

int identity_list_domains(struct http_request *req, struct http_response *resp,
                          struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_LIST, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, http_query(req, "name"));
	const char *en = http_query(req, "enabled");
	if (en)
		sqlite3_bind_int(q, 2, identity_query_bool(en));
	return identity_reply_list(req, resp, "domains", q, row, err);
}

int identity_get_domain(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	return reply_domain(req, resp, 200, http_param(req, "domain_id"), err);
}

/* Fields shared by create and update; *has_desc says description was given. */
static int fields(json_t *d, const char **name, const char **desc, bool *has_desc, int *enabled,
                  struct api_error *err)
{
	bool en = true;
	*enabled = -1;
	if (json_get_string(d, "name", false, name, err) != 0 ||
	    identity_optional_string(d, "description", desc, has_desc, err) != 0)
		return -1;
	if (json_object_get(d, "enabled")) {
		if (json_get_bool(d, "enabled", true, &en, err) != 0)
			return -1;
		*enabled = en;
	}
	if (*name && identity_check_name_max("name", *name, IDENTITY_SHORT_NAME_MAX, err) != 0)
		return -1;
	return 0;
}

int identity_create_domain(struct http_request *req, struct http_response *resp,
                           struct api_error *err)
{
	json_t *d;
	const char *name = NULL, *desc = NULL, *explicit_id = NULL;
	bool has_desc;
	int enabled;
	if (identity_body_object(req, "domain", &d, err) != 0 ||
	    fields(d, &name, &desc, &has_desc, &enabled, err) != 0 ||
	    json_get_string(d, "explicit_domain_id", false, &explicit_id, err) != 0)
		return -1;
	if (!name)
		return api_fail(err, API_BAD_REQUEST, "'name' is a required property");
	char id[33];
	ids_hex32(id);
	sqlite3_stmt *q = db_stmt(SQL_INSERT, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, explicit_id ? explicit_id : id);
	db_bind_text(q, 2, name);
	db_bind_text(q, 3, desc ? desc : "");
	sqlite3_bind_int(q, 4, enabled != 0);
	char *conflict = arena_printf(req->arena,
	                              "Conflict occurred attempting to store domain - Duplicate "
	                              "entry found with name %s.",
	                              name);
	if (identity_run(q, conflict, err) != 0)
		return -1;
	return reply_domain(req, resp, 201, explicit_id ? explicit_id : id, err);
}

int identity_update_domain(struct http_request *req, struct http_response *resp,
                           struct api_error *err)
{
	const char *id = http_param(req, "domain_id");
	json_t *d;
	const char *name = NULL, *desc = NULL;
	bool has_desc;
	int enabled;
	if (identity_body_object(req, "domain", &d, err) != 0 ||
	    fields(d, &name, &desc, &has_desc, &enabled, err) != 0)
		return -1;
	json_t *idv = json_object_get(d, "id");
	if (idv && (!json_is_string(idv) || strcmp(json_string_value(idv), id) != 0))
		return api_fail(err, API_BAD_REQUEST, "Cannot change the domain ID.");
	if (identity_require(SQL_GET, id, "domain", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_UPDATE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, name);
	sqlite3_bind_int(q, 3, has_desc);
	db_bind_text(q, 4, desc);
	if (enabled >= 0)
		sqlite3_bind_int(q, 5, enabled);
	char *conflict = arena_printf(req->arena,
	                              "Conflict occurred attempting to update domain "
	                              "- Duplicate entry found with name %s.",
	                              name ? name : "");
	if (identity_run(q, conflict, err) != 0)
		return -1;
	if (enabled == 0 && identity_revoke(req->ctx, NULL, NULL, NULL, id, NULL, NULL, err) != 0)
		return -1;
	return reply_domain(req, resp, 200, id, err);
}

int identity_delete_domain(struct http_request *req, struct http_response *resp,
                           struct api_error *err)
{
	const char *id = http_param(req, "domain_id");
	sqlite3_stmt *q = db_stmt(SQL_ENABLED, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	int rc = db_step(q, err);
	int enabled = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	if (enabled < 0)
		return api_fail(err, API_NOT_FOUND, "Could not find domain: %s.", id);
	if (enabled)
		return api_fail(err, API_FORBIDDEN,
		                "Cannot delete a domain that is enabled, please disable it first.");
	static const char *const steps[] = {SQL_DELETE_ASSIGNMENTS, SQL_DELETE_PROJECTS,
	                                    SQL_DELETE_USERS,       SQL_DELETE_GROUPS,
	                                    SQL_DELETE_ROLES,       SQL_DELETE};
	if (db_begin(err) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		q = db_stmt(steps[i], err);
		if (!q)
			goto fail;
		db_bind_text(q, 1, id);
		if (db_exec_stmt(q, err) != 0)
			goto fail;
	}
	if (identity_revoke(req->ctx, NULL, NULL, NULL, id, NULL, NULL, err) != 0 ||
	    db_commit(err) != 0)
		goto fail;
	http_reply_empty(resp, 204);
	return 0;
fail:
	db_rollback();
	return -1;
}
