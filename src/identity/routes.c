/* The Keystone v3 API surface: every route of the identity service, with
 * the policy rule it is checked against (NULL: no token needed), then the
 * version documents, the error body and the hook that marks writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity/resources.h"

static int get_versions(struct http_request *req, struct http_response *resp,
                        struct api_error *err);
static int not_implemented(struct http_request *req, struct http_response *resp,
                           struct api_error *err);
static int get_version(struct http_request *req, struct http_response *resp, struct api_error *err);

const struct http_route identity_routes[] = {
    {"GET", "/", get_versions, NULL, NULL},
    {"GET", "/v3", get_version, NULL, NULL},

    {"POST", "/v3/auth/tokens", identity_post_tokens, NULL, NULL},
    {"GET", "/v3/auth/tokens", identity_get_token, NULL, "identity:validate_token"},
    {"HEAD", "/v3/auth/tokens", identity_head_token, NULL, "identity:check_token"},
    {"DELETE", "/v3/auth/tokens", identity_delete_token, NULL, "identity:revoke_token"},
    {"GET", "/v3/auth/catalog", identity_get_auth_catalog, NULL, "identity:get_auth_catalog"},
    {"GET", "/v3/auth/projects", identity_get_auth_projects, NULL, "identity:get_auth_projects"},
    {"GET", "/v3/auth/domains", identity_get_auth_domains, NULL, "identity:get_auth_domains"},
    {"GET", "/v3/auth/system", identity_get_auth_system, NULL, "identity:get_auth_system"},

    /* domains */
    {"GET", "/v3/domains", identity_list_domains, NULL, "identity:list_domains"},
    {"POST", "/v3/domains", identity_create_domain, NULL, "identity:create_domain"},
    {"GET", "/v3/domains/{domain_id}", identity_get_domain, NULL, "identity:get_domain"},
    {"PATCH", "/v3/domains/{domain_id}", identity_update_domain, NULL, "identity:update_domain"},
    {"DELETE", "/v3/domains/{domain_id}", identity_delete_domain, NULL, "identity:delete_domain"},

    /* projects and their tags */
    {"GET", "/v3/projects", identity_list_projects, NULL, "identity:list_projects"},
    {"POST", "/v3/projects", identity_create_project, NULL, "identity:create_project"},
    {"GET", "/v3/projects/{project_id}", identity_get_project, NULL, "identity:get_project"},
    {"PATCH", "/v3/projects/{project_id}", identity_update_project, NULL,
     "identity:update_project"},
    {"DELETE", "/v3/projects/{project_id}", identity_delete_project, NULL,
     "identity:delete_project"},
    {"GET", "/v3/projects/{project_id}/tags", identity_list_project_tags, NULL,
     "identity:list_project_tags"},
    {"PUT", "/v3/projects/{project_id}/tags", identity_replace_project_tags, NULL,
     "identity:update_project_tags"},
    {"DELETE", "/v3/projects/{project_id}/tags", identity_delete_project_tags, NULL,
     "identity:delete_project_tags"},
    {"GET", "/v3/projects/{project_id}/tags/{tag}", identity_check_project_tag, NULL,
     "identity:get_project_tag"},
    {"PUT", "/v3/projects/{project_id}/tags/{tag}", identity_add_project_tag, NULL,
     "identity:create_project_tag"},
    {"DELETE", "/v3/projects/{project_id}/tags/{tag}", identity_delete_project_tag, NULL,
     "identity:delete_project_tag"},

    /* users */
    {"GET", "/v3/users", identity_list_users, NULL, "identity:list_users"},
    {"POST", "/v3/users", identity_create_user, NULL, "identity:create_user"},
    {"GET", "/v3/users/{user_id}", identity_get_user, NULL, "identity:get_user"},
    {"PATCH", "/v3/users/{user_id}", identity_update_user, NULL, "identity:update_user"},
    {"DELETE", "/v3/users/{user_id}", identity_delete_user, NULL, "identity:delete_user"},
    {"POST", "/v3/users/{user_id}/password", identity_change_password, NULL, NULL},
    {"GET", "/v3/users/{user_id}/groups", identity_list_user_groups, NULL,
     "identity:list_groups_for_user"},
    {"GET", "/v3/users/{user_id}/projects", identity_list_user_projects, NULL,
     "identity:list_user_projects"},
    {"GET", "/v3/users/{user_id}/application_credentials", identity_list_app_creds, NULL,
     "identity:list_application_credentials"},
    {"POST", "/v3/users/{user_id}/application_credentials", identity_create_app_cred, NULL,
     "identity:create_application_credential"},
    {"GET", "/v3/users/{user_id}/application_credentials/{app_cred_id}", identity_get_app_cred,
     NULL, "identity:get_application_credential"},
    {"DELETE", "/v3/users/{user_id}/application_credentials/{app_cred_id}",
     identity_delete_app_cred, NULL, "identity:delete_application_credential"},

    /* groups */
    {"GET", "/v3/groups", identity_list_groups, NULL, "identity:list_groups"},
    {"POST", "/v3/groups", identity_create_group, NULL, "identity:create_group"},
    {"GET", "/v3/groups/{group_id}", identity_get_group, NULL, "identity:get_group"},
    {"PATCH", "/v3/groups/{group_id}", identity_update_group, NULL, "identity:update_group"},
    {"DELETE", "/v3/groups/{group_id}", identity_delete_group, NULL, "identity:delete_group"},
    {"GET", "/v3/groups/{group_id}/users", identity_list_group_users, NULL,
     "identity:list_users_in_group"},
    {"PUT", "/v3/groups/{group_id}/users/{user_id}", identity_add_group_user, NULL,
     "identity:add_user_to_group"},
    {"HEAD", "/v3/groups/{group_id}/users/{user_id}", identity_check_group_user, NULL,
     "identity:check_user_in_group"},
    {"DELETE", "/v3/groups/{group_id}/users/{user_id}", identity_remove_group_user, NULL,
     "identity:remove_user_from_group"},

    /* roles and implied roles */
    {"GET", "/v3/roles", identity_list_roles, NULL, "identity:list_roles"},
    {"POST", "/v3/roles", identity_create_role, NULL, "identity:create_role"},
    {"GET", "/v3/roles/{role_id}", identity_get_role, NULL, "identity:get_role"},
    {"PATCH", "/v3/roles/{role_id}", identity_update_role, NULL, "identity:update_role"},
    {"DELETE", "/v3/roles/{role_id}", identity_delete_role, NULL, "identity:delete_role"},
    {"GET", "/v3/roles/{prior_role_id}/implies", identity_list_implied_roles, NULL,
     "identity:list_implied_roles"},
    {"PUT", "/v3/roles/{prior_role_id}/implies/{implied_role_id}", identity_put_implied_role, NULL,
     "identity:create_implied_role"},
    {"GET", "/v3/roles/{prior_role_id}/implies/{implied_role_id}", identity_get_implied_role, NULL,
     "identity:get_implied_role"},
    {"HEAD", "/v3/roles/{prior_role_id}/implies/{implied_role_id}", identity_check_implied_role,
     NULL, "identity:check_implied_role"},
    {"DELETE", "/v3/roles/{prior_role_id}/implies/{implied_role_id}", identity_delete_implied_role,
     NULL, "identity:delete_implied_role"},
    {"GET", "/v3/role_inferences", identity_list_role_inferences, NULL,
     "identity:list_role_inference_rules"},
    {"GET", "/v3/role_assignments", identity_list_role_assignments, NULL,
     "identity:list_role_assignments"},

    /* grants: user or group, on a project, a domain or the system */
    {"GET", "/v3/projects/{project_id}/users/{user_id}/roles", identity_list_grants, NULL,
     "identity:list_grants"},
    {"PUT", "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", identity_put_grant, NULL,
     "identity:create_grant"},
    {"HEAD", "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", identity_check_grant,
     NULL, "identity:check_grant"},
    {"DELETE", "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", identity_delete_grant,
     NULL, "identity:revoke_grant"},
    {"GET", "/v3/projects/{project_id}/groups/{group_id}/roles", identity_list_grants, NULL,
     "identity:list_grants"},
    {"PUT", "/v3/projects/{project_id}/groups/{group_id}/roles/{role_id}", identity_put_grant, NULL,
     "identity:create_grant"},
    {"HEAD", "/v3/projects/{project_id}/groups/{group_id}/roles/{role_id}", identity_check_grant,
     NULL, "identity:check_grant"},
    {"DELETE", "/v3/projects/{project_id}/groups/{group_id}/roles/{role_id}", identity_delete_grant,
     NULL, "identity:revoke_grant"},
    {"GET", "/v3/domains/{domain_id}/users/{user_id}/roles", identity_list_grants, NULL,
     "identity:list_grants"},
    {"PUT", "/v3/domains/{domain_id}/users/{user_id}/roles/{role_id}", identity_put_grant, NULL,
     "identity:create_grant"},
    {"HEAD", "/v3/domains/{domain_id}/users/{user_id}/roles/{role_id}", identity_check_grant, NULL,
     "identity:check_grant"},
    {"DELETE", "/v3/domains/{domain_id}/users/{user_id}/roles/{role_id}", identity_delete_grant,
     NULL, "identity:revoke_grant"},
    {"GET", "/v3/domains/{domain_id}/groups/{group_id}/roles", identity_list_grants, NULL,
     "identity:list_grants"},
    {"PUT", "/v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}", identity_put_grant, NULL,
     "identity:create_grant"},
    {"HEAD", "/v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}", identity_check_grant,
     NULL, "identity:check_grant"},
    {"DELETE", "/v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}", identity_delete_grant,
     NULL, "identity:revoke_grant"},
    {"GET", "/v3/system/users/{user_id}/roles", identity_list_grants, NULL,
     "identity:list_system_grants"},
    {"PUT", "/v3/system/users/{user_id}/roles/{role_id}", identity_put_grant, NULL,
     "identity:create_system_grant"},
    {"HEAD", "/v3/system/users/{user_id}/roles/{role_id}", identity_check_grant, NULL,
     "identity:check_system_grant"},
    {"DELETE", "/v3/system/users/{user_id}/roles/{role_id}", identity_delete_grant, NULL,
     "identity:revoke_system_grant"},
    {"GET", "/v3/system/groups/{group_id}/roles", identity_list_grants, NULL,
     "identity:list_system_grants"},
    {"PUT", "/v3/system/groups/{group_id}/roles/{role_id}", identity_put_grant, NULL,
     "identity:create_system_grant"},
    {"HEAD", "/v3/system/groups/{group_id}/roles/{role_id}", identity_check_grant, NULL,
     "identity:check_system_grant"},
    {"DELETE", "/v3/system/groups/{group_id}/roles/{role_id}", identity_delete_grant, NULL,
     "identity:revoke_system_grant"},
    {"GET", "/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/inherited_to_projects",
     identity_list_grants, NULL, "identity:list_grants"},
    {"PUT",
     "/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
     identity_put_grant, NULL, "identity:create_grant"},
    {"HEAD",
     "/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
     identity_check_grant, NULL, "identity:check_grant"},
    {"DELETE",
     "/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
     identity_delete_grant, NULL, "identity:revoke_grant"},
    {"GET", "/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/inherited_to_projects",
     identity_list_grants, NULL, "identity:list_grants"},
    {"PUT",
     "/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
     identity_put_grant, NULL, "identity:create_grant"},
    {"HEAD",
     "/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
     identity_check_grant, NULL, "identity:check_grant"},
    {"DELETE",
     "/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
     identity_delete_grant, NULL, "identity:revoke_grant"},
    {"GET", "/v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/inherited_to_projects",
     identity_list_grants, NULL, "identity:list_grants"},
    {"PUT",
     "/v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
     identity_put_grant, NULL, "identity:create_grant"},
    {"HEAD",
     "/v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
     identity_check_grant, NULL, "identity:check_grant"},
    {"DELETE",
     "/v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
     identity_delete_grant, NULL, "identity:revoke_grant"},
    {"GET", "/v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/inherited_to_projects",
     identity_list_grants, NULL, "identity:list_grants"},
    {"PUT",
     "/v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
     identity_put_grant, NULL, "identity:create_grant"},
    {"HEAD",
     "/v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
     identity_check_grant, NULL, "identity:check_grant"},
    {"DELETE",
     "/v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
     identity_delete_grant, NULL, "identity:revoke_grant"},

    /* credentials and EC2 credentials */
    {"GET", "/v3/credentials", identity_list_credentials, NULL, "identity:list_credentials"},
    {"POST", "/v3/credentials", identity_create_credential, NULL, "identity:create_credential"},
    {"GET", "/v3/credentials/{credential_id}", identity_get_credential, NULL,
     "identity:get_credential"},
    {"PATCH", "/v3/credentials/{credential_id}", identity_update_credential, NULL,
     "identity:update_credential"},
    {"DELETE", "/v3/credentials/{credential_id}", identity_delete_credential, NULL,
     "identity:delete_credential"},
    {"GET", "/v3/users/{user_id}/credentials/OS-EC2", identity_list_ec2, NULL,
     "identity:ec2_list_credentials"},
    {"POST", "/v3/users/{user_id}/credentials/OS-EC2", identity_create_ec2, NULL,
     "identity:ec2_create_credential"},
    {"GET", "/v3/users/{user_id}/credentials/OS-EC2/{access}", identity_get_ec2, NULL,
     "identity:ec2_get_credential"},
    {"DELETE", "/v3/users/{user_id}/credentials/OS-EC2/{access}", identity_delete_ec2, NULL,
     "identity:ec2_delete_credential"},

    /* policy blobs and OAuth1 consumers (the OAuth1 flow itself is 501) */
    {"GET", "/v3/policies", identity_list_policies, NULL, "identity:list_policies"},
    {"POST", "/v3/policies", identity_create_policy, NULL, "identity:create_policy"},
    {"GET", "/v3/policies/{policy_id}", identity_get_policy, NULL, "identity:get_policy"},
    {"PATCH", "/v3/policies/{policy_id}", identity_update_policy, NULL, "identity:update_policy"},
    {"DELETE", "/v3/policies/{policy_id}", identity_delete_policy, NULL, "identity:delete_policy"},
    {"GET", "/v3/OS-OAUTH1/consumers", identity_list_consumers, NULL, "identity:list_consumers"},
    {"POST", "/v3/OS-OAUTH1/consumers", identity_create_consumer, NULL, "identity:create_consumer"},
    {"GET", "/v3/OS-OAUTH1/consumers/{consumer_id}", identity_get_consumer, NULL,
     "identity:get_consumer"},
    {"PATCH", "/v3/OS-OAUTH1/consumers/{consumer_id}", identity_update_consumer, NULL,
     "identity:update_consumer"},
    {"DELETE", "/v3/OS-OAUTH1/consumers/{consumer_id}", identity_delete_consumer, NULL,
     "identity:delete_consumer"},

    /* OS-EP-FILTER endpoint groups (their project associations are 501) */
    {"GET", "/v3/OS-EP-FILTER/endpoint_groups", identity_list_endpoint_groups, NULL,
     "identity:list_endpoint_groups"},
    {"POST", "/v3/OS-EP-FILTER/endpoint_groups", identity_create_endpoint_group, NULL,
     "identity:create_endpoint_group"},
    {"GET", "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}", identity_get_endpoint_group,
     NULL, "identity:get_endpoint_group"},
    {"HEAD", "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}", identity_check_endpoint_group,
     NULL, "identity:get_endpoint_group"},
    {"PATCH", "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}",
     identity_update_endpoint_group, NULL, "identity:update_endpoint_group"},
    {"DELETE", "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}",
     identity_delete_endpoint_group, NULL, "identity:delete_endpoint_group"},

    /* the catalog */
    {"GET", "/v3/regions", identity_list_regions, NULL, "identity:list_regions"},
    {"POST", "/v3/regions", identity_create_region, NULL, "identity:create_region"},
    {"GET", "/v3/regions/{region_id}", identity_get_region, NULL, "identity:get_region"},
    {"PUT", "/v3/regions/{region_id}", identity_create_region, NULL, "identity:create_region"},
    {"PATCH", "/v3/regions/{region_id}", identity_update_region, NULL, "identity:update_region"},
    {"DELETE", "/v3/regions/{region_id}", identity_delete_region, NULL, "identity:delete_region"},
    {"GET", "/v3/services", identity_list_services, NULL, "identity:list_services"},
    {"POST", "/v3/services", identity_create_service, NULL, "identity:create_service"},
    {"GET", "/v3/services/{service_id}", identity_get_service, NULL, "identity:get_service"},
    {"PATCH", "/v3/services/{service_id}", identity_update_service, NULL,
     "identity:update_service"},
    {"DELETE", "/v3/services/{service_id}", identity_delete_service, NULL,
     "identity:delete_service"},
    {"GET", "/v3/endpoints", identity_list_endpoints, NULL, "identity:list_endpoints"},
    {"POST", "/v3/endpoints", identity_create_endpoint, NULL, "identity:create_endpoint"},
    {"GET", "/v3/endpoints/{endpoint_id}", identity_get_endpoint, NULL, "identity:get_endpoint"},
    {"PATCH", "/v3/endpoints/{endpoint_id}", identity_update_endpoint, NULL,
     "identity:update_endpoint"},
    {"DELETE", "/v3/endpoints/{endpoint_id}", identity_delete_endpoint, NULL,
     "identity:delete_endpoint"},
    /* Keystone APIs stackd does not implement: 501, not 404 or 405. */
    {"GET", "/v3/users/{user_id}/access_rules", not_implemented, NULL, "identity:not_implemented"},
    {"HEAD", "/v3/users/{user_id}/access_rules", not_implemented, NULL, "identity:not_implemented"},
    {"POST", "/v3/users/{user_id}/access_rules", not_implemented, NULL, "identity:not_implemented"},
    {"PUT", "/v3/users/{user_id}/access_rules", not_implemented, NULL, "identity:not_implemented"},
    {"PATCH", "/v3/users/{user_id}/access_rules", not_implemented, NULL,
     "identity:not_implemented"},
    {"DELETE", "/v3/users/{user_id}/access_rules", not_implemented, NULL,
     "identity:not_implemented"},
    {"GET", "/v3/users/{user_id}/access_rules/{rest*}", not_implemented, NULL,
     "identity:not_implemented"},
    {"HEAD", "/v3/users/{user_id}/access_rules/{rest*}", not_implemented, NULL,
     "identity:not_implemented"},
    {"POST", "/v3/users/{user_id}/access_rules/{rest*}", not_implemented, NULL,
     "identity:not_implemented"},
    {"PUT", "/v3/users/{user_id}/access_rules/{rest*}", not_implemented, NULL,
     "identity:not_implemented"},
    {"PATCH", "/v3/users/{user_id}/access_rules/{rest*}", not_implemented, NULL,
     "identity:not_implemented"},
    {"DELETE", "/v3/users/{user_id}/access_rules/{rest*}", not_implemented, NULL,
     "identity:not_implemented"},
    {"GET", "/v3/domains/{domain_id}/config", not_implemented, NULL, "identity:not_implemented"},
    {"HEAD", "/v3/domains/{domain_id}/config", not_implemented, NULL, "identity:not_implemented"},
    {"POST", "/v3/domains/{domain_id}/config", not_implemented, NULL, "identity:not_implemented"},
    {"PUT", "/v3/domains/{domain_id}/config", not_implemented, NULL, "identity:not_implemented"},
    {"PATCH", "/v3/domains/{domain_id}/config", not_implemented, NULL, "identity:not_implemented"},
    {"DELETE", "/v3/domains/{domain_id}/config", not_implemented, NULL, "identity:not_implemented"},
    {"GET", "/v3/domains/{domain_id}/config/{rest*}", not_implemented, NULL,
     "identity:not_implemented"},
    {"HEAD", "/v3/domains/{domain_id}/config/{rest*}", not_implemented, NULL,
     "identity:not_implemented"},
    {"POST", "/v3/domains/{domain_id}/config/{rest*}", not_implemented, NULL,
     "identity:not_implemented"},
    {"PUT", "/v3/domains/{domain_id}/config/{rest*}", not_implemented, NULL,
     "identity:not_implemented"},
    {"PATCH", "/v3/domains/{domain_id}/config/{rest*}", not_implemented, NULL,
     "identity:not_implemented"},
    {"DELETE", "/v3/domains/{domain_id}/config/{rest*}", not_implemented, NULL,
     "identity:not_implemented"},
    {"GET", "/v3/domains/config/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"HEAD", "/v3/domains/config/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"POST", "/v3/domains/config/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PUT", "/v3/domains/config/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PATCH", "/v3/domains/config/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"DELETE", "/v3/domains/config/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"GET", "/v3/limits", not_implemented, NULL, "identity:not_implemented"},
    {"HEAD", "/v3/limits", not_implemented, NULL, "identity:not_implemented"},
    {"POST", "/v3/limits", not_implemented, NULL, "identity:not_implemented"},
    {"PUT", "/v3/limits", not_implemented, NULL, "identity:not_implemented"},
    {"PATCH", "/v3/limits", not_implemented, NULL, "identity:not_implemented"},
    {"DELETE", "/v3/limits", not_implemented, NULL, "identity:not_implemented"},
    {"GET", "/v3/limits/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"HEAD", "/v3/limits/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"POST", "/v3/limits/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PUT", "/v3/limits/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PATCH", "/v3/limits/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"DELETE", "/v3/limits/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"GET", "/v3/registered_limits", not_implemented, NULL, "identity:not_implemented"},
    {"HEAD", "/v3/registered_limits", not_implemented, NULL, "identity:not_implemented"},
    {"POST", "/v3/registered_limits", not_implemented, NULL, "identity:not_implemented"},
    {"PUT", "/v3/registered_limits", not_implemented, NULL, "identity:not_implemented"},
    {"PATCH", "/v3/registered_limits", not_implemented, NULL, "identity:not_implemented"},
    {"DELETE", "/v3/registered_limits", not_implemented, NULL, "identity:not_implemented"},
    {"GET", "/v3/registered_limits/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"HEAD", "/v3/registered_limits/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"POST", "/v3/registered_limits/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PUT", "/v3/registered_limits/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PATCH", "/v3/registered_limits/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"DELETE", "/v3/registered_limits/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"GET", "/v3/OS-TRUST/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"HEAD", "/v3/OS-TRUST/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"POST", "/v3/OS-TRUST/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PUT", "/v3/OS-TRUST/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PATCH", "/v3/OS-TRUST/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"DELETE", "/v3/OS-TRUST/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"GET", "/v3/OS-FEDERATION/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"HEAD", "/v3/OS-FEDERATION/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"POST", "/v3/OS-FEDERATION/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PUT", "/v3/OS-FEDERATION/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PATCH", "/v3/OS-FEDERATION/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"DELETE", "/v3/OS-FEDERATION/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"GET", "/v3/OS-OAUTH1/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"HEAD", "/v3/OS-OAUTH1/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"POST", "/v3/OS-OAUTH1/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PUT", "/v3/OS-OAUTH1/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PATCH", "/v3/OS-OAUTH1/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"DELETE", "/v3/OS-OAUTH1/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"GET", "/v3/OS-EP-FILTER/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"HEAD", "/v3/OS-EP-FILTER/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"POST", "/v3/OS-EP-FILTER/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PUT", "/v3/OS-EP-FILTER/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PATCH", "/v3/OS-EP-FILTER/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"DELETE", "/v3/OS-EP-FILTER/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"GET", "/v3/OS-REVOKE/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"HEAD", "/v3/OS-REVOKE/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"POST", "/v3/OS-REVOKE/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PUT", "/v3/OS-REVOKE/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PATCH", "/v3/OS-REVOKE/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"DELETE", "/v3/OS-REVOKE/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"GET", "/v3/OS-SIMPLE-CERT/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"HEAD", "/v3/OS-SIMPLE-CERT/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"POST", "/v3/OS-SIMPLE-CERT/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PUT", "/v3/OS-SIMPLE-CERT/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"PATCH", "/v3/OS-SIMPLE-CERT/{rest*}", not_implemented, NULL, "identity:not_implemented"},
    {"DELETE", "/v3/OS-SIMPLE-CERT/{rest*}", not_implemented, NULL, "identity:not_implemented"},
};

