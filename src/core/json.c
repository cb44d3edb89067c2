/* Field getters shared by every service's request parsing. */
#include "core/json.h"

#include <string.h>

static int wrong_type(const char *key, const char *type, struct api_error *err)
{
	return api_fail(err, API_BAD_REQUEST, "Invalid input for field '%s': expected %s.", key,
	                type);
}

static int missing(const char *key, struct api_error *err)
{
	return api_fail(err, API_BAD_REQUEST, "'%s' is a required property", key);
}

int json_get_string(json_t *obj, const char *key, bool required, const char **out,
                    struct api_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return required ? missing(key, err) : 0;
	if (!json_is_string(v))
		return wrong_type(key, "a string", err);
	*out = json_string_value(v);
	return 0;
}

int json_get_bool(json_t *obj, const char *key, bool required, bool *out, struct api_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return required ? missing(key, err) : 0;
	if (!json_is_boolean(v))
		return wrong_type(key, "a boolean", err);
	*out = json_is_true(v);
	return 0;
}

int json_get_int(json_t *obj, const char *key, bool required, long long *out, struct api_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return required ? missing(key, err) : 0;
	if (!json_is_integer(v))
		return wrong_type(key, "an integer", err);
	*out = json_integer_value(v);
	return 0;
}

int json_get_object(json_t *obj, const char *key, bool required, json_t **out,
                    struct api_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return required ? missing(key, err) : 0;
	if (!json_is_object(v))
		return wrong_type(key, "an object", err);
	*out = v;
	return 0;
}

int json_get_array(json_t *obj, const char *key, bool required, json_t **out, struct api_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return required ? missing(key, err) : 0;
	if (!json_is_array(v))
		return wrong_type(key, "an array", err);
	*out = v;
	return 0;
}

int json_only_keys(json_t *obj, const char *const *allowed, const char *what, struct api_error *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			if (!strcmp(*a, key))
				ok = true;
		if (!ok)
			return api_fail(err, API_BAD_REQUEST,
			                "Additional properties are not allowed ('%s' was "
			                "unexpected) in %s",
			                key, what);
	}
	return 0;
}

json_t *json_string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

int json_check_length(const char *field, const char *value, size_t max, struct api_error *err)
{
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		if ((*p & 0xc0) != 0x80)
			chars++;
	if (chars > max)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field '%s': '%.40s...' is too long (max %zu)",
		                field, value, max);
	return 0;
}
