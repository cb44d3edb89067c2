/* Object PUT: checks (length or chunking, size limit, quotas, If-None-Match,
 * expiry headers), then the body streams into a temporary file with its MD5
 * computed on the way (ingest.c: batched writes, MD5 on a second thread for
 * large bodies); at the end the ETag is checked (422) and the file is
 * committed (store.c) before the 201. SLO manifests (multipart-manifest=put)
 * are buffered, validated and stored as the object's data. X-Copy-From and
 * COPY copy another object's whole body the same way. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "object/internal.h"

struct put_state {
	struct http_request *req;
	struct object_target t;
	struct object_container c;
	struct object_row row;
	struct object_ingest *in;
	uint64_t got;
	int64_t expect; /* Content-Length, -1 when chunked */
	int64_t old_size;
	bool existed;
	bool manifest; /* SLO manifest: buffered */
	char *buf;
	size_t len, cap;
};

static const char *const kept_headers[] = {
    "Content-Disposition", "Content-Encoding", "Content-Language",
    "Cache-Control",       "Expires",          NULL};

static void md_free(void *p)
{
	EVP_MD_CTX_free(p);
}

static void hex_digest(EVP_MD_CTX *md, char *hex)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_DigestFinal_ex(md, d, &n);
	for (unsigned i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
}

int object_quota_check(struct arena *a, struct object_target *t, json_t *cmeta, int64_t add_bytes,
                       bool new_object, struct api_error *err)
{
	const char *qb = json_string_value(json_object_get(cmeta, "X-Container-Meta-Quota-Bytes"));
	const char *qc = json_string_value(json_object_get(cmeta, "X-Container-Meta-Quota-Count"));
	if ((qb && *qb) || (qc && *qc)) {
		struct object_container c = {.name = t->container};
		if (object_db_container_usage(t->account, &c, err) != 0)
			return -1;
		if (qb && *qb && c.bytes + add_bytes > strtoll(qb, NULL, 10))
			return api_fail(err, API_TOO_LARGE, "Upload exceeds quota.");
		if (qc && *qc && new_object && c.count + 1 > strtoll(qc, NULL, 10))
			return api_fail(err, API_TOO_LARGE, "Upload exceeds quota.");
	}
	json_t *ameta;
	if (object_db_account_meta(a, t->account, &ameta, err) != 0)
		return -1;
	const char *qa = json_string_value(json_object_get(ameta, "X-Account-Meta-Quota-Bytes"));
	if (qa && *qa) {
		int64_t nc, no, nb;
		if (object_db_account_usage(t->account, &nc, &no, &nb, err) != 0)
			return -1;
		if (nb + add_bytes > strtoll(qa, NULL, 10))
			return api_fail(err, API_TOO_LARGE, "Upload exceeds quota.");
	}
	return 0;
}

/* X-Delete-At / X-Delete-After → an absolute time (0: none). */
int object_delete_at_of(struct http_request *req, int64_t *out, struct api_error *err)
{
	const char *at = http_header(req, "X-Delete-At");
	const char *after = http_header(req, "X-Delete-After");
	char *end;
	*out = 0;
	if (after) {
		long long v = strtoll(after, &end, 10);
		if (!*after || *end)
			return api_fail(err, API_BAD_REQUEST, "Non-integer X-Delete-After");
		if (v <= 0)
			return api_fail(err, API_BAD_REQUEST, "X-Delete-After in past");
		*out = (int64_t)time(NULL) + v;
	} else if (at) {
		long long v = strtoll(at, &end, 10);
		if (!*at || (*end && *end != '.'))
			return api_fail(err, API_BAD_REQUEST, "Non-integer X-Delete-At");
		if (v <= time(NULL))
			return api_fail(err, API_BAD_REQUEST, "X-Delete-At in past");
		*out = v;
	}
	return 0;
}

/* The container of t, or the error a caller who may not know gets. */
static int writable(struct http_request *req, struct object_target *t, struct object_container *c,
                    struct api_error *err)
{
	if (object_db_container(req->arena, t->account, t->container, c, err) != 0) {
		if (err->kind == API_NOT_FOUND && !t->owner)
			object_authorize(req, t, OBJECT_WRITE, NULL, err);
		return -1;
	}
	return object_authorize(req, t, OBJECT_WRITE, c->meta, err);
}

