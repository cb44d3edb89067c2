/* x509 key pairs (type "x509", 2.2): as Nova's, a generated pair is a
 * self-signed RSA 2048 certificate for WinRM client authentication (CN the
 * user id, extendedKeyUsage clientAuth, a UPN subjectAltName user@localhost,
 * valid ten years) whose private half is handed back once as a base64
 * PKCS#12 bundle with an empty password; an imported one is a PEM
 * certificate. The fingerprint is the certificate's SHA-1, hex pairs
 * joined by colons. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "compute/internal.h"
#include "core/arena.h"

int compute_x509_fingerprint(const char *pem, char fp[64], struct api_error *err)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	int ok = cert != NULL && X509_digest(cert, EVP_sha1(), md, &n) == 1 && n == 20;
	X509_free(cert);
	if (!ok)
		return api_fail(err, API_BAD_REQUEST,
		                "Keypair data is invalid: failed to generate X509 fingerprint. "
		                "Error message: the public key is not a PEM X509 certificate");
	for (unsigned i = 0; i < n; i++)
		snprintf(fp + 3 * i, 4, i + 1 < n ? "%02x:" : "%02x", md[i]);
	return 0;
}

static int add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	int ok = ext != NULL && X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

int compute_x509_generate(struct arena *a, const char *user_id, char **priv, char **cert_pem,
                          struct api_error *err)
{
	int rc = -1;
	EVP_PKEY *key = EVP_RSA_gen(2048);
	X509 *cert = X509_new();
	PKCS12 *p12 = NULL;
	BIO *bio = NULL;
	unsigned char *der = NULL;
	char upn[512];
	unsigned char serial[16];
	snprintf(upn, sizeof(upn), "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:%s@localhost", user_id);
	if (key == NULL || cert == NULL || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f; /* a positive serial */
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	int serial_ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
	BN_free(bn);
	X509_NAME *name = X509_get_subject_name(cert);
	if (!serial_ok || X509_set_version(cert, 2) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)user_id,
	                               -1, -1, 0) != 1 ||
	    X509_set_issuer_name(cert, name) != 1 ||
	    !X509_gmtime_adj(X509_getm_notBefore(cert), 0) ||
	    !X509_gmtime_adj(X509_getm_notAfter(cert), 3650L * 24 * 3600) ||
	    X509_set_pubkey(cert, key) != 1 || add_ext(cert, NID_ext_key_usage, "clientAuth") ||
	    add_ext(cert, NID_subject_alt_name, upn) || X509_sign(cert, key, EVP_sha256()) == 0)
		goto fail;
	p12 = PKCS12_create("", NULL, key, cert, NULL, 0, 0, 0, 0, 0);
	int len = p12 ? i2d_PKCS12(p12, &der) : -1;
	if (len <= 0)
		goto fail;
	char *b64 = arena_alloc(a, 4 * ((size_t)len / 3 + 1) + 1);
	EVP_EncodeBlock((unsigned char *)b64, der, len);
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || PEM_write_bio_X509(bio, cert) != 1)
		goto fail;
	char *data;
	long dlen = BIO_get_mem_data(bio, &data);
	*cert_pem = arena_strndup(a, data, (size_t)dlen);
	*priv = b64;
	rc = 0;
fail:
	if (rc != 0)
		api_fail(err, API_INTERNAL, "x509 certificate generation failed");
	OPENSSL_free(der);
	BIO_free(bio);
	PKCS12_free(p12);
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}
