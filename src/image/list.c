/* GET /v2/images: the images a caller may see, narrowed by Glance's filters
 * (name, status, visibility, owner, member_status, tag, disk_format,
 * container_format, size_min/size_max, protected, os_hidden, created_at and
 * updated_at comparisons, any other attribute or custom property, `in:`
 * lists), sorted by sort_key/sort_dir or sort=, and paged with limit and
 * marker. Filtering works on the rows the visibility query returns, so no
 * SQL is ever built from the query string. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "image/internal.h"

#define LIST_DEFAULT_LIMIT 25
#define LIST_MAX_LIMIT 1000
#define MAX_SORT_KEYS 8

struct entry {
	struct image_row row;
	json_t *view;
	const char *member_status; /* the caller's, on images shared with it */
};

struct sort_spec {
	const char *keys[MAX_SORT_KEYS];
	bool desc[MAX_SORT_KEYS];
	size_t n;
};

static const char *const sort_keys[] = {
    "name",    "status",     "container_format", "disk_format", "size",  "virtual_size",
    "id",      "created_at", "updated_at",       "visibility",  "owner", "min_disk",
    "min_ram", "protected",  "os_hidden",        NULL};

/* Query parameters that are not attribute filters. */
static const char *const not_filters[] = {
    "limit", "marker",   "sort_key", "sort_dir",  "sort",      "visibility", "member_status",
    "tag",   "size_min", "size_max", "os_hidden", "protected", NULL};

/* oslo's bool_from_string, strict: 1 true, 0 false, -1 neither. */
static int query_bool(const char *s)
{
	static const char *const yes[] = {"1", "t", "true", "on", "y", "yes", NULL};
	static const char *const no[] = {"0", "f", "false", "off", "n", "no", NULL};
	for (size_t i = 0; yes[i]; i++)
		if (!strcasecmp(s, yes[i]))
			return 1;
	for (size_t i = 0; no[i]; i++)
		if (!strcasecmp(s, no[i]))
			return 0;
	return -1;
}

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

static void decref(void *p)
{
	json_decref(p);
}

/* A JSON scalar as the query string would spell it; NULL for null. */
static const char *scalar_text(struct arena *a, json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		return arena_printf(a, "%lld", (long long)json_integer_value(v));
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return NULL;
}

/* value may be "in:a,b,c" (any of) or a plain value. */
static bool value_matches(const char *actual, const char *wanted)
{
	if (!actual)
		return false;
	if (strncmp(wanted, "in:", 3) != 0)
		return !strcmp(actual, wanted);
	const char *p = wanted + 3;
	size_t alen = strlen(actual);
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == alen && !strncmp(p, actual, len))
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

/* created_at / updated_at: "gt:2026-01-01T00:00:00Z", gte, lt, lte, eq, neq
 * or a plain time. ISO strings of one shape compare as text. */
static int time_matches(const char *actual, const char *wanted, bool *out, struct api_error *err)
{
	static const char *const ops[] = {"gte:", "gt:", "lte:", "lt:", "eq:", "neq:", NULL};
	int op = -1;
	for (int i = 0; ops[i]; i++)
		if (!strncmp(wanted, ops[i], strlen(ops[i]))) {
			op = i;
			wanted += strlen(ops[i]);
			break;
		}
	if (strlen(wanted) < 10 || wanted[4] != '-')
		return api_fail(err, API_BAD_REQUEST, "Invalid time value '%s'.", wanted);
	int c = strcmp(actual, wanted);
	switch (op) {
	case 0:
		*out = c >= 0;
		break;
	case 1:
		*out = c > 0;
		break;
	case 2:
		*out = c <= 0;
		break;
	case 3:
		*out = c < 0;
		break;
	case 5:
		*out = c != 0;
		break;
	default:
		*out = c == 0;
		break;
	}
	return 0;
}

static int parse_int(const char *name, const char *s, long long *out, struct api_error *err)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < 0)
		return api_fail(err, API_BAD_REQUEST, "Invalid value for %s: '%s'.", name, s);
	*out = v;
	return 0;
}

