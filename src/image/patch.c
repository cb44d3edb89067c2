/* What a client may set on an image, and the JSON-patch that PATCH carries
 * (media types application/openstack-images-v2.1-json-patch and the older
 * v2.0 one, whose add refuses to overwrite): add, replace
 * and remove of one top-level attribute each, with Glance's answers (403
 * for read-only or reserved attributes, 409 for replacing or removing a
 * property that is not there, 400 for a value of the wrong type). */
#include <string.h>

#include "core/json.h"
#include "image/format.h"
#include "image/internal.h"

static const char *const read_only[] = {
    "id",   "status",       "checksum",   "os_hash_algo", "os_hash_value",
    "size", "virtual_size", "created_at", "updated_at",   "file",
    "self", "schema",       "direct_url", "locations",    "stores",
    NULL};
static const char *const reserved[] = {"deleted", "deleted_at", "location", NULL};

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

static int check_tags(json_t *value, struct api_error *err)
{
	if (!json_is_array(value))
		return api_fail(err, API_BAD_REQUEST, "Invalid value for 'tags': expected a list.");
	if (json_array_size(value) > IMAGE_MAX_TAGS)
		return api_fail(err, API_TOO_LARGE,
		                "Maximum number of tags (%d) exceeded for this image.",
		                IMAGE_MAX_TAGS);
	size_t i;
	json_t *t;
	json_array_foreach(value, i, t)
	{
		if (!json_is_string(t))
			return api_fail(err, API_BAD_REQUEST, "Invalid tag: tags must be strings.");
		if (json_check_length("tag", json_string_value(t), 255, err) != 0)
			return -1;
	}
	return 0;
}

static int check_nonneg_int(const char *name, json_t *value, struct api_error *err)
{
	if (!json_is_integer(value) || json_integer_value(value) < 0)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid value for '%s': expected a non-negative integer.", name);
	return 0;
}

int image_attr_check(const char *name, json_t *value, struct api_error *err)
{
	if (in_list(read_only, name))
		return api_fail(err, API_FORBIDDEN, "Attribute '%s' is read-only.", name);
	if (in_list(reserved, name) || !strncmp(name, "os_glance", 9))
		return api_fail(err, API_FORBIDDEN, "Attribute '%s' is reserved.", name);
	if (!*name || strlen(name) > 255)
		return api_fail(err, API_BAD_REQUEST, "Invalid property name '%s'.", name);
	if (!strcmp(name, "name")) {
		if (json_is_null(value))
			return 0;
		if (!json_is_string(value))
			return api_fail(err, API_BAD_REQUEST, "Invalid value for 'name'.");
		return json_check_length("name", json_string_value(value), 255, err);
	}
	if (!strcmp(name, "visibility")) {
		const char *v = json_string_value(value);
		if (!v || (strcmp(v, "public") && strcmp(v, "private") && strcmp(v, "shared") &&
		           strcmp(v, "community")))
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid visibility value: must be one of public, private, "
			                "shared, community.");
		return 0;
	}
	if (!strcmp(name, "protected") || !strcmp(name, "os_hidden")) {
		if (!json_is_boolean(value))
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid value for '%s': expected a boolean.", name);
		return 0;
	}
	if (!strcmp(name, "min_ram") || !strcmp(name, "min_disk"))
		return check_nonneg_int(name, value, err);
	if (!strcmp(name, "disk_format") || !strcmp(name, "container_format")) {
		if (json_is_null(value))
			return 0;
		const char *v = json_string_value(value);
		bool ok = !strcmp(name, "disk_format") ? image_disk_format_valid(v)
		                                       : image_container_format_valid(v);
		if (!ok)
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid value '%s' for '%s': not one of the supported "
			                "formats.",
			                v ? v : "(not a string)", name);
		return 0;
	}
	if (!strcmp(name, "tags"))
		return check_tags(value, err);
	if (!strcmp(name, "owner")) {
		if (!json_is_string(value))
			return api_fail(err, API_BAD_REQUEST, "Invalid value for 'owner'.");
		return json_check_length("owner", json_string_value(value), 255, err);
	}
	/* A custom property: a string, as the schema's additionalProperties say. */
	if (!json_is_string(value))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid value for property '%s': expected a string.", name);
	return json_check_length(name, json_string_value(value), 65535, err);
}

static bool is_base(const char *name)
{
	static const char *const base[] = {
	    "name",        "visibility",       "protected", "os_hidden", "min_ram", "min_disk",
	    "disk_format", "container_format", "owner",     "tags",      NULL};
	return in_list(base, name);
}

/* "/name" → "name", undoing JSON pointer escapes (~1 is '/', ~0 is '~').
 * Only one level: Glance's attributes are flat. */
