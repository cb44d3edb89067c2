/* /v3/OS-OAUTH1/consumers: OAuth1 consumers (id, description, a secret
 * shown once and stored as an Argon2id hash). The OAuth1 token flow
 * (request_token, authorize, access_token) is not implemented and answers
 * 501. */
#include <string.h>

#include "core/ids.h"
#include "core/json.h"
#include "identity/resources.h"

static const char SQL_LIST[] = "SELECT id, description, extra FROM identity_consumers "
                               "ORDER BY id";
static const char SQL_GET[] = "SELECT id, description, extra FROM identity_consumers WHERE id = ?";
static const char SQL_EXISTS[] = "SELECT 1 FROM identity_consumers WHERE id = ?";
static const char SQL_INSERT[] = "INSERT INTO identity_consumers(id, description, secret_hash, "
                                 "extra) VALUES(?, ?, ?, ?)";
static const char SQL_UPDATE[] = "UPDATE identity_consumers SET description = CASE WHEN ?2 "
                                 "THEN ?3 ELSE description END WHERE id = ?1";
static const char SQL_DELETE[] = "DELETE FROM identity_consumers WHERE id = ?";

static const char *const known[] = {"id", "description", "secret", "links", NULL};

static json_t *row(struct identity_state *st, sqlite3_stmt *q)
{
	const char *id = db_column_text(q, 0);
	char *self = NULL;
	if (asprintf(&self, "%s/v3/OS-OAUTH1/consumers/%s", st->auth_url, id) < 0)
		abort();
	json_t *c = json_pack("{s:s,s:o,s:{s:s}}", "id", id, "description", identity_col_json(q, 1),
	                      "links", "self", self);
	free(self);
	identity_merge_extra(c, db_column_text(q, 2));
	return c;
}

static int reply_consumer(struct http_request *req, struct http_response *resp, int status,
                          const char *id, const char *secret, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_GET, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	json_t *c;
	if (identity_fetch(req->ctx, q, row, "consumer", id, &c, err) != 0)
		return -1;
	if (secret)
		json_object_set_new(c, "secret", json_string(secret));
	http_reply_json(resp, status, json_pack("{s:o}", "consumer", c));
	return 0;
}

int identity_list_consumers(struct http_request *req, struct http_response *resp,
                            struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_LIST, err);
	if (!q)
		return -1;
	return identity_reply_list(req, resp, "consumers", q, row, err);
}

int identity_get_consumer(struct http_request *req, struct http_response *resp,
                          struct api_error *err)
{
	return reply_consumer(req, resp, 200, http_param(req, "consumer_id"), NULL, err);
}

int identity_create_consumer(struct http_request *req, struct http_response *resp,
                             struct api_error *err)
{
	json_t *c;
	const char *desc = NULL;
	bool has_desc;
	if (identity_body_object(req, "consumer", &c, err) != 0 ||
	    identity_optional_string(c, "description", &desc, &has_desc, err) != 0)
		return -1;
	if (json_object_get(c, "secret"))
		return api_fail(err, API_BAD_REQUEST,
		                "The consumer secret is generated, not given.");
	char id[33], secret[33], hash[crypto_pwhash_STRBYTES];
	ids_hex32(id);
	ids_hex32(secret);
	if (identity_password_hash(secret, hash, err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_INSERT, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, desc);
	db_bind_text(q, 3, hash);
	db_bind_text(q, 4, identity_extra_of(req->arena, c, known));
	if (db_exec_stmt(q, err) != 0)
		return -1;
	return reply_consumer(req, resp, 201, id, secret, err);
}

int identity_update_consumer(struct http_request *req, struct http_response *resp,
                             struct api_error *err)
{
	const char *id = http_param(req, "consumer_id");
	json_t *c;
	const char *desc = NULL;
	bool has_desc;
	if (identity_body_object(req, "consumer", &c, err) != 0 ||
	    identity_optional_string(c, "description", &desc, &has_desc, err) != 0 ||
	    identity_require(SQL_EXISTS, id, "consumer", err) != 0)
		return -1;
	if (json_object_get(c, "secret"))
		return api_fail(err, API_BAD_REQUEST, "The consumer secret cannot be changed.");
	sqlite3_stmt *q = db_stmt(SQL_UPDATE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	sqlite3_bind_int(q, 2, has_desc);
	db_bind_text(q, 3, desc);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	return reply_consumer(req, resp, 200, id, NULL, err);
}

int identity_delete_consumer(struct http_request *req, struct http_response *resp,
                             struct api_error *err)
{
	const char *id = http_param(req, "consumer_id");
	if (identity_require(SQL_EXISTS, id, "consumer", err) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_DELETE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}
