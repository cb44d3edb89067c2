/* The catalog's resources: /v3/regions, /v3/services, /v3/endpoints
 * (create, list with filters, show, update, delete). Every write drops the
 * catalog cache through the finish hook. */
#include <string.h>

#include "core/ids.h"
#include "core/json.h"
#include "identity/resources.h"

static const char SQL_REGION_LIST[] =
    "SELECT id, description, parent_region_id, extra FROM identity_regions WHERE "
    "(?1 IS NULL OR parent_region_id = ?1) ORDER BY id";
static const char SQL_REGION_GET[] =
    "SELECT id, description, parent_region_id, extra FROM identity_regions WHERE id = ?";
static const char SQL_REGION_INSERT[] = "INSERT INTO identity_regions(id, description, "
                                        "parent_region_id, extra) VALUES(?, ?, ?, ?)";
static const char SQL_REGION_UPDATE[] =
    "UPDATE identity_regions SET description = CASE WHEN ?2 THEN coalesce(?3, '') ELSE "
    "description END, parent_region_id = CASE WHEN ?4 THEN ?5 ELSE parent_region_id END "
    "WHERE id = ?1";
static const char SQL_REGION_CHILD[] =
    "SELECT 1 FROM identity_regions WHERE parent_region_id = ? LIMIT 1";
static const char SQL_REGION_DELETE[] = "DELETE FROM identity_regions WHERE id = ?";

static const char SQL_SERVICE_LIST[] =
    "SELECT id, type, name, description, enabled, extra FROM identity_services WHERE "
    "(?1 IS NULL OR type = ?1) AND (?2 IS NULL OR name = ?2) ORDER BY type, id";
static const char SQL_SERVICE_GET[] =
    "SELECT id, type, name, description, enabled, extra FROM identity_services WHERE id = ?";
static const char SQL_SERVICE_INSERT[] = "INSERT INTO identity_services(id, type, name, "
                                         "description, enabled, extra) VALUES(?, ?, ?, ?, ?, ?)";
static const char SQL_SERVICE_UPDATE[] =
    "UPDATE identity_services SET type = coalesce(?2, type), name = CASE WHEN ?3 THEN ?4 "
    "ELSE name END, description = CASE WHEN ?5 THEN ?6 ELSE description END, enabled = "
    "coalesce(?7, enabled) WHERE id = ?1";
static const char SQL_SERVICE_DELETE[] = "DELETE FROM identity_services WHERE id = ?";

#define EP_COLS "id, interface, region_id, url, service_id, enabled, extra"
static const char SQL_EP_LIST[] =
    "SELECT " EP_COLS " FROM identity_endpoints WHERE (?1 IS NULL OR interface = ?1) AND "
    "(?2 IS NULL OR service_id = ?2) AND (?3 IS NULL OR region_id = ?3) ORDER BY "
    "service_id, interface, id";
static const char SQL_EP_GET[] = "SELECT " EP_COLS " FROM identity_endpoints WHERE id = ?";
static const char SQL_EP_INSERT[] =
    "INSERT INTO identity_endpoints(id, interface, region_id, url, service_id, enabled, "
    "extra) VALUES(?, ?, ?, ?, ?, ?, ?)";
static const char SQL_EP_UPDATE[] =
    "UPDATE identity_endpoints SET interface = coalesce(?2, interface), region_id = CASE "
    "WHEN ?3 THEN ?4 ELSE region_id END, url = coalesce(?5, url), service_id = "
    "coalesce(?6, service_id), enabled = coalesce(?7, enabled) WHERE id = ?1";
static const char SQL_EP_DELETE[] = "DELETE FROM identity_endpoints WHERE id = ?";
static const char SQL_SERVICE_EXISTS[] = "SELECT 1 FROM identity_services WHERE id = ?";
static const char SQL_REGION_EXISTS[] = "SELECT 1 FROM identity_regions WHERE id = ?";

static const char *const region_known[] = {"id", "description", "parent_region_id", "links", NULL};
static const char *const service_known[] = {"id",      "type",  "name", "description",
                                            "enabled", "links", NULL};
