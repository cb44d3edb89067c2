/* What every OpenStack service module gives the daemon: its name, its
 * catalog entries, and start/stop. main.c starts them in the order of the
 * table in services.c (identity first: the others authenticate through it). */
#ifndef STACKD_SERVICE_H
#define STACKD_SERVICE_H

#include <stddef.h>

#include "core/config.h"
#include "core/error.h"
#include "core/http.h"

/* Read-only after start-up; shared by every service. */
struct stackd_env {
	const struct config *cfg;
	const char *data_dir;   /* absolute */
	const char *public_url; /* "http://127.0.0.1:5000", no trailing slash */
	struct http_server *http;
	const struct service_module *const *modules; /* every module, NULL-terminated */
};

/* One catalog entry; url_path is appended to the public URL and may hold
 * "%(project_id)s" as Keystone templates do. */
struct catalog_entry {
	const char *type; /* "compute", "volumev3", ... */
	const char *name; /* "nova", ... */
	const char *url_path;
};

struct service_module {
	const char *name; /* "identity", "image", ... */
	const struct catalog_entry *catalog;
	size_t ncatalog;
	/* Migrates the service's tables, creates its state (returned in
	 * *state, owned by the module until stop) and registers its routes
	 * with env->http. */
	int (*start)(const struct stackd_env *env, void **state, struct api_error *err);
	/* Releases the state; accepts NULL. */
	void (*stop)(void *state);
};

/* The modules built into this binary, NULL-terminated (services.c). */
extern const struct service_module *const stackd_modules[];

#endif
