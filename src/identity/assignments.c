/* GET /v3/role_assignments: the assignments, filtered by user.id,
 * group.id, role.id, scope.project.id, scope.domain.id, scope.system and
 * scope.OS-INHERIT:inherited_to; with `effective`, group assignments become
 * their members', domain-inherited ones their projects' and implied roles
 * are added, as Keystone computes them; `include_names` adds names. */
#include <stdio.h>
#include <string.h>

#include "identity/resources.h"

static const char SQL_ALL[] =
    "SELECT type, actor_id, target_id, role_id, inherited FROM identity_assignments "
    "ORDER BY type, actor_id, target_id, role_id";
static const char SQL_MEMBERS[] =
    "SELECT user_id FROM identity_group_members WHERE group_id = ? ORDER BY user_id";
static const char SQL_DOMAIN_PROJECTS[] =
    "SELECT id FROM identity_projects WHERE domain_id = ? ORDER BY id";
static const char SQL_SUBTREE[] =
    "WITH RECURSIVE sub(id) AS (SELECT id FROM identity_projects WHERE parent_id = ?1 "
    "UNION SELECT p.id FROM identity_projects p JOIN sub ON p.parent_id = sub.id) "
    "SELECT id FROM sub ORDER BY id";
static const char SQL_DOMAIN_ROLE[] =
    "SELECT 1 FROM identity_roles WHERE id = ? AND domain_id != ''";
static const char SQL_IMPLIED[] =
    "SELECT implied_role_id FROM identity_implied_roles WHERE prior_role_id = ?";
static const char SQL_ROLE_NAME[] = "SELECT name, domain_id FROM identity_roles WHERE id = ?";
static const char SQL_USER_NAME[] =
    "SELECT u.name, d.id, d.name FROM identity_users u JOIN identity_domains d ON d.id = "
    "u.domain_id WHERE u.id = ?";
static const char SQL_GROUP_NAME[] =
    "SELECT g.name, d.id, d.name FROM identity_groups g JOIN identity_domains d ON d.id = "
    "g.domain_id WHERE g.id = ?";
static const char SQL_PROJECT_NAME[] =
    "SELECT p.name, d.id, d.name FROM identity_projects p JOIN identity_domains d ON d.id = "
    "p.domain_id WHERE p.id = ?";
static const char SQL_DOMAIN_NAME[] = "SELECT name FROM identity_domains WHERE id = ?";

struct assignment {
	bool user;        /* else group */
	char target_kind; /* 'p', 'd', 's' */
	const char *actor, *target, *role;
	bool inherited;
	const char *via_group; /* effective: the group that gave it */
	const char *prior;     /* effective: the role that implied it */
};

struct list {
	struct assignment *v;
	size_t n, cap;
	struct arena *a;
};