static int add_sort(struct sort_spec *spec, const char *key, size_t keylen, const char *dir,
                    struct api_error *err)
{
	char k[64];
	if (keylen == 0 || keylen >= sizeof(k))
		return api_fail(err, API_BAD_REQUEST, "Invalid sort key.");
	memcpy(k, key, keylen);
	k[keylen] = '\0';
	size_t i;
	for (i = 0; sort_keys[i] && strcmp(sort_keys[i], k); i++)
		;
	if (!sort_keys[i])
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid sort key: %s. It should be one of "
		                "the image attributes.",
		                k);
	if (dir && strcmp(dir, "asc") && strcmp(dir, "desc"))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid sort direction: %s. It should be asc or desc.", dir);
	if (spec->n == MAX_SORT_KEYS)
		return api_fail(err, API_BAD_REQUEST, "Too many sort keys.");
	spec->keys[spec->n] = sort_keys[i];
	spec->desc[spec->n] = !dir || !strcmp(dir, "desc");
	spec->n++;
	return 0;
}

static int parse_sort(struct http_request *req, struct sort_spec *spec, struct api_error *err)
{
	const char *sort = http_query(req, "sort");
	bool has_key = http_query_has(req, "sort_key"), has_dir = http_query_has(req, "sort_dir");
	if (sort) {
		if (has_key || has_dir)
			return api_fail(err, API_BAD_REQUEST,
			                "The sort parameter cannot be combined with sort_key or "
			                "sort_dir.");
		/* "name:asc,created_at" */
		const char *p = sort;
		while (*p) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			const char *colon = memchr(p, ':', len);
			char dir[16] = "desc";
			size_t klen = len;
			if (colon) {
				klen = (size_t)(colon - p);
				snprintf(dir, sizeof(dir), "%.*s", (int)(len - klen - 1),
				         colon + 1);
			}
			if (add_sort(spec, p, klen, dir, err) != 0)
				return -1;
			if (!comma)
				break;
			p = comma + 1;
		}
	} else {
		const char *dirs[MAX_SORT_KEYS];
		size_t ndirs = 0;
		for (size_t i = 0; i < req->nquery; i++)
			if (!strcmp(req->query[i].key, "sort_dir") && ndirs < MAX_SORT_KEYS)
				dirs[ndirs++] = req->query[i].value ? req->query[i].value : "";
		size_t nk = 0;
		for (size_t i = 0; i < req->nquery; i++) {
			if (strcmp(req->query[i].key, "sort_key") != 0)
				continue;
			const char *k = req->query[i].value ? req->query[i].value : "";
			const char *d = nk < ndirs ? dirs[nk] : ndirs ? dirs[ndirs - 1] : "desc";
			if (add_sort(spec, k, strlen(k), d, err) != 0)
				return -1;
			nk++;
		}
		if (!nk && add_sort(spec, "created_at", 10, ndirs ? dirs[0] : "desc", err) != 0)
			return -1;
		if (nk == 0 && ndirs > 1)
			return api_fail(err, API_BAD_REQUEST, "Too many sort directions.");
	}
	bool has_id = false;
	for (size_t i = 0; i < spec->n; i++)
		has_id |= !strcmp(spec->keys[i], "id");
	if (!has_id && spec->n < MAX_SORT_KEYS) {
		spec->keys[spec->n] = "id";
		spec->desc[spec->n] = spec->desc[0];
		spec->n++;
	}
	return 0;
}

static int compare_values(json_t *a, json_t *b)
{
	bool na = !a || json_is_null(a), nb = !b || json_is_null(b);
	if (na || nb)
		return na == nb ? 0 : na ? -1 : 1;
	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t x = json_integer_value(a), y = json_integer_value(b);
		return x < y ? -1 : x > y;
	}
	if (json_is_boolean(a) && json_is_boolean(b))
		return (int)json_is_true(a) - (int)json_is_true(b);
	if (json_is_string(a) && json_is_string(b))
		return strcmp(json_string_value(a), json_string_value(b));
	return 0;
}

