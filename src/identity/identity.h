/* What other services may know of identity: who is calling (the validated
 * token, attached to each authenticated request as req->auth) and a few
 * questions about projects and users. Other services never read identity's
 * tables. */
#ifndef STACKD_IDENTITY_H
#define STACKD_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/http-t.h"

struct identity_auth {
	const char *token_id;
	const char *user_id, *user_name, *user_domain_id;
	/* The scope: exactly one of project_id, domain_id, system is set
	 * (none for an unscoped token). */
	const char *project_id, *project_name, *project_domain_id;
	const char *domain_id, *domain_name;
	bool system;
	const char **roles; /* role names, implied roles expanded */
	size_t nroles;
	const char **role_ids;
	double issued_at, expires_at;
	const char *audit_id;
	const char *app_cred_id; /* set when authenticated by an application credential */
	/* Added for the token body; other services need not read them. */
	const char *user_domain_name, *project_domain_name;
	const char *parent_audit_id; /* of the token this one was rescoped from */
	const char *app_cred_name;
	bool app_cred_unrestricted;
	unsigned methods;           /* IDENTITY_METHOD_* bits (identity/token.h) */
	double password_expires_at; /* 0: never */
};

/* The caller of an authenticated request (NULL on public routes). */
static inline const struct identity_auth *identity_auth_of(const struct http_request *req)
{
	return (const struct identity_auth *)req->auth;
}

bool identity_auth_has_role(const struct identity_auth *auth, const char *role);
/* Holds the admin role (on any scope): Keystone's default "admin_required". */
bool identity_auth_is_admin(const struct identity_auth *auth);

/* Whether a project / user exists and is enabled (for quota and ACL checks
 * of other services). */
bool identity_project_exists(const char *project_id);
bool identity_user_exists(const char *user_id);
/* The project's name, copied into buf; -1 when unknown. */
int identity_project_name(const char *project_id, char *buf, size_t len);
/* The id of the enabled project of that name in the default domain, copied
 * into buf; -1 when there is none. */
int identity_project_id_by_name(const char *name, char *buf, size_t len);

#endif
