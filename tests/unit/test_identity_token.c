/* Unit tests of the token format: round trip, tampering, wrong key,
 * garbage and size limits, optional fields. */
#include <sodium.h>
#include <string.h>

#include "check.h"
#include "core/arena.h"
#include "identity/token.h"

static void test_round_trip(const unsigned char *key)
{
	struct arena *a = arena_new();
	char audit[23], parent[23];
	identity_audit_id(audit);
	identity_audit_id(parent);
	CHECK(strlen(audit) == 22);
	struct identity_token t = {
	    .methods = IDENTITY_METHOD_PASSWORD | IDENTITY_METHOD_TOKEN,
	    .user_id = "0123456789abcdef0123456789abcdef",
	    .scope = 'p',
	    .scope_id = "fedcba9876543210fedcba9876543210",
	    .issued_at = 1790000000.123456,
	    .expires_at = 1790003600.123456,
	    .audit_id = audit,
	    .parent_audit_id = parent,
	};
	char *s = identity_token_encode(a, key, &t);
	CHECK(s && strlen(s) < IDENTITY_TOKEN_MAX);
	for (const char *p = s; *p; p++)
		CHECK(
		    strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
	struct identity_token u;
	struct api_error err = {0};
	CHECK(identity_token_decode(a, key, s, &u, &err) == 0);
	CHECK(u.methods == t.methods);
	CHECK_STR(u.user_id, t.user_id);
	CHECK(u.scope == 'p');
	CHECK_STR(u.scope_id, t.scope_id);
	CHECK(u.issued_at > 1790000000.1234 && u.issued_at < 1790000000.1235);
	CHECK(u.expires_at > 1790003600.1234 && u.expires_at < 1790003600.1235);
	CHECK_STR(u.audit_id, audit);
	CHECK_STR(u.parent_audit_id, parent);
	CHECK(u.app_cred_id == NULL);

	/* two tokens of the same payload differ (random nonce) */
	CHECK(strcmp(s, identity_token_encode(a, key, &t)) != 0);

	/* unscoped, with an application credential */
	t.scope = 'u';
	t.scope_id = "";
	t.parent_audit_id = NULL;
	t.app_cred_id = "abcabc";
	s = identity_token_encode(a, key, &t);
	CHECK(identity_token_decode(a, key, s, &u, &err) == 0);
	CHECK(u.scope == 'u' && u.parent_audit_id == NULL);
	CHECK_STR(u.app_cred_id, "abcabc");
	arena_free(a);
}

static void test_rejects(const unsigned char *key)
{
	struct arena *a = arena_new();
	struct identity_token t = {.methods = 1,
	                           .user_id = "u",
	                           .scope = 's',
	                           .scope_id = "all",
	                           .issued_at = 1,
	                           .expires_at = 2,
	                           .audit_id = "aaaaaaaaaaaaaaaaaaaaaa"};
	char *s = identity_token_encode(a, key, &t);
	struct identity_token u;
	struct api_error err = {0};
	/* every single-character change is refused */
	size_t len = strlen(s);
	for (size_t i = 0; i < len; i++) {
		char *m = arena_strdup(a, s);
		m[i] = m[i] == 'A' ? 'B' : 'A';
		memset(&err, 0, sizeof(err));
		CHECK(identity_token_decode(a, key, m, &u, &err) == -1);
		CHECK(err.kind == API_UNAUTHORIZED);
	}
	/* truncated, extended, another key, garbage */
	CHECK(identity_token_decode(a, key, arena_strndup(a, s, len - 1), &u, &err) == -1);
	CHECK(identity_token_decode(a, key, arena_printf(a, "%sA", s), &u, &err) == -1);
	unsigned char other[IDENTITY_TOKEN_KEY_BYTES];
	randombytes_buf(other, sizeof(other));
	CHECK(identity_token_decode(a, other, s, &u, &err) == -1);
	CHECK(identity_token_decode(a, key, "", &u, &err) == -1);
	CHECK(identity_token_decode(a, key, NULL, &u, &err) == -1);
	CHECK(identity_token_decode(a, key, "not a token at all", &u, &err) == -1);
	char big[IDENTITY_TOKEN_MAX + 10];
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(identity_token_decode(a, key, big, &u, &err) == -1);
	arena_free(a);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	unsigned char key[IDENTITY_TOKEN_KEY_BYTES];
	randombytes_buf(key, sizeof(key));
	test_round_trip(key);
	test_rejects(key);
	return check_done("test_identity_token");
}
