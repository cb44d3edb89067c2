/* Flavors (/flavors, os-extra_specs, os-flavor-access): the sizes servers
 * are made of. Public flavors are seen by everyone, private ones by admins
 * and the projects given access. Servers copy their flavor at create. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "compute/extra_specs.h"
#include "compute/flavor.h"
#include "compute/internal.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/json.h"

static const char SQL_GET[] =
    "SELECT id, name, vcpus, ram, disk, ephemeral, swap, rxtx_factor, is_public, description,"
    " extra_specs FROM compute_flavors WHERE id = ?";
static const char SQL_GET_BY_NAME[] =
    "SELECT id, name, vcpus, ram, disk, ephemeral, swap, rxtx_factor, is_public, description,"
    " extra_specs FROM compute_flavors WHERE name = ?";
static const char SQL_LIST[] =
    "SELECT id, name, vcpus, ram, disk, ephemeral, swap, rxtx_factor, is_public, description,"
    " extra_specs FROM compute_flavors ORDER BY CAST(id AS INTEGER) IS NULL, "
    "CAST(id AS INTEGER), id";
static const char SQL_HAS_ACCESS[] =
    "SELECT 1 FROM compute_flavor_access WHERE flavor_id = ? AND project_id = ?";
static const char SQL_INSERT[] =
    "INSERT INTO compute_flavors (id, name, vcpus, ram, disk, ephemeral, swap, rxtx_factor,"
    " is_public, description, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)";
static const char SQL_DELETE[] = "DELETE FROM compute_flavors WHERE id = ?";
static const char SQL_SET_DESC[] = "UPDATE compute_flavors SET description = ? WHERE id = ?";
static const char SQL_SET_SPECS[] = "UPDATE compute_flavors SET extra_specs = ? WHERE id = ?";
static const char SQL_ACCESS_LIST[] =
    "SELECT project_id FROM compute_flavor_access WHERE flavor_id = ? ORDER BY project_id";
static const char SQL_ACCESS_ADD[] =
    "INSERT INTO compute_flavor_access (flavor_id, project_id) VALUES (?, ?)";
static const char SQL_ACCESS_DEL[] =
    "DELETE FROM compute_flavor_access WHERE flavor_id = ? AND project_id = ?";

static void flavor_row(struct arena *a, sqlite3_stmt *st, struct compute_flavor *f)
{
	f->id = arena_strdup(a, db_column_text(st, 0));
	f->name = arena_strdup(a, db_column_text(st, 1));
	f->vcpus = sqlite3_column_int(st, 2);
	f->ram = sqlite3_column_int64(st, 3);
	f->disk = sqlite3_column_int64(st, 4);
	f->ephemeral = sqlite3_column_int64(st, 5);
	f->swap = sqlite3_column_int64(st, 6);
	f->rxtx_factor = sqlite3_column_double(st, 7);
	f->is_public = sqlite3_column_int(st, 8) != 0;
	f->description = arena_strdup(a, db_column_text(st, 9));
	f->extra_specs = json_loads(db_column_text(st, 10), 0, NULL);
	if (f->extra_specs == NULL)
		f->extra_specs = json_object();
	arena_defer(a, (void (*)(void *))json_decref, f->extra_specs);
}

static bool flavor_visible(const struct http_request *req, const struct compute_flavor *f)
{
	if (f->is_public || compute_is_admin(req))
		return true;
	struct api_error err;
	sqlite3_stmt *st = db_stmt(SQL_HAS_ACCESS, &err);
	if (st == NULL)
		return false;
	db_bind_text(st, 1, f->id);
	db_bind_text(st, 2, compute_project(req));
	bool found = db_step(st, &err) == SQLITE_ROW;
	sqlite3_reset(st);
	return found;
}

int compute_flavor_get(struct http_request *req, const char *id, bool by_name,
                       struct compute_flavor *out, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(by_name ? SQL_GET_BY_NAME : SQL_GET, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, id);
	int rc = db_step(st, err);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return api_fail(err, API_NOT_FOUND, "Flavor %s could not be found.", id);
	flavor_row(req->arena, st, out);
	sqlite3_reset(st);
	if (!flavor_visible(req, out))
		return api_fail(err, API_NOT_FOUND, "Flavor %s could not be found.", id);
	return 0;
}

json_t *compute_flavor_view(struct http_request *req, const struct compute_flavor *f, bool detail)
{
	json_t *o = json_pack("{s:s,s:s,s:o}", "id", f->id, "name", f->name, "links",
	                      compute_links(req, "flavors", f->id));
	if (compute_mv(req) >= 55)
		json_object_set_new(o, "description", json_string_or_null(f->description));
	if (!detail)
		return o;
	json_object_set_new(o, "ram", json_integer(f->ram));
	json_object_set_new(o, "disk", json_integer(f->disk));
	json_object_set_new(o, "vcpus", json_integer(f->vcpus));
	/* Nova shows a swap of 0 as "" before 2.75. */
	json_object_set_new(
	    o, "swap", f->swap || compute_mv(req) >= 75 ? json_integer(f->swap) : json_string(""));
	json_object_set_new(o, "OS-FLV-EXT-DATA:ephemeral", json_integer(f->ephemeral));
	json_object_set_new(o, "OS-FLV-DISABLED:disabled", json_false());
	json_object_set_new(o, "os-flavor-access:is_public", json_boolean(f->is_public));
	json_object_set_new(o, "rxtx_factor", json_real(f->rxtx_factor));
	/* 2.61: the extra specs in the flavor (everyone may read them). */
	if (compute_mv(req) >= 61)
		json_object_set_new(o, "extra_specs", json_deep_copy(f->extra_specs));
	return o;
}

