/* jansson helpers: typed field access that reports OpenStack-style 400s. */
#ifndef STACKD_JSON_H
#define STACKD_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "core/error.h"

/* Each getter: a missing key leaves *out untouched and returns 0 unless
 * required; a key of the wrong type is a 400 naming the field. */
int json_get_string(json_t *obj, const char *key, bool required, const char **out,
                    struct api_error *err);
int json_get_bool(json_t *obj, const char *key, bool required, bool *out, struct api_error *err);
int json_get_int(json_t *obj, const char *key, bool required, long long *out,
                 struct api_error *err);
/* Object-valued field. */
int json_get_object(json_t *obj, const char *key, bool required, json_t **out,
                    struct api_error *err);
int json_get_array(json_t *obj, const char *key, bool required, json_t **out,
                   struct api_error *err);
/* Refuses any key of obj not in the NULL-terminated allowed list. */
int json_only_keys(json_t *obj, const char *const *allowed, const char *what,
                   struct api_error *err);
/* A string value or JSON null for NULL. */
json_t *json_string_or_null(const char *s);
/* Checks a string's length (in characters of UTF-8) against max. */
int json_check_length(const char *field, const char *value, size_t max, struct api_error *err);

#endif
