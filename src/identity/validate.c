/* Token validation: the decrypted payload is checked against the database
 * as it is now (user and project enabled, roles still held, no revocation
 * event), as Keystone does for Fernet tokens. The result is cached per
 * token string until the next identity write, so the common case (the same
 * token on many requests) costs a hash lookup and a few string copies. */
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "core/log.h"
#include "identity/internal.h"

static const char SQL_USER[] =
    "SELECT u.name, u.domain_id, u.enabled, d.name, d.enabled FROM identity_users u "
    "JOIN identity_domains d ON d.id = u.domain_id WHERE u.id = ?";
static const char SQL_PROJECT[] =
    "SELECT p.name, p.domain_id, p.enabled, d.name, d.enabled FROM identity_projects p "
    "JOIN identity_domains d ON d.id = p.domain_id WHERE p.id = ?";
static const char SQL_DOMAIN[] = "SELECT name, enabled FROM identity_domains WHERE id = ?";
static const char SQL_APP_CRED[] =
    "SELECT user_id, project_id, expires_at, unrestricted, name FROM identity_app_creds "
    "WHERE id = ?";
static const char SQL_APP_CRED_ROLES[] =
    "WITH RECURSIVE eff(id) AS ("
    " SELECT role_id FROM identity_app_cred_roles WHERE app_cred_id = ?1"
    " UNION SELECT i.implied_role_id FROM identity_implied_roles i"
    " JOIN eff ON i.prior_role_id = eff.id)"
    "SELECT r.id, r.name, r.id IN (SELECT role_id FROM identity_app_cred_roles"
    " WHERE app_cred_id = ?1) FROM identity_roles r WHERE r.id IN (SELECT id FROM eff) "
    "ORDER BY r.name";

/* ?1 user, ?2 target id, ?3 'Project' | 'Domain' | 'System'. Direct and
 * group assignments on the target, inherited ones from the project's
 * ancestors and domain, then implied roles, to a fixed point; domain-
 * specific roles count only through the global roles they imply. */
static const char SQL_EFFECTIVE_ROLES[] =
    "WITH RECURSIVE "
    "grp(id) AS (SELECT group_id FROM identity_group_members WHERE user_id = ?1), "
    "anc(id) AS (SELECT parent_id FROM identity_projects WHERE ?3 = 'Project' AND id = ?2"
    " AND parent_id IS NOT NULL UNION SELECT p.parent_id FROM identity_projects p"
    " JOIN anc ON p.id = anc.id WHERE p.parent_id IS NOT NULL), "
    "inh(id) AS (SELECT id FROM anc UNION SELECT domain_id FROM identity_projects"
    " WHERE ?3 = 'Project' AND id = ?2), "
    "direct(id) AS ("
    " SELECT role_id FROM identity_assignments WHERE type = 'User' || ?3 AND actor_id = ?1"
    "  AND target_id = ?2 AND inherited = 0"
    " UNION SELECT role_id FROM identity_assignments WHERE type = 'Group' || ?3"
    "  AND actor_id IN (SELECT id FROM grp) AND target_id = ?2 AND inherited = 0"
    " UNION SELECT role_id FROM identity_assignments WHERE inherited = 1"
    "  AND target_id IN (SELECT id FROM inh) AND ((type LIKE 'User%' AND actor_id = ?1)"
    "  OR (type LIKE 'Group%' AND actor_id IN (SELECT id FROM grp)))), "
    "eff(id) AS (SELECT id FROM direct UNION SELECT i.implied_role_id"
    " FROM identity_implied_roles i JOIN eff ON i.prior_role_id = eff.id) "
    "SELECT r.id, r.name FROM identity_roles r WHERE r.id IN (SELECT id FROM eff) "
    "AND r.domain_id = '' ORDER BY r.name";

static const char unauthorized[] = "The request you have made requires authentication.";

int identity_effective_roles(struct arena *a, const char *user_id, char kind, const char *target_id,
                             const char ***ids, const char ***names, size_t *n,
                             struct api_error *err)
{
	const char *k = kind == 'p' ? "Project" : kind == 'd' ? "Domain" : "System";
	sqlite3_stmt *q = db_stmt(SQL_EFFECTIVE_ROLES, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, user_id);
	db_bind_text(q, 2, target_id);
	db_bind_text(q, 3, k);
	size_t cap = 8, cnt = 0;
	const char **vi = arena_alloc(a, cap * sizeof(*vi));
	const char **vn = arena_alloc(a, cap * sizeof(*vn));
	int rc;
	while ((rc = db_step(q, err)) == SQLITE_ROW) {
		if (cnt == cap) {
			const char **ni = arena_alloc(a, 2 * cap * sizeof(*ni));
			const char **nn = arena_alloc(a, 2 * cap * sizeof(*nn));
			memcpy(ni, vi, cap * sizeof(*ni));
			memcpy(nn, vn, cap * sizeof(*nn));
			vi = ni;
			vn = nn;
			cap *= 2;
		}
		vi[cnt] = arena_strdup(a, db_column_text(q, 0));
		vn[cnt] = arena_strdup(a, db_column_text(q, 1));
		cnt++;
	}
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	*ids = vi;
	*names = vn;
	*n = cnt;
	return 0;
}