static int flavor_list(struct http_request *req, struct http_response *resp, bool detail,
                       struct api_error *err)
{
	long long min_ram = 0, min_disk = 0, limit = -1;
	const char *q;
	if ((q = http_query(req, "minRam")) && (min_ram = strtoll(q, NULL, 10)) < 0)
		return api_fail(err, API_BAD_REQUEST, "Invalid minRam filter [%s]", q);
	if ((q = http_query(req, "minDisk")) && (min_disk = strtoll(q, NULL, 10)) < 0)
		return api_fail(err, API_BAD_REQUEST, "Invalid minDisk filter [%s]", q);
	if ((q = http_query(req, "limit")) && (limit = strtoll(q, NULL, 10)) < 0)
		return api_fail(err, API_BAD_REQUEST, "limit param must be positive");
	const char *marker = http_query(req, "marker");
	const char *is_public = http_query(req, "is_public");
	/* An admin's is_public: absent means public ones, "none" all, else
	 * a boolean string (400 otherwise), as Nova's _parse_is_public. */
	bool want_public = true, all_flavors = is_public && strcasecmp(is_public, "none") == 0;
	if (is_public && !all_flavors && !compute_bool_string(is_public, &want_public) &&
	    compute_is_admin(req))
		return api_fail(err, API_BAD_REQUEST, "Invalid is_public filter [%s]", is_public);
	bool admin = compute_is_admin(req);
	sqlite3_stmt *st = db_stmt(SQL_LIST, err);
	if (st == NULL)
		return -1;
	json_t *list = json_array();
	bool past_marker = marker == NULL;
	int rc;
	/* Rows are copied before visibility checks run other statements. */
	struct compute_flavor *rows = NULL;
	size_t n = 0, cap = 0;
	while ((rc = db_step(st, err)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct compute_flavor *r = arena_alloc(req->arena, cap * sizeof(*r));
			if (n)
				memcpy(r, rows, n * sizeof(*r));
			rows = r;
		}
		flavor_row(req->arena, st, &rows[n++]);
	}
	if (rc < 0) {
		json_decref(list);
		return -1;
	}
	bool marker_found = marker == NULL;
	for (size_t i = 0; i < n; i++) {
		struct compute_flavor *f = &rows[i];
		if (!past_marker) {
			if (strcmp(f->id, marker) == 0)
				past_marker = marker_found = true;
			continue;
		}
		if (f->ram < min_ram || f->disk < min_disk)
			continue;
		/* Nova: admins see public flavors unless is_public says
		 * otherwise ("none": all); others see public ones and the
		 * private ones their project was given. */
		if (admin) {
			if (!all_flavors && f->is_public != want_public)
				continue;
		} else if (!f->is_public && !flavor_visible(req, f))
			continue;
		if (limit >= 0 && (long long)json_array_size(list) >= limit)
			break;
		json_array_append_new(list, compute_flavor_view(req, f, detail));
	}
	if (!marker_found) {
		json_decref(list);
		return api_fail(err, API_BAD_REQUEST, "marker [%s] not found", marker);
	}
	http_reply_json(resp, 200, json_pack("{s:o}", "flavors", list));
	return 0;
}

