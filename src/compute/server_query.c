/* The server list's sorting (sort_key/sort_dir) and the filters beyond the
 * basic ones: tags (2.26), locked (2.73) and the admin's filters on
 * server fields, with Nova's rules: sort keys from its schema's list (400
 * otherwise), the ones Nova ignores dropped, host/node for admins only
 * (403), created_at desc then the creation order by default. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compute/internal.h"
#include "compute/logic.h"
#include "core/arena.h"

/* The sort keys Nova's schema takes; `field` says how Stackd orders by it
 * (NULL: every server has the same value here, e.g. kernel_id). */
enum key_kind { K_STR, K_INT, K_NONE };
static const struct {
	const char *name;
	enum key_kind kind;
	int min_mv; /* the key is ignored below it (locked: 2.73) */
} sort_keys[] = {
    {"access_ip_v4", K_STR, 0},
    {"access_ip_v6", K_STR, 0},
    {"auto_disk_config", K_NONE, 0},
    {"availability_zone", K_STR, 0},
    {"config_drive", K_INT, 0},
    {"created_at", K_STR, 0},
    {"display_description", K_STR, 0},
    {"display_name", K_STR, 0},
    {"host", K_STR, 0},
    {"hostname", K_STR, 0},
    {"image_ref", K_STR, 0},
    {"instance_type_id", K_STR, 0},
    {"kernel_id", K_NONE, 0},
    {"key_name", K_STR, 0},
    {"launch_index", K_INT, 0},
    {"launched_at", K_STR, 0},
    {"locked_by", K_NONE, 0},
    {"node", K_STR, 0},
    {"power_state", K_INT, 0},
    {"progress", K_NONE, 0},
    {"project_id", K_STR, 0},
    {"ramdisk_id", K_NONE, 0},
    {"root_device_name", K_NONE, 0},
    {"task_state", K_STR, 0},
    {"terminated_at", K_NONE, 0},
    {"updated_at", K_STR, 0},
    {"user_id", K_STR, 0},
    {"uuid", K_STR, 0},
    {"vm_state", K_STR, 0},
    {"locked", K_INT, 73},
};

/* Keys Nova's schema accepts and then drops (SERVER_LIST_IGNORE_SORT_KEY);
 * from 2.75 they are 400s like any unknown key. */
static const char *const ignored_keys[] = {
    "architecture",
    "cell_name",
    "cleaned",
    "default_ephemeral_device",
    "default_swap_device",
    "deleted",
    "deleted_at",
    "disable_terminate",
    "ephemeral_gb",
    "ephemeral_key_uuid",
    "id",
    "key_data",
    "launched_on",
    "locked",
    "memory_mb",
    "os_type",
    "reservation_id",
    "root_gb",
    "shutdown_terminate",
    "user_data",
    "vcpus",
    "vm_mode",
};

static bool in_list(const char *key, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(key, list[i]) == 0)
			return true;
	return false;
}

static int key_index(const char *key)
{
	for (size_t i = 0; i < sizeof(sort_keys) / sizeof(sort_keys[0]); i++)
		if (strcmp(key, sort_keys[i].name) == 0)
			return (int)i;
	return -1;
}

int compute_server_sort_parse(struct http_request *req, struct compute_server_sort *out,
                              struct api_error *err)
{
	int mv = compute_mv(req);
	size_t nkeys = 0, ndirs = 0;
	const char *dirs[COMPUTE_SORT_MAX];
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < req->nquery; i++) {
		const char *k = req->query[i].key,
		           *v = req->query[i].value ? req->query[i].value : "";
		if (strcmp(k, "sort_dir") == 0) {
			if (strcmp(v, "asc") != 0 && strcmp(v, "desc") != 0)
				return api_fail(
				    err, API_BAD_REQUEST,
				    "Invalid input for query parameters sort_dir. Value: %s. "
				    "'%s' is not one of ['asc', 'desc']",
				    v, v);
			if (ndirs < COMPUTE_SORT_MAX)
				dirs[ndirs++] = v;
			continue;
		}
		if (strcmp(k, "sort_key") != 0)
			continue;
		bool ignored =
		    in_list(v, ignored_keys, sizeof(ignored_keys) / sizeof(ignored_keys[0]));
		int idx = key_index(v);
		if (idx >= 0 && sort_keys[idx].min_mv > mv)
			idx = -1; /* locked before 2.73: one of the ignored */
		if (idx < 0 && (!ignored || mv >= 75))
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for query parameters sort_key. Value: %s. '%s' "
			    "is not one of the valid sort keys",
			    v, v);
		if ((strcmp(v, "host") == 0 || strcmp(v, "node") == 0) && !compute_is_admin(req))
			return api_fail(err, API_FORBIDDEN,
			                "Only administrators can sort servers by %s", v);
		if (nkeys >= COMPUTE_SORT_MAX)
			continue;
		/* An ignored key stays NULL and takes its sort_dir with it
		 * (Nova pops both). */
		out->keys[nkeys++] = idx < 0 ? NULL : sort_keys[idx].name;
	}
	/* Pair directions with the keys that remain; keys without one take the
	 * first direction given, or desc (Nova's default direction). */
	size_t n = 0, d = 0;
	const char *first_dir = ndirs > 0 ? dirs[0] : "desc";
	for (size_t i = 0; i < nkeys; i++) {
		const char *dir = d < ndirs ? dirs[d] : first_dir;
		d++;
		if (out->keys[i] == NULL)
			continue;
		out->keys[n] = out->keys[i];
		out->desc[n++] = strcmp(dir, "desc") == 0;
	}
	if (n == 0) {
		out->keys[n] = "created_at";
		out->desc[n++] = true;
	}
	out->n = n;
	return 0;
}

