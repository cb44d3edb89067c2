/* /v3/OS-EP-FILTER/endpoint_groups: named filters over the endpoints
 * (service_id, region_id, interface). Their association with projects,
 * which narrows those projects' catalogs in Keystone, answers 501, so a
 * group never changes a catalog. */
#include <string.h>

#include "core/ids.h"
#include "core/json.h"
#include "identity/resources.h"

static const char SQL_LIST[] = "SELECT id, name, description, filters FROM "
                               "identity_endpoint_groups WHERE (?1 IS NULL OR name = ?1) "
                               "ORDER BY name, id";
static const char SQL_GET[] =
    "SELECT id, name, description, filters FROM identity_endpoint_groups WHERE id = ?";
static const char SQL_EXISTS[] = "SELECT 1 FROM identity_endpoint_groups WHERE id = ?";
static const char SQL_INSERT[] = "INSERT INTO identity_endpoint_groups(id, name, description, "
                                 "filters) VALUES(?, ?, ?, ?)";
static const char SQL_UPDATE[] =
    "UPDATE identity_endpoint_groups SET name = coalesce(?2, name), description = CASE "
    "WHEN ?3 THEN ?4 ELSE description END, filters = coalesce(?5, filters) WHERE id = ?1";
static const char SQL_DELETE[] = "DELETE FROM identity_endpoint_groups WHERE id = ?";

static json_t *row(struct identity_state *st, sqlite3_stmt *q)
{
	const char *id = db_column_text(q, 0);
	json_t *filters = json_loads(db_column_text(q, 3), 0, NULL);
	char *self = NULL;
	if (asprintf(&self, "%s/v3/OS-EP-FILTER/endpoint_groups/%s", st->auth_url, id) < 0)
		abort();
	json_t *g = json_pack("{s:s,s:s,s:o,s:o,s:{s:s}}", "id", id, "name", db_column_text(q, 1),
	                      "description", identity_col_json(q, 2), "filters",
	                      filters ? filters : json_object(), "links", "self", self);
	free(self);
	return g;
}

static int reply_group(struct http_request *req, struct http_response *resp, int status,
                       const char *id, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_GET, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	return identity_reply_one(req, resp, status, "endpoint_group", q, row, "endpoint group", id,
	                          err);
}

int identity_list_endpoint_groups(struct http_request *req, struct http_response *resp,
                                  struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_LIST, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, http_query(req, "name"));
	return identity_reply_list(req, resp, "endpoint_groups", q, row, err);
}

int identity_get_endpoint_group(struct http_request *req, struct http_response *resp,
                                struct api_error *err)
{
	return reply_group(req, resp, 200, http_param(req, "endpoint_group_id"), err);
}

int identity_check_endpoint_group(struct http_request *req, struct http_response *resp,
                                  struct api_error *err)
{
	if (identity_require(SQL_EXISTS, http_param(req, "endpoint_group_id"), "endpoint group",
	                     err) != 0)
		return -1;
	http_reply_empty(resp, 200);
	return 0;
}

/* The filters object as text: only service_id, region_id, interface, as
 * strings. */
static int filters_text(struct arena *a, json_t *filters, const char **out, struct api_error *err)
{
	static const char *const allowed[] = {"service_id", "region_id", "interface", NULL};
	if (!json_is_object(filters))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field 'filters': expected an object.");
	if (json_only_keys(filters, allowed, "filters", err) != 0)
		return -1;
	const char *k;
	json_t *v;
	json_object_foreach(filters, k, v)
	{
		if (!json_is_string(v))
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field 'filters.%s': expected a string.",
			                k);
	}
	char *t = json_dumps(filters, JSON_COMPACT | JSON_SORT_KEYS);
	*out = arena_strdup(a, t ? t : "{}");
	free(t);
	return 0;
}

int identity_create_endpoint_group(struct http_request *req, struct http_response *resp,
                                   struct api_error *err)
{
	json_t *g, *filters = NULL;
	const char *name = NULL, *desc = NULL, *ftext = NULL;
	bool has_desc;
	if (identity_body_object(req, "endpoint_group", &g, err) != 0 ||
	    json_get_string(g, "name", true, &name, err) != 0 ||
	    identity_check_name("name", name, err) != 0 ||
	    identity_optional_string(g, "description", &desc, &has_desc, err) != 0)
		return -1;
	filters = json_object_get(g, "filters");
	if (!filters)
		return api_fail(err, API_BAD_REQUEST, "'filters' is a required property");
	if (filters_text(req->arena, filters, &ftext, err) != 0)
		return -1;
	char id[33];
	ids_hex32(id);
	sqlite3_stmt *q = db_stmt(SQL_INSERT, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, name);
	db_bind_text(q, 3, desc);
	db_bind_text(q, 4, ftext);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	return reply_group(req, resp, 201, id, err);
}

int identity_update_endpoint_group(struct http_request *req, struct http_response *resp,
                                   struct api_error *err)
{
	const char *id = http_param(req, "endpoint_group_id");
	json_t *g, *filters;
	const char *name = NULL, *desc = NULL, *ftext = NULL;
	bool has_desc;
	if (identity_body_object(req, "endpoint_group", &g, err) != 0 ||
	    json_get_string(g, "name", false, &name, err) != 0 ||
	    (name && identity_check_name("name", name, err) != 0) ||
	    identity_optional_string(g, "description", &desc, &has_desc, err) != 0 ||
	    identity_require(SQL_EXISTS, id, "endpoint group", err) != 0)
		return -1;
	filters = json_object_get(g, "filters");
	if (filters && filters_text(req->arena, filters, &ftext, err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_UPDATE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, name);
	sqlite3_bind_int(q, 3, has_desc);
	db_bind_text(q, 4, desc);
	db_bind_text(q, 5, ftext);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	return reply_group(req, resp, 200, id, err);
}

int identity_delete_endpoint_group(struct http_request *req, struct http_response *resp,
                                   struct api_error *err)
{
	const char *id = http_param(req, "endpoint_group_id");
	if (identity_require(SQL_EXISTS, id, "endpoint group", err) != 0)
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
