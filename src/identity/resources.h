/* The handlers of Keystone's resources (one file each) and the row
 * shapes they share. */
#ifndef STACKD_IDENTITY_RESOURCES_H
#define STACKD_IDENTITY_RESOURCES_H

#include "identity/internal.h"

/* "SELECT " IDENTITY_PROJECT_COLS " FROM identity_projects p ..." */
#define IDENTITY_PROJECT_COLS                                                              \
	"p.id, p.name, p.domain_id, p.description, p.enabled, p.parent_id, p.extra, "      \
	"(SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM identity_project_tags " \
	"WHERE project_id = p.id ORDER BY tag))"
json_t *identity_project_json(struct identity_state *st, sqlite3_stmt *q);
/* Projects of a user (direct, group and inherited roles: from a domain
 * to its projects, from a project to its subtree). */
int identity_user_projects(struct http_request *req, const char *user_id, json_t **out,
                           struct api_error *err);

json_t *identity_user_row(struct identity_state *st, sqlite3_stmt *q);
json_t *identity_group_row(struct identity_state *st, sqlite3_stmt *q);
json_t *identity_role_row(struct identity_state *st, sqlite3_stmt *q);

/* app_creds.c */
int identity_list_app_creds(struct http_request *req, struct http_response *resp,
                            struct api_error *err);
int identity_get_app_cred(struct http_request *req, struct http_response *resp,
                          struct api_error *err);
int identity_create_app_cred(struct http_request *req, struct http_response *resp,
                             struct api_error *err);
int identity_delete_app_cred(struct http_request *req, struct http_response *resp,
                             struct api_error *err);

/* assignments.c */
int identity_list_role_assignments(struct http_request *req, struct http_response *resp,
                                   struct api_error *err);

/* catalog_api.c */
int identity_list_regions(struct http_request *req, struct http_response *resp,
                          struct api_error *err);
int identity_get_region(struct http_request *req, struct http_response *resp,
                        struct api_error *err);
int identity_create_region(struct http_request *req, struct http_response *resp,
                           struct api_error *err);
int identity_update_region(struct http_request *req, struct http_response *resp,
                           struct api_error *err);
int identity_delete_region(struct http_request *req, struct http_response *resp,
                           struct api_error *err);
int identity_list_services(struct http_request *req, struct http_response *resp,
                           struct api_error *err);
int identity_get_service(struct http_request *req, struct http_response *resp,
                         struct api_error *err);
int identity_create_service(struct http_request *req, struct http_response *resp,
                            struct api_error *err);
int identity_update_service(struct http_request *req, struct http_response *resp,
                            struct api_error *err);
int identity_delete_service(struct http_request *req, struct http_response *resp,
                            struct api_error *err);
int identity_list_endpoints(struct http_request *req, struct http_response *resp,
                            struct api_error *err);
int identity_get_endpoint(struct http_request *req, struct http_response *resp,
                          struct api_error *err);
int identity_create_endpoint(struct http_request *req, struct http_response *resp,
                             struct api_error *err);
int identity_update_endpoint(struct http_request *req, struct http_response *resp,
                             struct api_error *err);
int identity_delete_endpoint(struct http_request *req, struct http_response *resp,
                             struct api_error *err);

/* domains.c */
int identity_list_domains(struct http_request *req, struct http_response *resp,
                          struct api_error *err);
int identity_get_domain(struct http_request *req, struct http_response *resp,
                        struct api_error *err);
int identity_create_domain(struct http_request *req, struct http_response *resp,
                           struct api_error *err);
int identity_update_domain(struct http_request *req, struct http_response *resp,
                           struct api_error *err);
int identity_delete_domain(struct http_request *req, struct http_response *resp,
                           struct api_error *err);

/* grants.c */
int identity_put_grant(struct http_request *req, struct http_response *resp, struct api_error *err);
int identity_check_grant(struct http_request *req, struct http_response *resp,
                         struct api_error *err);
int identity_delete_grant(struct http_request *req, struct http_response *resp,
                          struct api_error *err);
int identity_list_grants(struct http_request *req, struct http_response *resp,
                         struct api_error *err);

/* groups.c */
int identity_list_groups(struct http_request *req, struct http_response *resp,
                         struct api_error *err);
int identity_get_group(struct http_request *req, struct http_response *resp, struct api_error *err);
int identity_create_group(struct http_request *req, struct http_response *resp,
                          struct api_error *err);
int identity_update_group(struct http_request *req, struct http_response *resp,
                          struct api_error *err);
int identity_delete_group(struct http_request *req, struct http_response *resp,
                          struct api_error *err);
int identity_add_group_user(struct http_request *req, struct http_response *resp,
                            struct api_error *err);
int identity_check_group_user(struct http_request *req, struct http_response *resp,
                              struct api_error *err);
int identity_remove_group_user(struct http_request *req, struct http_response *resp,
                               struct api_error *err);
int identity_list_group_users(struct http_request *req, struct http_response *resp,
                              struct api_error *err);

/* projects.c */
int identity_list_projects(struct http_request *req, struct http_response *resp,
                           struct api_error *err);
int identity_get_project(struct http_request *req, struct http_response *resp,
                         struct api_error *err);
int identity_create_project(struct http_request *req, struct http_response *resp,
                            struct api_error *err);