static int app_cred_roles(struct arena *a, struct identity_auth *auth, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_APP_CRED_ROLES, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, auth->app_cred_id);
	const char **ids = arena_alloc(a, (auth->nroles + 1) * sizeof(*ids));
	const char **names = arena_alloc(a, (auth->nroles + 1) * sizeof(*names));
	size_t n = 0;
	bool lost = false;
	int rc;
	while ((rc = db_step(q, err)) == SQLITE_ROW) {
		const char *id = db_column_text(q, 0);
		bool held = false;
		for (size_t i = 0; i < auth->nroles; i++)
			if (!strcmp(auth->role_ids[i], id))
				held = true;
		if (!held) {
			/* A role the credential names is gone from its user. */
			if (sqlite3_column_int(q, 2))
				lost = true;
			continue;
		}
		if (n < auth->nroles) {
			ids[n] = arena_strdup(a, id);
			names[n] = arena_strdup(a, db_column_text(q, 1));
			n++;
		}
	}
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	if (lost || n == 0)
		return api_fail(err, API_UNAUTHORIZED, unauthorized);
	auth->role_ids = ids;
	auth->roles = names;
	auth->nroles = n;
	return 0;
}

static int load_user(struct arena *a, struct identity_auth *auth, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_USER, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, auth->user_id);
	int rc = db_step(q, err);
	if (rc == SQLITE_ROW && sqlite3_column_int(q, 2) && sqlite3_column_int(q, 4)) {
		auth->user_name = arena_strdup(a, db_column_text(q, 0));
		auth->user_domain_id = arena_strdup(a, db_column_text(q, 1));
		auth->user_domain_name = arena_strdup(a, db_column_text(q, 3));
	}
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	if (!auth->user_name)
		return api_fail(err, API_UNAUTHORIZED, unauthorized);
	return 0;
}

static int load_scope(struct arena *a, const struct identity_token *t, struct identity_auth *auth,
                      struct api_error *err)
{
	if (t->scope == 'p') {
		sqlite3_stmt *q = db_stmt(SQL_PROJECT, err);
		if (!q)
			return -1;
		db_bind_text(q, 1, t->scope_id);
		int rc = db_step(q, err);
		if (rc == SQLITE_ROW && sqlite3_column_int(q, 2) && sqlite3_column_int(q, 4)) {
			auth->project_id = arena_strdup(a, t->scope_id);
			auth->project_name = arena_strdup(a, db_column_text(q, 0));
			auth->project_domain_id = arena_strdup(a, db_column_text(q, 1));
			auth->project_domain_name = arena_strdup(a, db_column_text(q, 3));
		}
		sqlite3_reset(q);
		if (rc < 0)
			return -1;
		if (!auth->project_id)
			return api_fail(err, API_UNAUTHORIZED, unauthorized);
	} else if (t->scope == 'd') {
		sqlite3_stmt *q = db_stmt(SQL_DOMAIN, err);
		if (!q)
			return -1;
		db_bind_text(q, 1, t->scope_id);
		int rc = db_step(q, err);
		if (rc == SQLITE_ROW && sqlite3_column_int(q, 1)) {
			auth->domain_id = arena_strdup(a, t->scope_id);
			auth->domain_name = arena_strdup(a, db_column_text(q, 0));
		}
		sqlite3_reset(q);
		if (rc < 0)
			return -1;
		if (!auth->domain_id)
			return api_fail(err, API_UNAUTHORIZED, unauthorized);
	} else if (t->scope == 's') {
		auth->system = true;
	}
	if (t->scope == 'u') {
		auth->roles = arena_alloc(a, sizeof(char *));
		auth->role_ids = arena_alloc(a, sizeof(char *));
		return 0;
	}
	const char *target = t->scope == 's' ? "system" : t->scope_id;
	if (identity_effective_roles(a, auth->user_id, t->scope, target, &auth->role_ids,
	                             &auth->roles, &auth->nroles, err) != 0)
		return -1;
	if (auth->nroles == 0)
		return api_fail(err, API_UNAUTHORIZED, unauthorized);
	return 0;
}

