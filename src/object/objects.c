/* Object GET/HEAD (conditional requests, single and multiple ranges,
 * large objects, the raw SLO manifest), POST (replaces the metadata),
 * DELETE (SLO segments too with multipart-manifest=delete) and COPY. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/ids.h"
#include "object/internal.h"

#define MAX_RANGES 100

static const char SQL_UPDATE_META[] =
    "UPDATE object_objects SET meta = ?4, content_type = ?5, delete_at = ?6, manifest = ?7 "
    "WHERE account = ?1 "
    "AND container = ?2 AND name = ?3";

/* The container's metadata for the ACL check, and the caller's right. */
static int allowed(struct http_request *req, struct object_target *t, enum object_op op,
                   struct api_error *err)
{
	struct object_container c;
	if (object_db_container(req->arena, t->account, t->container, &c, err) != 0) {
		if (err->kind == API_NOT_FOUND && !t->owner && !t->tempurl)
			object_authorize(req, t, op, NULL, err);
		return -1;
	}
	return object_authorize(req, t, op, c.meta, err);
}

static void object_headers(struct http_request *req, struct http_response *resp,
                           const struct object_row *row, const char *etag)
{
	struct arena *a = req->arena;
	bool quoted = row->slo || row->manifest;
	http_header_set(resp, "Content-Type", row->content_type);
	http_header_set(resp, "ETag", quoted ? arena_printf(a, "\"%s\"", etag) : etag);
	http_header_set(resp, "Last-Modified", object_http_date(a, row->modified));
	http_header_set(resp, "X-Timestamp", object_timestamp(a, row->modified));
	http_header_set(resp, "Accept-Ranges", "bytes");
	if (row->slo)
		http_header_set(resp, "X-Static-Large-Object", "True");
	if (row->manifest)
		http_header_set(resp, "X-Object-Manifest", row->manifest);
	if (row->delete_at)
		http_header_set(resp, "X-Delete-At",
		                arena_printf(a, "%lld", (long long)row->delete_at));
	object_meta_emit(resp, row->meta);
	if (req->query && http_query(req, "temp_url_sig")) {
		const char *fn = http_query(req, "filename");
		if (http_query_has(req, "inline"))
			http_header_set(resp, "Content-Disposition",
			                fn ? arena_printf(a, "inline; filename=\"%s\"", fn)
			                   : "inline");
		else if (fn)
			http_header_set(resp, "Content-Disposition",
			                arena_printf(a, "attachment; filename=\"%s\"", fn));
		else if (!json_object_get(row->meta, "Content-Disposition")) {
			const char *base = strrchr(row->name, '/');
			http_header_set(resp, "Content-Disposition",
			                arena_printf(a, "attachment; filename=\"%s\"",
			                             base ? base + 1 : row->name));
		}
	}
}

/* 0: go on; 1: answered 304; -1: 412. */
static int conditions(struct http_request *req, struct http_response *resp,
                      const struct object_row *row, const char *etag, struct api_error *err)
{
	const char *im = http_header(req, "If-Match");
	const char *inm = http_header(req, "If-None-Match");
	const char *ims = http_header(req, "If-Modified-Since");
	const char *ius = http_header(req, "If-Unmodified-Since");
	double mod = (double)(long long)(row->modified + 0.999999), since;
	if (im && !object_etag_matches(im, etag))
		return api_fail(err, API_PRECONDITION_FAILED,
		                "A precondition for this request was not met.");
	if (ius && object_parse_http_date(ius, &since) == 0 && mod > since)
		return api_fail(err, API_PRECONDITION_FAILED,
		                "A precondition for this request was not met.");
	bool not_modified = false;
	if (inm)
		not_modified = object_etag_matches(inm, etag);
	else if (ims && object_parse_http_date(ims, &since) == 0 && mod <= since)
		not_modified = true;
	if (not_modified) {
		http_reply_empty(resp, 304);
		object_headers(req, resp, row, etag);
		return 1;
	}
	return 0;
}

/* The pieces of [first, last] of the body made by pieces. */
static struct object_piece *slice(struct arena *a, const struct object_piece *p, size_t n,
                                  uint64_t first, uint64_t last, size_t *out_n)
{
	struct object_piece *r = arena_alloc(a, (n + 1) * sizeof(*r));
	size_t k = 0;
	uint64_t pos = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t s = pos, e = pos + p[i].length; /* [s, e) */
		pos = e;
		if (e <= first || s > last)
			continue;
		uint64_t from = first > s ? first - s : 0;
		uint64_t to = (last + 1 < e ? last + 1 : e) - s;
		r[k] = p[i];
		r[k].offset += from;
		r[k].length = to - from;
		k++;
	}
	*out_n = k;
	return r;
}

