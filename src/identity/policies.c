/* /v3/policies: Keystone's deprecated store of policy blobs (type + blob),
 * kept for clients and Tempest; stackd's own policy is in policy.c and does
 * not read them. */
#include <string.h>

#include "core/ids.h"
#include "core/json.h"
#include "identity/resources.h"

static const char SQL_LIST[] = "SELECT id, type, blob, extra FROM identity_policies WHERE "
                               "(?1 IS NULL OR type = ?1) ORDER BY id";
static const char SQL_GET[] = "SELECT id, type, blob, extra FROM identity_policies WHERE id = ?";
static const char SQL_EXISTS[] = "SELECT 1 FROM identity_policies WHERE id = ?";
static const char SQL_INSERT[] =
    "INSERT INTO identity_policies(id, type, blob, extra) VALUES(?, ?, ?, ?)";
static const char SQL_UPDATE[] = "UPDATE identity_policies SET type = coalesce(?2, type), "
                                 "blob = coalesce(?3, blob) WHERE id = ?1";
static const char SQL_DELETE[] = "DELETE FROM identity_policies WHERE id = ?";

static const char *const known[] = {"id", "type", "blob", "links", NULL};

static json_t *row(struct identity_state *st, sqlite3_stmt *q)
{
	const char *id = db_column_text(q, 0);
	json_t *p = json_pack("{s:s,s:s,s:s,s:o}", "id", id, "type", db_column_text(q, 1), "blob",
	                      db_column_text(q, 2), "links", identity_links(st, "policies", id));
	identity_merge_extra(p, db_column_text(q, 3));
	return p;
}

static int reply_policy(struct http_request *req, struct http_response *resp, int status,
                        const char *id, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_GET, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	return identity_reply_one(req, resp, status, "policy", q, row, "policy", id, err);
}

int identity_list_policies(struct http_request *req, struct http_response *resp,
                           struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_LIST, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, http_query(req, "type"));
	return identity_reply_list(req, resp, "policies", q, row, err);
}

int identity_get_policy(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	return reply_policy(req, resp, 200, http_param(req, "policy_id"), err);
}

static int fields(json_t *p, const char **type, const char **blob, struct api_error *err)
{
	if (json_get_string(p, "type", false, type, err) != 0 ||
	    json_get_string(p, "blob", false, blob, err) != 0)
		return -1;
	if (*type && identity_check_name("type", *type, err) != 0)
		return -1;
	if (*blob && json_check_length("blob", *blob, 65536, err) != 0)
		return -1;
	return 0;
}

int identity_create_policy(struct http_request *req, struct http_response *resp,
                           struct api_error *err)
{
	json_t *p;
	const char *type = NULL, *blob = NULL;
	if (identity_body_object(req, "policy", &p, err) != 0 || fields(p, &type, &blob, err) != 0)
		return -1;
	if (!type || !blob)
		return api_fail(err, API_BAD_REQUEST, "'%s' is a required property",
		                !type ? "type" : "blob");
	char id[33];
	ids_hex32(id);
	sqlite3_stmt *q = db_stmt(SQL_INSERT, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, type);
	db_bind_text(q, 3, blob);
	db_bind_text(q, 4, identity_extra_of(req->arena, p, known));
	if (db_exec_stmt(q, err) != 0)
		return -1;
	return reply_policy(req, resp, 201, id, err);
}

int identity_update_policy(struct http_request *req, struct http_response *resp,
                           struct api_error *err)
{
	const char *id = http_param(req, "policy_id");
	json_t *p;
	const char *type = NULL, *blob = NULL;
	if (identity_body_object(req, "policy", &p, err) != 0 ||
	    fields(p, &type, &blob, err) != 0 ||
	    identity_require(SQL_EXISTS, id, "policy", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_UPDATE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, type);
	db_bind_text(q, 3, blob);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	return reply_policy(req, resp, 200, id, err);
}

int identity_delete_policy(struct http_request *req, struct http_response *resp,
                           struct api_error *err)
{
	const char *id = http_param(req, "policy_id");
	if (identity_require(SQL_EXISTS, id, "policy", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_DELETE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}