static int compare_entries(const void *pa, const void *pb, void *ctx)
{
	const struct sort_spec *spec = ctx;
	const struct entry *a = pa, *b = pb;
	for (size_t i = 0; i < spec->n; i++) {
		int c = compare_values(json_object_get(a->view, spec->keys[i]),
		                       json_object_get(b->view, spec->keys[i]));
		if (c)
			return spec->desc[i] ? -c : c;
	}
	return 0;
}

/* Visibility and membership, Glance's way: community images only when
 * asked for (or owned), shared images of others only with the member
 * status asked for (accepted by default). */
static int visibility_matches(struct http_request *req, struct entry *e, const char *visibility,
                              const char *member_status, bool *out, struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	bool owner = image_is_owner(auth, &e->row);
	const char *vis = e->row.visibility;
	if (visibility && strcmp(visibility, "all") != 0) {
		if (strcmp(visibility, vis) != 0) {
			*out = false;
			return 0;
		}
	} else if (!visibility && !strcmp(vis, "community") && !owner) {
		*out = false;
		return 0;
	}
	*out = true;
	if (!strcmp(vis, "shared") && !owner) {
		e->member_status =
		    image_db_member_status(req->arena, e->row.id, image_caller_project(auth));
		if (e->member_status) {
			if (strcmp(member_status, "all") != 0)
				*out = !strcmp(member_status, e->member_status);
		} else if (!identity_auth_is_admin(auth)) {
			*out = false;
		}
	}
	(void)err;
	return 0;
}

static int entry_matches(struct http_request *req, struct entry *e, bool *out,
                         struct api_error *err)
{
	const char *visibility = http_query(req, "visibility");
	const char *member_status = http_query(req, "member_status");
	if (!member_status)
		member_status = "accepted";
	if (visibility_matches(req, e, visibility, member_status, out, err) != 0)
		return -1;
	if (!*out)
		return 0;

	const char *hidden = http_query(req, "os_hidden");
	bool want_hidden = hidden && query_bool(hidden) == 1;
	if (e->row.os_hidden != want_hidden) {
		*out = false;
		return 0;
	}
	const char *prot = http_query(req, "protected");
	if (prot && e->row.protected_ != (query_bool(prot) == 1)) {
		*out = false;
		return 0;
	}
	long long n;
	const char *s;
	if ((s = http_query(req, "size_min"))) {
		if (parse_int("size_min", s, &n, err) != 0)
			return -1;
		if (e->row.size < 0 || e->row.size < n) {
			*out = false;
			return 0;
		}
	}
	if ((s = http_query(req, "size_max"))) {
		if (parse_int("size_max", s, &n, err) != 0)
			return -1;
		if (e->row.size < 0 || e->row.size > n) {
			*out = false;
			return 0;
		}
	}
	for (size_t i = 0; i < req->nquery; i++) {
		const char *key = req->query[i].key;
		const char *want = req->query[i].value ? req->query[i].value : "";
		if (!strcmp(key, "tag")) {
			bool found = false;
			size_t j;
			json_t *t;
			json_array_foreach(e->row.tags, j, t) found |=
			    !strcmp(json_string_value(t), want);
			if (!found) {
				*out = false;
				return 0;
			}
			continue;
		}
		if (in_list(not_filters, key))
			continue;
		json_t *v = json_object_get(e->view, key);
		if (!strcmp(key, "created_at") || !strcmp(key, "updated_at")) {
			bool ok = false;
			if (v && time_matches(json_string_value(v), want, &ok, err) != 0)
				return -1;
			if (!ok) {
				*out = false;
				return 0;
			}
			continue;
		}
		if (!value_matches(scalar_text(req->arena, v), want)) {
			*out = false;
			return 0;
		}
	}
	return 0;
}

