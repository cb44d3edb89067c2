/* Host aggregates (os-aggregates, admin only): create, list, show, update,
 * delete, add_host/remove_host and set_metadata. An aggregate's
 * availability zone is its metadata key `availability_zone`, as in Nova,
 * and makes the zone of its hosts: compute_host_zone() is what
 * os-availability-zone, os-services and the scheduler's
 * AvailabilityZoneFilter read. The only host this daemon knows is its own. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/json.h"
#include "service.h"

#define AGG_COLS "id, uuid, name, metadata, created_at, updated_at"

static const char SQL_GET[] = "SELECT " AGG_COLS " FROM compute_aggregates WHERE id = ?";
static const char SQL_LIST[] = "SELECT " AGG_COLS " FROM compute_aggregates ORDER BY id";
static const char SQL_HOSTS[] =
    "SELECT host FROM compute_aggregate_hosts WHERE aggregate_id = ? ORDER BY rowid";
static const char SQL_INSERT[] =
    "INSERT INTO compute_aggregates (uuid, name, metadata, created_at) VALUES (?,?,?,?)";
static const char SQL_UPDATE[] =
    "UPDATE compute_aggregates SET name = ?, metadata = ?, updated_at = ? WHERE id = ?";
static const char SQL_NAME_TAKEN[] =
    "SELECT 1 FROM compute_aggregates WHERE name = ? AND id IS NOT ?";
static const char SQL_DELETE[] = "DELETE FROM compute_aggregates WHERE id = ?";
static const char SQL_HOST_ADD[] =
    "INSERT INTO compute_aggregate_hosts (aggregate_id, host) VALUES (?,?)";
static const char SQL_HOST_DEL[] =
    "DELETE FROM compute_aggregate_hosts WHERE aggregate_id = ? AND host = ?";
static const char SQL_HOST_IN[] =
    "SELECT 1 FROM compute_aggregate_hosts WHERE aggregate_id = ? AND host = ?";
/* The zones of a host's other aggregates (Nova's conflict check). */
static const char SQL_HOST_ZONES[] =
    "SELECT json_extract(a.metadata, '$.availability_zone') FROM compute_aggregates a"
    " JOIN compute_aggregate_hosts h ON h.aggregate_id = a.id WHERE h.host = ?"
    " AND a.id IS NOT ? AND json_extract(a.metadata, '$.availability_zone') IS NOT NULL"
    " ORDER BY a.id";
static const char SQL_HOST_SERVERS[] = "SELECT count(*) FROM compute_servers WHERE host = ?";

struct aggregate {
	long long id;
	const char *uuid, *name, *created_at, *updated_at;
	json_t *metadata; /* owned by the request arena */
	json_t *hosts;    /* array of names, same */
};

int compute_host_zone(const struct compute_svc *svc, const char *host, char *zone, size_t len,
                      struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_HOST_ZONES, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, host);
	sqlite3_bind_null(st, 2);
	int rc = db_step(st, err);
	if (rc < 0)
		return -1;
	snprintf(zone, len, "%s", rc == SQLITE_ROW ? db_column_text(st, 0) : svc->host.zone);
	sqlite3_reset(st);
	return 0;
}

/* The id in the path: Nova validates it as an integer (400). */
static int path_id(struct http_request *req, long long *id, struct api_error *err)
{
	const char *s = http_param(req, "aggregate_id");
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0')
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input received: id must be an integer");
	*id = v;
	return 0;
}

