/* Server groups (os-server-groups): create, list, show, delete, with the
 * server_groups quota; and the half the create transaction uses: a server
 * asking `os:scheduler_hints: {group: id}` joins the group (quota
 * server_group_members) and the scheduler gets the group's policy and the
 * members already on the host. Members leave with their server (trigger
 * in schema/003). Before 2.64 a group shows `policies` (one item) and an
 * empty `metadata`, from 2.64 `policy` and `rules` (anti-affinity's
 * max_server_per_host); 2.13 adds project_id and user_id. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/json.h"
#include "service.h"

#define GROUP_COLS "id, name, project_id, user_id, policy, created_at, rules"

static const char SQL_GET[] = "SELECT " GROUP_COLS " FROM compute_server_groups WHERE id = ?";
static const char SQL_LIST_ALL[] = "SELECT " GROUP_COLS " FROM compute_server_groups ORDER BY seq";
static const char SQL_LIST_PROJECT[] =
    "SELECT " GROUP_COLS " FROM compute_server_groups WHERE project_id = ? ORDER BY seq";
static const char SQL_INSERT[] =
    "INSERT INTO compute_server_groups (id, seq, name, project_id, user_id, policy, created_at,"
    " rules) VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM compute_server_groups),"
    " ?,?,?,?,?,?)";
static const char SQL_DELETE[] = "DELETE FROM compute_server_groups WHERE id = ?";
static const char SQL_COUNT[] = "SELECT count(*) FROM compute_server_groups WHERE project_id = ?";
static const char SQL_MEMBERS[] =
    "SELECT server_id FROM compute_server_group_members WHERE group_id = ? ORDER BY seq";
static const char SQL_MEMBER_COUNTS[] =
    "SELECT count(*), coalesce(sum(s.host IS ?), 0) FROM compute_server_group_members m"
    " JOIN compute_servers s ON s.id = m.server_id WHERE m.group_id = ?";
static const char SQL_MEMBER_ADD[] =
    "INSERT INTO compute_server_group_members (group_id, server_id, seq) VALUES (?, ?,"
    " (SELECT coalesce(max(seq), 0) + 1 FROM compute_server_group_members))";

struct server_group {
	const char *id, *name, *project_id, *user_id, *policy;
	long long max_per_host; /* rules.max_server_per_host, 0: none */
};

static void group_row(struct arena *a, sqlite3_stmt *st, struct server_group *g)
{
	g->id = arena_strdup(a, db_column_text(st, 0));
	g->name = arena_strdup(a, db_column_text(st, 1));
	g->project_id = arena_strdup(a, db_column_text(st, 2));
	g->user_id = arena_strdup(a, db_column_text(st, 3));
	g->policy = arena_strdup(a, db_column_text(st, 4));
	json_t *rules = json_loads(db_column_text(st, 6) ? db_column_text(st, 6) : "{}", 0, NULL);
	g->max_per_host = json_integer_value(json_object_get(rules, "max_server_per_host"));
	json_decref(rules);
}

/* The group as the caller may see it: its own project's, or any for an
 * admin; 404 otherwise, as Nova. */
static int group_load(struct http_request *req, const char *id, struct server_group *g,
                      struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_GET, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, id);
	int rc = db_step(st, err);
	if (rc < 0)
		return -1;
	if (rc == SQLITE_ROW)
		group_row(req->arena, st, g);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW ||
	    (strcmp(g->project_id, compute_project(req)) != 0 && !compute_is_admin(req)))
		return api_fail(err, API_NOT_FOUND, "Instance group %s could not be found.", id);
	return 0;
}

