/* /v3/projects: create (with parent and tags), list (name, domain_id,
 * enabled, parent_id, is_domain, tags filters), show, update, delete (not
 * while it has children), and the tag routes. /v3/users/{id}/projects. */
#include <string.h>

#include "core/ids.h"
#include "core/json.h"
#include "identity/resources.h"

#define SEL "SELECT " IDENTITY_PROJECT_COLS " FROM identity_projects p "
static const char SQL_LIST[] =
    SEL "WHERE (?1 IS NULL OR p.name = ?1) AND (?2 IS NULL OR p.domain_id = ?2) AND "
        "(?3 IS NULL OR p.enabled = ?3) AND (?4 IS NULL OR coalesce(p.parent_id, "
        "p.domain_id) = ?4) AND (?5 IS NULL OR ?5 = 0) AND (?6 IS NULL OR p.id IN (SELECT "
        "project_id FROM identity_project_tags WHERE tag = ?6)) AND (?7 IS NULL OR p.id IN "
        "(SELECT project_id FROM identity_project_tags WHERE tag = ?7)) AND (?8 IS NULL OR "
        "p.id NOT IN (SELECT project_id FROM identity_project_tags WHERE tag = ?8)) "
        "ORDER BY p.name";
static const char SQL_GET[] = SEL "WHERE p.id = ?";
static const char SQL_EXISTS[] = "SELECT 1 FROM identity_projects WHERE id = ?";
static const char SQL_DOMAIN_EXISTS[] = "SELECT 1 FROM identity_domains WHERE id = ?";
static const char SQL_PARENT_DOMAIN[] = "SELECT domain_id FROM identity_projects WHERE id = ?";
static const char SQL_INSERT[] =
    "INSERT INTO identity_projects(id, name, domain_id, parent_id, description, enabled, "
    "extra) VALUES(?, ?, ?, ?, ?, ?, ?)";
static const char SQL_UPDATE[] =
    "UPDATE identity_projects SET name = coalesce(?2, name), description = CASE WHEN ?3 "
    "THEN coalesce(?4, '') ELSE description END, enabled = coalesce(?5, enabled), "
    "extra = coalesce(?6, extra) WHERE id = ?1";
static const char SQL_HAS_CHILDREN[] =
    "SELECT 1 FROM identity_projects WHERE parent_id = ? LIMIT 1";
static const char SQL_DELETE_ASSIGNMENTS[] = "DELETE FROM identity_assignments WHERE target_id = ?";
static const char SQL_DELETE[] = "DELETE FROM identity_projects WHERE id = ?";
static const char SQL_TAGS[] =
    "SELECT tag FROM identity_project_tags WHERE project_id = ? ORDER BY tag";
static const char SQL_HAS_TAG[] =
    "SELECT 1 FROM identity_project_tags WHERE project_id = ? AND tag = ?";
static const char SQL_ADD_TAG[] =
    "INSERT OR IGNORE INTO identity_project_tags(project_id, tag) VALUES(?, ?)";
static const char SQL_DEL_TAG[] =
    "DELETE FROM identity_project_tags WHERE project_id = ? AND tag = ?";
static const char SQL_DEL_TAGS[] = "DELETE FROM identity_project_tags WHERE project_id = ?";
static const char SQL_COUNT_TAGS[] =
    "SELECT count(*) FROM identity_project_tags WHERE project_id = ?";

static const char *const known[] = {"name",      "description", "enabled", "domain_id",
                                    "parent_id", "is_domain",   "tags",    "options",
                                    "id",        "links",       NULL};

static int reply_project(struct http_request *req, struct http_response *resp, int status,
                         const char *id, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_GET, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	return identity_reply_one(req, resp, status, "project", q, identity_project_json, "project",
	                          id, err);
}