const size_t identity_nroutes = sizeof(identity_routes) / sizeof(identity_routes[0]);

static json_t *version_doc(struct identity_state *st)
{
	char *href;
	if (asprintf(&href, "%s/v3/", st->auth_url) < 0)
		abort();
	json_t *v = json_pack("{s:s,s:s,s:s,s:[{s:s,s:s}],s:[{s:s,s:s}]}", "id", "v3.14", "status",
	                      "stable", "updated", "2020-04-07T00:00:00Z", "links", "rel", "self",
	                      "href", href, "media-types", "base", "application/json", "type",
	                      "application/vnd.openstack.identity-v3+json");
	free(href);
	return v;
}

static int get_versions(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	(void)err;
	json_t *doc = json_pack("{s:{s:[o]}}", "versions", "values", version_doc(req->ctx));
	http_reply_json(resp, 300, doc);
	return 0;
}

static int get_version(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	(void)err;
	http_reply_json(resp, 200, json_pack("{s:o}", "version", version_doc(req->ctx)));
	return 0;
}

static int not_implemented(struct http_request *req, struct http_response *resp,
                           struct api_error *err)
{
	(void)resp;
	return api_fail(err, API_NOT_IMPLEMENTED, "%s %s is not implemented by stackd.",
	                req->method, req->path);
}

void identity_render_error(struct http_request *req, struct http_response *resp,
                           const struct api_error *err)
{
	struct identity_state *st = req->ctx;
	json_t *body = json_pack("{s:{s:i,s:s,s:s}}", "error", "code", err->status, "title",
	                         api_error_title(err->kind), "message", err->message);
	http_reply_json(resp, err->status, body);
	if (err->status == 401 && st) {
		char *h = arena_printf(req->arena, "Keystone uri=\"%s\"", st->auth_url);
		http_header_set(resp, "WWW-Authenticate", h);
	}
}

/* Any successful write may change what a token means or what the catalog
 * holds: drop the caches. Issuing a token writes nothing. */
void identity_finish(struct http_request *req, struct http_response *resp)
{
	if (!req->ctx || resp->status >= 400 || !strcmp(req->method, "GET") ||
	    !strcmp(req->method, "HEAD"))
		return;
	if (!strcmp(req->method, "POST") && req->subpath &&
	    !strcmp(req->subpath, "/v3/auth/tokens"))
		return;
	identity_changed(req->ctx);
}