COMPUTE_HANDLER(compute_flavor_list)
{
	return flavor_list(req, resp, false, err);
}

COMPUTE_HANDLER(compute_flavor_detail)
{
	return flavor_list(req, resp, true, err);
}

COMPUTE_HANDLER(compute_flavor_show)
{
	struct compute_flavor f;
	if (compute_flavor_get(req, http_param(req, "flavor_id"), false, &f, err) != 0)
		return -1;
	http_reply_json(resp, 200,
	                json_pack("{s:o}", "flavor", compute_flavor_view(req, &f, true)));
	return 0;
}

static int get_number(json_t *o, const char *key, bool required, long long min, long long max,
                      long long *out, struct api_error *err)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute flavor. Value: '%s' is a "
			    "required property",
			    key);
		return 0;
	}
	long long n;
	if (json_is_integer(v))
		n = json_integer_value(v);
	else if (json_is_string(v)) {
		char *end;
		n = strtoll(json_string_value(v), &end, 10);
		if (*json_string_value(v) == '\0' || *end != '\0')
			goto bad;
	} else
		goto bad;
	if (n < min || n > max)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute %s. Value: %lld. %lld is %s",
		                key, n, n,
		                n < min ? "less than the minimum" : "greater than the maximum");
	*out = n;
	return 0;
bad:
	return api_fail(err, API_BAD_REQUEST,
	                "Invalid input for field/attribute %s. Value: must be an integer", key);
}

/* Nova's parameter_types.boolean: a JSON boolean or one of the boolean
 * words as a string (Tempest sends "False"). Absent leaves *out as it is. */
static int get_nova_bool(json_t *o, const char *key, bool *out, struct api_error *err)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL)
		return 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	if (json_is_string(v) && config_parse_bool(json_string_value(v), out) == 0)
		return 0;
	return api_fail(err, API_BAD_REQUEST, "Invalid input for field '%s': expected a boolean.",
	                key);
}