int identity_list_projects(struct http_request *req, struct http_response *resp,
                           struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_LIST, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, http_query(req, "name"));
	db_bind_text(q, 2, http_query(req, "domain_id"));
	const char *en = http_query(req, "enabled");
	if (en)
		sqlite3_bind_int(q, 3, identity_query_bool(en));
	db_bind_text(q, 4, http_query(req, "parent_id"));
	const char *isd = http_query(req, "is_domain");
	if (isd)
		sqlite3_bind_int(q, 5, identity_query_bool(isd));
	/* One tag each for tags / tags-any / not-tags: the common case. */
	db_bind_text(q, 6, http_query(req, "tags"));
	db_bind_text(q, 7, http_query(req, "tags-any"));
	db_bind_text(q, 8, http_query(req, "not-tags"));
	return identity_reply_list(req, resp, "projects", q, identity_project_json, err);
}

int identity_get_project(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	return reply_project(req, resp, 200, http_param(req, "project_id"), err);
}

static int check_tag(const char *tag, struct api_error *err)
{
	if (!*tag || strlen(tag) > 255 || strchr(tag, '/') || strchr(tag, ',') ||
	    !api_utf8_valid(tag))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid tag '%.60s': tags are 1 to 255 characters without '/' "
		                "or ','.",
		                tag);
	return 0;
}

/* Replaces the project's tags with the array tags (validated first). */
static int set_tags(const char *id, json_t *tags, struct api_error *err)
{
	if (!json_is_array(tags))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field 'tags': expected "
		                "an array.");
	if (json_array_size(tags) > 80)
		return api_fail(err, API_BAD_REQUEST, "A project has at most 80 tags.");
	size_t i;
	json_t *t;
	json_array_foreach(tags, i, t)
	{
		if (!json_is_string(t))
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field 'tags': expected strings.");
		if (check_tag(json_string_value(t), err) != 0)
			return -1;
	}
	sqlite3_stmt *q = db_stmt(SQL_DEL_TAGS, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	json_array_foreach(tags, i, t)
	{
		q = db_stmt(SQL_ADD_TAG, err);
		if (!q)
			return -1;
		db_bind_text(q, 1, id);
		db_bind_text(q, 2, json_string_value(t));
		if (db_exec_stmt(q, err) != 0)
			return -1;
	}
	return 0;
}

static int common_fields(json_t *p, const char **name, const char **desc, bool *has_desc,
                         int *enabled, struct api_error *err)
{
	bool en = true;
	*enabled = -1;
	if (json_get_string(p, "name", false, name, err) != 0 ||
	    identity_optional_string(p, "description", desc, has_desc, err) != 0)
		return -1;
	if (json_object_get(p, "enabled")) {
		if (json_get_bool(p, "enabled", true, &en, err) != 0)
			return -1;
		*enabled = en;
	}
	json_t *isd = json_object_get(p, "is_domain");
	if (isd && !json_is_false(isd))
		return api_fail(err, API_BAD_REQUEST,
		                "Projects acting as domains (is_domain true) are not supported.");
	if (*name && identity_check_name_max("name", *name, IDENTITY_SHORT_NAME_MAX, err) != 0)
		return -1;
	return 0;
}