static int agg_load(struct http_request *req, long long id, struct aggregate *a,
                    struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_GET, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = db_step(st, err);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return api_fail(err, API_NOT_FOUND, "Aggregate %lld could not be found.", id);
	a->id = sqlite3_column_int64(st, 0);
	a->uuid = arena_strdup(req->arena, db_column_text(st, 1));
	a->name = arena_strdup(req->arena, db_column_text(st, 2));
	a->metadata = json_loads(db_column_text(st, 3), 0, NULL);
	if (a->metadata == NULL)
		a->metadata = json_object();
	arena_defer(req->arena, (void (*)(void *))json_decref, a->metadata);
	a->created_at = arena_strdup(req->arena, db_column_text(st, 4));
	a->updated_at = arena_strdup(req->arena, db_column_text(st, 5));
	sqlite3_reset(st);
	a->hosts = json_array();
	arena_defer(req->arena, (void (*)(void *))json_decref, a->hosts);
	if ((st = db_stmt(SQL_HOSTS, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = db_step(st, err)) == SQLITE_ROW)
		json_array_append_new(a->hosts, json_string(db_column_text(st, 0)));
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

static json_t *agg_view(struct http_request *req, const struct aggregate *a, bool full)
{
	json_t *az = json_object_get(a->metadata, "availability_zone");
	json_t *o = json_pack("{s:O,s:s,s:b,s:n,s:I,s:s,s:o}", "availability_zone",
	                      az ? az : json_null(), "created_at", a->created_at, "deleted", 0,
	                      "deleted_at", "id", (json_int_t)a->id, "name", a->name, "updated_at",
	                      json_string_or_null(a->updated_at));
	if (full) {
		json_object_set(o, "hosts", a->hosts);
		json_object_set(o, "metadata", a->metadata);
	}
	if (compute_mv(req) >= 41)
		json_object_set_new(o, "uuid", json_string(a->uuid));
	return o;
}

static int reply_agg(struct http_request *req, struct http_response *resp, long long id,
                     struct api_error *err)
{
	struct aggregate a;
	if (agg_load(req, id, &a, err) != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:o}", "aggregate", agg_view(req, &a, true)));
	return 0;
}

/* Nova's normalize_name: surrounding white space goes; what is left must
 * be 1-255 characters. */
static const char *normalized(struct http_request *req, json_t *obj, const char *key, bool required,
                              struct api_error *err)
{
	const char *v = NULL;
	if (json_get_string(obj, key, required, &v, err) != 0 || v == NULL)
		return NULL;
	while (isspace((unsigned char)*v))
		v++;
	size_t n = strlen(v);
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	char *out = arena_strndup(req->arena, v, n);
	if (n == 0 || json_check_length(key, out, 255, err) != 0) {
		if (n == 0)
			api_fail(err, API_BAD_REQUEST,
			         "Invalid input for field/attribute %s. Value: %s. It must be a "
			         "non-empty string of at most 255 characters",
			         key, v);
		return NULL;
	}
	return out;
}

/* availability_zone: a name without ':' (it separates zone:host) or, for
 * create only, null. */
static int zone_arg(struct http_request *req, json_t *obj, bool null_ok, const char **out,
                    bool *given, struct api_error *err)
{
	json_t *v = json_object_get(obj, "availability_zone");
	*given = v != NULL;
	*out = NULL;
	if (v == NULL || (json_is_null(v) && null_ok))
		return 0;
	if (!json_is_string(v) && !json_is_null(v))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute availability_zone. Value: not "
		                "a string");
	if (json_is_string(v)) {
		*out = normalized(req, obj, "availability_zone", false, err);
		if (*out == NULL)
			return -1;
		if (strchr(*out, ':'))
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute availability_zone. "
			    "Value: %s. ':' is not allowed in an availability zone name",
			    *out);
	}
	return 0;
}

static int name_free(const char *name, long long self, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_NAME_TAKEN, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, name);
	if (self > 0)
		sqlite3_bind_int64(st, 2, self);
	else
		sqlite3_bind_null(st, 2);
	int rc = db_step(st, err);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (rc == SQLITE_ROW)
		return api_fail(err, API_CONFLICT, "Aggregate %s already exists.", name);
	return 0;
}

/* Nova's is_safe_to_update_az: the new zone must be named, must not
 * contradict the zone another aggregate gives one of the hosts, and (for
 * updates) must not move hosts that run servers. prefix is the action's
 * message ("Cannot update aggregate 3"). */
