/* The account (AUTH_<project id>): its container listing, its usage and
 * metadata headers, metadata updates (TempURL keys; the byte quota only by
 * a ResellerAdmin), and bulk delete's entry point. Accounts exist as soon
 * as they are used, as with Swift's account_autocreate. */
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "object/internal.h"

static int account_headers(struct http_request *req, struct http_response *resp,
                           struct object_target *t, struct api_error *err)
{
	int64_t containers, objects, bytes;
	json_t *meta;
	if (object_db_account_usage(t->account, &containers, &objects, &bytes, err) != 0 ||
	    object_db_account_meta(req->arena, t->account, &meta, err) != 0)
		return -1;
	struct arena *a = req->arena;
	http_header_set(resp, "X-Account-Container-Count",
	                arena_printf(a, "%lld", (long long)containers));
	http_header_set(resp, "X-Account-Object-Count",
	                arena_printf(a, "%lld", (long long)objects));
	http_header_set(resp, "X-Account-Bytes-Used", arena_printf(a, "%lld", (long long)bytes));
	http_header_set(resp, "X-Account-Storage-Policy-Policy-0-Container-Count",
	                arena_printf(a, "%lld", (long long)containers));
	http_header_set(resp, "X-Account-Storage-Policy-Policy-0-Object-Count",
	                arena_printf(a, "%lld", (long long)objects));
	http_header_set(resp, "X-Account-Storage-Policy-Policy-0-Bytes-Used",
	                arena_printf(a, "%lld", (long long)bytes));
	http_header_set(resp, "X-Timestamp", object_timestamp(a, object_now()));
	http_header_set(resp, "Accept-Ranges", "bytes");
	object_meta_emit(resp, meta);
	return 0;
}

static int account_target(struct http_request *req, struct object_target *t, struct api_error *err)
{
	if (object_target_of(req, false, t, err) != 0 ||
	    object_authorize(req, t, OBJECT_READ, NULL, err) != 0)
		return -1;
	return 0;
}

int object_account_get(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	struct object_target t;
	json_t *items;
	if (account_target(req, &t, err) != 0 ||
	    object_list_collect(req, t.account, NULL, &items, err) != 0 ||
	    object_list_reply(req, resp, items, "account",
	                      arena_printf(req->arena, "AUTH_%s", t.account), err) != 0)
		return -1;
	return account_headers(req, resp, &t, err);
}

int object_account_head(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	struct object_target t;
	if (account_target(req, &t, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return account_headers(req, resp, &t, err);
}

int object_account_post(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	if (http_query_has(req, "bulk-delete"))
		return object_bulk_delete(req, resp, err);
	struct object_target t;
	json_t *meta;
	if (account_target(req, &t, err) != 0 ||
	    object_db_account_meta(req->arena, t.account, &meta, err) != 0)
		return -1;
	json_t *quota = json_incref(json_object_get(meta, "X-Account-Meta-Quota-Bytes"));
	if (object_meta_update(req, meta, "X-Account-Meta-", "X-Remove-Account-Meta-", true, err) !=
	    0)
		goto fail;
	json_t *now = json_object_get(meta, "X-Account-Meta-Quota-Bytes");
	if (!json_equal(now, quota) && !(now == NULL && quota == NULL)) {
		if (!t.reseller) {
			api_fail(err, API_FORBIDDEN, "Access was denied to this resource.");
			goto fail;
		}
		const char *v = json_string_value(now);
		for (const char *p = v; p && *p; p++)
			if (*p < '0' || *p > '9') {
				api_fail(err, API_BAD_REQUEST, "Invalid bytes quota.");
				goto fail;
			}
	}
	json_decref(quota);
	if (object_db_account_save(t.account, meta, err) != 0)
		return -1;
	http_reply_empty(resp, 204);
	return account_headers(req, resp, &t, err);
fail:
	json_decref(quota);
	return -1;
}

int object_account_delete(struct http_request *req, struct http_response *resp,
                          struct api_error *err)
{
	if (http_query_has(req, "bulk-delete"))
		return object_bulk_delete(req, resp, err);
	(void)resp;
	return api_fail(err, API_METHOD_NOT_ALLOWED,
	                "The method is not allowed for the requested URL.");
}
