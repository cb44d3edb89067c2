/* The handlers of Keystone's resources (one file each) and the row
 * shapes they share. */
#ifndef STACKD_IDENTITY_RESOURCES_H
#define STACKD_IDENTITY_RESOURCES_H

#include "identity/internal.h"

/* "SELECT " IDENTITY_PROJECT_COLS " FROM identity_projects p ..." */
#define IDENTITY_PROJECT_COLS \
	"p.id, p.name, p.domain_id, p.description, p.enabled, p.parent_id, p.extra"
json_t *identity_project_json(struct identity_state *st, sqlite3_stmt *q);
/* Projects of a user (direct, group and domain-inherited roles). */
int identity_user_projects(struct http_request *req, const char *user_id, json_t **out,
                           struct api_error *err);

#endif