static int zone_change_ok(const struct aggregate *a, const char *zone, json_t *hosts,
                          bool check_servers, const char *prefix, struct api_error *err)
{
	if (zone == NULL || *zone == '\0')
		return api_fail(err, API_BAD_REQUEST,
		                "%s. Reason: Aggregate %s does not support empty named "
		                "availability zone.",
		                prefix, a->name);
	size_t i;
	json_t *h;
	json_array_foreach(hosts, i, h)
	{
		sqlite3_stmt *st = db_stmt(SQL_HOST_ZONES, err);
		if (st == NULL)
			return -1;
		db_bind_text(st, 1, json_string_value(h));
		sqlite3_bind_int64(st, 2, a->id);
		int rc;
		const char *other = NULL;
		while ((rc = db_step(st, err)) == SQLITE_ROW)
			if (strcmp(db_column_text(st, 0), zone) != 0 && other == NULL)
				other = strdup(db_column_text(st, 0));
		sqlite3_reset(st);
		if (rc < 0) {
			free((void *)other);
			return -1;
		}
		if (other != NULL) {
			api_fail(err, API_BAD_REQUEST,
			         "%s. Reason: One or more hosts already in availability zone(s) "
			         "['%s'].",
			         prefix, other);
			free((void *)other);
			return -1;
		}
	}
	json_t *cur = json_object_get(a->metadata, "availability_zone");
	if (!check_servers || (cur && strcmp(json_string_value(cur), zone) == 0))
		return 0;
	json_array_foreach(hosts, i, h)
	{
		sqlite3_stmt *st = db_stmt(SQL_HOST_SERVERS, err);
		if (st == NULL)
			return -1;
		db_bind_text(st, 1, json_string_value(h));
		if (db_step(st, err) != SQLITE_ROW)
			return -1;
		long long n = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (n > 0)
			return api_fail(err, API_BAD_REQUEST,
			                "%s. Reason: One or more hosts contain instances in this "
			                "zone.",
			                prefix);
	}
	return 0;
}

static int agg_save(const struct aggregate *a, const char *name, struct api_error *err)
{
	char now[21];
	ids_time_iso(time(NULL), now);
	char *md = json_dumps(a->metadata, JSON_COMPACT | JSON_SORT_KEYS);
	sqlite3_stmt *st = db_stmt(SQL_UPDATE, err);
	int rc = -1;
	if (st != NULL) {
		db_bind_text(st, 1, name);
		db_bind_text(st, 2, md);
		db_bind_text(st, 3, now);
		sqlite3_bind_int64(st, 4, a->id);
		rc = db_exec_stmt(st, err);
	}
	free(md);
	return rc;
}

COMPUTE_HANDLER(compute_aggregate_list)
{
	sqlite3_stmt *st = db_stmt(SQL_LIST, err);
	if (st == NULL)
		return -1;
	long long *ids = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			long long *g = arena_alloc(req->arena, cap * sizeof(*g));
			if (n)
				memcpy(g, ids, n * sizeof(*g));
			ids = g;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		struct aggregate a;
		if (agg_load(req, ids[i], &a, err) != 0) {
			json_decref(list);
			return -1;
		}
		json_array_append_new(list, agg_view(req, &a, true));
	}
	http_reply_json(resp, 200, json_pack("{s:o}", "aggregates", list));
	return 0;
}

COMPUTE_HANDLER(compute_aggregate_create)
{
	json_t *body, *g;
	static const char *const allowed[] = {"name", "availability_zone", NULL};
	if (http_body_json(req, &body, err) != 0 ||
	    json_get_object(body, "aggregate", true, &g, err) != 0 ||
	    json_only_keys(g, allowed, "aggregate", err) != 0)
		return -1;
	const char *name = normalized(req, g, "name", true, err), *zone;
	bool given;
	if (name == NULL || zone_arg(req, g, true, &zone, &given, err) != 0)
		return -1;
	json_t *md = zone ? json_pack("{s:s}", "availability_zone", zone) : json_object();
	char *md_text = json_dumps(md, JSON_COMPACT);
	json_decref(md);
	char uuid[37], now[21];
	ids_uuid4(uuid);
	ids_time_iso(time(NULL), now);
	long long id = 0;
	if (db_begin(err) != 0) {
		free(md_text);
		return -1;
	}
	sqlite3_stmt *st;
	if (name_free(name, 0, err) != 0 || (st = db_stmt(SQL_INSERT, err)) == NULL)
		goto fail;
	db_bind_text(st, 1, uuid);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, md_text);
	db_bind_text(st, 4, now);
	if (db_exec_stmt(st, err) != 0)
		goto fail;
	id = sqlite3_last_insert_rowid(db_conn(err));
	if (db_commit(err) != 0)
		goto fail;
	free(md_text);
	struct aggregate a;
	if (agg_load(req, id, &a, err) != 0)
		return -1;
	/* The create answer has neither hosts nor metadata (Nova). */
	http_reply_json(resp, 200, json_pack("{s:o}", "aggregate", agg_view(req, &a, false)));
	return 0;
