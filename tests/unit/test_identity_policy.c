/* Unit tests of the policy table: admin everywhere, owners on their own
 * user/project/assignments, nobody else; unknown rules refused. */
#include <string.h>

#include "check.h"
#include "identity/internal.h"

static struct http_request request(struct identity_auth *auth, const char *k1, const char *v1,
                                   const char *k2, const char *v2, struct http_kv *query,
                                   size_t nquery)
{
	struct http_request req = {0};
	req.auth = auth;
	if (k1)
		req.params[req.nparams++] = (struct http_kv){k1, v1};
	if (k2)
		req.params[req.nparams++] = (struct http_kv){k2, v2};
	req.query = query;
	req.nquery = nquery;
	return req;
}

static bool allowed(struct http_request *req, const char *rule)
{
	struct api_error err = {0};
	int rc = identity_authorize(req, rule, &err);
	if (rc != 0)
		CHECK(err.kind == API_FORBIDDEN && strstr(err.message, rule));
	return rc == 0;
}

int main(void)
{
	const char *admin_roles[] = {"admin", "member", "reader"};
	const char *member_roles[] = {"member", "reader"};
	struct identity_auth admin = {
	    .user_id = "a", .project_id = "pa", .roles = admin_roles, .nroles = 3};
	struct identity_auth member = {.user_id = "m",
	                               .project_id = "pm",
	                               .project_domain_id = "default",
	                               .roles = member_roles,
	                               .nroles = 2};
	struct identity_auth unscoped = {.user_id = "m"};

	struct http_request r = request(&admin, "user_id", "other", NULL, NULL, NULL, 0);
	CHECK(allowed(&r, "identity:list_users"));
	CHECK(allowed(&r, "identity:get_user"));
	CHECK(allowed(&r, "identity:no_such_rule")); /* admin passes everything */

	r = request(&member, "user_id", "m", NULL, NULL, NULL, 0);
	CHECK(allowed(&r, "identity:get_user"));
	CHECK(allowed(&r, "identity:list_user_projects"));
	CHECK(allowed(&r, "identity:create_application_credential"));
	CHECK(!allowed(&r, "identity:update_user"));
	CHECK(!allowed(&r, "identity:list_users"));
	CHECK(!allowed(&r, "identity:no_such_rule")); /* unknown: admin only */
	r = request(&member, "user_id", "other", NULL, NULL, NULL, 0);
	CHECK(!allowed(&r, "identity:get_user"));
	CHECK(!allowed(&r, "identity:get_application_credential"));

	r = request(&member, "project_id", "pm", NULL, NULL, NULL, 0);
	CHECK(allowed(&r, "identity:get_project"));
	CHECK(!allowed(&r, "identity:update_project"));
	r = request(&member, "project_id", "pa", NULL, NULL, NULL, 0);
	CHECK(!allowed(&r, "identity:get_project"));

	r = request(&member, "project_id", "pm", "user_id", "m", NULL, 0);
	CHECK(allowed(&r, "identity:list_grants"));
	CHECK(!allowed(&r, "identity:create_grant"));
	r = request(&member, "project_id", "pm", "user_id", "x", NULL, 0);
	CHECK(!allowed(&r, "identity:list_grants"));

	struct http_kv mine[] = {{"user.id", "m"}};
	struct http_kv theirs[] = {{"user.id", "x"}};
	r = request(&member, NULL, NULL, NULL, NULL, mine, 1);
	CHECK(allowed(&r, "identity:list_role_assignments"));
	r = request(&member, NULL, NULL, NULL, NULL, theirs, 1);
	CHECK(!allowed(&r, "identity:list_role_assignments"));
	r = request(&member, NULL, NULL, NULL, NULL, NULL, 0);
	CHECK(!allowed(&r, "identity:list_role_assignments"));

	r = request(&member, "domain_id", "default", NULL, NULL, NULL, 0);
	CHECK(allowed(&r, "identity:get_domain"));
	r = request(&member, "domain_id", "other", NULL, NULL, NULL, 0);
	CHECK(!allowed(&r, "identity:get_domain"));

	r = request(&unscoped, NULL, NULL, NULL, NULL, NULL, 0);
	CHECK(allowed(&r, "identity:get_auth_projects"));
	CHECK(!allowed(&r, "identity:get_auth_catalog")); /* needs a scope */

	r = request(NULL, NULL, NULL, NULL, NULL, NULL, 0);
	CHECK(!allowed(&r, "identity:get_auth_projects"));

	CHECK(identity_auth_is_admin(&admin) && !identity_auth_is_admin(&member));
	CHECK(identity_auth_has_role(&member, "reader") && !identity_auth_has_role(&member, "x"));
	CHECK(!identity_auth_has_role(NULL, "reader"));
	return check_done("test_identity_policy");
}