COMPUTE_HANDLER(compute_flavor_create)
{
	json_t *body, *fl;
	if (http_body_json(req, &body, err) != 0 || json_get_object(body, "flavor", true, &fl, err))
		return -1;
	const char *name = NULL, *id = NULL, *desc = NULL;
	long long ram = 0, vcpus = 0, disk = 0, eph = 0, swap = 0;
	bool is_public = true;
	double rxtx = 1.0;
	if (json_get_string(fl, "name", true, &name, err) ||
	    json_check_length("name", name, 255, err) ||
	    get_number(fl, "ram", true, 1, 0x7fffffff, &ram, err) ||
	    get_number(fl, "vcpus", true, 1, 0x7fffffff, &vcpus, err) ||
	    get_number(fl, "disk", true, 0, 0x7fffffff, &disk, err) ||
	    get_number(fl, "OS-FLV-EXT-DATA:ephemeral", false, 0, 0x7fffffff, &eph, err) ||
	    get_number(fl, "swap", false, 0, 0x7fffffff, &swap, err) ||
	    get_nova_bool(fl, "os-flavor-access:is_public", &is_public, err))
		return -1;
	const char *trimmed = name;
	while (*trimmed == ' ')
		trimmed++;
	if (*trimmed == '\0' || name[strlen(name) - 1] == ' ')
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Invalid input for field/attribute name. Value: '%s' does not match "
		    "the name pattern",
		    name);
	json_t *jid = json_object_get(fl, "id");
	char idbuf[40];
	if (jid == NULL || json_is_null(jid)) {
		ids_uuid4(idbuf);
		id = idbuf;
	} else if (json_is_string(jid)) {
		id = json_string_value(jid);
		if (*id == '\0' || strlen(id) > 255 || strchr(id, '/'))
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute id. Value: %s", id);
	} else if (json_is_integer(jid) && json_integer_value(jid) >= 0) {
		/* Nova's schema takes a number too, and keeps it as a string */
		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)json_integer_value(jid));
		id = idbuf;
	} else
		return api_fail(err, API_BAD_REQUEST, "Invalid input for field/attribute id.");
	json_t *r = json_object_get(fl, "rxtx_factor");
	if (r != NULL) {
		if (!json_is_number(r) || json_number_value(r) <= 0)
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute rxtx_factor.");
		rxtx = json_number_value(r);
	}
	if (json_object_get(fl, "description") != NULL) {
		if (compute_mv(req) < 55)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute flavor. Additional properties "
			    "are not allowed ('description' was unexpected)");
		json_t *d = json_object_get(fl, "description");
		if (!json_is_null(d) && (json_get_string(fl, "description", false, &desc, err) ||
		                         json_check_length("description", desc, 65535, err)))
			return -1;
	}
	char now[21];
	ids_time_iso(time(NULL), now);
	sqlite3_stmt *st = db_stmt(SQL_INSERT, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, name);
	sqlite3_bind_int64(st, 3, vcpus);
	sqlite3_bind_int64(st, 4, ram);
	sqlite3_bind_int64(st, 5, disk);
	sqlite3_bind_int64(st, 6, eph);
	sqlite3_bind_int64(st, 7, swap);
	sqlite3_bind_double(st, 8, rxtx);
	sqlite3_bind_int(st, 9, is_public);
	db_bind_text(st, 10, desc);
	db_bind_text(st, 11, now);
	int rc = db_step(st, err);
	if (rc != SQLITE_DONE) {
		if (rc != -1 && rc != SQLITE_DONE)
			return api_fail(err, API_INTERNAL, "flavor insert failed");
		if (strstr(err->message, "UNIQUE") || strstr(err->message, "constraint"))
			return api_fail(err, API_CONFLICT, "Flavor with %s %s already exists.",
			                strstr(err->message, "name") ? "name" : "ID",
			                strstr(err->message, "name") ? name : id);
		return -1;
	}
	struct compute_flavor f;
	if (compute_flavor_get(req, id, false, &f, err) != 0)
		return -1;
	http_reply_json(resp, 200,
	                json_pack("{s:o}", "flavor", compute_flavor_view(req, &f, true)));
	return 0;
}

COMPUTE_HANDLER(compute_flavor_update)
{
	if (compute_mv(req) < 55)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	struct compute_flavor f;
	json_t *body, *fl;
	const char *desc = NULL;
	if (compute_flavor_get(req, http_param(req, "flavor_id"), false, &f, err) ||
	    http_body_json(req, &body, err) || json_get_object(body, "flavor", true, &fl, err))
		return -1;
	static const char *const allowed[] = {"description", NULL};
	json_t *d = json_object_get(fl, "description");
	if (json_only_keys(fl, allowed, "flavor", err) != 0)
		return -1;
	if (d == NULL)
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Invalid input for field/attribute flavor. Value: {}. 'description' "
		    "is a required property");
	if (!json_is_null(d) && (json_get_string(fl, "description", false, &desc, err) ||
	                         json_check_length("description", desc, 65535, err)))
		return -1;
	sqlite3_stmt *st = db_stmt(SQL_SET_DESC, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, desc);
	db_bind_text(st, 2, f.id);
	if (db_exec_stmt(st, err) != 0 || compute_flavor_get(req, f.id, false, &f, err) != 0)
		return -1;
	http_reply_json(resp, 200,
	                json_pack("{s:o}", "flavor", compute_flavor_view(req, &f, true)));
	return 0;
}