static const char *str_key(const struct compute_server *s, const char *key)
{
	if (!strcmp(key, "access_ip_v4"))
		return s->access_ipv4;
	if (!strcmp(key, "access_ip_v6"))
		return s->access_ipv6;
	if (!strcmp(key, "availability_zone"))
		return s->availability_zone;
	if (!strcmp(key, "created_at"))
		return s->created_at;
	if (!strcmp(key, "display_description"))
		return s->description;
	if (!strcmp(key, "display_name"))
		return s->name;
	if (!strcmp(key, "host") || !strcmp(key, "node"))
		return s->host;
	if (!strcmp(key, "hostname"))
		return s->hostname;
	if (!strcmp(key, "image_ref"))
		return s->image_id;
	if (!strcmp(key, "instance_type_id"))
		return s->flavor_id;
	if (!strcmp(key, "key_name"))
		return s->key_name;
	if (!strcmp(key, "launched_at"))
		return s->launched_at;
	if (!strcmp(key, "project_id"))
		return s->project_id;
	if (!strcmp(key, "task_state"))
		return s->task_state;
	if (!strcmp(key, "updated_at"))
		return s->updated_at;
	if (!strcmp(key, "user_id"))
		return s->user_id;
	if (!strcmp(key, "uuid"))
		return s->id;
	if (!strcmp(key, "vm_state"))
		return s->vm_state;
	return NULL;
}

static long long int_key(const struct compute_server *s, const char *key)
{
	if (!strcmp(key, "config_drive"))
		return s->config_drive;
	if (!strcmp(key, "launch_index"))
		return s->launch_index;
	if (!strcmp(key, "power_state"))
		return s->power_state;
	if (!strcmp(key, "locked"))
		return s->locked;
	return 0;
}

/* Negative, zero or positive as a sorts before, with or after b; NULL
 * first in ascending order, as SQL databases do. */
static int compare_key(const struct compute_server *a, const struct compute_server *b,
                       const char *key)
{
	enum key_kind kind = sort_keys[key_index(key)].kind;
	if (kind == K_INT) {
		long long x = int_key(a, key), y = int_key(b, key);
		return x < y ? -1 : x > y;
	}
	if (kind == K_NONE)
		return 0;
	const char *x = str_key(a, key), *y = str_key(b, key);
	if (x == NULL || y == NULL)
		return (x != NULL) - (y != NULL);
	return strcmp(x, y);
}

int compute_server_compare(const struct compute_server_sort *sort, const struct compute_server *a,
                           size_t a_pos, const struct compute_server *b, size_t b_pos)
{
	for (size_t i = 0; i < sort->n; i++) {
		int c = compare_key(a, b, sort->keys[i]);
		if (c != 0)
			return sort->desc[i] ? -c : c;
	}
	/* Then Nova's id: the creation order, newest first (positions come
	 * from a listing newest first). */
	return a_pos < b_pos ? -1 : a_pos > b_pos;
}

/* A comma-separated tag list of the query, as a JSON array of strings. */
static bool has_tag(const json_t *tags, const char *tag, size_t len)
{
	size_t i;
	json_t *t;
	json_array_foreach(tags, i, t)
	{
		if (json_string_length(t) == len && strncmp(json_string_value(t), tag, len) == 0)
			return true;
	}
	return false;
}

/* all: every tag of list is on the server; else: any of them is. */
static bool tags_match(const json_t *tags, const char *list, bool all)
{
	const char *p = list;
	bool any = false;
	while (*p) {
		size_t len = strcspn(p, ",");
		bool has = has_tag(tags, p, len);
		if (all && !has)
			return false;
		any = any || has;
		p += len + (p[len] == ',');
	}
	return all ? true : any;
}