static const char *const ep_known[] = {"id",         "interface", "region_id", "region", "url",
                                       "service_id", "enabled",   "links",     NULL};

/* ---- regions ---- */

static json_t *region_row(struct identity_state *st, sqlite3_stmt *q)
{
	const char *id = db_column_text(q, 0);
	json_t *r = json_pack("{s:s,s:s,s:o,s:o}", "id", id, "description", db_column_text(q, 1),
	                      "parent_region_id", identity_col_json(q, 2), "links",
	                      identity_links(st, "regions", id));
	identity_merge_extra(r, db_column_text(q, 3));
	return r;
}

static int reply_region(struct http_request *req, struct http_response *resp, int status,
                        const char *id, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_REGION_GET, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	return identity_reply_one(req, resp, status, "region", q, region_row, "region", id, err);
}

int identity_list_regions(struct http_request *req, struct http_response *resp,
                          struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_REGION_LIST, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, http_query(req, "parent_region_id"));
	return identity_reply_list(req, resp, "regions", q, region_row, err);
}

int identity_get_region(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	return reply_region(req, resp, 200, http_param(req, "region_id"), err);
}

/* POST /v3/regions (id optional) and PUT /v3/regions/{region_id}. */
int identity_create_region(struct http_request *req, struct http_response *resp,
                           struct api_error *err)
{
	json_t *r;
	const char *id = http_param(req, "region_id"), *desc = NULL, *parent = NULL;
	bool has_desc, has_parent;
	if (identity_body_object(req, "region", &r, err) != 0 ||
	    identity_optional_string(r, "description", &desc, &has_desc, err) != 0 ||
	    identity_optional_string(r, "parent_region_id", &parent, &has_parent, err) != 0)
		return -1;
	const char *body_id = NULL;
	if (json_get_string(r, "id", false, &body_id, err) != 0)
		return -1;
	if (id && body_id && strcmp(id, body_id) != 0)
		return api_fail(err, API_BAD_REQUEST,
		                "Conflicting region IDs specified: %s and %s.", id, body_id);
	if (!id)
		id = body_id;
	char gen[33];
	if (!id) {
		ids_hex32(gen);
		id = gen;
	}
	if (identity_check_name("id", id, err) != 0)
		return -1;
	if (parent) {
		bool found;
		if (identity_exists(SQL_REGION_EXISTS, parent, &found, err) != 0)
			return -1;
		if (!found)
			return api_fail(err, API_BAD_REQUEST, "Could not find region: %s.", parent);
	}
	sqlite3_stmt *q = db_stmt(SQL_REGION_INSERT, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, desc ? desc : "");
	db_bind_text(q, 3, parent);
	db_bind_text(q, 4, identity_extra_of(req->arena, r, region_known));
	char *conflict = arena_printf(req->arena,
	                              "Conflict occurred attempting to store region - Duplicate "
	                              "ID, %s.",
	                              id);
	if (identity_run(q, conflict, err) != 0)
		return -1;
	return reply_region(req, resp, 201, id, err);
}