static int validate_query(struct http_request *req, struct api_error *err)
{
	const char *v = http_query(req, "visibility");
	if (v && strcmp(v, "public") && strcmp(v, "private") && strcmp(v, "shared") &&
	    strcmp(v, "community") && strcmp(v, "all"))
		return api_fail(err, API_BAD_REQUEST, "Invalid visibility value: %s", v);
	const char *m = http_query(req, "member_status");
	if (m && strcmp(m, "pending") && strcmp(m, "accepted") && strcmp(m, "rejected") &&
	    strcmp(m, "all"))
		return api_fail(err, API_BAD_REQUEST, "Invalid status value: %s", m);
	const char *p = http_query(req, "protected");
	if (p && query_bool(p) < 0)
		return api_fail(err, API_BAD_REQUEST, "Invalid value for protected: %s", p);
	const char *h = http_query(req, "os_hidden");
	if (h && query_bool(h) < 0)
		return api_fail(err, API_BAD_REQUEST, "Invalid value for os_hidden: %s", h);
	return 0;
}

static void url_append(struct arena *a, char **out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(s);
	char *enc = arena_alloc(a, 3 * len + 1), *q = enc;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~:,", *p)) {
			*q++ = (char)*p;
		} else {
			*q++ = '%';
			*q++ = hex[*p >> 4];
			*q++ = hex[*p & 15];
		}
	}
	*q = '\0';
	*out = arena_printf(a, "%s%s", *out, enc);
}

/* "/v2/images?k=v&..." with every parameter but marker, then marker. */
static const char *page_link(struct http_request *req, const char *marker)
{
	char *link = "/v2/images";
	bool first = true;
	for (size_t i = 0; i < req->nquery; i++) {
		if (!strcmp(req->query[i].key, "marker"))
			continue;
		link = arena_printf(req->arena, "%s%c", link, first ? '?' : '&');
		first = false;
		url_append(req->arena, &link, req->query[i].key);
		link = arena_printf(req->arena, "%s=", link);
		url_append(req->arena, &link, req->query[i].value ? req->query[i].value : "");
	}
	if (marker) {
		link = arena_printf(req->arena, "%s%cmarker=", link, first ? '?' : '&');
		url_append(req->arena, &link, marker);
	}
	return link;
}

int image_list(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	struct sort_spec spec = {0};
	long long limit = LIST_DEFAULT_LIMIT;
	const char *s;
	if (validate_query(req, err) != 0 || parse_sort(req, &spec, err) != 0)
		return -1;
	if ((s = http_query(req, "limit")) && parse_int("limit", s, &limit, err) != 0)
		return -1;
	if (limit > LIST_MAX_LIMIT)
		limit = LIST_MAX_LIMIT;

	const char **ids;
	size_t n;
	if (image_db_candidates(req->arena, identity_auth_of(req), &ids, &n, err) != 0)
		return -1;
	struct entry *entries = arena_alloc(req->arena, (n + 1) * sizeof(*entries));
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		struct entry *e = &entries[kept];
		struct api_error gone = {0};
		if (image_db_get(req->arena, ids[i], &e->row, &gone) != 0)
			continue; /* deleted meanwhile */
		e->view = image_to_json(&e->row);
		arena_defer(req->arena, decref, e->view);
		bool match = false;
		if (entry_matches(req, e, &match, err) != 0)
			return -1;
		if (match)
			kept++;
	}
	qsort_r(entries, kept, sizeof(*entries), compare_entries, &spec);

	size_t start = 0;
	const char *marker = http_query(req, "marker");
	if (marker) {
		size_t i;
		for (i = 0; i < kept && strcmp(entries[i].row.id, marker) != 0; i++)
			;
		if (i == kept)
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid marker. Image %s could not be found.", marker);
		start = i + 1;
	}
	json_t *images = json_array();
	size_t end = start + (size_t)limit < kept ? start + (size_t)limit : kept;
	for (size_t i = start; i < end; i++)
		json_array_append(images, entries[i].view);
	json_t *body = json_object();
	json_object_set_new(body, "images", images);
	json_object_set_new(body, "schema", json_string("/v2/schemas/images"));
	json_object_set_new(body, "first", json_string(page_link(req, NULL)));
	if (end < kept && end > start)
		json_object_set_new(body, "next",
		                    json_string(page_link(req, entries[end - 1].row.id)));
	http_reply_json(resp, 200, body);
	return 0;
}
