/* What the files of src/identity share: the service's state (token key,
 * caches, revocation list) and the functions one file offers the others.
 * Other services use identity.h only. */
#ifndef STACKD_IDENTITY_INTERNAL_H
#define STACKD_IDENTITY_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "core/http.h"
#include "identity/identity.h"
#include "identity/token.h"
#include "service.h"

#define IDENTITY_AUTH_CACHE 4096
#define IDENTITY_NAME_MAX 255
#define IDENTITY_SHORT_NAME_MAX 64 /* projects and domains, as Keystone */

/* A validated token, kept so that the next request with the same token
 * costs one decrypt-free lookup. Valid while gen matches the state's. */
struct identity_cached_auth {
	char *token;
	uint64_t gen;
	struct identity_auth auth; /* strings owned by the entry */
	/* The validation response (GET /v3/auth/tokens) without and with the
	 * catalog, rendered on first use: NULL until then. */
	char *body[2];
	size_t body_len[2];
};

struct identity_revocation {
	char *audit_id, *user_id, *project_id, *domain_id, *role_id, *app_cred_id;
	double issued_before;
};

struct identity_state {
	char *public_url; /* no trailing slash */
	char *data_dir;
	char *auth_url; /* public_url + "/identity" */
	unsigned char token_key[IDENTITY_TOKEN_KEY_BYTES];
	int64_t token_ttl;
	/* Bumped by every write (see routes.c finish hook): invalidates the
	 * token cache and the catalog. */
	atomic_uint_fast64_t gen;

	pthread_mutex_t lock; /* guards everything below */
	struct identity_cached_auth cache[IDENTITY_AUTH_CACHE];
	struct identity_revocation *revs;
	size_t nrevs, caprevs;
	json_t *catalog; /* template with %(project_id)s, NULL when stale */
	uint64_t catalog_gen;

	struct http_service service;
};

/* ---- module.c ---- */
/* The state of the running identity service (for identity.h's helpers
 * that take no request). */
void identity_changed(struct identity_state *st);

/* ---- password.c ---- */
int identity_password_hash(const char *password, char out[crypto_pwhash_STRBYTES],
                           struct api_error *err);
bool identity_password_verify(const char *hash, const char *password);
/* Burns the time of a verification, for unknown users. */
void identity_password_dummy(const char *password);

/* ---- bootstrap.c ---- */
int identity_bootstrap(struct identity_state *st, const struct stackd_env *env,
                       struct api_error *err);

/* ---- catalog.c ---- */
/* The catalog as Keystone's token shows it, templates filled with
 * project_id (NULL: entries needing it are left out). */
json_t *identity_catalog(struct identity_state *st, const char *project_id, struct api_error *err);

/* ---- validate.c ---- */
/* Turns a token string into the caller's identity (arena-allocated):
 * 401-kind error when it is invalid, expired or revoked. */
int identity_validate(struct identity_state *st, struct arena *a, const char *token,
                      struct identity_auth **out, struct api_error *err);
int identity_authenticator(void *ctx, struct http_request *req, struct api_error *err);
void identity_cache_free(struct identity_state *st);
/* Makes the token string for t and resolves it as validation would: a
 * 401 when the user has no role on the scope. */
int identity_issue(struct identity_state *st, struct arena *a, const struct identity_token *t,
                   struct identity_auth **out, struct api_error *err);
/* Effective role ids and names of a user on a scope (group and implied
 * roles included); *n = 0 when none. kind: 'p' project, 'd' domain, 's'
 * system. */
int identity_effective_roles(struct arena *a, const char *user_id, char kind, const char *target_id,
                             const char ***ids, const char ***names, size_t *n,
                             struct api_error *err);

/* The token document of a validated token as JSON text (arena copy),
 * rendered once per token and identity write. */
int identity_token_body_text(struct identity_state *st, struct arena *a,
                             const struct identity_auth *auth, bool catalog, char **text,
                             size_t *len, struct api_error *err);

/* ---- revoke.c ---- */
int identity_revocations_load(struct identity_state *st, struct api_error *err);
void identity_revocations_free(struct identity_state *st);
/* Records an event; fields may be NULL. Runs inside the caller's
 * transaction when one is open. */
int identity_revoke(struct identity_state *st, const char *audit_id, const char *user_id,
                    const char *project_id, const char *domain_id, const char *role_id,
                    const char *app_cred_id, struct api_error *err);
/* Whether an event revokes the token (caller holds no lock). */
bool identity_is_revoked(struct identity_state *st, const struct identity_token *t,
                         const char *project_domain_id);