static int put_write(void *state, const char *data, size_t len, struct api_error *err)
{
	struct put_state *p = state;
	p->got += len;
	if ((int64_t)p->got > p->t.svc->max_file_size)
		return api_fail(err, API_TOO_LARGE, "Your request is too large.");
	if (p->manifest) {
		if (p->len + len > OBJECT_MAX_MANIFEST_SIZE)
			return api_fail(err, API_TOO_LARGE, "Manifest File > %d bytes",
			                OBJECT_MAX_MANIFEST_SIZE);
		if (p->len + len + 1 > p->cap) {
			size_t cap = (p->cap ? p->cap * 2 : 65536) + len;
			char *nb = arena_alloc(p->req->arena, cap);
			if (p->len)
				memcpy(nb, p->buf, p->len);
			p->buf = nb;
			p->cap = cap;
		}
		memcpy(p->buf + p->len, data, len);
		p->len += len;
		return 0;
	}
	return object_ingest_write(p->in, data, len, err);
}

static void put_abort(void *state)
{
	struct put_state *p = state;
	object_ingest_abort(p->in);
}

static void created(struct http_request *req, struct http_response *resp,
                    const struct object_row *row)
{
	http_reply_empty(resp, 201);
	http_header_set(resp, "Content-Length", "0");
	http_header_set(resp, "ETag",
	                row->slo ? arena_printf(req->arena, "\"%s\"", row->etag) : row->etag);
	http_header_set(resp, "Last-Modified", object_http_date(req->arena, row->modified));
	http_header_set(resp, "X-Timestamp", object_timestamp(req->arena, row->modified));
}

static int put_finish(void *state, struct http_request *req, struct http_response *resp,
                      struct api_error *err)
{
	struct put_state *p = state;
	char hex[2 * EVP_MAX_MD_SIZE + 1], data_hex[33];
	if (p->expect >= 0 && (int64_t)p->got != p->expect)
		return api_fail(err, API_BAD_REQUEST,
		                "The body was shorter than its Content-Length.");
	if (p->manifest) {
		char *stored;
		int64_t total;
		if (object_slo_validate(req->arena, &p->t, p->buf ? p->buf : "", p->len, &stored,
		                        &total, hex, err) != 0)
			return -1;
		if (object_ingest_finish(p->in, stored, strlen(stored), data_hex, err) != 0)
			return -1;
		p->row.slo = true;
		p->row.size = total;
		const char *want = http_header(req, "ETag");
		if (want && !object_etag_matches(want, hex))
			return api_fail(err, API_UNPROCESSABLE,
			                "The requested ETag did not match the one computed.");
	} else {
		if (object_ingest_finish(p->in, NULL, 0, hex, err) != 0)
			return -1;
		memcpy(data_hex, hex, sizeof(data_hex));
		const char *want = http_header(req, "ETag");
		if (want && !object_etag_matches(want, hex))
			return api_fail(
			    err, API_UNPROCESSABLE,
			    "The computed MD5 of the request body did not match the value of "
			    "the ETag header.");
		p->row.size = (int64_t)p->got;
	}
	p->row.etag = arena_strdup(req->arena, hex);
	p->row.data_md5 = arena_strdup(req->arena, data_hex);
	if (object_quota_check(req->arena, &p->t, p->c.meta, p->row.size - p->old_size, !p->existed,
	                       err) != 0)
		return -1;
	if (p->existed && object_versions_archive(req->arena, &p->t, p->c.meta, err) != 0)
		return -1;
	p->row.modified = object_now();
	if (object_store_commit(req->arena, p->t.svc, object_ingest_fd(p->in),
	                        object_ingest_tmp(p->in), &p->row, err) != 0)
		return -1;
	object_ingest_committed(p->in);
	created(req, resp, &p->row);
	return 0;
}

int object_target_account(struct arena *a, struct object_target *t, const char *header,
                          const char *value, struct api_error *err)
{
	char *v = arena_strdup(a, value);
	if (!object_url_decode(v) || !*v)
		return api_fail(err, API_PRECONDITION_FAILED, "%s must not be empty", header);
	if (strchr(v, '/'))
		return api_fail(err, API_PRECONDITION_FAILED,
		                "Account name cannot contain slashes");
	if (strncmp(v, "AUTH_", 5) != 0 || !v[5])
		return api_fail(err, API_PRECONDITION_FAILED,
		                "%s must be of the form AUTH_<project id>", header);
	t->account = v + 5;
	t->tempurl = false; /* a signature is for its own account's path only */
	t->owner = t->reseller ||
	           (t->auth && t->auth->project_id && !strcmp(t->auth->project_id, t->account));
	return 0;
}

