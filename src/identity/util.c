/* Small helpers the resource files share: links, body envelopes, name
 * checks, query booleans, the `extra` column. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "identity/internal.h"

json_t *identity_links(struct identity_state *st, const char *kind, const char *id)
{
	char *url;
	if (asprintf(&url, "%s/v3/%s/%s", st->auth_url, kind, id) < 0)
		return json_object();
	json_t *l = json_pack("{s:s}", "self", url);
	free(url);
	return l;
}

json_t *identity_collection_links(struct identity_state *st, struct http_request *req)
{
	(void)st;
	char *self = arena_printf(req->arena, "%s%s", st->public_url, req->path);
	api_utf8_sanitize(self); /* the decoded path may hold any byte */
	return json_pack("{s:s,s:n,s:n}", "self", self, "previous", "next");
}

int identity_body_object(struct http_request *req, const char *key, json_t **out,
                         struct api_error *err)
{
	json_t *body;
	if (http_body_json(req, &body, err) != 0)
		return -1;
	if (!json_is_object(body))
		return api_fail(err, API_BAD_REQUEST, "The request body must be a JSON object.");
	json_t *v = json_object_get(body, key);
	if (!v)
		return api_fail(err, API_BAD_REQUEST, "'%s' is a required property", key);
	if (!json_is_object(v))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field '%s': expected an "
		                "object.",
		                key);
	*out = v;
	return 0;
}

int identity_check_name(const char *field, const char *name, struct api_error *err)
{
	return identity_check_name_max(field, name, IDENTITY_NAME_MAX, err);
}

int identity_check_name_max(const char *field, const char *name, size_t max, struct api_error *err)
{
	if (!name)
		return api_fail(err, API_BAD_REQUEST, "'%s' is a required property", field);
	if (!api_utf8_valid(name))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field '%s': it is not valid UTF-8.", field);
	const char *p = name;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field '%s': it must not be empty.", field);
	return json_check_length(field, name, max, err);
}

bool identity_query_bool(const char *v)
{
	if (!v)
		return false;
	return !(!strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") ||
	         !strcasecmp(v, "off"));
}

json_t *identity_col_json(sqlite3_stmt *st, int col)
{
	const char *s = db_column_text(st, col);
	return s ? json_string(s) : json_null();
}

void identity_merge_extra(json_t *obj, const char *extra)
{
	if (!extra || !*extra || !strcmp(extra, "{}"))
		return;
	json_t *e = json_loads(extra, 0, NULL);
	if (json_is_object(e))
		json_object_update_missing(obj, e);
	json_decref(e);
}

char *identity_extra_of(struct arena *a, json_t *body, const char *const *known)
{
	json_t *extra = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v)
	{
		bool is_known = false;
		for (const char *const *k = known; *k; k++)
			if (!strcmp(*k, key))
				is_known = true;
		if (!is_known)
			json_object_set(extra, key, v);
	}
	char *text = json_dumps(extra, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(extra);
	char *out = arena_strdup(a, text ? text : "{}");
	free(text);
	return out;
}

const struct identity_auth *identity_caller(struct http_request *req)
{
	return identity_auth_of(req);
}

int identity_collect(struct identity_state *st, sqlite3_stmt *q, identity_row_fn fn, json_t **out,
                     struct api_error *err)
{
	json_t *list = json_array();
	int rc;
	while ((rc = db_step(q, err)) == SQLITE_ROW)
		json_array_append_new(list, fn(st, q));
	sqlite3_reset(q);
	if (rc < 0) {
		json_decref(list);
		return -1;
	}
	*out = list;
	return 0;
}

int identity_reply_list(struct http_request *req, struct http_response *resp, const char *key,
                        sqlite3_stmt *q, identity_row_fn fn, struct api_error *err)
{
	json_t *list;
	if (identity_collect(req->ctx, q, fn, &list, err) != 0)
		return -1;
	http_reply_json(
	    resp, 200,
	    json_pack("{s:o,s:o}", key, list, "links", identity_collection_links(req->ctx, req)));
	return 0;
}

int identity_fetch(struct identity_state *st, sqlite3_stmt *q, identity_row_fn fn, const char *what,
                   const char *id, json_t **out, struct api_error *err)
{
	int rc = db_step(q, err);
	if (rc == SQLITE_ROW)
		*out = fn(st, q);
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return api_fail(err, API_NOT_FOUND, "Could not find %s: %s.", what, id);
	return 0;
}

int identity_reply_one(struct http_request *req, struct http_response *resp, int status,
                       const char *key, sqlite3_stmt *q, identity_row_fn fn, const char *what,
                       const char *id, struct api_error *err)
{
	json_t *obj;
	if (identity_fetch(req->ctx, q, fn, what, id, &obj, err) != 0)
		return -1;
	http_reply_json(resp, status, json_pack("{s:o}", key, obj));
	return 0;
}

int identity_exists(const char *sql, const char *id, bool *found, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(sql, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	int rc = db_step(q, err);
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	*found = rc == SQLITE_ROW;
	return 0;
}

int identity_require(const char *sql, const char *id, const char *what, struct api_error *err)
{
	bool found;
	if (identity_exists(sql, id, &found, err) != 0)
		return -1;
	if (!found)
		return api_fail(err, API_NOT_FOUND, "Could not find %s: %s.", what, id);
	return 0;
}

int identity_run(sqlite3_stmt *q, const char *conflict, struct api_error *err)
{
	if (db_exec_stmt(q, err) != 0)
		return db_fail(-1, conflict, err);
	return 0;
}

int identity_optional_string(json_t *obj, const char *key, const char **out, bool *present,
                             struct api_error *err)
{
	json_t *v = json_object_get(obj, key);
	*present = v != NULL;
	if (!v)
		return 0;
	if (json_is_null(v)) {
		*out = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field '%s': expected a string or null.", key);
	*out = json_string_value(v);
	return 0;
}