/* ---- token_body.c ---- */
/* Keystone's {"token": {...}} for a validated identity. */
json_t *identity_token_body(struct identity_state *st, const struct identity_auth *auth,
                            bool catalog, struct api_error *err);

/* ---- auth.c ---- */
int identity_post_tokens(struct http_request *req, struct http_response *resp,
                         struct api_error *err);

/* ---- tokens_api.c ---- */
int identity_get_token(struct http_request *req, struct http_response *resp, struct api_error *err);
int identity_head_token(struct http_request *req, struct http_response *resp,
                        struct api_error *err);
int identity_delete_token(struct http_request *req, struct http_response *resp,
                          struct api_error *err);
int identity_get_auth_catalog(struct http_request *req, struct http_response *resp,
                              struct api_error *err);
int identity_get_auth_projects(struct http_request *req, struct http_response *resp,
                               struct api_error *err);
int identity_get_auth_domains(struct http_request *req, struct http_response *resp,
                              struct api_error *err);
int identity_get_auth_system(struct http_request *req, struct http_response *resp,
                             struct api_error *err);

/* ---- policy.c ---- */
int identity_authorize(struct http_request *req, const char *rule, struct api_error *err);

/* ---- routes.c ---- */
void identity_render_error(struct http_request *req, struct http_response *resp,
                           const struct api_error *err);
void identity_finish(struct http_request *req, struct http_response *resp);
extern const struct http_route identity_routes[];
extern const size_t identity_nroutes;

/* ---- util.c: shared by the resource files ---- */
/* {"self": "<auth_url>/v3/<kind>/<id>"} */
json_t *identity_links(struct identity_state *st, const char *kind, const char *id);
/* {"self": ..., "previous": null, "next": null} for a collection. */
json_t *identity_collection_links(struct identity_state *st, struct http_request *req);
/* The request body's single top-level object {"<key>": {...}}; 400 else. */
int identity_body_object(struct http_request *req, const char *key, json_t **out,
                         struct api_error *err);
/* Checks a name field: a non-empty string of at most 255 characters. */
int identity_check_name(const char *field, const char *name, struct api_error *err);
/* Same with another maximum. */
int identity_check_name_max(const char *field, const char *name, size_t max, struct api_error *err);
/* Parses a query boolean like Keystone ("true"/"1"/""...). */
bool identity_query_bool(const char *v);
/* The value of an optional text column as JSON (null for SQL NULL). */
json_t *identity_col_json(sqlite3_stmt *st, int col);
/* Merges the JSON object in an `extra` column into obj. */
void identity_merge_extra(json_t *obj, const char *extra);
/* The body's fields outside known (NULL-terminated) as a JSON text, for
 * the `extra` column (Keystone keeps unknown attributes). */
char *identity_extra_of(struct arena *a, json_t *body, const char *const *known);
typedef json_t *(*identity_row_fn)(struct identity_state *st, sqlite3_stmt *q);
/* Steps q (bound) to the end, one fn(row) per element. */
int identity_collect(struct identity_state *st, sqlite3_stmt *q, identity_row_fn fn, json_t **out,
                     struct api_error *err);
/* 200 {"<key>": [rows], "links": {...}} */
int identity_reply_list(struct http_request *req, struct http_response *resp, const char *key,
                        sqlite3_stmt *q, identity_row_fn fn, struct api_error *err);
/* The first row as fn makes it; 404 "Could not find <what>: <id>." */
int identity_fetch(struct identity_state *st, sqlite3_stmt *q, identity_row_fn fn, const char *what,
                   const char *id, json_t **out, struct api_error *err);
/* status {"<key>": row} */
int identity_reply_one(struct http_request *req, struct http_response *resp, int status,
                       const char *key, sqlite3_stmt *q, identity_row_fn fn, const char *what,
                       const char *id, struct api_error *err);
/* Whether sql (one ? for id) returns a row. */
int identity_exists(const char *sql, const char *id, bool *found, struct api_error *err);
/* Same, a 404 naming what when it does not. */
int identity_require(const char *sql, const char *id, const char *what, struct api_error *err);
/* Runs a write; a constraint failure becomes a 409 with conflict. */
int identity_run(sqlite3_stmt *q, const char *conflict, struct api_error *err);
/* A string-or-null field: *present says whether the key was there. */
int identity_optional_string(json_t *obj, const char *key, const char **out, bool *present,
                             struct api_error *err);
/* Caller's identity on an authenticated route. */
const struct identity_auth *identity_caller(struct http_request *req);

#endif
