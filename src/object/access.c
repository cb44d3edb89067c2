/* Who may do what, as Swift's keystoneauth and tempurl middlewares decide:
 * the project owning the account (or a ResellerAdmin) may do anything;
 * others need a container ACL (X-Container-Read / X-Container-Write with
 * ".r:*", ".rlistings", "project:user" grants by id or name) or a valid
 * TempURL signature. No credentials at all is a 401, the wrong ones a 403. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/arena.h"
#include "object/internal.h"

static bool grant_matches(const char *g, size_t len, const struct identity_auth *auth)
{
	if (!auth)
		return false;
	const char *colon = memchr(g, ':', len);
	if (!colon)
		return false;
	size_t pl = (size_t)(colon - g), ul = len - pl - 1;
	const char *u = colon + 1;
#define EQ(s, n, v) ((v) && strlen(v) == (n) && !strncmp((s), (v), (n)))
	bool proj = (pl == 1 && g[0] == '*') || EQ(g, pl, auth->project_id) ||
	            EQ(g, pl, auth->project_name);
	bool user =
	    (ul == 1 && u[0] == '*') || EQ(u, ul, auth->user_id) || EQ(u, ul, auth->user_name);
#undef EQ
	return proj && user;
}

bool object_acl_allows(const char *acl, const struct identity_auth *auth, bool listing)
{
	bool referrer_any = false, listings = false, granted = false;
	const char *p = acl;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *end = p;
		while (*end && *end != ',')
			end++;
		size_t len = (size_t)(end - p);
		while (len && p[len - 1] == ' ')
			len--;
		if (len == 4 && !strncmp(p, ".r:*", 4))
			referrer_any = true;
		else if (len == 10 && !strncmp(p, ".rlistings", 10))
			listings = true;
		else if (len && p[0] != '.' && grant_matches(p, len, auth))
			granted = true;
		p = end;
	}
	if (granted)
		return true;
	return referrer_any && (!listing || listings);
}

int object_authorize(struct http_request *req, struct object_target *t, enum object_op op,
                     json_t *container_meta, struct api_error *err)
{
	(void)req;
	if (t->owner || t->tempurl)
		return 0;
	if (container_meta && t->container) {
		const char *name = op == OBJECT_WRITE ? "X-Container-Write" : "X-Container-Read";
		const char *acl = json_string_value(json_object_get(container_meta, name));
		if (acl && op == OBJECT_WRITE && !t->auth)
			acl = NULL; /* write ACLs never open a container to anonymous users */
		if (acl && object_acl_allows(acl, t->auth, op == OBJECT_LIST))
			return 0;
	}
	if (!t->auth)
		return api_fail(
		    err, API_UNAUTHORIZED,
		    "This server could not verify that you are authorized to access the "
		    "document you requested.");
	return api_fail(err, API_FORBIDDEN, "Access was denied to this resource.");
}

int object_hmac_hex(const char *digest, const char *key, const char *body, char *out, size_t outlen)
{
	const EVP_MD *md = !strcmp(digest, "sha1")     ? EVP_sha1()
	                   : !strcmp(digest, "sha256") ? EVP_sha256()
	                   : !strcmp(digest, "sha512") ? EVP_sha512()
	                                               : NULL;
	if (!md)
		return -1;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	HMAC(md, key, (int)strlen(key), (const unsigned char *)body, strlen(body), mac, &maclen);
	if (outlen < 2 * (size_t)maclen + 1)
		return -1;
	for (unsigned i = 0; i < maclen; i++)
		sprintf(out + 2 * i, "%02x", mac[i]);
	return 0;
}

int object_tempurl_sign(const char *digest, const char *key, const char *method,
                        const char *expires, const char *path, char *out, size_t outlen)
{
	size_t blen = strlen(method) + strlen(expires) + strlen(path) + 3;
	char *body = malloc(blen);
	if (!body)
		abort();
	snprintf(body, blen, "%s\n%s\n%s", method, expires, path);
	int rc = object_hmac_hex(digest, key, body, out, outlen);
	free(body);
	return rc;
}

