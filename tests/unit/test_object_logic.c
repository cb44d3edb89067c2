/* Unit tests of the object service's pure logic: Range parsing, ETag
 * lists, TempURL signatures (against values computed independently with
 * Python's hmac), container ACLs, URL decoding and HTTP dates. */
#include <string.h>

#include "check.h"
#include "core/arena.h"
#include "object/internal.h"

static void test_ranges(void)
{
	struct object_range r[8];
	CHECK(object_parse_ranges("bytes=0-9", 100, r, 8) == 1);
	CHECK(r[0].first == 0 && r[0].last == 9);
	CHECK(object_parse_ranges("bytes=90-200", 100, r, 8) == 1);
	CHECK(r[0].first == 90 && r[0].last == 99);
	CHECK(object_parse_ranges("bytes=-10", 100, r, 8) == 1);
	CHECK(r[0].first == 90 && r[0].last == 99);
	CHECK(object_parse_ranges("bytes=-1000", 100, r, 8) == 1);
	CHECK(r[0].first == 0 && r[0].last == 99);
	CHECK(object_parse_ranges("bytes=50-", 100, r, 8) == 1);
	CHECK(r[0].first == 50 && r[0].last == 99);
	CHECK(object_parse_ranges("bytes=0-0, 5-6 ,-1", 100, r, 8) == 3);
	CHECK(r[1].first == 5 && r[1].last == 6 && r[2].first == 99);
	/* unsatisfiable: 416 */
	CHECK(object_parse_ranges("bytes=100-", 100, r, 8) == -1);
	CHECK(object_parse_ranges("bytes=-0", 100, r, 8) == -1);
	CHECK(object_parse_ranges("bytes=0-1", 0, r, 8) == -1);
	/* one satisfiable range among others is enough */
	CHECK(object_parse_ranges("bytes=500-600,0-1", 100, r, 8) == 1);
	/* bad syntax: ignored (the whole body) */
	CHECK(object_parse_ranges("bytes=5-1", 100, r, 8) == 0);
	CHECK(object_parse_ranges("bytes=a-b", 100, r, 8) == 0);
	CHECK(object_parse_ranges("bytes=-", 100, r, 8) == 0);
	CHECK(object_parse_ranges("items=0-1", 100, r, 8) == 0);
	CHECK(object_parse_ranges("bytes=0-1;", 100, r, 8) == 0);
	CHECK(object_parse_ranges("bytes=99999999999999999999999-", 100, r, 8) == 0);
}

static void test_etags(void)
{
	const char *e = "5d41402abc4b2a76b9719d911017c592";
	CHECK(object_etag_matches(e, e));
	CHECK(object_etag_matches("\"5d41402abc4b2a76b9719d911017c592\"", e));
	CHECK(object_etag_matches("W/\"5d41402abc4b2a76b9719d911017c592\"", e));
	CHECK(object_etag_matches("\"x\", \"5d41402abc4b2a76b9719d911017c592\"", e));
	CHECK(object_etag_matches("*", e));
	CHECK(!object_etag_matches("\"5d41402abc4b2a76b9719d911017c59\"", e));
	CHECK(!object_etag_matches("", e));
	CHECK(!object_etag_matches("\"unterminated", e));
}

static void test_tempurl(void)
{
	char out[200];
	/* hmac.new(b"key", b"GET\n1700000000\n/v1/AUTH_a/c/o", sha).hexdigest() */
	CHECK(object_tempurl_sign("sha1", "key", "GET", "1700000000", "/v1/AUTH_a/c/o", out,
	                          sizeof(out)) == 0);
	CHECK_STR(out, "ebc61d3f9f4faf1c11d8ee9471e80a8af9670f1c");
	CHECK(object_tempurl_sign("sha256", "key", "GET", "1700000000", "/v1/AUTH_a/c/o", out,
	                          sizeof(out)) == 0);
	CHECK(strlen(out) == 64);
	CHECK(object_tempurl_sign("sha512", "key", "PUT", "1", "/p", out, sizeof(out)) == 0);
	CHECK(strlen(out) == 128);
	CHECK(object_tempurl_sign("md5", "key", "GET", "1", "/p", out, sizeof(out)) == -1);
	CHECK(object_tempurl_sign("sha512", "key", "GET", "1", "/p", out, 100) == -1);
}

static void test_acls(void)
{
	struct identity_auth me = {
	    .user_id = "u1", .user_name = "alice", .project_id = "p1", .project_name = "proj"};
	CHECK(object_acl_allows("p1:u1", &me, false));
	CHECK(object_acl_allows("p1:*", &me, true));
	CHECK(object_acl_allows("*:u1", &me, false));
	CHECK(object_acl_allows("proj:alice", &me, false));
	CHECK(object_acl_allows("x:y, *:*", &me, false));
	CHECK(!object_acl_allows("p2:*", &me, false));
	CHECK(!object_acl_allows("p1", &me, false));
	CHECK(!object_acl_allows("p1:u", &me, false));
	CHECK(!object_acl_allows("p:u1", &me, false));
	/* public read opens objects, listings only with .rlistings */
	CHECK(object_acl_allows(".r:*", NULL, false));
	CHECK(!object_acl_allows(".r:*", NULL, true));
	CHECK(object_acl_allows(".r:*,.rlistings", NULL, true));
	CHECK(!object_acl_allows(".rlistings", NULL, true));
	CHECK(!object_acl_allows("*:*", NULL, false));
	CHECK(!object_acl_allows("", &me, false));
}

static void test_decode_and_dates(void)
{
	char s[] = "a%2Fb%20c%C3%BC", bad[] = "x%zz", trunc[] = "x%4";
	CHECK(object_url_decode(s));
	CHECK_STR(s, "a/b c\xc3\xbc");
	CHECK(!object_url_decode(bad));
	CHECK(!object_url_decode(trunc));
	double t;
	CHECK(object_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", &t) == 0);
	CHECK(t == 784111777.0);
	CHECK(object_parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", &t) == 0);
	CHECK(t == 784111777.0);
	CHECK(object_parse_http_date("Sun Nov  6 08:49:37 1994", &t) == 0);
	CHECK(object_parse_http_date("yesterday", &t) == -1);
	struct arena *a = arena_new();
	/* Last-Modified rounds up, as Swift does */
	CHECK_STR(object_http_date(a, 784111776.2), "Sun, 06 Nov 1994 08:49:37 GMT");
	CHECK_STR(object_iso_time(a, 784111777.25), "1994-11-06T08:49:37.250000");
	CHECK_STR(object_guess_type("dir/x.TXT"), "text/plain");
	CHECK_STR(object_guess_type("dir.d/noext"), "application/octet-stream");
	arena_free(a);
}

int main(void)
{
	test_ranges();
	test_etags();
	test_tempurl();
	test_acls();
	test_decode_and_dates();
	return check_done("object logic");
}
