/* Pure logic of the core: routing patterns, arenas, config, times, errors. */
#include <stdlib.h>

#include "check.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/error.h"
#include "core/http.h"
#include "core/ids.h"

static void test_patterns(struct arena *a)
{
	struct http_kv p[HTTP_MAX_PARAMS];
	size_t n = 0;
	CHECK(http_pattern_match(a, "/v3/users/{user_id}", "/v3/users/abc", p, &n));
	CHECK(n == 1);
	CHECK_STR(p[0].key, "user_id");
	CHECK_STR(p[0].value, "abc");
	CHECK(http_pattern_match(a, "/v3/users/{user_id}", "/v3/users/abc/", p, &n));
	CHECK(!http_pattern_match(a, "/v3/users/{user_id}", "/v3/users/", p, &n));
	CHECK(!http_pattern_match(a, "/v3/users/{user_id}", "/v3/users/a/b", p, &n));
	CHECK(http_pattern_match(a, "/v1/{account}/{container}/{object*}", "/v1/A/c/x/y/../z/", p,
	                         &n));
	CHECK(n == 3);
	CHECK_STR(p[2].value, "x/y/../z/");
	CHECK(http_pattern_match(a, "/", "/", p, &n));
	CHECK(!http_pattern_match(a, "/v3", "/v3x", p, &n));
}

static void test_arena(void)
{
	struct arena *a = arena_new();
	char *s = arena_printf(a, "%s-%d", "x", 42);
	CHECK_STR(s, "x-42");
	char *big = arena_alloc(a, 100000);
	CHECK(big[99999] == 0);
	CHECK(arena_strdup(a, NULL) == NULL);
	static int ran;
	arena_defer(a, (void (*)(void *))free, malloc(10));
	arena_free(a);
	(void)ran;
	arena_free(NULL);
}

static void test_config(void)
{
	struct config *c = config_new();
	struct api_error err = {0};
	char *argv[] = {"stackd",   "serve",    "--data-dir", "/tmp/x", "--image.quota_bytes=5",
	                "--listen", "1.2.3.4:5"};
	CHECK(config_parse_args(c, 7, argv, 2, &err) == 0);
	CHECK_STR(config_get(c, "default", "data_dir", NULL), "/tmp/x");
	CHECK(config_get_int(c, "image", "quota-bytes", 0) == 5);
	CHECK(config_get(c, "default", "nothing", NULL) == NULL);
	char *bad[] = {"stackd", "serve", "--listen"};
	CHECK(config_parse_args(c, 3, bad, 2, &err) == -1);
	CHECK(err.status == 400);
	bool b = true;
	CHECK(config_parse_bool("OFF", &b) == 0 && !b);
	CHECK(config_parse_bool("Yes", &b) == 0 && b);
	CHECK(config_parse_bool("0", &b) == 0 && !b);
	CHECK(config_parse_bool("maybe", &b) == -1 && !b);
	config_set(c, "network", "dataplane", "maybe");
	CHECK(config_get_bool(c, "network", "dataplane", true));
	config_set(c, "network", "dataplane", "False");
	CHECK(!config_get_bool(c, "network", "dataplane", true));
	config_free(c);
}

static void test_times(void)
{
	char buf[28];
	ids_time_iso_us(0.5, buf);
	CHECK_STR(buf, "1970-01-01T00:00:00.500000Z");
	double t;
	CHECK(ids_time_parse("2026-11-22T23:12:27Z", &t) == 0);
	char iso[21];
	ids_time_iso((time_t)t, iso);
	CHECK_STR(iso, "2026-11-22T23:12:27Z");
	CHECK(ids_time_parse("2026-11-22T23:12:27+01:00", &t) == 0);
	ids_time_iso((time_t)t, iso);
	CHECK_STR(iso, "2026-11-22T22:12:27Z");
	CHECK(ids_time_parse("yesterday", &t) == -1);
	char u[37];
	ids_uuid4(u);
	CHECK(ids_is_uuid(u));
	CHECK(!ids_is_uuid("not-a-uuid"));
}

static void test_errors(void)
{
	struct api_error err = {0};
	CHECK(api_fail(&err, API_CONFLICT, "dup %s", "x") == -1);
	CHECK(err.status == 409);
	CHECK_STR(err.message, "dup x");
	CHECK(api_error_kind_of_status(404) == API_NOT_FOUND);
}

int main(void)
{
	struct arena *a = arena_new();
	test_patterns(a);
	arena_free(a);
	test_arena();
	test_config();
	test_times();
	test_errors();
	return check_done("test_core");
}
