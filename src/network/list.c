/* The list answer every Neutron collection shares: filters on every field
 * (repeated keys mean "any of"), tag filters, fields=, sort_key/sort_dir,
 * limit/marker with next/previous links. Works on the documents as the
 * user would see them, so a filter on any attribute of the body works. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "network/api.h"

static const char *const reserved[] = {"fields",   "sort_key",     "sort_dir", "limit",
                                       "marker",   "page_reverse", "tags",     "tags-any",
                                       "not-tags", "not-tags-any", "fields[]", NULL};

static bool is_reserved(const char *k)
{
	for (size_t i = 0; reserved[i]; i++)
		if (!strcmp(reserved[i], k))
			return true;
	return false;
}

/* Whether one value of the document equals the filter text. */
static bool value_matches(json_t *v, const char *want)
{
	char buf[64];
	switch (json_typeof(v)) {
	case JSON_STRING:
		return !strcmp(json_string_value(v), want);
	case JSON_TRUE:
		return !strcasecmp(want, "true") || !strcmp(want, "1");
	case JSON_FALSE:
		return !strcasecmp(want, "false") || !strcmp(want, "0");
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return !strcmp(buf, want);
	case JSON_NULL:
		return !*want || !strcmp(want, "None") || !strcmp(want, "null");
	case JSON_ARRAY: {
		size_t i;
		json_t *e;
		/* fixed_ips=ip_address=10.0.0.3 / subnet_id=...: key=value of an
		 * element; ip_address_substr matches a part. */
		const char *eq = strchr(want, '=');
		json_array_foreach(v, i, e)
		{
			if (json_is_object(e) && eq) {
				char key[64];
				snprintf(key, sizeof(key), "%.*s", (int)(eq - want), want);
				bool substr = false;
				size_t kl = strlen(key);
				if (kl > 7 && !strcmp(key + kl - 7, "_substr")) {
					key[kl - 7] = '\0';
					substr = true;
				}
				const char *got = net_str(e, key);
				if (got &&
				    (substr ? strstr(got, eq + 1) != NULL : !strcmp(got, eq + 1)))
					return true;
			} else if (!json_is_object(e) && value_matches(e, want)) {
				return true;
			}
		}
		return false;
	}
	default:
		return false;
	}
}

static bool has_tag(json_t *obj, const char *tag)
{
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(obj, "tags"), i,
	                   t) if (json_is_string(t) &&
	                          !strcmp(json_string_value(t), tag)) return true;
	return false;
}

/* tags=a,b: every one; tags-any: one of; not-tags: not every one; not-tags-any: none. */
static bool tags_match(const struct http_request *req, json_t *obj)
{
	for (size_t q = 0; q < req->nquery; q++) {
		const char *k = req->query[q].key,
		           *v = req->query[q].value ? req->query[q].value : "";
		int mode = !strcmp(k, "tags")           ? 1
		           : !strcmp(k, "tags-any")     ? 2
		           : !strcmp(k, "not-tags")     ? 3
		           : !strcmp(k, "not-tags-any") ? 4
		                                        : 0;
		if (!mode)
			continue;
		size_t total = 0, found = 0;
		const char *p = v;
		while (*p) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			char tag[256];
			snprintf(tag, sizeof(tag), "%.*s", (int)len, p);
			total++;
			if (has_tag(obj, tag))
				found++;
			p += len;
			if (*p == ',')
				p++;
		}
		if (mode == 1 && found != total)
			return false;
		if (mode == 2 && found == 0)
			return false;
		if (mode == 3 && total && found == total)
			return false;
		if (mode == 4 && found > 0)
			return false;
	}
	return true;
}

bool net_filter_match(const struct http_request *req, json_t *obj)
{
	for (size_t q = 0; q < req->nquery; q++) {
		const char *k = req->query[q].key;
		if (is_reserved(k))
			continue;
		bool seen = false;
		for (size_t j = 0; j < q; j++)
			if (!strcmp(req->query[j].key, k))
				seen = true;
		if (seen)
			continue; /* handled with its first occurrence */
		json_t *v = json_object_get(obj, k);
		bool any = false;
		for (size_t j = q; j < req->nquery && !any; j++)
			if (!strcmp(req->query[j].key, k))
				any = v && value_matches(
				               v, req->query[j].value ? req->query[j].value : "");
		if (!any)
			return false;
	}
	return tags_match(req, obj);
}

