/* The service catalog as tokens carry it. The template (URLs with
 * %(project_id)s) is built from the services and endpoints tables once per
 * identity write and kept; each token gets a copy with its project filled
 * in. Keystone drops endpoints whose template it cannot fill. */
#include <string.h>

#include "identity/internal.h"

static const char SQL_CATALOG[] =
    "SELECT s.id, s.type, s.name, e.id, e.interface, e.region_id, e.url "
    "FROM identity_services s LEFT JOIN identity_endpoints e ON e.service_id = s.id "
    "AND e.enabled = 1 WHERE s.enabled = 1 ORDER BY s.type, s.id, e.interface, e.id";

static json_t *build(struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_CATALOG, err);
	if (!q)
		return NULL;
	json_t *cat = json_array();
	json_t *svc = NULL;
	const char *last = NULL;
	int rc;
	while ((rc = db_step(q, err)) == SQLITE_ROW) {
		const char *sid = db_column_text(q, 0);
		if (!last || strcmp(last, sid) != 0) {
			svc =
			    json_pack("{s:s,s:s,s:o,s:[]}", "id", sid, "type", db_column_text(q, 1),
			              "name", identity_col_json(q, 2), "endpoints");
			json_array_append_new(cat, svc);
			last = json_string_value(json_object_get(svc, "id"));
		}
		if (sqlite3_column_type(q, 3) == SQLITE_NULL)
			continue;
		json_t *ep =
		    json_pack("{s:s,s:s,s:o,s:o,s:s}", "id", db_column_text(q, 3), "interface",
		              db_column_text(q, 4), "region_id", identity_col_json(q, 5), "region",
		              identity_col_json(q, 5), "url", db_column_text(q, 6));
		json_array_append_new(json_object_get(svc, "endpoints"), ep);
	}
	sqlite3_reset(q);
	if (rc < 0) {
		json_decref(cat);
		return NULL;
	}
	return cat;
}

/* Fills %(project_id)s and %(tenant_id)s; NULL when a template remains
 * unfilled. */
static char *fill(struct arena *a, const char *url, const char *project_id)
{
	static const char *const keys[] = {"%(project_id)s", "%(tenant_id)s", "$(project_id)s",
	                                   "$(tenant_id)s"};
	char *s = arena_strdup(a, url);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		char *hit;
		while ((hit = strstr(s, keys[k])) != NULL) {
			if (!project_id)
				return NULL;
			*hit = '\0';
			s = arena_printf(a, "%s%s%s", s, project_id, hit + strlen(keys[k]));
		}
	}
	return strstr(s, "%(") ? NULL : s;
}

json_t *identity_catalog(struct identity_state *st, const char *project_id, struct api_error *err)
{
	/* No jansson value is shared between threads (its refcounts are
	 * atomic but its objects are not): the cached template is only ever
	 * deep-copied under the lock. */
	uint64_t gen = atomic_load(&st->gen);
	pthread_mutex_lock(&st->lock);
	json_t *tmpl = st->catalog && st->catalog_gen == gen ? json_deep_copy(st->catalog) : NULL;
	pthread_mutex_unlock(&st->lock);
	if (!tmpl) {
		tmpl = build(err);
		if (!tmpl)
			return NULL;
		json_t *keep = json_deep_copy(tmpl);
		pthread_mutex_lock(&st->lock);
		json_decref(st->catalog);
		st->catalog = keep;
		st->catalog_gen = gen;
		pthread_mutex_unlock(&st->lock);
	}
	struct arena *a = arena_new();
	json_t *out = json_array();
	size_t i, j;
	json_t *svc, *ep;
	json_array_foreach(tmpl, i, svc)
	{
		json_t *eps = json_array();
		json_array_foreach(json_object_get(svc, "endpoints"), j, ep)
		{
			char *url =
			    fill(a, json_string_value(json_object_get(ep, "url")), project_id);
			if (!url)
				continue;
			json_t *c = json_copy(ep);
			json_object_set_new(c, "url", json_string(url));
			json_array_append_new(eps, c);
		}
		json_t *s = json_copy(svc);
		json_object_set_new(s, "endpoints", eps);
		json_array_append_new(out, s);
	}
	arena_free(a);
	json_decref(tmpl);
	return out;
}
