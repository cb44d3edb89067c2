/* Keystone's default policies, reduced to what they mean for a cloud
 * without enforce_scope: `admin` (on any scope) may do everything; other
 * callers may read their own user, project and role assignments, list
 * their projects and manage their own application credentials. The rule
 * names are Keystone's, so the route table reads like its policy file. */
#include <string.h>

#include "core/log.h"
#include "identity/internal.h"

enum check {
	CHECK_ADMIN,         /* admin_required */
	CHECK_TOKEN,         /* any valid token */
	CHECK_SCOPED,        /* any valid scoped token */
	CHECK_OWNER_USER,    /* admin or {user_id} is the caller */
	CHECK_OWN_PROJECT,   /* admin or {project_id} is the caller's project */
	CHECK_ASSIGNMENTS,   /* admin or ?user.id is the caller */
	CHECK_PROJECT_ROLES, /* admin or {user_id} is the caller on its project */
	CHECK_OWN_DOMAIN     /* admin or {domain_id} is the caller's (project's) domain */
};

static const struct {
	const char *rule;
	enum check check;
} rules[] = {
    {"identity:validate_token", CHECK_TOKEN}, /* subject checked by the handler */
    {"identity:check_token", CHECK_TOKEN},
    {"identity:revoke_token", CHECK_TOKEN},
    {"identity:get_auth_catalog", CHECK_SCOPED},
    {"identity:get_auth_projects", CHECK_TOKEN},
    {"identity:get_auth_domains", CHECK_TOKEN},
    {"identity:get_auth_system", CHECK_TOKEN},
    {"identity:not_implemented", CHECK_TOKEN}, /* 501 for any valid token */
    {"identity:get_user", CHECK_OWNER_USER},
    {"identity:list_user_projects", CHECK_OWNER_USER},
    {"identity:list_groups_for_user", CHECK_OWNER_USER},
    {"identity:get_project", CHECK_OWN_PROJECT},
    {"identity:get_domain", CHECK_OWN_DOMAIN},
    {"identity:list_project_tags", CHECK_OWN_PROJECT},
    {"identity:get_project_tag", CHECK_OWN_PROJECT},
    {"identity:list_role_assignments", CHECK_ASSIGNMENTS},
    {"identity:list_grants", CHECK_PROJECT_ROLES},
    {"identity:check_grant", CHECK_PROJECT_ROLES},
    {"identity:get_application_credential", CHECK_OWNER_USER},
    {"identity:list_application_credentials", CHECK_OWNER_USER},
    {"identity:create_application_credential", CHECK_OWNER_USER},
    {"identity:delete_application_credential", CHECK_OWNER_USER},
    /* credentials: the handlers limit non-admins to their own */
    {"identity:list_credentials", CHECK_TOKEN},
    {"identity:create_credential", CHECK_TOKEN},
    {"identity:get_credential", CHECK_TOKEN},
    {"identity:update_credential", CHECK_TOKEN},
    {"identity:delete_credential", CHECK_TOKEN},
    {"identity:ec2_list_credentials", CHECK_OWNER_USER},
    {"identity:ec2_create_credential", CHECK_OWNER_USER},
    {"identity:ec2_get_credential", CHECK_OWNER_USER},
    {"identity:ec2_delete_credential", CHECK_OWNER_USER},
};

static bool is_self(const struct identity_auth *auth, const char *user_id)
{
	return user_id && auth->user_id && !strcmp(user_id, auth->user_id);
}

static bool allowed(struct http_request *req, const struct identity_auth *auth, enum check c)
{
	if (identity_auth_is_admin(auth))
		return true;
	switch (c) {
	case CHECK_ADMIN:
		return false;
	case CHECK_TOKEN:
		return true;
	case CHECK_SCOPED:
		return auth->project_id || auth->domain_id || auth->system;
	case CHECK_OWNER_USER:
		return is_self(auth, http_param(req, "user_id"));
	case CHECK_OWN_PROJECT: {
		const char *pid = http_param(req, "project_id");
		return pid && auth->project_id && !strcmp(pid, auth->project_id);
	}
	case CHECK_ASSIGNMENTS:
		return is_self(auth, http_query(req, "user.id"));
	case CHECK_PROJECT_ROLES: {
		const char *pid = http_param(req, "project_id");
		return is_self(auth, http_param(req, "user_id")) && pid && auth->project_id &&
		       !strcmp(pid, auth->project_id);
	}
	case CHECK_OWN_DOMAIN: {
		const char *did = http_param(req, "domain_id");
		const char *mine = auth->domain_id ? auth->domain_id : auth->project_domain_id;
		return did && mine && !strcmp(did, mine);
	}
	}
	return false;
}

int identity_authorize(struct http_request *req, const char *rule, struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	enum check c = CHECK_ADMIN;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(rules[i].rule, rule))
			c = rules[i].check;
	if (auth && allowed(req, auth, c))
		return 0;
	return api_fail(err, API_FORBIDDEN,
	                "You are not authorized to perform the requested action: %s.", rule);
}