int identity_update_project(struct http_request *req, struct http_response *resp,
                            struct api_error *err);
int identity_delete_project(struct http_request *req, struct http_response *resp,
                            struct api_error *err);
int identity_list_project_tags(struct http_request *req, struct http_response *resp,
                               struct api_error *err);
int identity_replace_project_tags(struct http_request *req, struct http_response *resp,
                                  struct api_error *err);
int identity_check_project_tag(struct http_request *req, struct http_response *resp,
                               struct api_error *err);
int identity_add_project_tag(struct http_request *req, struct http_response *resp,
                             struct api_error *err);
int identity_delete_project_tag(struct http_request *req, struct http_response *resp,
                                struct api_error *err);
int identity_delete_project_tags(struct http_request *req, struct http_response *resp,
                                 struct api_error *err);
int identity_list_user_projects(struct http_request *req, struct http_response *resp,
                                struct api_error *err);

/* roles.c */
int identity_list_roles(struct http_request *req, struct http_response *resp,
                        struct api_error *err);
int identity_get_role(struct http_request *req, struct http_response *resp, struct api_error *err);
int identity_create_role(struct http_request *req, struct http_response *resp,
                         struct api_error *err);
int identity_update_role(struct http_request *req, struct http_response *resp,
                         struct api_error *err);
int identity_delete_role(struct http_request *req, struct http_response *resp,
                         struct api_error *err);
int identity_put_implied_role(struct http_request *req, struct http_response *resp,
                              struct api_error *err);
int identity_get_implied_role(struct http_request *req, struct http_response *resp,
                              struct api_error *err);
int identity_check_implied_role(struct http_request *req, struct http_response *resp,
                                struct api_error *err);
int identity_delete_implied_role(struct http_request *req, struct http_response *resp,
                                 struct api_error *err);
int identity_list_implied_roles(struct http_request *req, struct http_response *resp,
                                struct api_error *err);
int identity_list_role_inferences(struct http_request *req, struct http_response *resp,
                                  struct api_error *err);

/* users.c */
int identity_list_users(struct http_request *req, struct http_response *resp,
                        struct api_error *err);
int identity_get_user(struct http_request *req, struct http_response *resp, struct api_error *err);
int identity_create_user(struct http_request *req, struct http_response *resp,
                         struct api_error *err);
int identity_update_user(struct http_request *req, struct http_response *resp,
                         struct api_error *err);
int identity_delete_user(struct http_request *req, struct http_response *resp,
                         struct api_error *err);
int identity_change_password(struct http_request *req, struct http_response *resp,
                             struct api_error *err);
int identity_list_user_groups(struct http_request *req, struct http_response *resp,
                              struct api_error *err);

/* credentials.c */
int identity_list_credentials(struct http_request *req, struct http_response *resp,
                              struct api_error *err);
int identity_create_credential(struct http_request *req, struct http_response *resp,
                               struct api_error *err);
int identity_get_credential(struct http_request *req, struct http_response *resp,
                            struct api_error *err);
int identity_update_credential(struct http_request *req, struct http_response *resp,
                               struct api_error *err);
int identity_delete_credential(struct http_request *req, struct http_response *resp,
                               struct api_error *err);
int identity_list_ec2(struct http_request *req, struct http_response *resp, struct api_error *err);
int identity_create_ec2(struct http_request *req, struct http_response *resp,
                        struct api_error *err);
int identity_get_ec2(struct http_request *req, struct http_response *resp, struct api_error *err);
int identity_delete_ec2(struct http_request *req, struct http_response *resp,
                        struct api_error *err);

/* policies.c, consumers.c */
int identity_list_policies(struct http_request *req, struct http_response *resp,
                           struct api_error *err);
int identity_create_policy(struct http_request *req, struct http_response *resp,
                           struct api_error *err);
int identity_get_policy(struct http_request *req, struct http_response *resp,
                        struct api_error *err);
int identity_update_policy(struct http_request *req, struct http_response *resp,
                           struct api_error *err);
int identity_delete_policy(struct http_request *req, struct http_response *resp,
                           struct api_error *err);
int identity_list_consumers(struct http_request *req, struct http_response *resp,
                            struct api_error *err);
int identity_create_consumer(struct http_request *req, struct http_response *resp,
                             struct api_error *err);
int identity_get_consumer(struct http_request *req, struct http_response *resp,
                          struct api_error *err);
int identity_update_consumer(struct http_request *req, struct http_response *resp,
                             struct api_error *err);
int identity_delete_consumer(struct http_request *req, struct http_response *resp,
                             struct api_error *err);

/* endpoint_groups.c */
int identity_list_endpoint_groups(struct http_request *req, struct http_response *resp,
                                  struct api_error *err);
int identity_create_endpoint_group(struct http_request *req, struct http_response *resp,
                                   struct api_error *err);
int identity_get_endpoint_group(struct http_request *req, struct http_response *resp,
                                struct api_error *err);
int identity_check_endpoint_group(struct http_request *req, struct http_response *resp,
                                  struct api_error *err);
int identity_update_endpoint_group(struct http_request *req, struct http_response *resp,
                                   struct api_error *err);
int identity_delete_endpoint_group(struct http_request *req, struct http_response *resp,
                                   struct api_error *err);

#endif