fail:
	free(md_text);
	db_rollback();
	return -1;
}

COMPUTE_HANDLER(compute_aggregate_show)
{
	long long id;
	if (path_id(req, &id, err) != 0)
		return -1;
	return reply_agg(req, resp, id, err);
}

COMPUTE_HANDLER(compute_aggregate_update)
{
	long long id;
	json_t *body, *g;
	static const char *const allowed[] = {"name", "availability_zone", NULL};
	if (path_id(req, &id, err) != 0 || http_body_json(req, &body, err) != 0 ||
	    json_get_object(body, "aggregate", true, &g, err) != 0 ||
	    json_only_keys(g, allowed, "aggregate", err) != 0)
		return -1;
	if (json_object_size(g) == 0)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute aggregate. Value: {}. {} does "
		                "not have enough properties");
	const char *name = NULL, *zone = NULL;
	bool zone_given;
	if (json_object_get(g, "name") && (name = normalized(req, g, "name", true, err)) == NULL)
		return -1;
	if (zone_arg(req, g, false, &zone, &zone_given, err) != 0)
		return -1;
	if (db_begin(err) != 0)
		return -1;
	struct aggregate a;
	if (agg_load(req, id, &a, err) != 0)
		goto fail;
	if (name && name_free(name, id, err) != 0)
		goto fail;
	if (zone_given) {
		char prefix[80];
		snprintf(prefix, sizeof(prefix), "Cannot update aggregate %lld", id);
		if (zone_change_ok(&a, zone, a.hosts, true, prefix, err) != 0)
			goto fail;
		json_object_set_new(a.metadata, "availability_zone", json_string(zone));
	}
	if (agg_save(&a, name ? name : a.name, err) != 0 || db_commit(err) != 0)
		goto fail;
	return reply_agg(req, resp, id, err);
fail:
	db_rollback();
	return -1;
}

COMPUTE_HANDLER(compute_aggregate_delete)
{
	long long id;
	struct aggregate a;
	if (path_id(req, &id, err) != 0 || agg_load(req, id, &a, err) != 0)
		return -1;
	if (json_array_size(a.hosts) > 0)
		return api_fail(err, API_BAD_REQUEST,
		                "Cannot delete aggregate %lld. Reason: Host aggregate is not "
		                "empty.",
		                id);
	sqlite3_stmt *st = db_stmt(SQL_DELETE, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	http_reply_empty(resp, 200);
	return 0;
}

static int host_in(long long id, const char *host, bool *in, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_HOST_IN, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, host);
	int rc = db_step(st, err);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	*in = rc == SQLITE_ROW;
	return 0;
}

static int do_host(struct http_request *req, long long id, json_t *arg, bool add,
                   struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	const char *host = NULL;
	static const char *const allowed[] = {"host", NULL};
	const char *what = add ? "add_host" : "remove_host";
	if (!json_is_object(arg))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute %s. Value: not an object", what);
	if (json_only_keys(arg, allowed, what, err) != 0 ||
	    json_get_string(arg, "host", true, &host, err) != 0 ||
	    json_check_length("host", host, 255, err) != 0)
		return -1;
	if (db_begin(err) != 0)
		return -1;
	struct aggregate a;
	bool in;
	sqlite3_stmt *st;
	if (agg_load(req, id, &a, err) != 0 || host_in(id, host, &in, err) != 0)
		goto fail;
	if (add) {
		if (strcmp(host, svc->host.name) != 0) {
			api_fail(err, API_NOT_FOUND, "Compute host %s could not be found.", host);
			goto fail;
		}
		if (in) {
			api_fail(err, API_CONFLICT, "Aggregate %lld already has host %s.", id,
			         host);
			goto fail;
		}
		json_t *zone = json_object_get(a.metadata, "availability_zone");
		if (zone) {
			char prefix[80];
			snprintf(prefix, sizeof(prefix), "Cannot add host to aggregate %lld", id);
			json_t *hosts = json_pack("[s]", host);
			int rc =
			    zone_change_ok(&a, json_string_value(zone), hosts, false, prefix, err);
			json_decref(hosts);
			if (rc != 0) {
				err->kind = API_CONFLICT; /* Nova: 409 for add_host */
				err->status = 409;
				goto fail;
			}
		}
		st = db_stmt(SQL_HOST_ADD, err);
	} else {
		if (!in) {
			api_fail(err, API_NOT_FOUND, "Cannot remove host %s in aggregate %lld",
			         host, id);
			goto fail;
		}
		st = db_stmt(SQL_HOST_DEL, err);
	}
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, host);
	if (db_exec_stmt(st, err) != 0 || agg_save(&a, a.name, err) != 0 || db_commit(err) != 0)
		goto fail;
	return 0;
