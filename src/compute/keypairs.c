/* Key pairs (/os-keypairs): per-user SSH public keys, imported or generated
 * (an RSA key whose private half is returned once, as Nova before 2.92),
 * with Nova's MD5 fingerprints and the key_pairs quota. */
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/json.h"
#include "service.h"

static const char SQL_LIST[] =
    "SELECT rowid, name, type, public_key, fingerprint, created_at FROM compute_keypairs"
    " WHERE user_id = ? ORDER BY name";
static const char SQL_GET[] =
    "SELECT rowid, name, type, public_key, fingerprint, created_at FROM compute_keypairs"
    " WHERE user_id = ? AND name = ?";
static const char SQL_INSERT[] =
    "INSERT INTO compute_keypairs (user_id, name, type, public_key, fingerprint, created_at)"
    " VALUES (?,?,?,?,?,?)";
static const char SQL_DELETE[] = "DELETE FROM compute_keypairs WHERE user_id = ? AND name = ?";

/* The user whose key pairs are meant: the caller, or ?user_id= for admins
 * from 2.10 on. */
static const char *keypair_user(struct http_request *req, struct api_error *err)
{
	const char *uid = http_query(req, "user_id");
	const struct identity_auth *auth = identity_auth_of(req);
	if (uid == NULL || compute_mv(req) < 10 || strcmp(uid, auth->user_id) == 0)
		return auth->user_id;
	if (!compute_is_admin(req)) {
		api_fail(err, API_FORBIDDEN,
		         "Policy doesn't allow os_compute_api:os-keypairs:index to be performed.");
		return NULL;
	}
	return uid;
}

static json_t *keypair_json(struct http_request *req, sqlite3_stmt *st, const char *user_id,
                            bool full)
{
	json_t *o = json_pack("{s:s,s:s,s:s}", "name", db_column_text(st, 1), "public_key",
	                      db_column_text(st, 3), "fingerprint", db_column_text(st, 4));
	if (compute_mv(req) >= 2)
		json_object_set_new(o, "type", json_string(db_column_text(st, 2)));
	if (full) {
		json_object_set_new(o, "user_id", json_string(user_id));
		json_object_set_new(o, "created_at", json_string(db_column_text(st, 5)));
		json_object_set_new(o, "deleted", json_false());
		json_object_set_new(o, "deleted_at", json_null());
		json_object_set_new(o, "updated_at", json_null());
		json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	}
	return o;
}

COMPUTE_HANDLER(compute_keypair_list)
{
	const char *uid = keypair_user(req, err);
	if (uid == NULL)
		return -1;
	long long limit = -1;
	const char *marker = NULL, *q;
	if (compute_mv(req) >= 35) {
		marker = http_query(req, "marker");
		if ((q = http_query(req, "limit")) && (limit = strtoll(q, NULL, 10)) < 0)
			return api_fail(err, API_BAD_REQUEST, "limit param must be positive");
	}
	sqlite3_stmt *st = db_stmt(SQL_LIST, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, uid);
	json_t *list = json_array();
	bool past = marker == NULL, more = false;
	const char *last = NULL;
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW) {
		if (!past) {
			past = strcmp(db_column_text(st, 1), marker) == 0;
			continue;
		}
		if (limit >= 0 && (long long)json_array_size(list) >= limit) {
			more = true;
			break;
		}
		last = arena_strdup(req->arena, db_column_text(st, 1));
		json_array_append_new(
		    list, json_pack("{s:o}", "keypair", keypair_json(req, st, uid, false)));
	}
	sqlite3_reset(st);
	if (rc < 0 || !past) {
		json_decref(list);
		return rc < 0 ? -1
		              : api_fail(err, API_BAD_REQUEST, "marker [%s] not found", marker);
	}
	json_t *out = json_pack("{s:o}", "keypairs", list);
	if (more && last)
		json_object_set_new(out, "keypairs_links",
		                    json_pack("[{s:s,s:s}]", "rel", "next", "href",
		                              arena_printf(req->arena,
		                                           "%s/compute/v2.1/os-keypairs?limit=%lld"
		                                           "&marker=%s",
		                                           req->base_url, limit, last)));
	http_reply_json(resp, 200, out);
	return 0;
}

COMPUTE_HANDLER(compute_keypair_show)
{
	const char *uid = keypair_user(req, err);
	if (uid == NULL)
		return -1;
	const char *name = http_param(req, "name");
	sqlite3_stmt *st = db_stmt(SQL_GET, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, uid);
	db_bind_text(st, 2, name);
	int rc = db_step(st, err);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return api_fail(err, API_NOT_FOUND, "Keypair %s not found for user %s", name, uid);
	http_reply_json(resp, 200, json_pack("{s:o}", "keypair", keypair_json(req, st, uid, true)));
	sqlite3_reset(st);
	return 0;
}

COMPUTE_HANDLER(compute_keypair_delete)
{
	const char *uid = keypair_user(req, err);
	if (uid == NULL)
		return -1;
	const char *name = http_param(req, "name");
	sqlite3_stmt *st = db_stmt(SQL_DELETE, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, uid);
	db_bind_text(st, 2, name);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	if (sqlite3_changes(db_conn(err)) == 0)
		return api_fail(err, API_NOT_FOUND, "Keypair %s not found for user %s", name, uid);
	http_reply_empty(resp, compute_mv(req) >= 2 ? 204 : 202);
	return 0;
}

