/* The token format: like Keystone's Fernet tokens, a token carries its own
 * payload (who, which scope, when, the audit ids) under authenticated
 * encryption, so validation needs no token table. Pure functions: the unit
 * tests and the fuzzer call them directly. */
#ifndef STACKD_IDENTITY_TOKEN_H
#define STACKD_IDENTITY_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct arena;

#define IDENTITY_TOKEN_KEY_BYTES 32
#define IDENTITY_TOKEN_MAX 512 /* longer strings are not tokens */

/* Bits of identity_token.methods. */
enum {
	IDENTITY_METHOD_PASSWORD = 1,
	IDENTITY_METHOD_TOKEN = 2,
	IDENTITY_METHOD_APP_CRED = 4,
};

struct identity_token {
	unsigned methods;
	const char *user_id;
	char scope;           /* 'p' project, 'd' domain, 's' system, 'u' unscoped */
	const char *scope_id; /* project or domain id; "all" for system; "" unscoped */
	double issued_at, expires_at;
	const char *audit_id;        /* 22 characters of URL-safe base64 */
	const char *parent_audit_id; /* of the token this one was rescoped from, or NULL */
	const char *app_cred_id;     /* or NULL */
};

/* The token string for t, allocated from a. */
char *identity_token_encode(struct arena *a, const unsigned char *key,
                            const struct identity_token *t);
/* Decrypts and parses; -1 (401) when s is not a token made with key. Does
 * not check expiry. Strings of *t are allocated from a. */
int identity_token_decode(struct arena *a, const unsigned char *key, const char *s,
                          struct identity_token *t, struct api_error *err);
/* A fresh audit id (out: 23 bytes). */
void identity_audit_id(char out[23]);

#endif