fail:
	db_rollback();
	return -1;
}

static int do_set_metadata(struct http_request *req, long long id, json_t *arg,
                           struct api_error *err)
{
	json_t *md;
	static const char *const allowed[] = {"metadata", NULL};
	if (!json_is_object(arg))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute set_metadata. Value: not an "
		                "object");
	if (json_only_keys(arg, allowed, "set_metadata", err) != 0 ||
	    json_get_object(arg, "metadata", true, &md, err) != 0)
		return -1;
	const char *k;
	json_t *v;
	json_object_foreach(md, k, v)
	{
		size_t n = strlen(k);
		bool ok = n >= 1 && n <= 255;
		for (size_t i = 0; ok && i < n; i++)
			ok = isalnum((unsigned char)k[i]) || strchr("-_:. ", k[i]) != NULL;
		if (!ok)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute metadata. Value: %s. "
			    "Additional properties are not allowed ('%s' was unexpected)",
			    k, k);
		if (!(json_is_null(v) || json_is_string(v)) ||
		    (json_is_string(v) && json_check_length(k, json_string_value(v), 255, err)))
			return err->kind ? -1
			                 : api_fail(err, API_BAD_REQUEST,
			                            "Invalid input for field/attribute %s. Value: "
			                            "not a string or null",
			                            k);
	}
	if (db_begin(err) != 0)
		return -1;
	struct aggregate a;
	if (agg_load(req, id, &a, err) != 0)
		goto fail;
	json_t *zone = json_object_get(md, "availability_zone");
	if (zone) {
		char prefix[80];
		snprintf(prefix, sizeof(prefix), "Cannot update metadata of aggregate %lld", id);
		const char *z = json_string_value(zone);
		if (z && strchr(z, ':')) {
			api_fail(err, API_BAD_REQUEST,
			         "%s. Reason: ':' is not allowed in an availability zone name.",
			         prefix);
			goto fail;
		}
		if (zone_change_ok(&a, z, a.hosts, true, prefix, err) != 0)
			goto fail;
	}
	json_object_foreach(md, k, v)
	{
		if (json_is_null(v))
			json_object_del(a.metadata, k);
		else
			json_object_set(a.metadata, k, v);
	}
	if (agg_save(&a, a.name, err) != 0 || db_commit(err) != 0)
		goto fail;
	return 0;
fail:
	db_rollback();
	return -1;
}

COMPUTE_HANDLER(compute_aggregate_action)
{
	long long id;
	json_t *body;
	if (path_id(req, &id, err) != 0 || http_body_json(req, &body, err) != 0)
		return -1;
	if (!json_is_object(body) || json_object_size(body) != 1)
		return api_fail(err, API_BAD_REQUEST, "The request body is not an action.");
	const char *key = json_object_iter_key(json_object_iter(body));
	json_t *arg = json_object_get(body, key);
	int rc;
	if (strcmp(key, "add_host") == 0 || strcmp(key, "remove_host") == 0)
		rc = do_host(req, id, arg, strcmp(key, "add_host") == 0, err);
	else if (strcmp(key, "set_metadata") == 0)
		rc = do_set_metadata(req, id, arg, err);
	else
		return api_fail(err, API_BAD_REQUEST, "There is no such action: %s", key);
	if (rc != 0)
		return -1;
	return reply_agg(req, resp, id, err);
}

int compute_aggregate_path_id(struct http_request *req, long long *id, struct api_error *err)
{
	return path_id(req, id, err);
}

int compute_aggregate_has_host(struct http_request *req, long long id, const char *host, bool *in,
                               struct api_error *err)
{
	struct aggregate a;
	return agg_load(req, id, &a, err) != 0 ? -1 : host_in(id, host, in, err);
}