static json_t *group_view(struct http_request *req, const struct server_group *g,
                          struct api_error *err)
{
	json_t *members = json_array();
	sqlite3_stmt *st = db_stmt(SQL_MEMBERS, err);
	if (st == NULL) {
		json_decref(members);
		return NULL;
	}
	db_bind_text(st, 1, g->id);
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW)
		json_array_append_new(members, json_string(db_column_text(st, 0)));
	sqlite3_reset(st);
	if (rc < 0) {
		json_decref(members);
		return NULL;
	}
	json_t *o = json_pack("{s:s,s:s,s:o}", "id", g->id, "name", g->name, "members", members);
	if (compute_mv(req) >= 64) {
		json_object_set_new(o, "policy", json_string(g->policy));
		json_object_set_new(o, "rules",
		                    g->max_per_host > 0 ? json_pack("{s:I}", "max_server_per_host",
		                                                    (json_int_t)g->max_per_host)
		                                        : json_object());
	} else {
		json_object_set_new(o, "policies", json_pack("[s]", g->policy));
		json_object_set_new(o, "metadata", json_object());
	}
	if (compute_mv(req) >= 13) {
		json_object_set_new(o, "project_id", json_string(g->project_id));
		json_object_set_new(o, "user_id", json_string(g->user_id));
	}
	return o;
}

static int count_groups(const char *project, long long *n, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_COUNT, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, project);
	if (db_step(st, err) != SQLITE_ROW)
		return -1;
	*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int compute_server_groups_used(const char *project_id, long long *n, struct api_error *err)
{
	return count_groups(project_id, n, err);
}

static bool name_valid(const char *name)
{
	const char *p = name;
	while (isspace((unsigned char)*p))
		p++;
	return *p != '\0' && !isspace((unsigned char)name[0]) &&
	       !isspace((unsigned char)name[strlen(name) - 1]);
}

static const char *known_policies(int mv)
{
	return mv >= 15 ? "['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity']"
	                : "['anti-affinity', 'affinity']";
}

/* Before 2.64: `policies`, a list of exactly one known policy. */
static int group_policies(json_t *g, int mv, const char **policy, struct api_error *err)
{
	json_t *policies;
	if (json_get_array(g, "policies", true, &policies, err) != 0)
		return -1;
	if (json_array_size(policies) != 1)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute policies. Value: one policy of "
		                "%s is required, %zu given.",
		                known_policies(mv), json_array_size(policies));
	*policy = json_string_value(json_array_get(policies, 0));
	if (!compute_group_policy_valid(*policy, mv))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute 0. Value: %s. '%s' is not one "
		                "of %s",
		                *policy ? *policy : "(not a string)", *policy ? *policy : "",
		                known_policies(mv));
	return 0;
}

/* From 2.64: `policy` and optional `rules` ({max_server_per_host: a
 * positive integer, or its digits as a string, as Nova's schema takes}),
 * rules only for anti-affinity. */
static int group_policy_v264(json_t *g, int mv, const char **policy, long long *max_per_host,
                             struct api_error *err)
{
	if (json_get_string(g, "policy", true, policy, err) != 0)
		return -1;
	if (!compute_group_policy_valid(*policy, mv))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute policy. Value: %s. '%s' is not "
		                "one of %s",
		                *policy, *policy, known_policies(mv));
	json_t *rules = json_object_get(g, "rules");
	if (rules == NULL)
		return 0;
	static const char *const allowed[] = {"max_server_per_host", NULL};
	if (!json_is_object(rules))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute rules. Value: not an object");
	if (json_only_keys(rules, allowed, "rules", err) != 0)
		return -1;
	json_t *m = json_object_get(rules, "max_server_per_host");
	if (m != NULL) {
		long long v = -1;
		if (json_is_integer(m))
			v = json_integer_value(m);
		else if (json_is_string(m) && json_string_length(m) > 0 &&
		         strspn(json_string_value(m), "0123456789") == json_string_length(m) &&
		         json_string_length(m) < 10)
			v = atoll(json_string_value(m));
		if (v < 1)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute max_server_per_host. Value: "
			    "a positive integer is required");
		*max_per_host = v;
	}
	if (json_object_size(rules) > 0 && strcmp(*policy, "anti-affinity") != 0)
		return api_fail(err, API_BAD_REQUEST, "Only anti-affinity policy supports rules.");
	return 0;
}