static void push(struct list *l, struct assignment x)
{
	for (size_t i = 0; i < l->n; i++) {
		struct assignment *y = &l->v[i];
		if (y->user == x.user && y->target_kind == x.target_kind &&
		    y->inherited == x.inherited && !strcmp(y->actor, x.actor) &&
		    !strcmp(y->target, x.target) && !strcmp(y->role, x.role))
			return;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct assignment *nv = arena_alloc(l->a, cap * sizeof(*nv));
		if (l->n)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = x;
}

/* Column 0 of every row of sql(id), copied. */
static int column(struct arena *a, const char *sql, const char *id, const char ***out, size_t *n,
                  struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(sql, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	size_t cap = 8, cnt = 0;
	const char **v = arena_alloc(a, cap * sizeof(*v));
	int rc;
	while ((rc = db_step(q, err)) == SQLITE_ROW) {
		if (cnt == cap) {
			const char **nv = arena_alloc(a, 2 * cap * sizeof(*nv));
			memcpy(nv, v, cap * sizeof(*nv));
			v = nv;
			cap *= 2;
		}
		v[cnt++] = arena_strdup(a, db_column_text(q, 0));
	}
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	*out = v;
	*n = cnt;
	return 0;
}

static int load(struct list *l, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_ALL, err);
	if (!q)
		return -1;
	int rc;
	while ((rc = db_step(q, err)) == SQLITE_ROW) {
		const char *type = db_column_text(q, 0);
		struct assignment x = {
		    .user = !strncmp(type, "User", 4),
		    .actor = arena_strdup(l->a, db_column_text(q, 1)),
		    .target = arena_strdup(l->a, db_column_text(q, 2)),
		    .role = arena_strdup(l->a, db_column_text(q, 3)),
		    .inherited = sqlite3_column_int(q, 4) != 0,
		};
		x.target_kind = strstr(type, "Project") ? 'p' : strstr(type, "Domain") ? 'd' : 's';
		push(l, x);
	}
	sqlite3_reset(q);
	return rc < 0 ? -1 : 0;
}

static int effective(struct list *in, struct list *out, struct api_error *err)
{
	struct list stage = {.a = in->a};
	for (size_t i = 0; i < in->n; i++) {
		struct assignment x = in->v[i];
		const char **users = &x.actor;
		size_t nusers = 1;
		if (!x.user) {
			if (column(in->a, SQL_MEMBERS, x.actor, &users, &nusers, err) != 0)
				return -1;
			x.via_group = x.actor;
			x.user = true;
		}
		const char **targets = &x.target;
		size_t ntargets = 1;
		if (x.inherited) {
			/* A domain's projects, or a project's subtree. */
			if (column(in->a, x.target_kind == 'd' ? SQL_DOMAIN_PROJECTS : SQL_SUBTREE,
			           x.target, &targets, &ntargets, err) != 0)
				return -1;
			x.target_kind = 'p';
			x.inherited = false;
		}
		for (size_t u = 0; u < nusers; u++)
			for (size_t t = 0; t < ntargets; t++) {
				struct assignment y = x;
				y.actor = users[u];
				y.target = targets[t];
				push(&stage, y);
			}
	}
	/* Implied roles, to a fixed point (push deduplicates). */
	for (size_t i = 0; i < stage.n; i++)
		push(out, stage.v[i]);
	for (size_t i = 0; i < out->n; i++) {
		const char **implied;
		size_t n;
		if (column(in->a, SQL_IMPLIED, out->v[i].role, &implied, &n, err) != 0)
			return -1;
		for (size_t j = 0; j < n; j++) {
			struct assignment y = out->v[i];
			y.prior = out->v[i].role;
			y.role = implied[j];
			push(out, y);
		}
	}
	/* Domain-specific roles never reach a token: only the global roles
	 * they imply are effective (Keystone). */
	size_t kept = 0;
	for (size_t i = 0; i < out->n; i++) {
		bool domain_role;
		if (identity_exists(SQL_DOMAIN_ROLE, out->v[i].role, &domain_role, err) != 0)
			return -1;
		if (!domain_role)
			out->v[kept++] = out->v[i];
	}
	out->n = kept;
	return 0;
}

/* {"id", "name", "domain": {"id", "name"}} from sql(id) = name, domain id,
 * domain name. */
static json_t *named(const char *sql, const char *id, bool with_domain)
{
	struct api_error err = {0};
	json_t *o = json_pack("{s:s}", "id", id);
	sqlite3_stmt *q = db_stmt(sql, &err);
	if (!q)
		return o;
	db_bind_text(q, 1, id);
	if (db_step(q, &err) == SQLITE_ROW) {
		json_object_set_new(o, "name", json_string(db_column_text(q, 0)));
		if (with_domain)
			json_object_set_new(o, "domain",
			                    json_pack("{s:s,s:s}", "id", db_column_text(q, 1),
			                              "name", db_column_text(q, 2)));
	}
	sqlite3_reset(q);
	return o;
}

static json_t *render(struct identity_state *st, const struct assignment *x, bool names)
{
	json_t *role =
	    names ? named(SQL_ROLE_NAME, x->role, false) : json_pack("{s:s}", "id", x->role);
	json_t *actor = names ? named(x->user ? SQL_USER_NAME : SQL_GROUP_NAME, x->actor, true)
	                      : json_pack("{s:s}", "id", x->actor);
	json_t *scope;
	if (x->target_kind == 'p')
		scope = json_pack("{s:o}", "project",
		                  names ? named(SQL_PROJECT_NAME, x->target, true)
		                        : json_pack("{s:s}", "id", x->target));
	else if (x->target_kind == 'd')
		scope = json_pack("{s:o}", "domain",
		                  names ? named(SQL_DOMAIN_NAME, x->target, false)
		                        : json_pack("{s:s}", "id", x->target));
	else
		scope = json_pack("{s:{s:b}}", "system", "all", 1);
	if (x->inherited)
		json_object_set_new(scope, "OS-INHERIT:inherited_to", json_string("projects"));
	const char *actor_kind = x->via_group ? "groups" : x->user ? "users" : "groups";
	const char *actor_id = x->via_group ? x->via_group : x->actor;
	char url[1024];
	if (x->target_kind == 's')
		snprintf(url, sizeof(url), "%s/v3/system/%s/%s/roles/%s", st->auth_url, actor_kind,
		         actor_id, x->prior ? x->prior : x->role);
	else
		snprintf(url, sizeof(url), "%s/v3/%s%s/%s/%s/%s/roles/%s%s", st->auth_url,
		         x->inherited ? "OS-INHERIT/" : "",
		         x->target_kind == 'p' ? "projects" : "domains", x->target, actor_kind,
		         actor_id, x->prior ? x->prior : x->role,
		         x->inherited ? "/inherited_to_projects" : "");
	json_t *links = json_pack("{s:s}", "assignment", url);
	if (x->via_group) {
		snprintf(url, sizeof(url), "%s/v3/groups/%s/users/%s", st->auth_url, x->via_group,
		         x->actor);
		json_object_set_new(links, "membership", json_string(url));
	}
	if (x->prior) {
		snprintf(url, sizeof(url), "%s/v3/roles/%s/implies/%s", st->auth_url, x->prior,
		         x->role);
		json_object_set_new(links, "prior_role", json_string(url));
	}
	return json_pack("{s:o,s:o,s:o,s:o}", "role", role, x->user ? "user" : "group", actor,
	                 "scope", scope, "links", links);
}

static bool keep(struct http_request *req, const struct assignment *x)
{
	const char *v;
	if ((v = http_query(req, "user.id")) && (!x->user || strcmp(v, x->actor)))
		return false;
	if ((v = http_query(req, "group.id")) && (x->user || strcmp(v, x->actor)))
		return false;
	if ((v = http_query(req, "role.id")) && strcmp(v, x->role))
		return false;
	if ((v = http_query(req, "scope.project.id")) &&
	    (x->target_kind != 'p' || strcmp(v, x->target)))
		return false;
	if ((v = http_query(req, "scope.domain.id")) &&
	    (x->target_kind != 'd' || strcmp(v, x->target)))
		return false;
	if (http_query_has(req, "scope.system") && x->target_kind != 's')
		return false;
	if (http_query_has(req, "scope.OS-INHERIT:inherited_to") && !x->inherited)
		return false;
	return true;
}

int identity_list_role_assignments(struct http_request *req, struct http_response *resp,
                                   struct api_error *err)
{
	if (http_query_has(req, "effective") && http_query(req, "group.id"))
		return api_fail(err, API_BAD_REQUEST,
		                "Combining effective and group filter will always result in an "
		                "empty list.");
	if (http_query(req, "scope.project.id") && http_query(req, "scope.domain.id"))
		return api_fail(err, API_BAD_REQUEST,
		                "Specify one of domain or project as the scope, not both.");
	struct list raw = {.a = req->arena}, eff = {.a = req->arena};
	if (load(&raw, err) != 0)
		return -1;
	struct list *use = &raw;
	if (http_query_has(req, "effective") &&
	    identity_query_bool(http_query(req, "effective")[0] ? http_query(req, "effective")
	                                                        : "true")) {
		if (effective(&raw, &eff, err) != 0)
			return -1;
		use = &eff;
	}
	bool names = http_query_has(req, "include_names") &&
	             identity_query_bool(http_query(req, "include_names")[0]
	                                     ? http_query(req, "include_names")
	                                     : "true");
	json_t *list = json_array();
	for (size_t i = 0; i < use->n; i++)
		if (keep(req, &use->v[i]))
			json_array_append_new(list, render(req->ctx, &use->v[i], names));
	http_reply_json(resp, 200,
	                json_pack("{s:o,s:o}", "role_assignments", list, "links",
	                          identity_collection_links(req->ctx, req)));
	return 0;
}
