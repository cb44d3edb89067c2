/* Password and secret hashing: Argon2id (libsodium's crypto_pwhash_str),
 * with OWASP's minimum of 19 MiB and 2 passes: strong enough, yet a login
 * costs tens of milliseconds, not a second, and memory is returned after. */
#include <sodium.h>
#include <string.h>

#include "identity/internal.h"

#define PW_OPSLIMIT 2
#define PW_MEMLIMIT (19u << 20)

int identity_password_hash(const char *password, char out[crypto_pwhash_STRBYTES],
                           struct api_error *err)
{
	if (crypto_pwhash_str_alg(out, password, strlen(password), PW_OPSLIMIT, PW_MEMLIMIT,
	                          crypto_pwhash_ALG_ARGON2ID13) != 0)
		return api_fail(err, API_INTERNAL, "Password hashing failed (out of memory).");
	return 0;
}

bool identity_password_verify(const char *hash, const char *password)
{
	if (!hash || !password || strlen(hash) >= crypto_pwhash_STRBYTES)
		return false;
	/* libsodium reads a full crypto_pwhash_STRBYTES buffer. */
	char buf[crypto_pwhash_STRBYTES] = {0};
	memcpy(buf, hash, strlen(hash));
	/* crypto_pwhash_str_verify compares in constant time. */
	return crypto_pwhash_str_verify(buf, password, strlen(password)) == 0;
}

/* A hash made with the parameters above, of a password nobody has. */
static const char dummy_hash[crypto_pwhash_STRBYTES] =
    "$argon2id$v=19$m=19456,t=2,p=1$YGgwCJz+7Of9pRSyyRBzJA$"
    "jPCpZAtCKSsGZCv3FJoeQYMkUVCQ7fPvG0//GPkhbws";

void identity_password_dummy(const char *password)
{
	(void)identity_password_verify(dummy_hash, password);
}
