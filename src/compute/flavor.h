/* A flavor as the compute files share it (flavors.c owns the table). */
#ifndef STACKD_COMPUTE_FLAVOR_H
#define STACKD_COMPUTE_FLAVOR_H

#include <jansson.h>
#include <stdbool.h>

#include "core/error.h"
#include "core/http-t.h"

struct compute_flavor {
	const char *id, *name, *description;
	int vcpus;
	long long ram, disk, ephemeral, swap;
	double rxtx_factor;
	bool is_public;
	json_t *extra_specs; /* owned by the request arena */
};

/* A flavor the caller may see, by id (or by name), else 404. */
int compute_flavor_get(struct http_request *req, const char *id, bool by_name,
                       struct compute_flavor *out, struct api_error *err);
json_t *compute_flavor_view(struct http_request *req, const struct compute_flavor *f, bool detail);

#endif
