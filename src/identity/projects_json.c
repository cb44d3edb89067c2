/* The JSON shape of a project row and the projects a user can scope to,
 * shared by /v3/projects, /v3/auth/projects and /v3/users/{id}/projects. */
#include <string.h>

#include "identity/resources.h"

static const char SQL_USER_PROJECTS[] =
    "WITH RECURSIVE grp(id) AS (SELECT group_id FROM identity_group_members WHERE "
    " user_id = ?1), "
    "mine(target_id, inherited) AS (SELECT target_id, inherited FROM identity_assignments "
    " WHERE (type = 'UserProject' AND actor_id = ?1) OR (type = 'GroupProject' AND "
    " actor_id IN (SELECT id FROM grp))), "
    "dom(id) AS (SELECT target_id FROM identity_assignments WHERE inherited = 1 AND "
    " ((type = 'UserDomain' AND actor_id = ?1) OR (type = 'GroupDomain' AND actor_id IN "
    " (SELECT id FROM grp)))), "
    "sub(id) AS (SELECT p.id FROM identity_projects p WHERE p.parent_id IN (SELECT "
    " target_id FROM mine WHERE inherited = 1) UNION SELECT p.id FROM identity_projects p "
    " JOIN sub ON p.parent_id = sub.id) "
    "SELECT " IDENTITY_PROJECT_COLS " FROM identity_projects p WHERE p.enabled = 1 AND "
    "(p.id IN (SELECT target_id FROM mine WHERE inherited = 0) OR p.domain_id IN (SELECT id "
    "FROM dom) OR p.id IN (SELECT id FROM sub)) ORDER BY p.name";

json_t *identity_project_json(struct identity_state *st, sqlite3_stmt *q)
{
	const char *id = db_column_text(q, 0);
	const char *parent = db_column_text(q, 5);
	json_t *p =
	    json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:b,s:[],s:{}}", "id", id, "name",
	              db_column_text(q, 1), "domain_id", db_column_text(q, 2), "description",
	              db_column_text(q, 3), "enabled", sqlite3_column_int(q, 4), "parent_id",
	              parent ? parent : db_column_text(q, 2), "is_domain", 0, "tags", "options");
	json_object_set_new(p, "links", identity_links(st, "projects", id));
	identity_merge_extra(p, db_column_text(q, 6));
	/* Column 7: the tags, sorted, joined by the unit separator. */
	const char *tags = db_column_text(q, 7);
	json_t *arr = json_object_get(p, "tags");
	while (tags && *tags) {
		const char *sep = strchr(tags, '\x1f');
		size_t n = sep ? (size_t)(sep - tags) : strlen(tags);
		json_array_append_new(arr, json_stringn(tags, n));
		tags = sep ? sep + 1 : NULL;
	}
	return p;
}

int identity_user_projects(struct http_request *req, const char *user_id, json_t **out,
                           struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_USER_PROJECTS, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, user_id);
	json_t *list = json_array();
	int rc;
	while ((rc = db_step(q, err)) == SQLITE_ROW)
		json_array_append_new(list, identity_project_json(req->ctx, q));
	sqlite3_reset(q);
	if (rc < 0) {
		json_decref(list);
		return -1;
	}
	*out = list;
	return 0;
}
