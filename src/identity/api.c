/* identity.h: what other services may ask identity. Reads go straight to
 * the database through the calling thread's connection. */
#include <stdio.h>
#include <string.h>

#include "core/db.h"
#include "identity/identity.h"

static const char SQL_PROJECT[] = "SELECT name FROM identity_projects WHERE id = ? AND enabled = 1";
static const char SQL_PROJECT_BY_NAME[] =
    "SELECT id FROM identity_projects WHERE name = ? AND domain_id = 'default' AND enabled = 1";
static const char SQL_USER[] = "SELECT 1 FROM identity_users WHERE id = ? AND enabled = 1";

bool identity_auth_has_role(const struct identity_auth *auth, const char *role)
{
	if (!auth || !role)
		return false;
	for (size_t i = 0; i < auth->nroles; i++)
		if (!strcmp(auth->roles[i], role))
			return true;
	return false;
}

bool identity_auth_is_admin(const struct identity_auth *auth)
{
	return identity_auth_has_role(auth, "admin");
}

int identity_project_name(const char *project_id, char *buf, size_t len)
{
	struct api_error err = {0};
	sqlite3_stmt *q = db_stmt(SQL_PROJECT, &err);
	if (!q || !project_id)
		return -1;
	db_bind_text(q, 1, project_id);
	int rc = db_step(q, &err), ret = -1;
	if (rc == SQLITE_ROW) {
		if (buf && len)
			snprintf(buf, len, "%s", db_column_text(q, 0));
		ret = 0;
	}
	sqlite3_reset(q);
	return ret;
}

int identity_project_id_by_name(const char *name, char *buf, size_t len)
{
	struct api_error err = {0};
	sqlite3_stmt *q = db_stmt(SQL_PROJECT_BY_NAME, &err);
	if (!q || !name || !buf || !len)
		return -1;
	db_bind_text(q, 1, name);
	int ret = -1;
	if (db_step(q, &err) == SQLITE_ROW) {
		snprintf(buf, len, "%s", db_column_text(q, 0));
		ret = 0;
	}
	sqlite3_reset(q);
	return ret;
}

bool identity_project_exists(const char *project_id)
{
	return identity_project_name(project_id, NULL, 0) == 0;
}

bool identity_user_exists(const char *user_id)
{
	struct api_error err = {0};
	sqlite3_stmt *q = db_stmt(SQL_USER, &err);
	if (!q || !user_id)
		return false;
	db_bind_text(q, 1, user_id);
	bool found = db_step(q, &err) == SQLITE_ROW;
	sqlite3_reset(q);
	return found;
}