COMPUTE_HANDLER(compute_flavor_delete)
{
	struct compute_flavor f;
	if (compute_flavor_get(req, http_param(req, "flavor_id"), false, &f, err) != 0)
		return -1;
	sqlite3_stmt *st = db_stmt(SQL_DELETE, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, f.id);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	http_reply_empty(resp, 202);
	return 0;
}

COMPUTE_HANDLER(compute_flavor_specs_list)
{
	struct compute_flavor f;
	if (compute_flavor_get(req, http_param(req, "flavor_id"), false, &f, err) != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:O}", "extra_specs", f.extra_specs));
	return 0;
}

static int specs_store(const char *id, json_t *specs, struct api_error *err)
{
	char *text = json_dumps(specs, JSON_COMPACT | JSON_SORT_KEYS);
	sqlite3_stmt *st = db_stmt(SQL_SET_SPECS, err);
	if (st == NULL) {
		free(text);
		return -1;
	}
	db_bind_text(st, 1, text);
	db_bind_text(st, 2, id);
	int rc = db_exec_stmt(st, err);
	free(text);
	return rc;
}

static int spec_valid(const char *key, json_t *v, struct api_error *err)
{
	if (strlen(key) == 0 || strlen(key) > 255)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute extra_specs. Key length must be "
		                "between 1 and 255.");
	for (const char *p = key; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("-_:. ", *p)))
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute extra_specs. Key '%s' does "
			    "not match the key pattern",
			    key);
	if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v))
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Invalid input for field/attribute extra_specs. Value of %s must be a "
		    "string",
		    key);
	if (json_is_string(v) && strlen(json_string_value(v)) > 255)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute extra_specs. Value too long");
	return 0;
}

static json_t *spec_string(json_t *v)
{
	if (json_is_string(v))
		return json_incref(v);
	if (json_is_boolean(v))
		return json_string(json_is_true(v) ? "True" : "False");
	char *s = json_dumps(v, JSON_ENCODE_ANY);
	json_t *r = json_string(s);
	free(s);
	return r;
}

/* Nova's order: the body's shape, then (2.86+) the known specs' values,
 * then the URI key, and only then the flavor (400s come before a 404). */
COMPUTE_HANDLER(compute_flavor_specs_set)
{
	struct compute_flavor f;
	json_t *body, *specs;
	if (http_body_json(req, &body, err))
		return -1;
	const char *key = http_param(req, "key");
	if (key != NULL) {
		/* PUT .../os-extra_specs/{key} with {key: value} */
		if (!json_is_object(body) || json_object_size(body) != 1)
			return api_fail(err, API_BAD_REQUEST, "Request body and URI mismatch");
		specs = body;
	} else if (json_get_object(body, "extra_specs", true, &specs, err) != 0)
		return -1;
	const char *k;
	json_t *v;
	json_object_foreach(specs, k, v)
	{
		if (spec_valid(k, v, err) != 0)
			return -1;
	}
	if (compute_mv(req) >= COMPUTE_XSPEC_MIN_MV) {
		json_object_foreach(specs, k, v)
		{
			json_t *s = spec_string(v);
			int rc = compute_extra_spec_validate(k, json_string_value(s), err);
			json_decref(s);
			if (rc != 0)
				return -1;
		}
	}
	if (key != NULL && json_object_get(body, key) == NULL)
		return api_fail(err, API_BAD_REQUEST, "Request body and URI mismatch");
	if (compute_flavor_get(req, http_param(req, "flavor_id"), false, &f, err) != 0)
		return -1;
	json_t *clean = json_object();
	json_object_foreach(specs, k, v)
	{
		json_object_set_new(clean, k, spec_string(v));
		json_object_set_new(f.extra_specs, k, spec_string(v));
	}
	if (specs_store(f.id, f.extra_specs, err) != 0) {
		json_decref(clean);
		return -1;
	}
	if (key != NULL)
		http_reply_json(resp, 200, clean);
	else
		http_reply_json(resp, 200, json_pack("{s:o}", "extra_specs", clean));
	return 0;
}