static int compare_values(json_t *a, json_t *b)
{
	if (!a || json_is_null(a))
		return b && !json_is_null(b) ? -1 : 0;
	if (!b || json_is_null(b))
		return 1;
	if (json_is_string(a) && json_is_string(b))
		return strcmp(json_string_value(a), json_string_value(b));
	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t x = json_integer_value(a), y = json_integer_value(b);
		return x < y ? -1 : x > y;
	}
	if (json_is_boolean(a) && json_is_boolean(b))
		return (int)json_is_true(a) - (int)json_is_true(b);
	return 0;
}

struct sort_ctx {
	const char *keys[8];
	bool desc[8];
	size_t n;
};

struct sort_item {
	json_t *obj;
	const struct sort_ctx *ctx;
	size_t pos;
};

static int cmp_items(const void *pa, const void *pb)
{
	const struct sort_item *a = pa, *b = pb;
	for (size_t i = 0; i < a->ctx->n; i++) {
		int c = compare_values(json_object_get(a->obj, a->ctx->keys[i]),
		                       json_object_get(b->obj, a->ctx->keys[i]));
		if (c)
			return a->ctx->desc[i] ? -c : c;
	}
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static json_t *project_fields(const struct http_request *req, json_t *obj)
{
	bool any = false;
	for (size_t q = 0; q < req->nquery; q++)
		if (!strcmp(req->query[q].key, "fields") && req->query[q].value &&
		    *req->query[q].value)
			any = true;
	if (!any)
		return json_incref(obj);
	json_t *out = json_object();
	for (size_t q = 0; q < req->nquery; q++) {
		if (strcmp(req->query[q].key, "fields") || !req->query[q].value)
			continue;
		/* fields=a,b is accepted too */
		const char *p = req->query[q].value;
		while (*p) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			char key[128];
			snprintf(key, sizeof(key), "%.*s", (int)len, p);
			json_t *v = json_object_get(obj, key);
			if (v)
				json_object_set(out, key, v);
			p += len;
			if (*p == ',')
				p++;
		}
	}
	return out;
}

void net_reply_one(struct http_request *req, struct http_response *resp, int status,
                   const char *member, json_t *obj)
{
	json_t *body = json_object();
	json_object_set_new(body, member, project_fields(req, obj));
	http_reply_json(resp, status, body);
}

static json_t *page_link(struct http_request *req, const char *rel, const char *marker,
                         long long limit, bool reverse)
{
	char *href = arena_printf(req->arena, "%s%s?limit=%lld&marker=%s%s", req->base_url,
	                          req->path, limit, marker, reverse ? "&page_reverse=True" : "");
	for (size_t q = 0; q < req->nquery; q++) {
		const char *k = req->query[q].key;
		if (!strcmp(k, "limit") || !strcmp(k, "marker") || !strcmp(k, "page_reverse"))
			continue;
		href = arena_printf(req->arena, "%s&%s=%s", href, k,
		                    req->query[q].value ? req->query[q].value : "");
	}
	return json_pack("{s:s,s:s}", "rel", rel, "href", href);
}

/* filter-validation (on in Neutron since Rocky): a filter on an attribute
 * the collection's resources do not have is a 400. An empty collection
 * cannot tell, and matches nothing anyway. */
static int check_filters(const struct http_request *req, json_t *all, struct api_error *err)
{
	if (json_array_size(all) == 0)
		return 0;
	for (size_t q = 0; q < req->nquery; q++) {
		const char *k = req->query[q].key;
		if (is_reserved(k))
			continue;
		bool known = false;
		size_t i;
		json_t *o;
		json_array_foreach(all, i, o) if (json_object_get(o, k))
		{
			known = true;
			break;
		}
		if (!known)
			return api_fail_typed(err, API_BAD_REQUEST, "HTTPBadRequest",
			                      "[%s] is invalid attribute for filtering", k);
	}
	return 0;
}

