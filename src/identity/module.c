/* The identity service module: migrates its tables, loads (or makes) the
 * token key, bootstraps an empty cloud, registers the routes and becomes
 * the server's authenticator. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/db.h"
#include "identity/internal.h"

extern const struct db_migration identity_migrations[];
extern const size_t identity_migrations_count;

static const struct catalog_entry catalog[] = {
    {"identity", "keystone", "/identity"},
};

void identity_changed(struct identity_state *st)
{
	atomic_fetch_add(&st->gen, 1);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

/* DATA_DIR/token.key: 32 random bytes, made on first start (mode 0600). */
static int load_key(struct identity_state *st, struct api_error *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/token.key", st->data_dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		unsigned char key[IDENTITY_TOKEN_KEY_BYTES];
		randombytes_buf(key, sizeof(key));
		char tmp[PATH_MAX + 8];
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		int w = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (w < 0)
			return api_fail(err, API_INTERNAL, "cannot create %s: %s", tmp,
			                strerror(errno));
		bool ok = write(w, key, sizeof(key)) == (ssize_t)sizeof(key) && fsync(w) == 0;
		close(w);
		if (!ok || rename(tmp, path) != 0) {
			unlink(tmp);
			return api_fail(err, API_INTERNAL, "cannot write %s", path);
		}
		sodium_memzero(key, sizeof(key));
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return api_fail(err, API_INTERNAL, "cannot open %s: %s", path, strerror(errno));
	ssize_t n = read(fd, st->token_key, sizeof(st->token_key));
	close(fd);
	if (n != (ssize_t)sizeof(st->token_key))
		return api_fail(err, API_INTERNAL, "%s: expected %d bytes of key", path,
		                IDENTITY_TOKEN_KEY_BYTES);
	return 0;
}

static void identity_stop(void *state)
{
	struct identity_state *st = state;
	if (!st)
		return;
	identity_cache_free(st);
	identity_revocations_free(st);
	json_decref(st->catalog);
	pthread_mutex_destroy(&st->lock);
	sodium_memzero(st->token_key, sizeof(st->token_key));
	free(st->public_url);
	free(st->data_dir);
	free(st->auth_url);
	free(st);
}

static int identity_start(const struct stackd_env *env, void **state, struct api_error *err)
{
	*state = NULL;
	if (db_migrate("identity", identity_migrations, identity_migrations_count, err) != 0)
		return -1;
	struct identity_state *st = calloc(1, sizeof(*st));
	if (!st)
		abort();
	pthread_mutex_init(&st->lock, NULL);
	st->public_url = xstrdup(env->public_url);
	st->data_dir = xstrdup(env->data_dir);
	if (asprintf(&st->auth_url, "%s/identity", env->public_url) < 0)
		abort();
	st->token_ttl = config_get_int(env->cfg, "token", "expiration", 3600);
	if (st->token_ttl <= 0)
		st->token_ttl = 3600;
	if (load_key(st, err) != 0 || identity_bootstrap(st, env, err) != 0 ||
	    identity_revocations_load(st, err) != 0)
		goto fail;
	st->service = (struct http_service){
	    .name = "identity",
	    .prefix = "/identity",
	    .routes = identity_routes,
	    .nroutes = identity_nroutes,
	    .ctx = st,
	    .render_error = identity_render_error,
	    .authorize = identity_authorize,
	    .finish = identity_finish,
	};
	if (http_server_add_service(env->http, &st->service, err) != 0)
		goto fail;
	http_server_set_authenticator(env->http, identity_authenticator, st);
	*state = st;
	return 0;
fail:
	identity_stop(st);
	return -1;
}

const struct service_module identity_module = {
    .name = "identity",
    .catalog = catalog,
    .ncatalog = sizeof(catalog) / sizeof(catalog[0]),
    .start = identity_start,
    .stop = identity_stop,
};