int identity_create_project(struct http_request *req, struct http_response *resp,
                            struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	json_t *p, *tags = NULL;
	const char *name = NULL, *desc = NULL, *domain_id = NULL, *parent_id = NULL;
	bool has_desc, has_parent;
	int enabled;
	if (identity_body_object(req, "project", &p, err) != 0 ||
	    common_fields(p, &name, &desc, &has_desc, &enabled, err) != 0 ||
	    identity_optional_string(p, "domain_id", &domain_id, &has_parent, err) != 0 ||
	    identity_optional_string(p, "parent_id", &parent_id, &has_parent, err) != 0)
		return -1;
	if (!name)
		return api_fail(err, API_BAD_REQUEST, "'name' is a required property");
	tags = json_object_get(p, "tags");
	if (parent_id) {
		sqlite3_stmt *q = db_stmt(SQL_PARENT_DOMAIN, err);
		if (!q)
			return -1;
		db_bind_text(q, 1, parent_id);
		const char *pd = NULL;
		int rc = db_step(q, err);
		if (rc == SQLITE_ROW)
			pd = arena_strdup(req->arena, db_column_text(q, 0));
		sqlite3_reset(q);
		if (rc < 0)
			return -1;
		if (!pd) {
			/* A domain id as parent means a top-level project. */
			bool is_domain;
			if (identity_exists(SQL_DOMAIN_EXISTS, parent_id, &is_domain, err) != 0)
				return -1;
			if (!is_domain)
				return api_fail(err, API_NOT_FOUND, "Could not find project: %s.",
				                parent_id);
			pd = parent_id;
			parent_id = NULL;
		}
		if (domain_id && strcmp(domain_id, pd) != 0)
			return api_fail(err, API_BAD_REQUEST,
			                "Cannot create project, the parent is in another domain.");
		domain_id = pd;
	}
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
	if (db_begin(err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_INSERT, err);
	if (!q)
		goto fail;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, name);
	db_bind_text(q, 3, domain_id);
	db_bind_text(q, 4, parent_id);
	db_bind_text(q, 5, desc ? desc : "");
	sqlite3_bind_int(q, 6, enabled != 0);
	db_bind_text(q, 7, identity_extra_of(req->arena, p, known));
	char *conflict = arena_printf(req->arena,
	                              "Conflict occurred attempting to store project - it is "
	                              "not permitted to have two projects with the same name "
	                              "in the same domain : %s.",
	                              name);
	if (identity_run(q, conflict, err) != 0)
		goto fail;
	if (tags && set_tags(id, tags, err) != 0)
		goto fail;
	if (db_commit(err) != 0)
		goto fail;
	return reply_project(req, resp, 201, id, err);
fail:
	db_rollback();
	return -1;
}

int identity_update_project(struct http_request *req, struct http_response *resp,
                            struct api_error *err)
{
	const char *id = http_param(req, "project_id");
	json_t *p;
	const char *name = NULL, *desc = NULL;
	bool has_desc;
	int enabled;
	if (identity_body_object(req, "project", &p, err) != 0 ||
	    common_fields(p, &name, &desc, &has_desc, &enabled, err) != 0)
		return -1;
	static const char *const fixed[] = {"domain_id", "parent_id", "id"};
	for (size_t i = 0; i < 3; i++)
		if (json_object_get(p, fixed[i]))
			return api_fail(err, API_BAD_REQUEST, "Cannot change the %s of a project.",
			                fixed[i]);
	if (identity_require(SQL_EXISTS, id, "project", err) != 0)
		return -1;
	json_t *tags = json_object_get(p, "tags");
	if (db_begin(err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_UPDATE, err);
	if (!q)
		goto fail;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, name);
	sqlite3_bind_int(q, 3, has_desc);
	db_bind_text(q, 4, desc);
	if (enabled >= 0)
		sqlite3_bind_int(q, 5, enabled);
	/* Unknown attributes replace the stored ones when given. */
	const char *extra = identity_extra_of(req->arena, p, known);
	db_bind_text(q, 6, strcmp(extra, "{}") ? extra : NULL);
	char *conflict = arena_printf(req->arena,
	                              "Conflict occurred attempting to update project - it is "
	                              "not permitted to have two projects with the same name "
	                              "in the same domain : %s.",
	                              name ? name : "");
	if (identity_run(q, conflict, err) != 0)
		goto fail;
	if (tags && set_tags(id, tags, err) != 0)
		goto fail;
	if (enabled == 0 && identity_revoke(req->ctx, NULL, NULL, id, NULL, NULL, NULL, err) != 0)
		goto fail;
	if (db_commit(err) != 0)
		goto fail;
	return reply_project(req, resp, 200, id, err);
fail:
	db_rollback();
	return -1;
}

int identity_delete_project(struct http_request *req, struct http_response *resp,
                            struct api_error *err)
{
	const char *id = http_param(req, "project_id");
	if (identity_require(SQL_EXISTS, id, "project", err) != 0)
		return -1;
	bool children;
	if (identity_exists(SQL_HAS_CHILDREN, id, &children, err) != 0)
		return -1;
	if (children)
		return api_fail(err, API_FORBIDDEN,
		                "Cannot delete project %s: it has child projects; delete them "
		                "first.",
		                id);
	if (db_begin(err) != 0)
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
	    identity_revoke(req->ctx, NULL, NULL, id, NULL, NULL, NULL, err) != 0 ||
	    db_commit(err) != 0)
		goto fail;
	http_reply_empty(resp, 204);
	return 0;
