/* libFuzzer target for the request path: routing (method + path through
 * the server's router with the identity routes registered), token parsing
 * and validation (identity_token_decode / identity_validate), then the
 * matched route's policy check and handler (JSON bodies of every identity
 * route: POST /v3/auth/tokens unauthenticated, the others as the admin)
 * against a real, bootstrapped identity database in a temp dir.
 * Input: METHOD \n PATH \n TOKEN \n BODY. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/db.h"
#include "core/http.h"
#include "identity/internal.h"
#include "service.h"

extern const struct service_module identity_module;

static struct http_server *server;
static struct identity_state *state;
static struct config *cfg; /* kept: the module reads it at start */
static struct arena *admin_arena;
static struct identity_auth *admin; /* the bootstrap admin, project-scoped */

static void make_admin(void)
{
	static const char sql[] =
	    "SELECT id, default_project_id FROM identity_users WHERE name = 'admin'";
	struct api_error err = {0};
	sqlite3_stmt *q = db_stmt(sql, &err);
	if (!q || db_step(q, &err) != SQLITE_ROW)
		abort();
	admin_arena = arena_new();
	char audit[23];
	identity_audit_id(audit);
	struct identity_token t = {
	    .methods = IDENTITY_METHOD_PASSWORD,
	    .user_id = arena_strdup(admin_arena, db_column_text(q, 0)),
	    .scope = 'p',
	    .scope_id = arena_strdup(admin_arena, db_column_text(q, 1)),
	    .issued_at = 1,
	    .expires_at = 4e9,
	    .audit_id = arena_strdup(admin_arena, audit),
	};
	sqlite3_reset(q);
	if (identity_issue(state, admin_arena, &t, &admin, &err) != 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	/* run.sh passes a directory it removes afterwards. */
	static char tmpl[] = "/tmp/stackd-fuzz.XXXXXX";
	const char *dir = getenv("STACKD_FUZZ_DIR");
	if (!dir && !(dir = mkdtemp(tmpl)))
		abort();
	char path[256];
	snprintf(path, sizeof(path), "%s/stackd.db", dir);
	struct api_error err = {0};
	if (db_open(path, &err) != 0)
		abort();
	cfg = config_new();
	config_set(cfg, "default", "admin_password", "fuzz-admin");
	struct http_server_options opts = {0};
	server = http_server_new(&opts);
	static const struct service_module *const modules[] = {&identity_module, NULL};
	struct stackd_env env = {
	    .cfg = cfg,
	    .data_dir = dir,
	    .public_url = "http://127.0.0.1:1",
	    .http = server,
	    .modules = modules,
	};
	void *st = NULL;
	if (identity_module.start(&env, &st, &err) != 0) {
		fprintf(stderr, "identity start: %s\n", err.message);
		abort();
	}
	state = st;
	make_admin();
	return 0;
}

/* The next '\n'-terminated piece of [*p, end), NUL-terminated in a. */
static char *piece(struct arena *a, const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	const uint8_t *stop = nl ? nl : end;
	char *s = arena_strndup(a, (const char *)*p, (size_t)(stop - *p));
	*p = nl ? nl + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	const uint8_t *p = data, *end = data + size;
	char *method = piece(a, &p, end);
	char *path = piece(a, &p, end);
	char *token = piece(a, &p, end);
	size_t body_len = (size_t)(end - p);
	char *body = arena_strndup(a, (const char *)p, body_len);

	struct api_error err = {0};
	struct identity_token t;
	(void)identity_token_decode(a, state->token_key, token, &t, &err);
	struct identity_auth *auth = NULL;
	memset(&err, 0, sizeof(err));
	(void)identity_validate(state, a, token, &auth, &err);

	struct http_request req = {0};
	struct http_response resp = {0};
	const struct http_route *route = NULL;
	bool mismatch = false;
	const char *subpath = "/";
	req.service = http_route_lookup(server, a, method, path, &route, req.params, &req.nparams,
	                                &mismatch, &subpath);
	/* The X-Subject-Token routes read headers of a real connection. */
	bool needs_conn = route && route->rule && !strcmp(route->pattern, "/v3/auth/tokens");
	if (req.service && route && route->handler && !needs_conn) {
		req.arena = a;
		req.server = server;
		req.route = route;
		req.ctx = req.service->ctx;
		req.method = method;
		req.path = path;
		req.subpath = subpath;
		req.request_id = "req-fuzz";
		req.base_url = "http://127.0.0.1:1";
		req.body = body_len ? body : NULL;
		req.body_len = body_len;
		req.query = arena_alloc(a, sizeof(*req.query));
		resp.arena = a;
		resp.fd = -1;
		memset(&err, 0, sizeof(err));
		int rc = 0;
		if (route->rule) {
			req.auth = admin;
			rc = req.service->authorize(&req, route->rule, &err);
		}
		if (rc != 0 || route->handler(&req, &resp, &err) != 0) {
			resp.status = 0;
			if (!err.status)
				abort(); /* a failure must say what failed */
			req.service->render_error(&req, &resp, &err);
		}
		if (resp.status == 0)
			abort();
		if (req.service->finish)
			req.service->finish(&req, &resp);
	}
	arena_free(a);
	return 0;
}
