/* Token strings: URL-safe base64 (no padding) of a version byte, a random
 * 24-byte nonce and the XChaCha20-Poly1305 encryption of the payload, a
 * line of unit-separator-delimited fields. The version byte is also the
 * associated data, so a token of another format never decrypts. */
#include "identity/token.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

#define TOKEN_VERSION 1
#define SEP '\x1f'
#define NFIELDS 10
#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG crypto_aead_xchacha20poly1305_ietf_ABYTES

static const unsigned char version_ad[1] = {TOKEN_VERSION};

void identity_audit_id(char out[23])
{
	unsigned char b[16];
	randombytes_buf(b, sizeof(b));
	sodium_bin2base64(out, 23, b, sizeof(b), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

char *identity_token_encode(struct arena *a, const unsigned char *key,
                            const struct identity_token *t)
{
	char *payload = arena_printf(
	    a, "%d%c%u%c%s%c%c%c%s%c%" PRId64 "%c%" PRId64 "%c%s%c%s%c%s", TOKEN_VERSION, SEP,
	    t->methods, SEP, t->user_id, SEP, t->scope, SEP, t->scope_id ? t->scope_id : "", SEP,
	    (int64_t)(t->issued_at * 1e6), SEP, (int64_t)(t->expires_at * 1e6), SEP, t->audit_id,
	    SEP, t->parent_audit_id ? t->parent_audit_id : "", SEP,
	    t->app_cred_id ? t->app_cred_id : "");
	size_t plen = strlen(payload);
	size_t blen = 1 + NONCE + plen + TAG;
	unsigned char *bin = arena_alloc(a, blen);
	bin[0] = TOKEN_VERSION;
	randombytes_buf(bin + 1, NONCE);
	unsigned long long clen = 0;
	crypto_aead_xchacha20poly1305_ietf_encrypt(bin + 1 + NONCE, &clen,
	                                           (const unsigned char *)payload, plen, version_ad,
	                                           1, NULL, bin + 1, key);
	size_t outlen = sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, outlen);
	sodium_bin2base64(out, outlen, bin, blen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

static int parse_time(const char *s, double *out)
{
	char *end;
	if (!*s)
		return -1;
	long long us = strtoll(s, &end, 10);
	if (*end || us <= 0)
		return -1;
	*out = (double)us / 1e6;
	return 0;
}

static bool plain_field(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20)
			return false;
	return true;
}

int identity_token_decode(struct arena *a, const unsigned char *key, const char *s,
                          struct identity_token *t, struct api_error *err)
{
	static const char invalid[] = "The request you have made requires authentication.";
	size_t slen = s ? strlen(s) : 0;
	if (slen == 0 || slen > IDENTITY_TOKEN_MAX)
		return api_fail(err, API_UNAUTHORIZED, invalid);
	unsigned char bin[IDENTITY_TOKEN_MAX];
	size_t blen = 0;
	if (sodium_base642bin(bin, sizeof(bin), s, slen, NULL, &blen, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    blen < 1 + NONCE + TAG + 1 || bin[0] != TOKEN_VERSION)
		return api_fail(err, API_UNAUTHORIZED, invalid);
	size_t clen = blen - 1 - NONCE;
	char *payload = arena_alloc(a, clen + 1);
	unsigned long long plen = 0;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)payload, &plen, NULL,
	                                               bin + 1 + NONCE, clen, version_ad, 1,
	                                               bin + 1, key) != 0)
		return api_fail(err, API_UNAUTHORIZED, invalid);
	payload[plen] = '\0';
	if (strlen(payload) != plen)
		return api_fail(err, API_UNAUTHORIZED, invalid);

	char *fields[NFIELDS];
	size_t n = 0;
	char *p = payload;
	while (n < NFIELDS) {
		fields[n++] = p;
		char *sep = strchr(p, SEP);
		if (!sep)
			break;
		*sep = '\0';
		p = sep + 1;
	}
	if (n != NFIELDS || strchr(fields[NFIELDS - 1], SEP))
		return api_fail(err, API_UNAUTHORIZED, invalid);
	for (size_t i = 0; i < n; i++)
		if (!plain_field(fields[i]))
			return api_fail(err, API_UNAUTHORIZED, invalid);
	char *end;
	long version = strtol(fields[0], &end, 10);
	if (*end || version != TOKEN_VERSION)
		return api_fail(err, API_UNAUTHORIZED, invalid);
	unsigned long methods = strtoul(fields[1], &end, 10);
	if (*end || methods == 0 || methods > 7)
		return api_fail(err, API_UNAUTHORIZED, invalid);
	memset(t, 0, sizeof(*t));
	t->methods = (unsigned)methods;
	t->user_id = fields[2];
	if (strlen(fields[3]) != 1 || !strchr("pdsu", fields[3][0]))
		return api_fail(err, API_UNAUTHORIZED, invalid);
	t->scope = fields[3][0];
	t->scope_id = fields[4];
	if (!*t->user_id || (t->scope != 'u' && !*t->scope_id))
		return api_fail(err, API_UNAUTHORIZED, invalid);
	if (parse_time(fields[5], &t->issued_at) != 0 || parse_time(fields[6], &t->expires_at) != 0)
		return api_fail(err, API_UNAUTHORIZED, invalid);
	t->audit_id = fields[7];
	if (!*t->audit_id)
		return api_fail(err, API_UNAUTHORIZED, invalid);
	t->parent_audit_id = *fields[8] ? fields[8] : NULL;
	t->app_cred_id = *fields[9] ? fields[9] : NULL;
	return 0;
}
