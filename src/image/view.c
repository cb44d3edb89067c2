/* An image as Glance v2 shows it: base attributes, custom properties at the
 * top level beside them, and the links clients follow. Also the "edit
 * document", the mutable part of an image that create and PATCH work on. */
#include <string.h>

#include "core/arena.h"
#include "core/json.h"
#include "image/internal.h"

static json_t *int_or_null(int64_t v)
{
	return v < 0 ? json_null() : json_integer(v);
}

json_t *image_to_json(const struct image_row *row)
{
	json_t *o = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(row->props, key, v) json_object_set(o, key, v);
	json_object_set_new(o, "id", json_string(row->id));
	json_object_set_new(o, "name", json_string_or_null(row->name));
	json_object_set_new(o, "status", json_string(row->status));
	json_object_set_new(o, "visibility", json_string(row->visibility));
	json_object_set_new(o, "protected", json_boolean(row->protected_));
	json_object_set_new(o, "os_hidden", json_boolean(row->os_hidden));
	json_object_set_new(o, "checksum", json_string_or_null(row->checksum));
	json_object_set_new(o, "os_hash_algo", json_string_or_null(row->os_hash_algo));
	json_object_set_new(o, "os_hash_value", json_string_or_null(row->os_hash_value));
	json_object_set_new(o, "owner", json_string(row->owner));
	json_object_set_new(o, "size", int_or_null(row->size));
	json_object_set_new(o, "virtual_size", int_or_null(row->virtual_size));
	json_object_set_new(o, "min_ram", json_integer(row->min_ram));
	json_object_set_new(o, "min_disk", json_integer(row->min_disk));
	json_object_set_new(o, "disk_format", json_string_or_null(row->disk_format));
	json_object_set_new(o, "container_format", json_string_or_null(row->container_format));
	json_object_set_new(o, "created_at", json_string(row->created_at));
	json_object_set_new(o, "updated_at", json_string(row->updated_at));
	json_object_set(o, "tags", row->tags);
	char buf[128];
	snprintf(buf, sizeof(buf), "/v2/images/%s", row->id);
	json_object_set_new(o, "self", json_string(buf));
	snprintf(buf, sizeof(buf), "/v2/images/%s/file", row->id);
	json_object_set_new(o, "file", json_string(buf));
	json_object_set_new(o, "schema", json_string("/v2/schemas/image"));
	/* The one store (see /v2/info/stores), once the image has data. */
	if (!strcmp(row->status, "active") || !strcmp(row->status, "deactivated"))
		json_object_set_new(o, "stores", json_string("file"));
	return o;
}

json_t *image_edit_doc(const struct image_row *row)
{
	json_t *o = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(row->props, key, v) json_object_set(o, key, v);
	json_object_set_new(o, "name", json_string_or_null(row->name));
	json_object_set_new(o, "visibility", json_string(row->visibility));
	json_object_set_new(o, "protected", json_boolean(row->protected_));
	json_object_set_new(o, "os_hidden", json_boolean(row->os_hidden));
	json_object_set_new(o, "min_ram", json_integer(row->min_ram));
	json_object_set_new(o, "min_disk", json_integer(row->min_disk));
	json_object_set_new(o, "disk_format", json_string_or_null(row->disk_format));
	json_object_set_new(o, "container_format", json_string_or_null(row->container_format));
	json_object_set_new(o, "owner", json_string(row->owner));
	json_object_set(o, "tags", row->tags);
	return o;
}

static const char *const base_keys[] = {"name",    "visibility", "protected",   "os_hidden",
                                        "min_ram", "min_disk",   "disk_format", "container_format",
                                        "owner",   "tags",       NULL};

static bool is_base(const char *key)
{
	for (size_t i = 0; base_keys[i]; i++)
		if (!strcmp(base_keys[i], key))
			return true;
	return false;
}

static void decref(void *p)
{
	json_decref(p);
}

void image_apply_edit_doc(struct arena *a, struct image_row *row, json_t *doc)
{
	json_t *v;
	v = json_object_get(doc, "name");
	row->name = json_is_string(v) ? arena_strdup(a, json_string_value(v)) : NULL;
	v = json_object_get(doc, "visibility");
	if (json_is_string(v))
		row->visibility = arena_strdup(a, json_string_value(v));
	row->protected_ = json_is_true(json_object_get(doc, "protected"));
	row->os_hidden = json_is_true(json_object_get(doc, "os_hidden"));
	v = json_object_get(doc, "min_ram");
	row->min_ram = json_is_integer(v) ? json_integer_value(v) : 0;
	v = json_object_get(doc, "min_disk");
	row->min_disk = json_is_integer(v) ? json_integer_value(v) : 0;
	v = json_object_get(doc, "disk_format");
	row->disk_format = json_is_string(v) ? arena_strdup(a, json_string_value(v)) : NULL;
	v = json_object_get(doc, "container_format");
	row->container_format = json_is_string(v) ? arena_strdup(a, json_string_value(v)) : NULL;
	v = json_object_get(doc, "owner");
	if (json_is_string(v))
		row->owner = arena_strdup(a, json_string_value(v));

	row->tags = json_array();
	arena_defer(a, decref, row->tags);
	json_t *tags = json_object_get(doc, "tags");
	size_t i;
	json_array_foreach(tags, i, v) json_array_append(row->tags, v);

	row->props = json_object();
	arena_defer(a, decref, row->props);
	const char *key;
	json_object_foreach(doc, key, v)
	{
		if (!is_base(key) && json_is_string(v))
			json_object_set(row->props, key, v);
	}
}