COMPUTE_HANDLER(compute_server_group_create)
{
	struct compute_svc *svc = req->ctx;
	const struct identity_auth *auth = identity_auth_of(req);
	int mv = compute_mv(req);
	json_t *body, *g;
	const char *name = NULL, *policy = NULL;
	long long max_per_host = 0;
	static const char *const allowed[] = {"name", "policies", NULL};
	static const char *const allowed_v264[] = {"name", "policy", "rules", NULL};
	if (http_body_json(req, &body, err) != 0 ||
	    json_get_object(body, "server_group", true, &g, err) != 0 ||
	    json_only_keys(g, mv >= 64 ? allowed_v264 : allowed, "server_group", err) != 0 ||
	    json_get_string(g, "name", true, &name, err) != 0 ||
	    json_check_length("name", name, 255, err) != 0 ||
	    (mv >= 64 ? group_policy_v264(g, mv, &policy, &max_per_host, err)
	              : group_policies(g, mv, &policy, err)) != 0)
		return -1;
	if (!name_valid(name))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute name. Value: %s. An invalid "
		                "'name' value was provided. The name must be: printable "
		                "characters. Can not start or end with whitespace.",
		                name);
	char id[37], now[21];
	ids_uuid4(id);
	ids_time_iso(time(NULL), now);
	if (db_begin(err) != 0)
		return -1;
	/* The quota counted in the transaction that inserts, as servers. */
	long long used = 0, limit = 0;
	if (count_groups(auth->project_id, &used, err) != 0 ||
	    compute_quota_limit(svc->env->cfg, auth->project_id, "server_groups", &limit, err) != 0)
		goto fail;
	if (limit >= 0 && used + 1 > limit) {
		api_fail(err, API_FORBIDDEN, "Quota exceeded, too many server groups.");
		goto fail;
	}
	sqlite3_stmt *st = db_stmt(SQL_INSERT, err);
	if (st == NULL)
		goto fail;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, auth->project_id);
	db_bind_text(st, 4, auth->user_id);
	db_bind_text(st, 5, policy);
	db_bind_text(st, 6, now);
	char rules[64] = "{}";
	if (max_per_host > 0)
		snprintf(rules, sizeof(rules), "{\"max_server_per_host\": %lld}", max_per_host);
	db_bind_text(st, 7, rules);
	if (db_exec_stmt(st, err) != 0 || db_commit(err) != 0)
		goto fail;
	struct server_group sg = {id, name, auth->project_id, auth->user_id, policy, max_per_host};
	json_t *view = group_view(req, &sg, err);
	if (view == NULL)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:o}", "server_group", view));
	return 0;
fail:
	db_rollback();
	return -1;
}

/* Nova's non-negative integer query parameters (limit, offset). */
static int query_count(struct http_request *req, const char *key, long long *out,
                       struct api_error *err)
{
	const char *q = http_query(req, key);
	if (q == NULL)
		return 0;
	char *end;
	long long v = strtoll(q, &end, 10);
	if (*q == '\0' || *end != '\0' || v < 0)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for query parameters %s. Value: %s. '%s' is not a "
		                "non-negative integer",
		                key, q, q);
	*out = v;
	return 0;
}

COMPUTE_HANDLER(compute_server_group_list)
{
	/* all_projects: any value, for admins (Nova looks at the key only). */
	bool all = compute_is_admin(req) && http_query(req, "all_projects") != NULL;
	long long limit = 1000, offset = 0;
	if (query_count(req, "limit", &limit, err) != 0 ||
	    query_count(req, "offset", &offset, err) != 0)
		return -1;
	if (limit > 1000)
		limit = 1000;
	sqlite3_stmt *st = db_stmt(all ? SQL_LIST_ALL : SQL_LIST_PROJECT, err);
	if (st == NULL)
		return -1;
	if (!all)
		db_bind_text(st, 1, compute_project(req));
	struct server_group *groups = NULL;
	size_t n = 0, cap = 0;
	int rc;
	long long skipped = 0;
	while ((rc = db_step(st, err)) == SQLITE_ROW && (long long)n < limit) {
		if (skipped < offset) {
			skipped++;
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			struct server_group *g = arena_alloc(req->arena, cap * sizeof(*g));
			if (n)
				memcpy(g, groups, n * sizeof(*g));
			groups = g;
		}
		group_row(req->arena, st, &groups[n++]);
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *v = group_view(req, &groups[i], err);
		if (v == NULL) {
			json_decref(list);
			return -1;
		}
		json_array_append_new(list, v);
	}
	http_reply_json(resp, 200, json_pack("{s:o}", "server_groups", list));
	return 0;
}

