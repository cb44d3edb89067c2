/* Account and container listings: prefix, delimiter (subdir entries),
 * marker, end_marker, limit and reverse over the index in byte order, and
 * their three renderings (plain, json, xml). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/arena.h"
#include "core/db.h"
#include "object/internal.h"

/* ?3 exclusive lower bound, ?4 exclusive upper bound (NULL: none), ?5/?6
 * the prefix range, ?8 the row limit. */
#define OBJ_COLS                                                                            \
	"SELECT name, size, etag, content_type, modified, slo FROM object_objects WHERE "   \
	"account = ?1 AND container = ?2 AND (?3 IS NULL OR name > ?3) AND (?4 IS NULL OR " \
	"name < ?4) AND name >= ?5 AND name < ?6 AND (delete_at IS NULL OR delete_at > ?7) "
static const char SQL_OBJ_ASC[] = OBJ_COLS "ORDER BY name LIMIT ?8";
static const char SQL_OBJ_DESC[] = OBJ_COLS "ORDER BY name DESC LIMIT ?8";
#define CON_COLS                                                                                 \
	"SELECT c.name, (SELECT count(*) FROM object_objects o WHERE o.account = c.account AND " \
	"o.container = c.name AND (o.delete_at IS NULL OR o.delete_at > ?7)), (SELECT "          \
	"coalesce(sum(size), 0) FROM object_objects o WHERE o.account = c.account AND "          \
	"o.container = c.name AND (o.delete_at IS NULL OR o.delete_at > ?7)), c.modified FROM "  \
	"object_containers c WHERE c.account = ?1 AND ?2 IS NULL AND (?3 IS NULL OR c.name > "   \
	"?3) AND (?4 IS NULL OR c.name < ?4) AND c.name >= ?5 AND c.name < ?6 "
static const char SQL_CON_ASC[] = CON_COLS "ORDER BY c.name LIMIT ?8";
static const char SQL_CON_DESC[] = CON_COLS "ORDER BY c.name DESC LIMIT ?8";

struct listing {
	const char *account, *container; /* container NULL: the account's containers */
	const char *prefix, *delimiter, *marker, *end_marker;
	long limit;
	bool reverse;
};

static json_t *object_item(struct arena *a, sqlite3_stmt *st)
{
	return json_pack("{s:s,s:s,s:I,s:s,s:s}", "name", db_column_text(st, 0), "hash",
	                 db_column_text(st, 2), "bytes", (json_int_t)sqlite3_column_int64(st, 1),
	                 "content_type", db_column_text(st, 3), "last_modified",
	                 object_iso_time(a, sqlite3_column_double(st, 4)));
}

static json_t *container_item(struct arena *a, sqlite3_stmt *st)
{
	return json_pack("{s:s,s:I,s:I,s:s}", "name", db_column_text(st, 0), "count",
	                 (json_int_t)sqlite3_column_int64(st, 1), "bytes",
	                 (json_int_t)sqlite3_column_int64(st, 2), "last_modified",
	                 object_iso_time(a, sqlite3_column_double(st, 3)));
}

static int collect(struct arena *a, const struct listing *l, json_t *items, struct api_error *err)
{
	const char *sql = l->container ? (l->reverse ? SQL_OBJ_DESC : SQL_OBJ_ASC)
	                               : (l->reverse ? SQL_CON_DESC : SQL_CON_ASC);
	const char *lower = l->reverse ? l->end_marker : l->marker;
	const char *upper = l->reverse ? l->marker : l->end_marker;
	const char *prefix_hi = arena_printf(a, "%s\xff", l->prefix);
	size_t plen = strlen(l->prefix);
	for (;;) {
		long want = l->limit - (long)json_array_size(items);
		if (want <= 0)
			return 0;
		sqlite3_stmt *st = db_stmt(sql, err);
		if (!st)
			return -1;
		db_bind_text(st, 1, l->account);
		db_bind_text(st, 2, l->container);
		db_bind_text(st, 3, lower && *lower ? lower : NULL);
		db_bind_text(st, 4, upper && *upper ? upper : NULL);
		db_bind_text(st, 5, l->prefix);
		db_bind_text(st, 6, prefix_hi);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)time(NULL));
		sqlite3_bind_int64(st, 8, want);
		int rc, rows = 0;
		const char *restart = NULL;
		while ((rc = db_step(st, err)) == SQLITE_ROW) {
			rows++;
			const char *name = db_column_text(st, 0);
			const char *d = l->delimiter && *l->delimiter
			                    ? strstr(name + plen, l->delimiter)
			                    : NULL;
			if (d) {
				const char *sub = arena_strndup(
				    a, name, (size_t)(d - name) + strlen(l->delimiter));
				json_array_append_new(items, json_pack("{s:s}", "subdir", sub));
				restart = sub;
				break;
			}
			json_array_append_new(items, l->container ? object_item(a, st)
			                                          : container_item(a, st));
		}
		sqlite3_reset(st);
		if (rc < 0)
			return -1;
		if (!restart)
			return 0;
		/* Skip every name under the subdir just listed. */
		if (l->reverse)
			upper = restart;
		else
			lower = arena_printf(a, "%s\xff", restart);
		(void)rows;
	}
}

static void xml_escape(struct arena *a, char **buf, size_t *len, size_t *cap, const char *s)
{
	for (; *s; s++) {
		const char *rep = *s == '<'   ? "&lt;"
		                  : *s == '>' ? "&gt;"
		                  : *s == '&' ? "&amp;"
		                  : *s == '"' ? "&quot;"
		                              : NULL;
		size_t n = rep ? strlen(rep) : 1;
		if (*len + n + 1 > *cap) {
			size_t nc = *cap * 2 + n + 64;
			char *nb = arena_alloc(a, nc);
			memcpy(nb, *buf, *len);
			*buf = nb;
			*cap = nc;
		}
		memcpy(*buf + *len, rep ? rep : s, n);
		*len += n;
	}
}