fail:
	db_rollback();
	return -1;
}

/* ---- tags ---- */

static int reply_tags(struct http_request *req, struct http_response *resp, int status,
                      const char *id, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_TAGS, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	json_t *tags = json_array();
	int rc;
	while ((rc = db_step(q, err)) == SQLITE_ROW)
		json_array_append_new(tags, json_string(db_column_text(q, 0)));
	sqlite3_reset(q);
	if (rc < 0) {
		json_decref(tags);
		return -1;
	}
	http_reply_json(resp, status, json_pack("{s:o}", "tags", tags));
	return 0;
}

int identity_list_project_tags(struct http_request *req, struct http_response *resp,
                               struct api_error *err)
{
	const char *id = http_param(req, "project_id");
	if (identity_require(SQL_EXISTS, id, "project", err) != 0)
		return -1;
	return reply_tags(req, resp, 200, id, err);
}

int identity_replace_project_tags(struct http_request *req, struct http_response *resp,
                                  struct api_error *err)
{
	const char *id = http_param(req, "project_id");
	json_t *body;
	if (http_body_json(req, &body, err) != 0)
		return -1;
	json_t *tags = json_object_get(body, "tags");
	if (!tags)
		return api_fail(err, API_BAD_REQUEST, "'tags' is a required property");
	if (identity_require(SQL_EXISTS, id, "project", err) != 0 || db_begin(err) != 0)
		return -1;
	if (set_tags(id, tags, err) != 0 || db_commit(err) != 0) {
		db_rollback();
		return -1;
	}
	return reply_tags(req, resp, 200, id, err);
}

int identity_check_project_tag(struct http_request *req, struct http_response *resp,
                               struct api_error *err)
{
	const char *id = http_param(req, "project_id"), *tag = http_param(req, "tag");
	if (identity_require(SQL_EXISTS, id, "project", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_HAS_TAG, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, tag);
	int rc = db_step(q, err);
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return api_fail(err, API_NOT_FOUND, "Could not find tag: %s.", tag);
	http_reply_empty(resp, 204);
	return 0;
}

int identity_add_project_tag(struct http_request *req, struct http_response *resp,
                             struct api_error *err)
{
	const char *id = http_param(req, "project_id"), *tag = http_param(req, "tag");
	if (check_tag(tag, err) != 0 || identity_require(SQL_EXISTS, id, "project", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_COUNT_TAGS, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	int rc = db_step(q, err);
	int count = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	if (count >= 80)
		return api_fail(err, API_BAD_REQUEST, "A project has at most 80 tags.");
	q = db_stmt(SQL_ADD_TAG, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, tag);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	http_header_set(resp, "Location",
	                arena_printf(req->arena, "%s/identity/v3/projects/%s/tags/%s",
	                             ((struct identity_state *)req->ctx)->public_url, id, tag));
	http_reply_empty(resp, 201);
	return 0;
}

int identity_delete_project_tag(struct http_request *req, struct http_response *resp,
                                struct api_error *err)
{
	const char *id = http_param(req, "project_id"), *tag = http_param(req, "tag");
	if (identity_check_project_tag(req, resp, err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_DEL_TAG, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, tag);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

int identity_delete_project_tags(struct http_request *req, struct http_response *resp,
                                 struct api_error *err)
{
	const char *id = http_param(req, "project_id");
	if (identity_require(SQL_EXISTS, id, "project", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_DEL_TAGS, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

int identity_list_user_projects(struct http_request *req, struct http_response *resp,
                                struct api_error *err)
{
	static const char SQL_USER_EXISTS[] = "SELECT 1 FROM identity_users WHERE id = ?";
	const char *uid = http_param(req, "user_id");
	json_t *list;
	if (identity_require(SQL_USER_EXISTS, uid, "user", err) != 0 ||
	    identity_user_projects(req, uid, &list, err) != 0)
		return -1;
	http_reply_json(resp, 200,
	                json_pack("{s:o,s:o}", "projects", list, "links",
	                          identity_collection_links(req->ctx, req)));
	return 0;
}