int compute_server_filter_parse(struct http_request *req, struct compute_server_filter *f,
                                struct api_error *err)
{
	int mv = compute_mv(req);
	bool admin = compute_is_admin(req);
	memset(f, 0, sizeof(*f));
	if (mv >= 26) {
		f->tags = http_query(req, "tags");
		f->tags_any = http_query(req, "tags-any");
		f->not_tags = http_query(req, "not-tags");
		f->not_tags_any = http_query(req, "not-tags-any");
	}
	const char *locked = mv >= 73 ? http_query(req, "locked") : NULL;
	if (locked != NULL) {
		f->has_locked = true;
		if (!compute_bool_string(locked, &f->locked))
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input received: Unrecognized value '%s', acceptable "
			    "values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', "
			    "'t', 'true', 'y', 'yes'",
			    locked);
	}
	/* Filters Nova leaves to admins (others' are dropped), most of them
	 * to everyone from 2.83. */
	if (admin || mv >= 83) {
		f->user_id = http_query(req, "user_id");
		f->vm_state = http_query(req, "vm_state");
		f->task_state = http_query(req, "task_state");
		f->key_name = http_query(req, "key_name");
		f->zone = http_query(req, "availability_zone");
		f->config_drive = http_query(req, "config_drive");
		f->power_state = http_query(req, "power_state");
		f->created_at = http_query(req, "created_at");
		f->launched_at = http_query(req, "launched_at");
	}
	if (admin) {
		f->hostname = http_query(req, "hostname");
		f->uuid = http_query(req, "uuid");
	}
	return 0;
}

/* Nova's regular-expression filters match anywhere in the value. */
static bool regex_match(const char *pattern, const char *value)
{
	if (value == NULL)
		return false;
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return strstr(value, pattern) != NULL;
	bool m = regexec(&re, value, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

static bool exact(const char *want, const char *value)
{
	return want == NULL || (value != NULL && strcmp(want, value) == 0);
}

bool compute_server_filter_match(const struct compute_server_filter *f,
                                 const struct compute_server *s)
{
	if (f->tags && !tags_match(s->tags, f->tags, true))
		return false;
	if (f->tags_any && !tags_match(s->tags, f->tags_any, false))
		return false;
	if (f->not_tags && tags_match(s->tags, f->not_tags, true))
		return false;
	if (f->not_tags_any && tags_match(s->tags, f->not_tags_any, false))
		return false;
	if (f->has_locked && s->locked != f->locked)
		return false;
	if (!exact(f->user_id, s->user_id) || !exact(f->vm_state, s->vm_state) ||
	    !exact(f->task_state, s->task_state) || !exact(f->uuid, s->id))
		return false;
	if ((f->key_name && !regex_match(f->key_name, s->key_name)) ||
	    (f->zone && !regex_match(f->zone, s->availability_zone)) ||
	    (f->hostname && !regex_match(f->hostname, s->hostname)) ||
	    (f->created_at && !regex_match(f->created_at, s->created_at)) ||
	    (f->launched_at && !regex_match(f->launched_at, s->launched_at)))
		return false;
	/* Nova keeps config_drive as "True" or "", power_state as a number. */
	if (f->config_drive && !regex_match(f->config_drive, s->config_drive ? "True" : ""))
		return false;
	char power[16];
	snprintf(power, sizeof(power), "%d", s->power_state);
	if (f->power_state && !regex_match(f->power_state, power))
		return false;
	return true;
}

/* The query parameters Nova's server list schema knows (index_query and
 * its later versions); from 2.75 any other is a 400. */
static const char *const known_params[] = {
    "user_id",
    "project_id",
    "tenant_id",
    "launch_index",
    "image_ref",
    "image",
    "kernel_id",
    "ramdisk_id",
    "hostname",
    "key_name",
    "power_state",
    "vm_state",
    "task_state",
    "host",
    "node",
    "flavor",
    "reservation_id",
    "launched_at",
    "terminated_at",
    "availability_zone",
    "name",
    "display_name",
    "description",
    "display_description",
    "locked_by",
    "uuid",
    "root_device_name",
    "config_drive",
    "access_ip_v4",
    "access_ip_v6",
    "auto_disk_config",
    "progress",
    "sort_key",
    "sort_dir",
    "all_tenants",
    "soft_deleted",
    "deleted",
    "status",
    "changes-since",
    "ip",
    "ip6",
    "created_at",
    "limit",
    "marker",
    "tags",
    "tags-any",
    "not-tags",
    "not-tags-any",
    "changes-before",
    "locked",
    "block_device_mapping",
    "services",
    "metadata",
    "system_metadata",
    "info_cache",
    "security_groups",
    "pci_devices",
};

/* Filters on joined tables Nova refuses (admins: non-admins' are dropped
 * before, as any filter not theirs). */
static const char *const joined_params[] = {
    "block_device_mapping", "services",        "metadata",    "system_metadata",
    "info_cache",           "security_groups", "pci_devices",
};

int compute_server_query_check(struct http_request *req, struct api_error *err)
{
	int mv = compute_mv(req);
	for (size_t i = 0; i < req->nquery; i++) {
		const char *k = req->query[i].key;
		if (mv >= 75 &&
		    !in_list(k, known_params, sizeof(known_params) / sizeof(known_params[0])))
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for query parameters %s. Additional properties "
			    "are not allowed ('%s' was unexpected)",
			    k, k);
		if (compute_is_admin(req) &&
		    (k[0] == '_' ||
		     in_list(k, joined_params, sizeof(joined_params) / sizeof(joined_params[0]))))
			return api_fail(err, API_BAD_REQUEST, "Invalid filter field: %s.", k);
	}
	return 0;
}