COMPUTE_HANDLER(compute_flavor_spec_show)
{
	struct compute_flavor f;
	const char *key = http_param(req, "key");
	if (compute_flavor_get(req, http_param(req, "flavor_id"), false, &f, err) != 0)
		return -1;
	json_t *v = json_object_get(f.extra_specs, key);
	if (v == NULL)
		return api_fail(err, API_NOT_FOUND, "Flavor %s has no extra specs with key %s.",
		                f.id, key);
	http_reply_json(resp, 200, json_pack("{s:O}", key, v));
	return 0;
}

COMPUTE_HANDLER(compute_flavor_spec_delete)
{
	struct compute_flavor f;
	const char *key = http_param(req, "key");
	if (compute_flavor_get(req, http_param(req, "flavor_id"), false, &f, err) != 0)
		return -1;
	if (json_object_del(f.extra_specs, key) != 0)
		return api_fail(err, API_NOT_FOUND, "Flavor %s has no extra specs with key %s.",
		                f.id, key);
	if (specs_store(f.id, f.extra_specs, err) != 0)
		return -1;
	http_reply_empty(resp, 200);
	return 0;
}

static int access_reply(struct http_request *req, struct http_response *resp, const char *id,
                        struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_ACCESS_LIST, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, id);
	json_t *list = json_array();
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:s,s:s}", "flavor_id", id, "tenant_id",
		                                      db_column_text(st, 0)));
	if (rc < 0) {
		json_decref(list);
		return -1;
	}
	http_reply_json(resp, 200, json_pack("{s:o}", "flavor_access", list));
	return 0;
}

COMPUTE_HANDLER(compute_flavor_access_list)
{
	struct compute_flavor f;
	if (compute_flavor_get(req, http_param(req, "flavor_id"), false, &f, err) != 0)
		return -1;
	if (f.is_public)
		return api_fail(err, API_NOT_FOUND,
		                "Access list not available for public flavors.");
	return access_reply(req, resp, f.id, err);
}

COMPUTE_HANDLER(compute_flavor_action)
{
	struct compute_flavor f;
	json_t *body, *act;
	const char *tenant = NULL;
	if (compute_flavor_get(req, http_param(req, "flavor_id"), false, &f, err) ||
	    http_body_json(req, &body, err))
		return -1;
	bool add = (act = json_object_get(body, "addTenantAccess")) != NULL;
	if (!add && (act = json_object_get(body, "removeTenantAccess")) == NULL)
		return api_fail(err, API_BAD_REQUEST, "There is no such action");
	if (!json_is_object(act) || json_get_string(act, "tenant", true, &tenant, err) != 0)
		return err->kind
		           ? -1
		           : api_fail(err, API_BAD_REQUEST, "Invalid input for tenant access");
	if (f.is_public)
		return api_fail(err, API_CONFLICT, "Can not add access to a public flavor.");
	sqlite3_stmt *st = db_stmt(add ? SQL_ACCESS_ADD : SQL_ACCESS_DEL, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, f.id);
	db_bind_text(st, 2, tenant);
	int rc = db_step(st, err);
	if (rc < 0)
		return api_fail(err, API_CONFLICT,
		                "Flavor access already exists for flavor %s and project %s "
		                "combination.",
		                f.id, tenant);
	if (!add && sqlite3_changes(db_conn(err)) == 0)
		return api_fail(err, API_NOT_FOUND,
		                "Flavor access not found for %s flavor and %s project.", f.id,
		                tenant);
	return access_reply(req, resp, f.id, err);
}