static void put_u32(unsigned char *p, size_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* An SSH mpint: big-endian, with a leading zero when the top bit is set. */
static size_t put_mpint(unsigned char *p, const BIGNUM *bn)
{
	int n = BN_num_bytes(bn);
	unsigned char buf[1024];
	BN_bn2bin(bn, buf);
	size_t extra = n > 0 && (buf[0] & 0x80) ? 1 : 0;
	put_u32(p, (size_t)n + extra);
	if (extra)
		p[4] = 0;
	memcpy(p + 4 + extra, buf, (size_t)n);
	return 4 + extra + (size_t)n;
}

/* A new RSA 2048 key: the PEM private key and the OpenSSH public line. */
static int keypair_generate(struct arena *a, const char *comment, char **priv, char **pub,
                            struct api_error *err)
{
	int rc = -1;
	BIGNUM *n = NULL, *e = NULL;
	BIO *bio = NULL;
	EVP_PKEY *key = EVP_RSA_gen(2048);
	if (key == NULL)
		return api_fail(err, API_INTERNAL, "RSA key generation failed");
	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e)) {
		api_fail(err, API_INTERNAL, "RSA key parameters unavailable");
		goto out;
	}
	unsigned char blob[2048];
	size_t len = 0;
	put_u32(blob, 7);
	memcpy(blob + 4, "ssh-rsa", 7);
	len = 11;
	len += put_mpint(blob + len, e);
	len += put_mpint(blob + len, n);
	char b64[4096];
	EVP_EncodeBlock((unsigned char *)b64, blob, (int)len);
	*pub = arena_printf(a, "ssh-rsa %s %s", b64, comment);
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL ||
	    !PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL, NULL)) {
		api_fail(err, API_INTERNAL, "RSA key encoding failed");
		goto out;
	}
	char *data;
	long dlen = BIO_get_mem_data(bio, &data);
	*priv = arena_strndup(a, data, (size_t)dlen);
	rc = 0;
out:
	BIO_free(bio);
	BN_free(n);
	BN_free(e);
	EVP_PKEY_free(key);
	return rc;
}

COMPUTE_HANDLER(compute_keypair_create)
{
	json_t *body, *kp;
	const char *name = NULL, *pub = NULL, *type = "ssh", *uid = identity_auth_of(req)->user_id;
	if (http_body_json(req, &body, err) != 0 ||
	    json_get_object(body, "keypair", true, &kp, err) != 0 ||
	    json_get_string(kp, "name", true, &name, err) != 0 ||
	    json_get_string(kp, "public_key", false, &pub, err) != 0)
		return -1;
	const char *allowed[] = {"name", "public_key", NULL, NULL, NULL};
	if (compute_mv(req) >= 2)
		allowed[2] = "type";
	if (compute_mv(req) >= 10)
		allowed[allowed[2] ? 3 : 2] = "user_id";
	if (json_only_keys(kp, allowed, "keypair", err) != 0)
		return -1;
	if (json_get_string(kp, "type", false, &type, err) != 0)
		return -1;
	if (strcmp(type, "ssh") != 0 && strcmp(type, "x509") != 0)
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Invalid input for field/attribute type. Value: %s. '%s' is not one "
		    "of ['ssh', 'x509']",
		    type, type);
	const char *for_user = NULL;
	if (json_get_string(kp, "user_id", false, &for_user, err) != 0)
		return -1;
	if (for_user && strcmp(for_user, uid) != 0) {
		if (!compute_is_admin(req))
			return api_fail(
			    err, API_FORBIDDEN,
			    "Policy doesn't allow os_compute_api:os-keypairs:create to be "
			    "performed.");
		uid = for_user;
	}
	if (compute_mv(req) >= 92 && pub == NULL)
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Invalid input for field/attribute keypair. Value: 'public_key' is a "
		    "required property");
	if (!compute_keypair_name_valid(name, compute_mv(req) >= 92))
		return api_fail(err, API_BAD_REQUEST,
		                "Keypair data is invalid: Keypair name contains unsafe characters");
	char *priv = NULL, *gen_pub = NULL;
	char fp[COMPUTE_FP_MAX];
	bool x509 = strcmp(type, "x509") == 0;
	if (x509 && pub == NULL) {
		if (compute_x509_generate(req->arena, uid, &priv, &gen_pub, fp, err) != 0)
			return -1;
		pub = gen_pub;
	} else if (x509) {
		if (compute_x509_fingerprint(pub, fp, err) != 0)
			return -1;
	} else {
		if (pub == NULL) {
			if (keypair_generate(req->arena, "Generated-by-Nova", &priv, &gen_pub,
			                     err) != 0)
				return -1;
			pub = gen_pub;
		}
		if (compute_key_fingerprint(pub, fp, err) != 0)
			return -1;
	}
	char now[21];
	ids_time_iso(time(NULL), now);
	if (db_begin(err) != 0)
		return -1;
	if (compute_keypair_quota_check(((struct compute_svc *)req->ctx)->env->cfg, uid, err) != 0)
		goto fail;
	sqlite3_stmt *st = db_stmt(SQL_INSERT, err);
	if (st == NULL)
		goto fail;
	db_bind_text(st, 1, uid);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, type);
	db_bind_text(st, 4, pub);
	db_bind_text(st, 5, fp);
	db_bind_text(st, 6, now);
	if (db_step(st, err) != SQLITE_DONE) {
		api_fail(err, API_CONFLICT, "Key pair '%s' already exists.", name);
		goto fail;
	}
	if (db_commit(err) != 0)
		goto fail;
	json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "name", name, "public_key", pub, "fingerprint",
	                      fp, "user_id", uid);
	if (priv)
		json_object_set_new(o, "private_key", json_string(priv));
	if (compute_mv(req) >= 2)
		json_object_set_new(o, "type", json_string(type));
	http_reply_json(resp, compute_mv(req) >= 2 ? 201 : 200, json_pack("{s:o}", "keypair", o));
	return 0;
fail:
	db_rollback();
	return -1;
}