static int copy_source(struct http_request *req, const char *spec, struct object_target *src,
                       const struct object_target *like, struct api_error *err)
{
	char *s = arena_strdup(req->arena, spec);
	if (!object_url_decode(s))
		return api_fail(
		    err, API_PRECONDITION_FAILED,
		    "X-Copy-From header must be of the form <container name>/<object name>");
	while (*s == '/')
		s++;
	char *slash = strchr(s, '/');
	if (!slash || !slash[1] || slash == s)
		return api_fail(
		    err, API_PRECONDITION_FAILED,
		    "X-Copy-From header must be of the form <container name>/<object name>");
	*slash = '\0';
	*src = *like;
	src->container = s;
	src->object = slash + 1;
	return object_check_names(src, err);
}

int object_copy_into(struct http_request *req, struct object_target *src, struct object_target *dst,
                     struct http_response *resp, struct api_error *err)
{
	struct object_container sc, dc;
	struct object_row srow, drow;
	struct arena *a = req->arena;
	if (object_db_container(a, src->account, src->container, &sc, err) != 0 ||
	    object_authorize(req, src, OBJECT_READ, sc.meta, err) != 0 ||
	    object_db_get(a, src->account, src->container, src->object, &srow, err) != 0 ||
	    writable(req, dst, &dc, err) != 0)
		return -1;
	struct object_piece *pieces;
	size_t n;
	uint64_t total;
	const char *etag;
	bool raw_manifest = srow.slo && http_query(req, "multipart-manifest") &&
	                    !strcmp(http_query(req, "multipart-manifest"), "get");
	if (raw_manifest) {
		pieces = arena_alloc(a, sizeof(*pieces));
		pieces->path = object_store_path(a, src->svc, srow.file);
		FILE *f = fopen(pieces->path, "rb");
		if (!f)
			return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
		fseek(f, 0, SEEK_END);
		pieces->length = (uint64_t)ftell(f);
		fclose(f);
		n = 1;
		total = pieces->length;
	} else if (object_body_pieces(a, src->svc, &srow, &pieces, &n, &total, &etag, err) != 0) {
		return -1;
	}
	if ((int64_t)total > src->svc->max_file_size)
		return api_fail(err, API_TOO_LARGE, "Your request is too large.");
	struct api_error none;
	bool existed =
	    object_db_get(a, dst->account, dst->container, dst->object, &drow, &none) == 0;
	if (object_quota_check(a, dst, dc.meta, (int64_t)total - (existed ? drow.size : 0),
	                       !existed, err) != 0)
		return -1;
	struct object_row row = {
	    .account = dst->account,
	    .container = dst->container,
	    .name = dst->object,
	    .content_type = srow.content_type,
	    .manifest = raw_manifest ? NULL : srow.manifest,
	    .slo = raw_manifest,
	    .delete_at = 0,
	    .meta = object_meta_parse(a, NULL),
	};
	if (!http_header(req, "X-Fresh-Metadata"))
		json_object_update(row.meta, srow.meta);
	if (srow.manifest && !raw_manifest)
		row.manifest = NULL; /* a copy of a DLO is its concatenation */
	if (object_meta_update(req, row.meta, "X-Object-Meta-", NULL, false, err) != 0 ||
	    object_delete_at_of(req, &row.delete_at, err) != 0)
		return -1;
	object_meta_take(req, row.meta, kept_headers);
	const char *ct = http_header(req, "Content-Type");
	if (ct && *ct)
		row.content_type = ct;
	int fd;
	char *tmp;
	if (object_store_tmp(a, dst->svc, &fd, &tmp, err) != 0)
		return -1;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	arena_defer(a, md_free, md);
	EVP_DigestInit_ex(md, EVP_md5(), NULL);
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	if (object_copy_pieces(pieces, n, fd, md, err) != 0 ||
	    (existed && object_versions_archive(a, dst, dc.meta, err) != 0))
		goto fail;
	hex_digest(md, hex);
	row.data_md5 = arena_strdup(a, hex);
	row.etag = raw_manifest ? srow.etag : arena_strdup(a, hex);
	row.size = raw_manifest ? srow.size : (int64_t)total;
	row.modified = object_now();
	if (object_store_commit(a, dst->svc, fd, tmp, &row, err) != 0)
		goto fail;
	close(fd);
	created(req, resp, &row);
	object_meta_emit(resp, row.meta); /* Swift answers a copy with its metadata */
	http_header_set(resp, "X-Copied-From",
	                object_url_quote(a, arena_printf(a, "%s/%s", src->container, src->object)));
	http_header_set(resp, "X-Copied-From-Account",
	                object_url_quote(a, arena_printf(a, "AUTH_%s", src->account)));
	http_header_set(resp, "X-Copied-From-Last-Modified", object_http_date(a, srow.modified));
	return 0;
fail:
	object_store_discard(fd, tmp);
	return -1;
}