int identity_update_region(struct http_request *req, struct http_response *resp,
                           struct api_error *err)
{
	const char *id = http_param(req, "region_id");
	json_t *r;
	const char *desc = NULL, *parent = NULL;
	bool has_desc, has_parent;
	if (identity_body_object(req, "region", &r, err) != 0 ||
	    identity_optional_string(r, "description", &desc, &has_desc, err) != 0 ||
	    identity_optional_string(r, "parent_region_id", &parent, &has_parent, err) != 0 ||
	    identity_require(SQL_REGION_EXISTS, id, "region", err) != 0)
		return -1;
	if (parent && !strcmp(parent, id))
		return api_fail(err, API_BAD_REQUEST, "A region cannot be its own parent.");
	if (parent && identity_require(SQL_REGION_EXISTS, parent, "region", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_REGION_UPDATE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	sqlite3_bind_int(q, 2, has_desc);
	db_bind_text(q, 3, desc);
	sqlite3_bind_int(q, 4, has_parent);
	db_bind_text(q, 5, parent);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	return reply_region(req, resp, 200, id, err);
}

int identity_delete_region(struct http_request *req, struct http_response *resp,
                           struct api_error *err)
{
	const char *id = http_param(req, "region_id");
	bool child;
	if (identity_require(SQL_REGION_EXISTS, id, "region", err) != 0 ||
	    identity_exists(SQL_REGION_CHILD, id, &child, err) != 0)
		return -1;
	if (child)
		return api_fail(err, API_FORBIDDEN, "Cannot delete a region with child regions.");
	sqlite3_stmt *q = db_stmt(SQL_REGION_DELETE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	if (identity_run(q, "Cannot delete a region that endpoints still use.", err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

/* ---- services ---- */

static json_t *service_row(struct identity_state *st, sqlite3_stmt *q)
{
	const char *id = db_column_text(q, 0);
	json_t *s =
	    json_pack("{s:s,s:s,s:b,s:o}", "id", id, "type", db_column_text(q, 1), "enabled",
	              sqlite3_column_int(q, 4), "links", identity_links(st, "services", id));
	if (db_column_text(q, 2))
		json_object_set_new(s, "name", json_string(db_column_text(q, 2)));
	if (db_column_text(q, 3))
		json_object_set_new(s, "description", json_string(db_column_text(q, 3)));
	identity_merge_extra(s, db_column_text(q, 5));
	return s;
}

static int reply_service(struct http_request *req, struct http_response *resp, int status,
                         const char *id, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_SERVICE_GET, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	return identity_reply_one(req, resp, status, "service", q, service_row, "service", id, err);
}

int identity_list_services(struct http_request *req, struct http_response *resp,
                           struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_SERVICE_LIST, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, http_query(req, "type"));
	db_bind_text(q, 2, http_query(req, "name"));
	return identity_reply_list(req, resp, "services", q, service_row, err);
}

int identity_get_service(struct http_request *req, struct http_response *resp,
                         struct api_error *err)
{
	return reply_service(req, resp, 200, http_param(req, "service_id"), err);
}

struct service_fields {
	const char *type, *name, *desc;
	bool has_name, has_desc;
	int enabled;
};

static int service_fields(json_t *s, struct service_fields *f, struct api_error *err)
{
	memset(f, 0, sizeof(*f));
	f->enabled = -1;
	if (json_get_string(s, "type", false, &f->type, err) != 0 ||
	    identity_optional_string(s, "name", &f->name, &f->has_name, err) != 0 ||
	    identity_optional_string(s, "description", &f->desc, &f->has_desc, err) != 0)
		return -1;
	if (f->type && identity_check_name("type", f->type, err) != 0)
		return -1;
	if (f->name && json_check_length("name", f->name, 255, err) != 0)
		return -1;
	if (json_object_get(s, "enabled")) {
		bool en;
		if (json_get_bool(s, "enabled", true, &en, err) != 0)
			return -1;
		f->enabled = en;
	}
	return 0;
}

int identity_create_service(struct http_request *req, struct http_response *resp,
                            struct api_error *err)
{
	json_t *s;
	struct service_fields f;
	if (identity_body_object(req, "service", &s, err) != 0 || service_fields(s, &f, err) != 0)
		return -1;
	if (!f.type)
		return api_fail(err, API_BAD_REQUEST, "'type' is a required property");
	char id[33];
	ids_hex32(id);
	sqlite3_stmt *q = db_stmt(SQL_SERVICE_INSERT, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, f.type);
	db_bind_text(q, 3, f.name);
	db_bind_text(q, 4, f.desc);
	sqlite3_bind_int(q, 5, f.enabled != 0);
	db_bind_text(q, 6, identity_extra_of(req->arena, s, service_known));
	if (db_exec_stmt(q, err) != 0)
		return -1;
	return reply_service(req, resp, 201, id, err);
}

int identity_update_service(struct http_request *req, struct http_response *resp,
                            struct api_error *err)
{
	const char *id = http_param(req, "service_id");
	json_t *s;
	struct service_fields f;
	if (identity_body_object(req, "service", &s, err) != 0 || service_fields(s, &f, err) != 0 ||
	    identity_require(SQL_SERVICE_EXISTS, id, "service", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_SERVICE_UPDATE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, f.type);
	sqlite3_bind_int(q, 3, f.has_name);
	db_bind_text(q, 4, f.name);
	sqlite3_bind_int(q, 5, f.has_desc);
	db_bind_text(q, 6, f.desc);
	if (f.enabled >= 0)
		sqlite3_bind_int(q, 7, f.enabled);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	return reply_service(req, resp, 200, id, err);
}

int identity_delete_service(struct http_request *req, struct http_response *resp,
                            struct api_error *err)
{
	const char *id = http_param(req, "service_id");
	if (identity_require(SQL_SERVICE_EXISTS, id, "service", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_SERVICE_DELETE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

/* ---- endpoints ---- */

static json_t *endpoint_row(struct identity_state *st, sqlite3_stmt *q)
{
	const char *id = db_column_text(q, 0);
	json_t *e = json_pack("{s:s,s:s,s:o,s:o,s:s,s:s,s:b,s:o}", "id", id, "interface",
	                      db_column_text(q, 1), "region_id", identity_col_json(q, 2), "region",
	                      identity_col_json(q, 2), "url", db_column_text(q, 3), "service_id",
	                      db_column_text(q, 4), "enabled", sqlite3_column_int(q, 5), "links",
	                      identity_links(st, "endpoints", id));
	identity_merge_extra(e, db_column_text(q, 6));
	return e;
}

static int reply_endpoint(struct http_request *req, struct http_response *resp, int status,
                          const char *id, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_EP_GET, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	return identity_reply_one(req, resp, status, "endpoint", q, endpoint_row, "endpoint", id,
	                          err);
}

int identity_list_endpoints(struct http_request *req, struct http_response *resp,
                            struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_EP_LIST, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, http_query(req, "interface"));
	db_bind_text(q, 2, http_query(req, "service_id"));
	db_bind_text(q, 3, http_query(req, "region_id"));
	return identity_reply_list(req, resp, "endpoints", q, endpoint_row, err);
}

int identity_get_endpoint(struct http_request *req, struct http_response *resp,
                          struct api_error *err)
{
	return reply_endpoint(req, resp, 200, http_param(req, "endpoint_id"), err);
}

struct ep_fields {
	const char *interface, *region, *url, *service_id;
	bool has_region, legacy_region;
	int enabled;
};

static int ep_fields(json_t *e, struct ep_fields *f, struct api_error *err)
{
	memset(f, 0, sizeof(*f));
	f->enabled = -1;
	const char *legacy = NULL;
	bool has_legacy;
	if (json_get_string(e, "interface", false, &f->interface, err) != 0 ||
	    identity_optional_string(e, "region_id", &f->region, &f->has_region, err) != 0 ||
	    identity_optional_string(e, "region", &legacy, &has_legacy, err) != 0 ||
	    json_get_string(e, "url", false, &f->url, err) != 0 ||
	    json_get_string(e, "service_id", false, &f->service_id, err) != 0)
		return -1;
	if (!f->has_region && has_legacy) {
		f->region = legacy;
		f->has_region = true;
		f->legacy_region = true;
	}
	if (f->interface && strcmp(f->interface, "public") && strcmp(f->interface, "internal") &&
	    strcmp(f->interface, "admin"))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field 'interface': '%.40s' is not one of "
		                "public, internal, admin.",
		                f->interface);
	if (f->url && (!*f->url || json_check_length("url", f->url, 225, err) != 0))
		return err->kind ? -1
		                 : api_fail(err, API_BAD_REQUEST, "Invalid input for field 'url'.");
	if (f->service_id) {
		bool found;
		if (identity_exists(SQL_SERVICE_EXISTS, f->service_id, &found, err) != 0)
			return -1;
		if (!found)
			return api_fail(err, API_BAD_REQUEST, "Could not find service: %s.",
			                f->service_id);
	}
	if (f->region) {
		bool found;
		if (identity_exists(SQL_REGION_EXISTS, f->region, &found, err) != 0)
			return -1;
		if (!found && !f->legacy_region)
			return api_fail(err, API_BAD_REQUEST, "Could not find region: %s.",
			                f->region);
		/* The legacy `region` attribute names a region to create. */
		if (!found) {
			if (identity_check_name("region", f->region, err) != 0)
				return -1;
			sqlite3_stmt *q = db_stmt(SQL_REGION_INSERT, err);
			if (!q)
				return -1;
			db_bind_text(q, 1, f->region);
			db_bind_text(q, 2, "");
			db_bind_text(q, 3, NULL);
			db_bind_text(q, 4, "{}");
			if (db_exec_stmt(q, err) != 0)
				return -1;
		}
	}
	if (json_object_get(e, "enabled")) {
		bool en;
		if (json_get_bool(e, "enabled", true, &en, err) != 0)
			return -1;
		f->enabled = en;
	}
	return 0;
}

int identity_create_endpoint(struct http_request *req, struct http_response *resp,
                             struct api_error *err)
{
	json_t *e;
	struct ep_fields f;
	if (identity_body_object(req, "endpoint", &e, err) != 0)
		return -1;
	char id[33];
	ids_hex32(id);
	/* One transaction: a region the legacy attribute creates goes away
	 * with a failed endpoint. */
	if (db_begin(err) != 0)
		return -1;
	if (ep_fields(e, &f, err) != 0)
		goto fail;
	if (!f.interface || !f.url || !f.service_id) {
		api_fail(err, API_BAD_REQUEST, "'%s' is a required property",
		         !f.interface ? "interface"
		         : !f.url     ? "url"
		                      : "service_id");
		goto fail;
	}
	sqlite3_stmt *q = db_stmt(SQL_EP_INSERT, err);
	if (!q)
		goto fail;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, f.interface);
	db_bind_text(q, 3, f.region);
	db_bind_text(q, 4, f.url);
	db_bind_text(q, 5, f.service_id);
	sqlite3_bind_int(q, 6, f.enabled != 0);
	db_bind_text(q, 7, identity_extra_of(req->arena, e, ep_known));
	if (db_exec_stmt(q, err) != 0 || db_commit(err) != 0)
		goto fail;
	return reply_endpoint(req, resp, 201, id, err);
fail:
	db_rollback();
	return -1;
}

int identity_update_endpoint(struct http_request *req, struct http_response *resp,
                             struct api_error *err)
{
	static const char SQL_EP_EXISTS[] = "SELECT 1 FROM identity_endpoints WHERE id = ?";
	const char *id = http_param(req, "endpoint_id");
	json_t *e;
	struct ep_fields f;
	if (identity_body_object(req, "endpoint", &e, err) != 0 ||
	    identity_require(SQL_EP_EXISTS, id, "endpoint", err) != 0 || db_begin(err) != 0)
		return -1;
	if (ep_fields(e, &f, err) != 0)
		goto fail;
	sqlite3_stmt *q = db_stmt(SQL_EP_UPDATE, err);
	if (!q)
		goto fail;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, f.interface);
	sqlite3_bind_int(q, 3, f.has_region);
	db_bind_text(q, 4, f.region);
	db_bind_text(q, 5, f.url);
	db_bind_text(q, 6, f.service_id);
	if (f.enabled >= 0)
		sqlite3_bind_int(q, 7, f.enabled);
	if (db_exec_stmt(q, err) != 0 || db_commit(err) != 0)
		goto fail;
	return reply_endpoint(req, resp, 200, id, err);
fail:
	db_rollback();
	return -1;
}

int identity_delete_endpoint(struct http_request *req, struct http_response *resp,
                             struct api_error *err)
{
	static const char SQL_EP_EXISTS[] = "SELECT 1 FROM identity_endpoints WHERE id = ?";
	const char *id = http_param(req, "endpoint_id");
	if (identity_require(SQL_EP_EXISTS, id, "endpoint", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_EP_DELETE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}
