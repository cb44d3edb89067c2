/* x509 key pairs (os-keypairs type x509, from 2.2): Nova's WinRM client
 * certificates. Generated: a 2048-bit RSA key and a self-signed
 * certificate for CN=<user id> valid ten years, with clientAuth usage and
 * the user principal name <user id>@localhost (as nova.crypto's openssl
 * commands make it); the private key is handed back once, as a base64
 * PKCS#12 bundle with an empty password. Imported: a PEM certificate. The
 * fingerprint is the SHA-1 of the certificate, colon-separated hex. */
#include <openssl/bio.h>
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

static void hex_pairs(const unsigned char *md, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02x%s", md[i], i + 1 < n ? ":" : "");
}

int compute_x509_fingerprint(const char *pem, char fp[COMPUTE_FP_MAX], struct api_error *err)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	int rc = 0;
	if (cert == NULL || !X509_digest(cert, EVP_sha1(), md, &n))
		rc = api_fail(err, API_BAD_REQUEST,
		              "Keypair data is invalid: failed to generate X509 fingerprint. "
		              "Error message: Unable to load certificate.");
	else
		hex_pairs(md, n, fp);
	X509_free(cert);
	BIO_free(bio);
	return rc;
}

static int add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return -1;
	int ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

int compute_x509_generate(struct arena *a, const char *user_id, char **priv, char **cert_pem,
                          char fp[COMPUTE_FP_MAX], struct api_error *err)
{
	int rc = -1;
	X509 *cert = NULL;
	PKCS12 *p12 = NULL;
	BIO *bio = NULL;
	unsigned char *der = NULL;
	EVP_PKEY *key = EVP_RSA_gen(2048);
	if (key == NULL)
		return api_fail(err, API_INTERNAL, "RSA key generation failed");
	cert = X509_new();
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	if (cert == NULL || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (bn == NULL || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)))
		goto fail;
	X509_NAME *name = X509_get_subject_name(cert);
	if (!X509_set_version(cert, 2) || !X509_gmtime_adj(X509_getm_notBefore(cert), 0) ||
	    !X509_gmtime_adj(X509_getm_notAfter(cert), 3650L * 24 * 3600) ||
	    !X509_set_pubkey(cert, key) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)user_id,
	                                -1, -1, 0) ||
	    !X509_set_issuer_name(cert, name))
		goto fail;
	const char *upn =
	    arena_printf(a, "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:%s@localhost", user_id);
	if (add_ext(cert, NID_ext_key_usage, "clientAuth") != 0 ||
	    add_ext(cert, NID_subject_alt_name, upn) != 0 || !X509_sign(cert, key, EVP_sha256()))
		goto fail;
	if ((bio = BIO_new(BIO_s_mem())) == NULL || !PEM_write_bio_X509(bio, cert))
		goto fail;
	char *data;
	long len = BIO_get_mem_data(bio, &data);
	*cert_pem = arena_strndup(a, data, (size_t)len);
	p12 = PKCS12_create("", NULL, key, cert, NULL, 0, 0, 0, 0, 0);
	int dlen = p12 ? i2d_PKCS12(p12, &der) : -1;
	if (dlen <= 0)
		goto fail;
	*priv = arena_alloc(a, 4 * ((size_t)dlen + 2) / 3 + 1);
	EVP_EncodeBlock((unsigned char *)*priv, der, dlen);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (!X509_digest(cert, EVP_sha1(), md, &n))
		goto fail;
	hex_pairs(md, n, fp);
	rc = 0;
fail:
	if (rc != 0)
		api_fail(err, API_INTERNAL, "x509 certificate generation failed");
	OPENSSL_free(der);
	PKCS12_free(p12);
	BIO_free(bio);
	BN_free(bn);
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}
