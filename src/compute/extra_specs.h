/* Flavor extra spec validation (Nova microversion 2.86): which extra specs
 * Nova knows, with the type of their values, and the check that answers
 * Nova's 400 messages. extra_specs.c owns the table. */
#ifndef STACKD_COMPUTE_EXTRA_SPECS_H
#define STACKD_COMPUTE_EXTRA_SPECS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* The first microversion that validates extra specs on POST/PUT. */
#define COMPUTE_XSPEC_MIN_MV 86

enum compute_xspec_type {
	XSPEC_STR,  /* anything, or one of `choices`, or matching `pattern` */
	XSPEC_INT,  /* a Python int() literal, within [min, max] when given */
	XSPEC_BOOL, /* oslo's bool_from_string(strict=True) */
};

/* One known extra spec, as Nova's nova/api/validation/extra_specs/ lists it. */
struct compute_xspec {
	/* Nova's name, parameters in braces: "hw:numa_cpus.{num}". */
	const char *name;
	/* The name as a POSIX ERE when it has parameters (NULL: `name` is the
	 * literal key). Nova builds its regex by substituting each parameter's
	 * pattern into `name` unescaped; these do the same. */
	const char *name_re;
	/* The text after the first ':' must be one of these sorted names
	 * (standard traits / resource classes), NULL: no such rule. */
	const char *const *words;
	const size_t *nwords;
	enum compute_xspec_type type;
	const char *const *choices; /* NULL-terminated enum, or NULL */
	const char *pattern;        /* the value's format as Nova prints it (Python re) */
	const char *pattern_re;     /* the same format as a POSIX ERE */
	bool has_min, has_max;
	long long min, max;
};

extern const struct compute_xspec compute_xspecs[];
extern const size_t compute_xspecs_count;
/* Generated (tools/gen-extra-spec-names.py): os-traits, os-resource-classes. */
extern const char *const compute_xspec_traits[];
extern const size_t compute_xspec_traits_count;
extern const char *const compute_xspec_resource_classes[];
extern const size_t compute_xspec_resource_classes_count;

/* Nova's validators.validate(name, value): 0 when the spec is known and its
 * value fits, or when its namespace (the part before the first ':') is not
 * one Nova knows; else fills err with a 400 and Nova's message. */
int compute_extra_spec_validate(const char *name, const char *value, struct api_error *err);

#endif