static int parse_path(const char *path, char *out, size_t outlen, struct api_error *err)
{
	if (!path || path[0] != '/')
		return api_fail(err, API_BAD_REQUEST, "Pointer `%s` does not start with \"/\".",
		                path ? path : "");
	size_t k = 0;
	for (const char *p = path + 1; *p; p++) {
		char c = *p;
		if (c == '/')
			return api_fail(err, API_BAD_REQUEST, "Nested paths are not allowed: %s",
			                path);
		if (c == '~') {
			if (p[1] == '0')
				c = '~';
			else if (p[1] == '1')
				c = '/';
			else
				return api_fail(err, API_BAD_REQUEST,
				                "Invalid escape in pointer `%s`.", path);
			p++;
		}
		if (k + 1 >= outlen)
			return api_fail(err, API_BAD_REQUEST, "Pointer `%s` is too long.", path);
		out[k++] = c;
	}
	out[k] = '\0';
	if (!k)
		return api_fail(err, API_BAD_REQUEST, "Pointer `%s` names no attribute.", path);
	return 0;
}

/* v2.1 operations read {"op": "add", "path": "/x"}; v2.0 ones (what
 * Tempest sends) {"add": "/x"}. */
static int parse_op(json_t *change, const char **op, const char **path, struct api_error *err)
{
	if (json_object_get(change, "op"))
		return json_get_string(change, "op", true, op, err) ||
		               json_get_string(change, "path", true, path, err)
		           ? -1
		           : 0;
	static const char *const ops[] = {"add", "replace", "remove", NULL};
	int found = 0;
	for (size_t i = 0; ops[i]; i++) {
		json_t *v = json_object_get(change, ops[i]);
		if (!v)
			continue;
		if (!json_is_string(v))
			return api_fail(err, API_BAD_REQUEST,
			                "The path of \"%s\" must be a string.", ops[i]);
		*op = ops[i];
		*path = json_string_value(v);
		found++;
	}
	if (found != 1)
		return api_fail(err, API_BAD_REQUEST,
		                "Operation objects must contain exactly one of \"add\", "
		                "\"remove\", \"replace\".");
	return 0;
}

static int apply_one(json_t *doc, json_t *change, bool v20, struct api_error *err)
{
	if (!json_is_object(change))
		return api_fail(err, API_BAD_REQUEST, "Operations must be JSON objects.");
	const char *op = NULL, *path = NULL;
	if (parse_op(change, &op, &path, err) != 0)
		return -1;
	char name[512];
	if (parse_path(path, name, sizeof(name), err) != 0)
		return -1;
	json_t *value = json_object_get(change, "value");
	bool add = !strcmp(op, "add"), replace = !strcmp(op, "replace"),
	     remove = !strcmp(op, "remove");
	if (!add && !replace && !remove)
		return api_fail(err, API_BAD_REQUEST,
		                "Operation objects must contain exactly one of \"add\", "
		                "\"remove\", \"replace\", not '%s'.",
		                op);
	/* openstacksdk echoes every attribute it saw, "stores" included, in
	 * the patch it computes: ignore it rather than fail `image set`. */
	if (!strcmp(name, "stores"))
		return 0;
	if (in_list(read_only, name))
		return api_fail(err, API_FORBIDDEN, "Attribute '%s' is read-only.", name);
	if (in_list(reserved, name) || !strncmp(name, "os_glance", 9))
		return api_fail(err, API_FORBIDDEN, "Attribute '%s' is reserved.", name);
	if (remove) {
		if (is_base(name))
			return api_fail(err, API_FORBIDDEN, "Property %s may not be removed.",
			                name);
		if (!json_object_get(doc, name))
			return api_fail(err, API_CONFLICT, "Property %s does not exist.", name);
		json_object_del(doc, name);
		return 0;
	}
	if (!value)
		return api_fail(err, API_BAD_REQUEST,
		                "Operation \"%s\" requires a member named "
		                "\"value\".",
		                op);
	if (replace && !is_base(name) && !json_object_get(doc, name))
		return api_fail(err, API_CONFLICT, "Property %s does not exist.", name);
	/* v2.0: add never overwrites (base attributes always exist). */
	if (v20 && add && (is_base(name) || json_object_get(doc, name)))
		return api_fail(err, API_CONFLICT, "Property %s already present.", name);
	if (image_attr_check(name, value, err) != 0)
		return -1;
	if (!is_base(name) && !json_object_get(doc, name)) {
		size_t props = 0;
		const char *key;
		json_t *v;
		json_object_foreach(doc, key, v) props += !is_base(key);
		if (props >= IMAGE_MAX_PROPERTIES)
			return api_fail(err, API_TOO_LARGE,
			                "Maximum number of properties (%d) exceeded.",
			                IMAGE_MAX_PROPERTIES);
	}
	if (!strcmp(name, "tags")) {
		/* Glance keeps a set: duplicates collapse. */
		json_t *set = json_array();
		size_t i;
		json_t *t;
		json_array_foreach(value, i, t)
		{
			bool dup = false;
			size_t j;
			json_t *u;
			json_array_foreach(set, j, u) dup |= json_equal(t, u);
			if (!dup)
				json_array_append(set, t);
		}
		json_object_set_new(doc, name, set);
		return 0;
	}
	json_object_set(doc, name, value);
	return 0;
}

int image_patch_apply(json_t *doc, json_t *ops, bool v20, struct api_error *err)
{
	if (!json_is_array(ops))
		return api_fail(err, API_BAD_REQUEST,
		                "Request body must be a JSON array of operation objects.");
	size_t i;
	json_t *change;
	json_array_foreach(ops, i, change)
	{
		if (apply_one(doc, change, v20, err) != 0)
			return -1;
	}
	return 0;
}