static void append(struct arena *a, char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 > *cap) {
		size_t nc = *cap * 2 + n + 64;
		char *nb = arena_alloc(a, nc);
		memcpy(nb, *buf, *len);
		*buf = nb;
		*cap = nc;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
}

static const char *format_of(struct http_request *req)
{
	const char *f = http_query(req, "format");
	if (f)
		return !strcasecmp(f, "json") ? "json" : !strcasecmp(f, "xml") ? "xml" : "plain";
	const char *acc = http_header(req, "Accept");
	if (acc && strstr(acc, "application/json"))
		return "json";
	if (acc && (strstr(acc, "application/xml") || strstr(acc, "text/xml")))
		return "xml";
	return "plain";
}

int object_list_reply(struct http_request *req, struct http_response *resp, json_t *items,
                      const char *root_tag, const char *root_name, struct api_error *err)
{
	(void)err;
	const char *fmt = format_of(req);
	struct arena *a = req->arena;
	if (!strcmp(fmt, "json")) {
		http_reply_json(resp, 200, json_incref(items));
		http_header_set(resp, "Content-Type", "application/json; charset=utf-8");
		return 0;
	}
	size_t cap = 4096, len = 0;
	char *buf = arena_alloc(a, cap);
	size_t i;
	json_t *it;
	if (!strcmp(fmt, "plain")) {
		if (json_array_size(items) == 0) {
			http_reply_empty(resp, 204);
			http_header_set(resp, "Content-Type", "text/plain; charset=utf-8");
			return 0;
		}
		json_array_foreach(items, i, it)
		{
			const char *n = json_string_value(json_object_get(it, "name"));
			append(a, &buf, &len, &cap,
			       n ? n : json_string_value(json_object_get(it, "subdir")));
			append(a, &buf, &len, &cap, "\n");
		}
		http_reply_text(resp, 200, "text/plain; charset=utf-8", buf, len);
		return 0;
	}
	append(a, &buf, &len, &cap, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<");
	append(a, &buf, &len, &cap, root_tag);
	append(a, &buf, &len, &cap, " name=\"");
	xml_escape(a, &buf, &len, &cap, root_name);
	append(a, &buf, &len, &cap, "\">");
	const char *item_tag = !strcmp(root_tag, "account") ? "container" : "object";
	json_array_foreach(items, i, it)
	{
		const char *sub = json_string_value(json_object_get(it, "subdir"));
		if (sub) {
			append(a, &buf, &len, &cap, "<subdir name=\"");
			xml_escape(a, &buf, &len, &cap, sub);
			append(a, &buf, &len, &cap, "\"><name>");
			xml_escape(a, &buf, &len, &cap, sub);
			append(a, &buf, &len, &cap, "</name></subdir>");
			continue;
		}
		append(a, &buf, &len, &cap, arena_printf(a, "<%s>", item_tag));
		const char *k;
		json_t *v;
		json_object_foreach(it, k, v)
		{
			append(a, &buf, &len, &cap, arena_printf(a, "<%s>", k));
			if (json_is_string(v))
				xml_escape(a, &buf, &len, &cap, json_string_value(v));
			else
				append(a, &buf, &len, &cap,
				       arena_printf(a, "%lld", (long long)json_integer_value(v)));
			append(a, &buf, &len, &cap, arena_printf(a, "</%s>", k));
		}
		append(a, &buf, &len, &cap, arena_printf(a, "</%s>", item_tag));
	}
	append(a, &buf, &len, &cap, arena_printf(a, "</%s>", root_tag));
	http_reply_text(resp, 200, "application/xml; charset=utf-8", buf, len);
	return 0;
}

static void decref(void *p)
{
	json_decref(p);
}

/* Reads the listing options of req and collects the entries. */
int object_list_collect(struct http_request *req, const char *account, const char *container,
                        json_t **out, struct api_error *err)
{
	struct listing l = {
	    .account = account,
	    .container = container,
	    .prefix = http_query(req, "prefix"),
	    .delimiter = http_query(req, "delimiter"),
	    .marker = http_query(req, "marker"),
	    .end_marker = http_query(req, "end_marker"),
	    .limit = OBJECT_LISTING_LIMIT,
	};
	if (!l.prefix)
		l.prefix = "";
	const char *rev = http_query(req, "reverse");
	l.reverse = rev && (!strcasecmp(rev, "true") || !strcasecmp(rev, "on") ||
	                    !strcasecmp(rev, "yes") || !strcmp(rev, "1") || !strcasecmp(rev, "t"));
	const char *lim = http_query(req, "limit");
	if (lim) {
		char *end;
		long v = strtol(lim, &end, 10);
		if (*end || v < 0)
			return api_fail(err, API_PRECONDITION_FAILED,
			                "Value of limit must be a positive integer");
		if (v > OBJECT_LISTING_LIMIT)
			return api_fail(err, API_PRECONDITION_FAILED, "Maximum limit is %d",
			                OBJECT_LISTING_LIMIT);
		l.limit = v;
	}
	if (l.delimiter && strlen(l.delimiter) != 1)
		return api_fail(err, API_PRECONDITION_FAILED, "Bad delimiter");
	json_t *items = json_array();
	arena_defer(req->arena, decref, items);
	if (collect(req->arena, &l, items, err) != 0)
		return -1;
	*out = items;
	return 0;
}