static int load_app_cred(struct arena *a, const struct identity_token *t,
                         struct identity_auth *auth, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_APP_CRED, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, t->app_cred_id);
	int rc = db_step(q, err);
	bool ok = false;
	if (rc == SQLITE_ROW) {
		double exp = sqlite3_column_double(q, 2);
		ok = !strcmp(db_column_text(q, 0), t->user_id) && t->scope == 'p' &&
		     !strcmp(db_column_text(q, 1), t->scope_id) &&
		     (sqlite3_column_type(q, 2) == SQLITE_NULL || exp > ids_now());
		auth->app_cred_unrestricted = sqlite3_column_int(q, 3) != 0;
		auth->app_cred_name = arena_strdup(a, db_column_text(q, 4));
	}
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	if (!ok)
		return api_fail(err, API_UNAUTHORIZED, unauthorized);
	auth->app_cred_id = arena_strdup(a, t->app_cred_id);
	return app_cred_roles(a, auth, err);
}

/* The identity a decoded token stands for, checked against the database. */
static int resolve(struct identity_state *st, struct arena *a, const char *token,
                   const struct identity_token *t, struct identity_auth *auth,
                   struct api_error *err)
{
	memset(auth, 0, sizeof(*auth));
	if (t->expires_at <= ids_now())
		return api_fail(err, API_UNAUTHORIZED, unauthorized);
	auth->token_id = arena_strdup(a, token);
	auth->user_id = t->user_id;
	auth->issued_at = t->issued_at;
	auth->expires_at = t->expires_at;
	auth->audit_id = t->audit_id;
	auth->parent_audit_id = t->parent_audit_id;
	auth->methods = t->methods;
	if (load_user(a, auth, err) != 0 || load_scope(a, t, auth, err) != 0)
		return -1;
	if (t->app_cred_id && load_app_cred(a, t, auth, err) != 0)
		return -1;
	if (identity_is_revoked(st, t, auth->project_domain_id))
		return api_fail(err, API_UNAUTHORIZED, unauthorized);
	return 0;
}

/* ---- the cache ---- */

static char *dup(const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

static void entry_clear(struct identity_cached_auth *e)
{
	struct identity_auth *x = &e->auth;
	free(e->token);
	free((char *)x->token_id);
	free((char *)x->user_id);
	free((char *)x->user_name);
	free((char *)x->user_domain_id);
	free((char *)x->user_domain_name);
	free((char *)x->project_id);
	free((char *)x->project_name);
	free((char *)x->project_domain_id);
	free((char *)x->project_domain_name);
	free((char *)x->domain_id);
	free((char *)x->domain_name);
	free((char *)x->audit_id);
	free((char *)x->parent_audit_id);
	free((char *)x->app_cred_id);
	free((char *)x->app_cred_name);
	for (size_t i = 0; i < x->nroles; i++) {
		free((char *)x->roles[i]);
		free((char *)x->role_ids[i]);
	}
	free(x->roles);
	free(x->role_ids);
	free(e->body[0]);
	free(e->body[1]);
	memset(e, 0, sizeof(*e));
}

void identity_cache_free(struct identity_state *st)
{
	for (size_t i = 0; i < IDENTITY_AUTH_CACHE; i++)
		entry_clear(&st->cache[i]);
}

/* Copies src with every string duplicated by dupfn(ctx, s). */
static void copy_auth(struct identity_auth *dst, const struct identity_auth *src,
                      char *(*dupfn)(void *, const char *), void *ctx,
                      void *(*allocfn)(void *, size_t))
{
	*dst = *src;
	dst->token_id = dupfn(ctx, src->token_id);
	dst->user_id = dupfn(ctx, src->user_id);
	dst->user_name = dupfn(ctx, src->user_name);
	dst->user_domain_id = dupfn(ctx, src->user_domain_id);
	dst->user_domain_name = dupfn(ctx, src->user_domain_name);
	dst->project_id = dupfn(ctx, src->project_id);
	dst->project_name = dupfn(ctx, src->project_name);
	dst->project_domain_id = dupfn(ctx, src->project_domain_id);
	dst->project_domain_name = dupfn(ctx, src->project_domain_name);
	dst->domain_id = dupfn(ctx, src->domain_id);
	dst->domain_name = dupfn(ctx, src->domain_name);
	dst->audit_id = dupfn(ctx, src->audit_id);
	dst->parent_audit_id = dupfn(ctx, src->parent_audit_id);
	dst->app_cred_id = dupfn(ctx, src->app_cred_id);
	dst->app_cred_name = dupfn(ctx, src->app_cred_name);
	dst->roles = allocfn(ctx, (src->nroles + 1) * sizeof(char *));
	dst->role_ids = allocfn(ctx, (src->nroles + 1) * sizeof(char *));
	for (size_t i = 0; i < src->nroles; i++) {
		dst->roles[i] = dupfn(ctx, src->roles[i]);
		dst->role_ids[i] = dupfn(ctx, src->role_ids[i]);
	}
}

static char *heap_dup(void *ctx, const char *s)
{
	(void)ctx;
	return dup(s);
}

static void *heap_alloc(void *ctx, size_t n)
{
	(void)ctx;
	void *p = calloc(1, n);
	if (!p)
		abort();
	return p;
}

static char *arena_dup(void *ctx, const char *s)
{
	return arena_strdup(ctx, s);
}

static void *arena_alloc_cb(void *ctx, size_t n)
{
	return arena_alloc(ctx, n);
}

static size_t slot_of(const char *token)
{
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *p = (const unsigned char *)token; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)(h % IDENTITY_AUTH_CACHE);
}