COMPUTE_HANDLER(compute_server_group_show)
{
	struct server_group g;
	if (group_load(req, http_param(req, "group_id"), &g, err) != 0)
		return -1;
	json_t *v = group_view(req, &g, err);
	if (v == NULL)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:o}", "server_group", v));
	return 0;
}

COMPUTE_HANDLER(compute_server_group_delete)
{
	struct server_group g;
	if (group_load(req, http_param(req, "group_id"), &g, err) != 0)
		return -1;
	sqlite3_stmt *st = db_stmt(SQL_DELETE, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, g.id);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

int compute_server_group_claim(struct http_request *req, const char *group_id, long long count,
                               const char *host, struct compute_demand *d, struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	struct server_group g;
	if (group_load(req, group_id, &g, err) != 0)
		return api_fail(err, API_BAD_REQUEST, "Instance group %s could not be found.",
		                group_id);
	sqlite3_stmt *st = db_stmt(SQL_MEMBER_COUNTS, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, host);
	db_bind_text(st, 2, g.id);
	if (db_step(st, err) != SQLITE_ROW)
		return -1;
	long long members = sqlite3_column_int64(st, 0);
	long long on_host = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	long long limit = 0;
	if (compute_quota_limit(svc->env->cfg, g.project_id, "server_group_members", &limit, err) !=
	    0)
		return -1;
	if (limit >= 0 && members + count > limit)
		return api_fail(err, API_FORBIDDEN, "Quota exceeded, too many servers in group");
	d->group_id = g.id;
	d->group_policy = g.policy;
	d->group_on_host = on_host;
	d->group_max_per_host = g.max_per_host;
	return 0;
}

static const char SQL_GROUPS_OF[] =
    "SELECT group_id FROM compute_server_group_members WHERE server_id = ? ORDER BY seq";

json_t *compute_server_groups_of(const char *server_id)
{
	json_t *ids = json_array();
	struct api_error err;
	sqlite3_stmt *st = db_stmt(SQL_GROUPS_OF, &err);
	if (st == NULL)
		return ids;
	db_bind_text(st, 1, server_id);
	while (db_step(st, &err) == SQLITE_ROW)
		json_array_append_new(ids, json_string(db_column_text(st, 0)));
	sqlite3_reset(st);
	return ids;
}

int compute_server_group_add(const char *group_id, const char *server_id, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_MEMBER_ADD, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, group_id);
	db_bind_text(st, 2, server_id);
	return db_exec_stmt(st, err);
}

static const char SQL_GROUP_OF[] =
    "SELECT g.id, g.policy, g.rules, (SELECT count(*) FROM compute_server_group_members m2"
    " JOIN compute_servers s ON s.id = m2.server_id WHERE m2.group_id = g.id"
    " AND s.host IS ?2 AND s.id <> ?1) FROM compute_server_group_members m"
    " JOIN compute_server_groups g ON g.id = m.group_id WHERE m.server_id = ?1";

int compute_server_group_of(const char *server_id, const char *host, struct compute_demand *d,
                            struct arena *a, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_GROUP_OF, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, server_id);
	db_bind_text(st, 2, host);
	int rc = db_step(st, err);
	if (rc == SQLITE_ROW) {
		d->group_id = arena_strdup(a, db_column_text(st, 0));
		d->group_policy = arena_strdup(a, db_column_text(st, 1));
		json_t *rules = json_loads(db_column_text(st, 2), 0, NULL);
		d->group_max_per_host =
		    json_integer_value(json_object_get(rules, "max_server_per_host"));
		json_decref(rules);
		d->group_on_host = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}
