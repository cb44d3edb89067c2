/* trusted_image_certificates (2.63): the certificate ids a server's image
 * must be signed with, given on create and rebuild and shown in its views.
 * They are kept and shown as Nova does; like Nova with its default
 * `[glance] verify_glance_signatures = false`, images are not verified
 * against them (Stackd has no certificate manager to fetch them from). */
#include <stdlib.h>
#include <string.h>

#include "compute/internal.h"
#include "core/db.h"
#include "core/json.h"

static const char SQL_SET[] = "INSERT INTO compute_trusted_certs (server_id, ids) VALUES (?, ?)"
                              " ON CONFLICT (server_id) DO UPDATE SET ids = excluded.ids";
static const char SQL_CLEAR[] = "DELETE FROM compute_trusted_certs WHERE server_id = ?";
static const char SQL_GET[] = "SELECT ids FROM compute_trusted_certs WHERE server_id = ?";

int compute_trusted_certs_parse(struct http_request *req, json_t *obj, const char *what,
                                json_t **out, bool *given, struct api_error *err)
{
	json_t *v = json_object_get(obj, "trusted_image_certificates");
	*out = NULL;
	*given = v != NULL;
	if (v == NULL)
		return 0;
	if (compute_mv(req) < 63)
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Invalid input for field/attribute %s. Additional properties are not "
		    "allowed ('trusted_image_certificates' was unexpected)",
		    what);
	if (json_is_null(v))
		return 0; /* rebuild: unset */
	if (!json_is_array(v) || json_array_size(v) < 1 || json_array_size(v) > 50)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute trusted_image_certificates. "
		                "Value: a list of 1 to 50 certificate ids is expected");
	size_t i, j;
	json_t *id;
	json_array_foreach(v, i, id)
	{
		if (!json_is_string(id) || json_string_length(id) == 0)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute trusted_image_certificates. "
			    "Value: certificate ids are non-empty strings");
		for (j = 0; j < i; j++)
			if (json_equal(id, json_array_get(v, j)))
				return api_fail(
				    err, API_BAD_REQUEST,
				    "Invalid input for field/attribute "
				    "trusted_image_certificates. Value: %s has non-unique "
				    "elements",
				    json_string_value(id));
	}
	*out = v;
	return 0;
}

int compute_trusted_certs_store(const char *server_id, json_t *ids, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(ids ? SQL_SET : SQL_CLEAR, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, server_id);
	char *text = ids ? json_dumps(ids, JSON_COMPACT) : NULL;
	if (ids)
		db_bind_text(st, 2, text);
	int rc = db_exec_stmt(st, err);
	free(text);
	return rc;
}

json_t *compute_trusted_certs_view(const char *server_id)
{
	struct api_error err;
	sqlite3_stmt *st = db_stmt(SQL_GET, &err);
	if (st == NULL)
		return json_null();
	db_bind_text(st, 1, server_id);
	json_t *ids = NULL;
	if (db_step(st, &err) == SQLITE_ROW)
		ids = json_loads(db_column_text(st, 0), 0, NULL);
	sqlite3_reset(st);
	return ids ? ids : json_null();
}
