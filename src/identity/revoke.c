/* Revocation events (Keystone's revoke model): a row per event, kept in
 * memory too, since every cache miss of token validation consults them.
 * Events older than the longest token lifetime can match nothing and are
 * dropped at start-up. */
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "identity/internal.h"

static const char SQL_PRUNE[] = "DELETE FROM identity_revocations WHERE revoked_at < ?";
static const char SQL_LOAD[] = "SELECT audit_id, user_id, project_id, domain_id, role_id, "
                               "app_cred_id, issued_before FROM identity_revocations";
static const char SQL_INSERT[] =
    "INSERT INTO identity_revocations(audit_id, user_id, project_id, domain_id, role_id, "
    "app_cred_id, issued_before, revoked_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)";

static char *dup(const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

static void append(struct identity_state *st, const char *audit_id, const char *user_id,
                   const char *project_id, const char *domain_id, const char *role_id,
                   const char *app_cred_id, double issued_before)
{
	if (st->nrevs == st->caprevs) {
		st->caprevs = st->caprevs ? st->caprevs * 2 : 64;
		st->revs = realloc(st->revs, st->caprevs * sizeof(*st->revs));
		if (!st->revs)
			abort();
	}
	struct identity_revocation *r = &st->revs[st->nrevs++];
	r->audit_id = dup(audit_id);
	r->user_id = dup(user_id);
	r->project_id = dup(project_id);
	r->domain_id = dup(domain_id);
	r->role_id = dup(role_id);
	r->app_cred_id = dup(app_cred_id);
	r->issued_before = issued_before;
}

int identity_revocations_load(struct identity_state *st, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_PRUNE, err);
	if (!q)
		return -1;
	sqlite3_bind_double(q, 1, ids_now() - (double)st->token_ttl - 3600);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	q = db_stmt(SQL_LOAD, err);
	if (!q)
		return -1;
	int rc;
	pthread_mutex_lock(&st->lock);
	while ((rc = db_step(q, err)) == SQLITE_ROW)
		append(st, db_column_text(q, 0), db_column_text(q, 1), db_column_text(q, 2),
		       db_column_text(q, 3), db_column_text(q, 4), db_column_text(q, 5),
		       sqlite3_column_double(q, 6));
	pthread_mutex_unlock(&st->lock);
	sqlite3_reset(q);
	return rc < 0 ? -1 : 0;
}

void identity_revocations_free(struct identity_state *st)
{
	for (size_t i = 0; i < st->nrevs; i++) {
		struct identity_revocation *r = &st->revs[i];
		free(r->audit_id);
		free(r->user_id);
		free(r->project_id);
		free(r->domain_id);
		free(r->role_id);
		free(r->app_cred_id);
	}
	free(st->revs);
	st->revs = NULL;
	st->nrevs = st->caprevs = 0;
}

int identity_revoke(struct identity_state *st, const char *audit_id, const char *user_id,
                    const char *project_id, const char *domain_id, const char *role_id,
                    const char *app_cred_id, struct api_error *err)
{
	double now = ids_now();
	sqlite3_stmt *q = db_stmt(SQL_INSERT, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, audit_id);
	db_bind_text(q, 2, user_id);
	db_bind_text(q, 3, project_id);
	db_bind_text(q, 4, domain_id);
	db_bind_text(q, 5, role_id);
	db_bind_text(q, 6, app_cred_id);
	sqlite3_bind_double(q, 7, now);
	sqlite3_bind_double(q, 8, now);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	/* In memory at once: if the caller's transaction rolls back, a
	 * spurious event revokes more than needed until restart, never less. */
	pthread_mutex_lock(&st->lock);
	append(st, audit_id, user_id, project_id, domain_id, role_id, app_cred_id, now);
	pthread_mutex_unlock(&st->lock);
	identity_changed(st);
	return 0;
}

static bool field_matches(const char *ev, const char *v)
{
	return !ev || (v && !strcmp(ev, v));
}

bool identity_is_revoked(struct identity_state *st, const struct identity_token *t,
                         const char *project_domain_id)
{
	const char *project_id = t->scope == 'p' ? t->scope_id : NULL;
	const char *domain_id = t->scope == 'd' ? t->scope_id : project_domain_id;
	bool revoked = false;
	pthread_mutex_lock(&st->lock);
	for (size_t i = 0; i < st->nrevs && !revoked; i++) {
		const struct identity_revocation *r = &st->revs[i];
		if (t->issued_at > r->issued_before)
			continue;
		bool audit = !r->audit_id || !strcmp(r->audit_id, t->audit_id);
		revoked = audit && field_matches(r->user_id, t->user_id) &&
		          field_matches(r->project_id, project_id) &&
		          field_matches(r->domain_id, domain_id) &&
		          field_matches(r->app_cred_id, t->app_cred_id);
		/* role_id events are narrowed by the caller (user + project)
		 * fields; the role itself is not in the payload. */
	}
	pthread_mutex_unlock(&st->lock);
	return revoked;
}