static int raw_manifest(struct http_request *req, struct http_response *resp,
                        const struct object_row *row, struct api_error *err)
{
	struct object_svc *svc = req->ctx;
	int fd = open(object_store_path(req->arena, svc, row->file), O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		if (fd >= 0)
			close(fd);
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	}
	http_reply_fd(resp, 200, fd, 0, (uint64_t)sb.st_size);
	object_headers(req, resp, row, row->etag);
	http_header_set(resp, "Content-Type", "application/json; charset=utf-8");
	http_header_set(resp, "ETag", row->etag);
	return 0;
}

int object_get(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	struct object_target t;
	struct object_row row;
	struct arena *a = req->arena;
	if (object_target_of(req, true, &t, err) != 0 || allowed(req, &t, OBJECT_READ, err) != 0 ||
	    object_db_get(a, t.account, t.container, t.object, &row, err) != 0)
		return -1;
	const char *mm = http_query(req, "multipart-manifest");
	if (row.slo && mm && !strcmp(mm, "get"))
		return raw_manifest(req, resp, &row, err);
	struct object_piece *pieces;
	size_t n;
	uint64_t size;
	const char *etag;
	if (object_body_pieces(a, t.svc, &row, &pieces, &n, &size, &etag, err) != 0)
		return -1;
	int c = conditions(req, resp, &row, etag, err);
	if (c != 0)
		return c > 0 ? 0 : -1;
	const char *rh = http_header(req, "Range");
	struct object_range ranges[MAX_RANGES];
	int nr = rh ? object_parse_ranges(rh, size, ranges, MAX_RANGES) : 0;
	if (nr < 0) {
		req->service_state = arena_printf(a, "bytes */%llu", (unsigned long long)size);
		return api_fail(err, API_RANGE_NOT_SATISFIABLE,
		                "The Range requested is not available.");
	}
	if (nr == 0) {
		if (n == 1 && !row.slo && !row.manifest) {
			int fd = open(pieces[0].path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return api_fail(err, API_NOT_FOUND,
				                "The resource could not be found.");
			posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
			http_reply_fd(resp, 200, fd, 0, size);
		} else {
			object_reply_pieces(resp, 200, a, pieces, n);
		}
		object_headers(req, resp, &row, etag);
		return 0;
	}
	if (nr == 1) {
		size_t k;
		struct object_piece *part =
		    slice(a, pieces, n, ranges[0].first, ranges[0].last, &k);
		object_reply_pieces(resp, 206, a, part, k);
		object_headers(req, resp, &row, etag);
		http_header_set(
		    resp, "Content-Range",
		    arena_printf(a, "bytes %llu-%llu/%llu", (unsigned long long)ranges[0].first,
		                 (unsigned long long)ranges[0].last, (unsigned long long)size));
		return 0;
	}
	char uuid[37];
	ids_uuid4(uuid);
	const char *boundary = arena_strndup(a, uuid, 8);
	boundary = arena_printf(a, "%s%.4s%.4s%.4s", boundary, uuid + 9, uuid + 14, uuid + 19);
	size_t cap = 2 * (size_t)nr + 1, total = 0;
	for (int i = 0; i < nr; i++) {
		size_t k;
		slice(a, pieces, n, ranges[i].first, ranges[i].last, &k);
		cap += k;
	}
	struct object_piece *body = arena_alloc(a, cap * sizeof(*body));
	for (int i = 0; i < nr; i++) {
		const char *head = arena_printf(
		    a, "%s--%s\r\nContent-Type: %s\r\nContent-Range: bytes %llu-%llu/%llu\r\n\r\n",
		    i ? "\r\n" : "", boundary, row.content_type,
		    (unsigned long long)ranges[i].first, (unsigned long long)ranges[i].last,
		    (unsigned long long)size);
		body[total++] = (struct object_piece){.text = head, .length = strlen(head)};
		size_t k;
		struct object_piece *part =
		    slice(a, pieces, n, ranges[i].first, ranges[i].last, &k);
		memcpy(body + total, part, k * sizeof(*part));
		total += k;
	}
	const char *tail = arena_printf(a, "\r\n--%s--", boundary);
	body[total++] = (struct object_piece){.text = tail, .length = strlen(tail)};
	object_reply_pieces(resp, 206, a, body, total);
	object_headers(req, resp, &row, etag);
	http_header_set(resp, "Content-Type",
	                arena_printf(a, "multipart/byteranges;boundary=%s", boundary));
	return 0;
}

int object_post(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	struct object_target t;
	struct object_row row;
	struct arena *a = req->arena;
	if (object_target_of(req, true, &t, err) != 0 || allowed(req, &t, OBJECT_WRITE, err) != 0 ||
	    object_db_get(a, t.account, t.container, t.object, &row, err) != 0)
		return -1;
	json_t *meta = object_meta_parse(a, NULL);
	if (object_meta_update(req, meta, "X-Object-Meta-", NULL, false, err) != 0)
		return -1;
	static const char *const kept[] = {
	    "Content-Disposition", "Content-Encoding", "Content-Language",
	    "Cache-Control",       "Expires",          NULL};
	object_meta_take(req, meta, kept);
	const char *ct = http_header(req, "Content-Type");
	int64_t delete_at = row.delete_at;
	const char *at = http_header(req, "X-Delete-At");
	const char *after = http_header(req, "X-Delete-After");
	char *end;
	if (after) {
		long long v = strtoll(after, &end, 10);
		if (!*after || *end || v <= 0)
			return api_fail(err, API_BAD_REQUEST, "Non-integer X-Delete-After");
		delete_at = (int64_t)time(NULL) + v;
	} else if (at) {
		long long v = strtoll(at, &end, 10);
		if (!*at || (*end && *end != '.'))
			return api_fail(err, API_BAD_REQUEST, "Non-integer X-Delete-At");
		if (v <= time(NULL))
			return api_fail(err, API_BAD_REQUEST, "X-Delete-At in past");
		delete_at = v;
	}
	if (http_header(req, "X-Remove-Delete-At"))
		delete_at = 0;
	/* A POST may turn an object into a DLO manifest or back (as Swift). */
	const char *manifest = row.manifest, *man = http_header(req, "X-Object-Manifest");
	if (man && !*man)
		manifest = NULL;
	else if (man && object_manifest_parse(a, man, &manifest, err) != 0)
		return -1;
	sqlite3_stmt *st = db_stmt(SQL_UPDATE_META, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, t.account);
	db_bind_text(st, 2, t.container);
	db_bind_text(st, 3, t.object);
	db_bind_text(st, 4, object_meta_dump(a, meta));
	db_bind_text(st, 5, ct && *ct ? ct : row.content_type);
	if (delete_at)
		sqlite3_bind_int64(st, 6, delete_at);
	else
		sqlite3_bind_null(st, 6);
	if (manifest)
		db_bind_text(st, 7, manifest);
	else
		sqlite3_bind_null(st, 7);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	static const char body[] =
	    "<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>";
	http_reply_text(resp, 202, "text/html; charset=UTF-8", body, sizeof(body) - 1);
	return 0;
}

int object_delete(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	struct object_target t;
	struct object_row row;
	struct arena *a = req->arena;
	if (object_target_of(req, true, &t, err) != 0 || allowed(req, &t, OBJECT_WRITE, err) != 0 ||
	    object_db_get(a, t.account, t.container, t.object, &row, err) != 0)
		return -1;
	const char *mm = http_query(req, "multipart-manifest");
	if (row.slo && mm && !strcmp(mm, "delete"))
		return object_slo_delete(req, &t, &row, resp, err);
	struct object_container c;
	if (object_db_container(a, t.account, t.container, &c, err) != 0 ||
	    (json_object_get(c.meta, "X-History-Location") &&
	     object_versions_archive(a, &t, c.meta, err) != 0) ||
	    object_store_delete(a, t.svc, &row, err) != 0 ||
	    object_versions_restore(a, &t, c.meta, err) < 0)
		return -1;
	http_reply_empty(resp, 204);
	return 0;
}

int object_copy(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	struct object_target src, dst;
	if (object_target_of(req, true, &src, err) != 0)
		return -1;
	const char *d = http_header(req, "Destination");
	if (!d)
		return api_fail(err, API_PRECONDITION_FAILED, "Destination header required");
	char *s = arena_strdup(req->arena, d);
	if (!object_url_decode(s))
		return api_fail(
		    err, API_PRECONDITION_FAILED,
		    "Destination header must be of the form <container name>/<object name>");
	while (*s == '/')
		s++;
	char *slash = strchr(s, '/');
	if (!slash || slash == s || !slash[1])
		return api_fail(
		    err, API_PRECONDITION_FAILED,
		    "Destination header must be of the form <container name>/<object name>");
	*slash = '\0';
	dst = src;
	dst.container = s;
	dst.object = slash + 1;
	const char *account = http_header(req, "Destination-Account");
	if (object_check_names(&dst, err) != 0 ||
	    (account &&
	     object_target_account(req->arena, &dst, "Destination-Account", account, err) != 0))
		return -1;
	return object_copy_into(req, &src, &dst, resp, err);
}