int identity_validate(struct identity_state *st, struct arena *a, const char *token,
                      struct identity_auth **out, struct api_error *err)
{
	if (!token || !*token || strlen(token) > IDENTITY_TOKEN_MAX)
		return api_fail(err, API_UNAUTHORIZED, unauthorized);
	uint64_t gen = atomic_load(&st->gen);
	size_t slot = slot_of(token);
	struct identity_auth *auth = arena_alloc(a, sizeof(*auth));
	double now = ids_now();

	pthread_mutex_lock(&st->lock);
	struct identity_cached_auth *e = &st->cache[slot];
	if (e->token && e->gen == gen && e->auth.expires_at > now && !strcmp(e->token, token)) {
		copy_auth(auth, &e->auth, arena_dup, a, arena_alloc_cb);
		pthread_mutex_unlock(&st->lock);
		*out = auth;
		return 0;
	}
	pthread_mutex_unlock(&st->lock);

	struct identity_token t;
	if (identity_token_decode(a, st->token_key, token, &t, err) != 0)
		return -1;
	if (resolve(st, a, token, &t, auth, err) != 0)
		return -1;

	pthread_mutex_lock(&st->lock);
	e = &st->cache[slot];
	entry_clear(e);
	e->token = dup(token);
	e->gen = gen;
	copy_auth(&e->auth, auth, heap_dup, NULL, heap_alloc);
	pthread_mutex_unlock(&st->lock);
	*out = auth;
	return 0;
}

int identity_token_body_text(struct identity_state *st, struct arena *a,
                             const struct identity_auth *auth, bool catalog, char **text,
                             size_t *len, struct api_error *err)
{
	uint64_t gen = atomic_load(&st->gen);
	size_t slot = slot_of(auth->token_id);
	int k = catalog ? 1 : 0;
	pthread_mutex_lock(&st->lock);
	struct identity_cached_auth *e = &st->cache[slot];
	if (e->token && e->gen == gen && e->body[k] && !strcmp(e->token, auth->token_id)) {
		*len = e->body_len[k];
		*text = arena_strndup(a, e->body[k], *len);
		pthread_mutex_unlock(&st->lock);
		return 0;
	}
	pthread_mutex_unlock(&st->lock);
	json_t *body = identity_token_body(st, auth, catalog, err);
	if (!body)
		return -1;
	char *dumped = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!dumped)
		return api_fail(err, API_INTERNAL, "out of memory rendering a token");
	*len = strlen(dumped);
	*text = arena_strndup(a, dumped, *len);
	pthread_mutex_lock(&st->lock);
	e = &st->cache[slot];
	if (e->token && e->gen == gen && !e->body[k] && !strcmp(e->token, auth->token_id)) {
		e->body[k] = dumped;
		e->body_len[k] = *len;
		dumped = NULL;
	}
	pthread_mutex_unlock(&st->lock);
	free(dumped);
	return 0;
}

int identity_authenticator(void *ctx, struct http_request *req, struct api_error *err)
{
	struct identity_state *st = ctx;
	const char *token = http_header(req, "X-Auth-Token");
	if (!token)
		return api_fail(err, API_UNAUTHORIZED, unauthorized);
	struct identity_auth *auth;
	if (identity_validate(st, req->arena, token, &auth, err) != 0) {
		if (err->kind != API_UNAUTHORIZED)
			log_error("msg=\"token validation failed\" error=\"%s\"", err->message);
		return -1;
	}
	req->auth = auth;
	return 0;
}

int identity_issue(struct identity_state *st, struct arena *a, const struct identity_token *t,
                   struct identity_auth **out, struct api_error *err)
{
	char *token = identity_token_encode(a, st->token_key, t);
	struct identity_auth *auth = arena_alloc(a, sizeof(*auth));
	if (resolve(st, a, token, t, auth, err) != 0)
		return -1;
	*out = auth;
	return 0;
}
