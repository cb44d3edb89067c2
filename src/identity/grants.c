/* Role grants: a role for a user or a group on a project, a domain or the
 * system (and OS-INHERIT grants on a domain or project, inherited by its
 * projects). PUT grants, HEAD checks, DELETE revokes (and revokes the
 * user's tokens on that target, as Keystone does), GET lists. */
#include <string.h>

#include "identity/resources.h"

static const char SQL_PROJECT_EXISTS[] = "SELECT 1 FROM identity_projects WHERE id = ?";
static const char SQL_DOMAIN_EXISTS[] = "SELECT 1 FROM identity_domains WHERE id = ?";
static const char SQL_USER_EXISTS[] = "SELECT 1 FROM identity_users WHERE id = ?";
static const char SQL_GROUP_EXISTS[] = "SELECT 1 FROM identity_groups WHERE id = ?";
static const char SQL_ROLE_EXISTS[] = "SELECT 1 FROM identity_roles WHERE id = ?";
static const char SQL_GRANT[] = "INSERT OR IGNORE INTO identity_assignments(type, actor_id, "
                                "target_id, role_id, inherited) VALUES(?, ?, ?, ?, ?)";
static const char SQL_HAS[] =
    "SELECT 1 FROM identity_assignments WHERE type = ? AND actor_id = ? AND target_id = ? "
    "AND role_id = ? AND inherited = ?";
static const char SQL_REVOKE[] =
    "DELETE FROM identity_assignments WHERE type = ? AND actor_id = ? AND target_id = ? "
    "AND role_id = ? AND inherited = ?";
static const char SQL_LIST[] =
    "SELECT r.id, r.name, r.domain_id, r.description, r.extra FROM identity_roles r JOIN "
    "identity_assignments a ON a.role_id = r.id WHERE a.type = ? AND a.actor_id = ? AND "
    "a.target_id = ? AND a.inherited = ? ORDER BY r.name";

struct grant {
	char type[16];
	const char *actor, *target, *role;
	bool user, inherited;
	char target_kind; /* 'p', 'd', 's' */
};

/* Reads the grant the path names and checks its parts exist. */
static int parse(struct http_request *req, struct grant *g, bool with_role, struct api_error *err)
{
	memset(g, 0, sizeof(*g));
	const char *uid = http_param(req, "user_id"), *gid = http_param(req, "group_id");
	const char *pid = http_param(req, "project_id"), *did = http_param(req, "domain_id");
	g->user = uid != NULL;
	g->actor = uid ? uid : gid;
	g->target_kind = pid ? 'p' : did ? 'd' : 's';
	g->target = pid ? pid : did ? did : "system";
	g->role = http_param(req, "role_id");
	g->inherited = strstr(req->subpath, "/OS-INHERIT/") != NULL;
	snprintf(g->type, sizeof(g->type), "%s%s", g->user ? "User" : "Group",
	         pid   ? "Project"
	         : did ? "Domain"
	               : "System");
	if ((pid && identity_require(SQL_PROJECT_EXISTS, pid, "project", err) != 0) ||
	    (did && identity_require(SQL_DOMAIN_EXISTS, did, "domain", err) != 0))
		return -1;
	if (g->user ? identity_require(SQL_USER_EXISTS, uid, "user", err)
	            : identity_require(SQL_GROUP_EXISTS, gid, "group", err))
		return -1;
	if (with_role && identity_require(SQL_ROLE_EXISTS, g->role, "role", err) != 0)
		return -1;
	return 0;
}

static sqlite3_stmt *bound(const char *sql, const struct grant *g, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(sql, err);
	if (!q)
		return NULL;
	db_bind_text(q, 1, g->type);
	db_bind_text(q, 2, g->actor);
	db_bind_text(q, 3, g->target);
	db_bind_text(q, 4, g->role);
	sqlite3_bind_int(q, 5, g->inherited);
	return q;
}

int identity_put_grant(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	struct grant g;
	if (parse(req, &g, true, err) != 0)
		return -1;
	sqlite3_stmt *q = bound(SQL_GRANT, &g, err);
	if (!q || db_exec_stmt(q, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

int identity_check_grant(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	struct grant g;
	if (parse(req, &g, true, err) != 0)
		return -1;
	sqlite3_stmt *q = bound(SQL_HAS, &g, err);
	if (!q)
		return -1;
	int rc = db_step(q, err);
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return api_fail(err, API_NOT_FOUND,
		                "Could not find role assignment with role: %s, "
		                "%s: %s, target: %s.",
		                g.role, g.user ? "user" : "group", g.actor, g.target);
	http_reply_empty(resp, 204);
	return 0;
}

int identity_delete_grant(struct http_request *req, struct http_response *resp,
                          struct api_error *err)
{
	struct grant g;
	if (identity_check_grant(req, resp, err) != 0 || parse(req, &g, true, err) != 0)
		return -1;
	sqlite3_stmt *q = bound(SQL_REVOKE, &g, err);
	if (!q || db_exec_stmt(q, err) != 0)
		return -1;
	if (g.user && !g.inherited &&
	    identity_revoke(req->ctx, NULL, g.actor, g.target_kind == 'p' ? g.target : NULL,
	                    g.target_kind == 'd' ? g.target : NULL, NULL, NULL, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

int identity_list_grants(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	struct grant g;
	if (parse(req, &g, false, err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_LIST, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, g.type);
	db_bind_text(q, 2, g.actor);
	db_bind_text(q, 3, g.target);
	sqlite3_bind_int(q, 4, g.inherited);
	return identity_reply_list(req, resp, "roles", q, identity_role_row, err);
}