/* "sha512:<base64url>" → the hex digest and its algorithm. */
bool object_sig_to_hex(struct arena *a, const char *sig, const char **digest, char **hex)
{
	const char *colon = strchr(sig, ':');
	if (!colon) {
		size_t n = strlen(sig);
		*digest = n == 40 ? "sha1" : n == 64 ? "sha256" : n == 128 ? "sha512" : NULL;
		*hex = arena_strdup(a, sig);
		for (char *p = *hex; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
		return *digest != NULL;
	}
	*digest = arena_strndup(a, sig, (size_t)(colon - sig));
	char *b64 = arena_strdup(a, colon + 1);
	size_t n = strlen(b64);
	for (char *p = b64; *p; p++)
		*p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
	char *padded = arena_alloc(a, n + 4);
	memcpy(padded, b64, n);
	while (n % 4)
		padded[n++] = '=';
	unsigned char *raw = arena_alloc(a, n);
	int len = EVP_DecodeBlock(raw, (unsigned char *)padded, (int)n);
	if (len < 0)
		return false;
	while (n && padded[n - 1] == '=') {
		len--;
		n--;
	}
	*hex = arena_alloc(a, (size_t)len * 2 + 1);
	for (int i = 0; i < len; i++)
		sprintf(*hex + 2 * i, "%02x", raw[i]);
	return true;
}

int object_tempurl_keys(struct arena *a, const char *account, const char *container,
                        const char *keys[5], struct api_error *err)
{
	json_t *ameta;
	struct object_container c;
	size_t n = 0;
	if (object_db_account_meta(a, account, &ameta, err) != 0)
		return -1;
	static const char *const names[] = {
	    "X-Account-Meta-Temp-Url-Key", "X-Account-Meta-Temp-Url-Key-2",
	    "X-Container-Meta-Temp-Url-Key", "X-Container-Meta-Temp-Url-Key-2"};
	for (int i = 0; i < 2; i++) {
		const char *k = json_string_value(json_object_get(ameta, names[i]));
		if (k && *k)
			keys[n++] = k;
	}
	struct api_error ignored;
	if (container && object_db_container(a, account, container, &c, &ignored) == 0)
		for (int i = 2; i < 4; i++) {
			const char *k = json_string_value(json_object_get(c.meta, names[i]));
			if (k && *k)
				keys[n++] = k;
		}
	keys[n] = NULL;
	return 0;
}

int object_tempurl_check(struct http_request *req, struct object_target *t, struct api_error *err)
{
	const char *sig = http_query(req, "temp_url_sig");
	const char *expires = http_query(req, "temp_url_expires");
	static const char denied[] = "Temp URL invalid";
	if (!sig || !expires || !t->object)
		return api_fail(err, API_UNAUTHORIZED, denied);
	char *end;
	long long exp = strtoll(expires, &end, 10);
	if (*end || exp < time(NULL))
		return api_fail(err, API_UNAUTHORIZED, denied);
	const char *digest;
	char *hex;
	if (!object_sig_to_hex(req->arena, sig, &digest, &hex))
		return api_fail(err, API_UNAUTHORIZED, denied);
	const char *keys[5];
	if (object_tempurl_keys(req->arena, t->account, t->container, keys, err) != 0)
		return -1;
	/* HEAD is allowed by a GET, PUT or HEAD signature, as in Swift. */
	const char *methods[3] = {req->method, NULL, NULL};
	if (!strcmp(req->method, "HEAD")) {
		methods[1] = "GET";
		methods[2] = "PUT";
	}
	/* The client signs the path it was given: with or without our prefix. */
	const char *paths[2] = {req->path, req->path};
	if (!strncmp(req->path, "/object-store", 13))
		paths[1] = req->path + 13;
	for (int k = 0; keys[k]; k++) {
		for (int m = 0; m < 3 && methods[m]; m++)
			for (int p = 0; p < 2; p++) {
				char mac[2 * EVP_MAX_MD_SIZE + 1];
				if (object_tempurl_sign(digest, keys[k], methods[m], expires,
				                        paths[p], mac, sizeof(mac)) == 0 &&
				    !strcmp(mac, hex)) {
					t->tempurl = true;
					return 0;
				}
			}
	}
	return api_fail(err, API_UNAUTHORIZED, denied);
}