int net_reply_list(struct http_request *req, struct http_response *resp, const char *collection,
                   json_t *all, struct api_error *err)
{
	if (check_filters(req, all, err) != 0)
		return -1;
	size_t n = json_array_size(all);
	struct sort_item *items = arena_alloc(req->arena, sizeof(*items) * (n + 1));
	struct sort_ctx ctx = {.n = 0};
	const char *dirs[8];
	size_t ndirs = 0;
	for (size_t q = 0; q < req->nquery; q++) {
		const char *k = req->query[q].key, *v = req->query[q].value;
		if (!strcmp(k, "sort_key") && v && ctx.n < 8)
			ctx.keys[ctx.n++] = v;
		if (!strcmp(k, "sort_dir") && v && ndirs < 8) {
			if (strcmp(v, "asc") && strcmp(v, "desc"))
				return api_fail_typed(
				    err, API_BAD_REQUEST, "HTTPBadRequest",
				    "%s is an invalid value for sort_dir, valid values "
				    "are 'asc' and 'desc'",
				    v);
			dirs[ndirs++] = v;
		}
	}
	for (size_t i = 0; i < ctx.n; i++)
		ctx.desc[i] = i < ndirs && !strcmp(dirs[i], "desc");
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(all, i);
		if (!net_filter_match(req, o))
			continue;
		if (ctx.n) {
			for (size_t k = 0; k < ctx.n; k++)
				if (!json_object_get(o, ctx.keys[k]))
					return api_fail_typed(
					    err, API_BAD_REQUEST, "HTTPBadRequest",
					    "%s is an invalid attribute for sort_keys",
					    ctx.keys[k]);
		}
		items[m++] = (struct sort_item){o, &ctx, i};
	}
	if (ctx.n)
		qsort(items, m, sizeof(*items), cmp_items);

	long long limit = 0;
	const char *ls = http_query(req, "limit");
	if (ls && *ls) {
		char *end;
		limit = strtoll(ls, &end, 10);
		if (*end || limit < 0)
			return api_fail_typed(err, API_BAD_REQUEST, "HTTPBadRequest",
			                      "Limit must be an integer 0 or greater and not '%s'",
			                      ls);
	}
	const char *marker = http_query(req, "marker");
	bool reverse = false;
	const char *pr = http_query(req, "page_reverse");
	if (pr && !strcasecmp(pr, "true"))
		reverse = true;
	size_t start = 0, end = m;
	if (marker && *marker) {
		size_t at = m;
		for (size_t i = 0; i < m; i++)
			if (!strcmp(net_str(items[i].obj, "id") ? net_str(items[i].obj, "id") : "",
			            marker))
				at = i;
		if (at == m)
			return net_not_found(collection[0] == 'n' ? "network" : "resource", marker,
			                     err);
		if (reverse) {
			end = at;
		} else {
			start = at + 1;
		}
	}
	if (limit > 0) {
		if (reverse && end > (size_t)limit)
			start = end - (size_t)limit;
		else if (!reverse && end - start > (size_t)limit)
			end = start + (size_t)limit;
	}
	json_t *arr = json_array();
	for (size_t i = start; i < end; i++)
		json_array_append_new(arr, project_fields(req, items[i].obj));
	json_t *body = json_object();
	json_object_set_new(body, collection, arr);
	if (limit > 0) {
		json_t *links = json_array();
		bool more_after = end<m, more_before = start> 0;
		if (end > start) {
			const char *last = net_str(items[end - 1].obj, "id");
			const char *first = net_str(items[start].obj, "id");
			if (more_after || (reverse && marker))
				json_array_append_new(
				    links, page_link(req, "next", last ? last : "", limit, false));
			if ((marker && *marker) || more_before)
				json_array_append_new(
				    links,
				    page_link(req, "previous", first ? first : "", limit, true));
		}
		json_object_set_new(body, arena_printf(req->arena, "%s_links", collection), links);
	}
	http_reply_json(resp, 200, body);
	return 0;
}
