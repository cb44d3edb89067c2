/* Swift's header conventions: metadata headers in and out (title-cased,
 * stored as a JSON object), name limits, HTTP dates and listing times,
 * Content-Type guessing. */
#include <ctype.h>
#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "core/arena.h"
#include "object/internal.h"

double object_now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

const char *object_timestamp(struct arena *a, double t)
{
	return arena_printf(a, "%.5f", t);
}

int object_check_names(const struct object_target *t, struct api_error *err)
{
	if (t->container) {
		if (strlen(t->container) > OBJECT_MAX_CONTAINER_NAME)
			return api_fail(err, API_BAD_REQUEST,
			                "Container name length of %zu longer than %d",
			                strlen(t->container), OBJECT_MAX_CONTAINER_NAME);
		if (!api_utf8_valid(t->container))
			return api_fail(err, API_PRECONDITION_FAILED,
			                "Invalid UTF8 or contains NULL");
	}
	if (t->object) {
		if (strlen(t->object) > OBJECT_MAX_NAME)
			return api_fail(err, API_BAD_REQUEST,
			                "Object name length of %zu longer than %d",
			                strlen(t->object), OBJECT_MAX_NAME);
		if (!api_utf8_valid(t->object))
			return api_fail(err, API_PRECONDITION_FAILED,
			                "Invalid UTF8 or contains NULL");
	}
	return 0;
}

static char *title_case(struct arena *a, const char *s)
{
	char *c = arena_strdup(a, s);
	bool up = true;
	for (char *p = c; *p; p++) {
		if (*p == '_') /* as Swift behind WSGI, which cannot tell them apart */
			*p = '-';
		*p = up ? (char)toupper((unsigned char)*p) : (char)tolower((unsigned char)*p);
		up = *p == '-';
	}
	return c;
}

struct meta_walk {
	struct arena *a;
	json_t *meta;
	const char *prefix, *remove_prefix;
	bool merge;
	int bad;
	char why[200];
};

static enum MHD_Result meta_visit(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
	(void)kind;
	struct meta_walk *w = cls;
	size_t pl = strlen(w->prefix);
	if (w->remove_prefix && !strncasecmp(key, w->remove_prefix, strlen(w->remove_prefix))) {
		const char *rest = key + strlen(w->remove_prefix);
		json_object_del(w->meta,
		                title_case(w->a, arena_printf(w->a, "%s%s", w->prefix, rest)));
		return MHD_YES;
	}
	if (strncasecmp(key, w->prefix, pl) != 0)
		return MHD_YES;
	if (strlen(key) - pl > OBJECT_MAX_META_NAME) {
		w->bad = 1;
		snprintf(w->why, sizeof(w->why), "Metadata name too long; max %d",
		         OBJECT_MAX_META_NAME);
		return MHD_YES;
	}
	if (strlen(value) > OBJECT_MAX_META_VALUE) {
		w->bad = 1;
		snprintf(w->why, sizeof(w->why), "Metadata value longer than %d",
		         OBJECT_MAX_META_VALUE);
		return MHD_YES;
	}
	char *name = title_case(w->a, key);
	if (w->merge && !*value)
		json_object_del(w->meta, name);
	else
		json_object_set_new(w->meta, name, json_string(value));
	return MHD_YES;
}

int object_meta_update(struct http_request *req, json_t *meta, const char *prefix,
                       const char *remove_prefix, bool merge, struct api_error *err)
{
	struct meta_walk w = {.a = req->arena,
	                      .meta = meta,
	                      .prefix = prefix,
	                      .remove_prefix = remove_prefix,
	                      .merge = merge};
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, meta_visit, &w);
	if (w.bad)
		return api_fail(err, API_BAD_REQUEST, "%s", w.why);
	size_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach(meta, k, v)
	{
		if (!strncasecmp(k, prefix, strlen(prefix)))
			n++;
	}
	if (n > OBJECT_MAX_META_COUNT)
		return api_fail(err, API_BAD_REQUEST, "Too many metadata items; max %d",
		                OBJECT_MAX_META_COUNT);
	return 0;
}

void object_meta_take(struct http_request *req, json_t *meta, const char *const *names)
{
	for (size_t i = 0; names[i]; i++) {
		const char *v = http_header(req, names[i]);
		if (!v)
			continue;
		if (*v)
			json_object_set_new(meta, names[i], json_string(v));
		else
			json_object_del(meta, names[i]);
	}
}

void object_meta_emit(struct http_response *resp, json_t *meta)
{
	const char *k;
	json_t *v;
	json_object_foreach(meta, k, v)
	{
		if (json_is_string(v))
			http_header_set(resp, k, json_string_value(v));
	}
}

static void decref(void *p)
{
	json_decref(p);
}

json_t *object_meta_parse(struct arena *a, const char *text)
{
	json_t *m = text ? json_loads(text, 0, NULL) : NULL;
	if (!json_is_object(m)) {
		json_decref(m);
		m = json_object();
	}
	arena_defer(a, decref, m);
	return m;
}

char *object_meta_dump(struct arena *a, json_t *meta)
{
	char *s = json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS);
	char *c = arena_strdup(a, s ? s : "{}");
	free(s);
	return c;
}

const char *object_http_date(struct arena *a, double t)
{
	time_t s = (time_t)ceil(t);
	struct tm tm;
	gmtime_r(&s, &tm);
	char buf[64];
	strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return arena_strdup(a, buf);
}

int object_parse_http_date(const char *s, double *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%A, %d-%b-%y %H:%M:%S GMT", &tm);
	}
	if (!end) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%a %b %d %H:%M:%S %Y", &tm);
	}
	if (!end)
		return -1;
	*out = (double)timegm(&tm);
	return 0;
}

const char *object_iso_time(struct arena *a, double t)
{
	time_t s = (time_t)t;
	struct tm tm;
	gmtime_r(&s, &tm);
	char buf[64];
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return arena_printf(a, "%s.%06d", buf, (int)((t - (double)s) * 1e6));
}

static const struct {
	const char *ext, *type;
} types[] = {
    {".txt", "text/plain"},
    {".html", "text/html"},
    {".htm", "text/html"},
    {".css", "text/css"},
    {".csv", "text/csv"},
    {".json", "application/json"},
    {".xml", "application/xml"},
    {".js", "text/javascript"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".svg", "image/svg+xml"},
    {".pdf", "application/pdf"},
    {".zip", "application/zip"},
    {".gz", "application/gzip"},
    {".tar", "application/x-tar"},
    {".iso", "application/x-iso9660-image"},
    {".mp4", "video/mp4"},
    {".mp3", "audio/mpeg"},
    {".qcow2", "application/octet-stream"},
};

const char *object_guess_type(const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *dot = strrchr(slash ? slash : name, '.');
	if (dot)
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcasecmp(dot, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool object_url_decode(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r == '%') {
			int h = hexval(r[1]), l = h < 0 ? -1 : hexval(r[2]);
			if (h < 0 || l < 0)
				return false;
			*w++ = (char)(h * 16 + l);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return true;
}

char *object_url_quote(struct arena *a, const char *s)
{
	char *out = arena_alloc(a, 3 * strlen(s) + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || strchr("_.-~/", *p))
			*o++ = (char)*p;
		else
			o += sprintf(o, "%%%02X", *p);
	}
	*o = '\0';
	return out;
}
