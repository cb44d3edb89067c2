/* Routing: the longest service prefix owns a path; inside it, the first
 * route whose pattern matches wins. 404 and 405 are decided here. */
#include <stdbool.h>
#include <string.h>

#include "core/arena.h"
#include "core/http.h"
#include "core/http_server-t.h"

bool http_pattern_match(struct arena *a, const char *pattern, const char *path,
                        struct http_kv *params, size_t *nparams)
{
	size_t n = 0;
	const char *p = pattern, *s = path;
	while (*p) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			if (!close)
				return false;
			bool rest = close > p + 1 && close[-1] == '*';
			const char *name_end = rest ? close - 1 : close;
			const char *value_end;
			if (rest) {
				value_end = s + strlen(s);
			} else {
				value_end = s;
				while (*value_end && *value_end != '/')
					value_end++;
			}
			if (value_end == s || n >= HTTP_MAX_PARAMS)
				return false;
			params[n].key = arena_strndup(a, p + 1, (size_t)(name_end - p - 1));
			params[n].value = arena_strndup(a, s, (size_t)(value_end - s));
			n++;
			p = close + 1;
			s = value_end;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	/* One trailing slash is forgiven: clients differ ("/v3/" vs "/v3"). */
	if (*s == '/' && s[1] == '\0')
		s++;
	if (*s != '\0')
		return false;
	*nparams = n;
	return true;
}

static bool prefix_owns(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);
	return strncmp(prefix, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

const struct http_service *http_route_lookup(const struct http_server *s, struct arena *a,
                                             const char *method, const char *path,
                                             const struct http_route **route,
                                             struct http_kv *params, size_t *nparams,
                                             bool *method_mismatch, const char **subpath)
{
	const struct http_service *owner = NULL;
	size_t best = 0;
	for (size_t i = 0; i < s->nservices; i++) {
		const struct http_service *svc = s->services[i];
		size_t n = strlen(svc->prefix);
		if (prefix_owns(svc->prefix, path) && (!owner || n > best)) {
			owner = svc;
			best = n;
		}
	}
	*route = NULL;
	*method_mismatch = false;
	*nparams = 0;
	if (!owner)
		return NULL;
	const char *rest = path + best;
	if (*rest == '\0')
		rest = "/";
	*subpath = rest;
	bool head = strcmp(method, "HEAD") == 0;
	for (size_t i = 0; i < owner->nroutes; i++) {
		const struct http_route *r = &owner->routes[i];
		struct http_kv tmp[HTTP_MAX_PARAMS];
		size_t ntmp = 0;
		if (!http_pattern_match(a, r->pattern, rest, tmp, &ntmp))
			continue;
		if (strcmp(r->method, method) != 0) {
			bool head_on_get = head && strcmp(r->method, "GET") == 0;
			if (!head_on_get) {
				*method_mismatch = true;
				continue;
			}
			/* An explicit HEAD route later in the table wins. */
			bool explicit_head = false;
			for (size_t j = i + 1; j < owner->nroutes; j++) {
				size_t nn = 0;
				struct http_kv t2[HTTP_MAX_PARAMS];
				if (!strcmp(owner->routes[j].method, "HEAD") &&
				    http_pattern_match(a, owner->routes[j].pattern, rest, t2, &nn))
					explicit_head = true;
			}
			if (explicit_head)
				continue;
		}
		memcpy(params, tmp, sizeof(tmp[0]) * ntmp);
		*nparams = ntmp;
		*route = r;
		*method_mismatch = false;
		return owner;
	}
	return owner;
}