int object_put(struct http_request *req, struct http_response *resp, struct http_sink *sink,
               struct api_error *err)
{
	struct put_state *p = arena_alloc(req->arena, sizeof(*p));
	p->req = req;
	bool extract;
	if (object_extract_upload(req, resp, sink, &extract, err) != 0)
		return -1;
	if (extract)
		return 0;
	if (object_target_of(req, true, &p->t, err) != 0)
		return -1;
	const char *from = http_header(req, "X-Copy-From");
	if (from) {
		struct object_target src;
		const char *from_account = http_header(req, "X-Copy-From-Account");
		if (copy_source(req, from, &src, &p->t, err) != 0 ||
		    (from_account && object_target_account(req->arena, &src, "X-Copy-From-Account",
		                                           from_account, err) != 0))
			return -1;
		return object_copy_into(req, &src, &p->t, resp, err);
	}
	if (writable(req, &p->t, &p->c, err) != 0)
		return -1;
	const char *cl = http_header(req, "Content-Length");
	const char *te = http_header(req, "Transfer-Encoding");
	p->expect = -1;
	if (cl) {
		char *end;
		long long v = strtoll(cl, &end, 10);
		if (!*cl || *end || v < 0)
			return api_fail(err, API_BAD_REQUEST, "Invalid Content-Length");
		p->expect = v;
		if (v > p->t.svc->max_file_size)
			return api_fail(err, API_TOO_LARGE, "Your request is too large.");
	} else if (!te || !strcasestr(te, "chunked")) {
		return api_fail(err, API_LENGTH_REQUIRED, "Missing Content-Length header.");
	}
	struct object_row old;
	struct api_error none;
	p->existed =
	    object_db_get(req->arena, p->t.account, p->t.container, p->t.object, &old, &none) == 0;
	p->old_size = p->existed ? old.size : 0;
	const char *inm = http_header(req, "If-None-Match");
	if (inm) {
		if (strcmp(inm, "*") != 0)
			return api_fail(err, API_BAD_REQUEST, "If-None-Match only supports *");
		if (p->existed)
			return api_fail(err, API_PRECONDITION_FAILED,
			                "A precondition for this request was not met.");
	}
	if (p->expect > 0 && object_quota_check(req->arena, &p->t, p->c.meta,
	                                        p->expect - p->old_size, !p->existed, err) != 0)
		return -1;
	struct object_row *row = &p->row;
	row->account = p->t.account;
	row->container = p->t.container;
	row->name = p->t.object;
	row->meta = object_meta_parse(req->arena, NULL);
	if (object_meta_update(req, row->meta, "X-Object-Meta-", NULL, false, err) != 0 ||
	    object_delete_at_of(req, &row->delete_at, err) != 0)
		return -1;
	object_meta_take(req, row->meta, kept_headers);
	const char *ct = http_header(req, "Content-Type");
	const char *detect = http_header(req, "X-Detect-Content-Type");
	bool guess = !ct || !*ct || (detect && !strcasecmp(detect, "true"));
	row->content_type = guess ? object_guess_type(p->t.object) : ct;
	const char *man = http_header(req, "X-Object-Manifest");
	if (man && object_manifest_parse(req->arena, man, &row->manifest, err) != 0)
		return -1;
	const char *mm = http_query(req, "multipart-manifest");
	p->manifest = mm && !strcmp(mm, "put");
	if (!(p->in = object_ingest_open(req->arena, p->t.svc, p->manifest ? 0 : p->expect, err)))
		return -1;
	sink->write = put_write;
	sink->finish = put_finish;
	sink->abort = put_abort;
	sink->state = p;
	return 0;
}

int object_manifest_parse(struct arena *a, const char *header, const char **out,
                          struct api_error *err)
{
	char *m = arena_strdup(a, header);
	if (!object_url_decode(m) || !strchr(m, '/') || m[0] == '/')
		return api_fail(err, API_BAD_REQUEST,
		                "X-Object-Manifest must be in the format container/prefix");
	*out = m;
	return 0;
}
