/* Large objects. A dynamic one (X-Object-Manifest: container/prefix) is
 * the concatenation, in name order, of the objects under the prefix at
 * read time; its ETag is the MD5 of their ETags. A static one is a
 * validated JSON manifest (stored as the object's data) naming each
 * segment with its ETag and size; its ETag is the MD5 of the segment
 * ETags. Both are served as a list of file pieces (reader.c). */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/db.h"
#include "object/internal.h"

static const char SQL_SEGMENTS[] =
    "SELECT name FROM object_objects WHERE account = ?1 AND container = ?2 AND name >= ?3 AND "
    "name < ?4 AND (delete_at IS NULL OR delete_at > ?5) ORDER BY name LIMIT 10001";

struct piece_list {
	struct object_piece *p;
	size_t n, cap;
	uint64_t total;
};

static void push(struct arena *a, struct piece_list *l, const char *path, uint64_t off,
                 uint64_t len)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct object_piece *np = arena_alloc(a, cap * sizeof(*np));
		if (l->n)
			memcpy(np, l->p, l->n * sizeof(*np));
		l->p = np;
		l->cap = cap;
	}
	l->p[l->n++] = (struct object_piece){.path = path, .offset = off, .length = len};
	l->total += len;
}

/* The manifest file of an SLO row, parsed (arena-owned). */
static int read_manifest(struct arena *a, struct object_svc *svc, const struct object_row *row,
                         json_t **out, struct api_error *err)
{
	const char *path = object_store_path(a, svc, row->file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_size > OBJECT_MAX_MANIFEST_SIZE) {
		if (fd >= 0)
			close(fd);
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	}
	char *buf = arena_alloc(a, (size_t)sb.st_size + 1);
	ssize_t n = pread(fd, buf, (size_t)sb.st_size, 0);
	close(fd);
	if (n != sb.st_size)
		return api_fail(err, API_INTERNAL, "cannot read the manifest");
	json_t *m = object_meta_parse(a, NULL); /* for the arena cleanup only */
	json_t *list = json_loadb(buf, (size_t)n, 0, NULL);
	if (!json_is_array(list)) {
		json_decref(list);
		return api_fail(err, API_INTERNAL, "The manifest of %s is damaged.", row->name);
	}
	json_object_set_new(m, "list", list);
	*out = list;
	return 0;
}

static int add_row(struct arena *a, struct object_svc *svc, const struct object_row *row,
                   struct piece_list *l, int depth, struct api_error *err);

static int add_slo(struct arena *a, struct object_svc *svc, const struct object_row *row,
                   struct piece_list *l, int depth, struct api_error *err)
{
	json_t *list, *seg;
	size_t i;
	if (depth > 10)
		return api_fail(err, API_CONFLICT, "Max recursion depth exceeded");
	if (read_manifest(a, svc, row, &list, err) != 0)
		return -1;
	json_array_foreach(list, i, seg)
	{
		const char *name = json_string_value(json_object_get(seg, "name"));
		if (!name)
			return api_fail(err, API_INTERNAL, "The manifest of %s is damaged.",
			                row->name);
		while (*name == '/')
			name++;
		const char *slash = strchr(name, '/');
		if (!slash)
			return api_fail(err, API_INTERNAL, "The manifest of %s is damaged.",
			                row->name);
		struct object_row s;
		if (object_db_get(a, row->account, arena_strndup(a, name, (size_t)(slash - name)),
		                  slash + 1, &s, err) != 0)
			return api_fail(err, API_CONFLICT, "Could not load segment %s", name);
		const char *range = json_string_value(json_object_get(seg, "range"));
		if (!range) {
			if (add_row(a, svc, &s, l, depth + 1, err) != 0)
				return -1;
			continue;
		}
		/* "first-last" as stored by object_slo_validate: only those
		 * bytes of the segment's own pieces. */
		unsigned long long first, last;
		struct piece_list whole = {0};
		if (sscanf(range, "%llu-%llu", &first, &last) != 2 || last < first)
			return api_fail(err, API_INTERNAL, "The manifest of %s is damaged.",
			                row->name);
		if (add_row(a, svc, &s, &whole, depth + 1, err) != 0)
			return -1;
		uint64_t pos = 0;
		for (size_t k = 0; k < whole.n; k++) {
			uint64_t from = pos, to = pos + whole.p[k].length; /* [from, to) */
			pos = to;
			if (to <= first || from > last)
				continue;
			uint64_t skip = first > from ? first - from : 0;
			uint64_t end = (last + 1 < to ? last + 1 : to) - from;
			push(a, l, whole.p[k].path, whole.p[k].offset + skip, end - skip);
		}
	}
	return 0;
}

static int add_dlo(struct arena *a, struct object_svc *svc, const struct object_row *row,
                   struct piece_list *l, EVP_MD_CTX *md, struct api_error *err)
{
	const char *slash = strchr(row->manifest, '/');
	const char *container = arena_strndup(a, row->manifest, (size_t)(slash - row->manifest));
	const char *prefix = slash + 1;
	sqlite3_stmt *st = db_stmt(SQL_SEGMENTS, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, row->account);
	db_bind_text(st, 2, container);
	db_bind_text(st, 3, prefix);
	db_bind_text(st, 4, arena_printf(a, "%s\xff", prefix));
	sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
	const char **names = arena_alloc(a, 10001 * sizeof(*names));
	size_t n = 0;
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW)
		names[n++] = arena_strdup(a, db_column_text(st, 0));
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct object_row s;
		if (object_db_get(a, row->account, container, names[i], &s, err) != 0)
			continue; /* deleted meanwhile */
		if (s.manifest)
			continue; /* Swift does not nest DLOs */
		EVP_DigestUpdate(md, s.etag, strlen(s.etag));
		push(a, l, object_store_path(a, svc, s.file), 0, (uint64_t)s.size);
	}
	return 0;
}

static int add_row(struct arena *a, struct object_svc *svc, const struct object_row *row,
                   struct piece_list *l, int depth, struct api_error *err)
{
	if (row->slo)
		return add_slo(a, svc, row, l, depth, err);
	push(a, l, object_store_path(a, svc, row->file), 0, (uint64_t)row->size);
	return 0;
}

int object_body_pieces(struct arena *a, struct object_svc *svc, const struct object_row *row,
                       struct object_piece **out, size_t *n, uint64_t *total, const char **etag,
                       struct api_error *err)
{
	struct piece_list l = {0};
	*etag = row->etag;
	if (row->manifest) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		EVP_DigestInit_ex(md, EVP_md5(), NULL);
		int rc = add_dlo(a, svc, row, &l, md, err);
		unsigned char d[16];
		unsigned int dl = 0;
		EVP_DigestFinal_ex(md, d, &dl);
		EVP_MD_CTX_free(md);
		if (rc != 0)
			return -1;
		char *hex = arena_alloc(a, 33);
		for (unsigned i = 0; i < dl; i++)
			sprintf(hex + 2 * i, "%02x", d[i]);
		*etag = hex;
	} else if (add_row(a, svc, row, &l, 0, err) != 0) {
		return -1;
	}
	*out = l.p;
	*n = l.n;
	*total = l.total;
	return 0;
}

static void add_error(struct arena *a, char **errors, const char *path, const char *why)
{
	*errors = arena_printf(a, "%s%s, %s\n", *errors ? *errors : "", path, why);
}

int object_slo_validate(struct arena *a, struct object_target *t, const char *body, size_t len,
                        char **stored, int64_t *total, char *etag_hex, struct api_error *err)
{
	json_error_t jerr;
	json_t *list = json_loadb(body, len, 0, &jerr);
	json_t *holder = object_meta_parse(a, NULL);
	json_object_set_new(holder, "l", list ? list : json_null());
	if (!json_is_array(list) || json_array_size(list) == 0)
		return api_fail(err, API_BAD_REQUEST, "Manifest must be valid JSON.");
	if (json_array_size(list) > OBJECT_MAX_MANIFEST_SEGMENTS)
		return api_fail(err, API_TOO_LARGE, "Number of segments must be <= %d",
		                OBJECT_MAX_MANIFEST_SEGMENTS);
	json_t *out = json_array();
	json_object_set_new(holder, "o", out);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_md5(), NULL);
	char *errors = NULL;
	int64_t sum = 0;
	size_t i;
	json_t *seg;
	json_array_foreach(list, i, seg)
	{
		const char *path = json_string_value(json_object_get(seg, "path"));
		if (!json_is_object(seg) || !path) {
			add_error(a, &errors, arena_printf(a, "Index %zu", i), "Invalid segment");
			continue;
		}
		const char *p = path;
		while (*p == '/')
			p++;
		const char *slash = strchr(p, '/');
		if (!slash || !slash[1] || slash == p) {
			add_error(a, &errors, path, "Invalid segment path");
			continue;
		}
		json_t *etag = json_object_get(seg, "etag");
		json_t *size = json_object_get(seg, "size_bytes");
		struct object_row s;
		struct api_error e2;
		if (object_db_get(a, t->account, arena_strndup(a, p, (size_t)(slash - p)),
		                  slash + 1, &s, &e2) != 0) {
			add_error(a, &errors, path, "404 Not Found");
			continue;
		}
		if (json_is_string(etag) && strcmp(json_string_value(etag), s.etag) != 0) {
			add_error(a, &errors, path, "Etag Mismatch");
			continue;
		}
		if (json_is_integer(size) && json_integer_value(size) != s.size) {
			add_error(a, &errors, path, "Size Mismatch");
			continue;
		}
		if (!json_is_null(size) && size && !json_is_integer(size)) {
			add_error(a, &errors, path, "Invalid size_bytes");
			continue;
		}
		int64_t length = s.size;
		const char *range = NULL;
		json_t *jr = json_object_get(seg, "range");
		if (jr && !json_is_null(jr)) {
			struct object_range r;
			const char *rv = json_string_value(jr);
			if (!rv || !*rv) {
				add_error(a, &errors, arena_printf(a, "Index %zu", i),
				          "invalid range");
				continue;
			}
			if (strchr(rv, ',')) {
				add_error(a, &errors, arena_printf(a, "Index %zu", i),
				          "multiple ranges (only one allowed)");
				continue;
			}
			int n = object_parse_ranges(arena_printf(a, "bytes=%s", rv),
			                            (uint64_t)s.size, &r, 1);
			if (n == 0) {
				add_error(a, &errors, arena_printf(a, "Index %zu", i),
				          "invalid range");
				continue;
			}
			if (n < 0) {
				add_error(a, &errors, path, "Unsatisfiable Range");
				continue;
			}
			if (r.first != 0 || r.last + 1 != (uint64_t)s.size) {
				range = arena_printf(a, "%llu-%llu", (unsigned long long)r.first,
				                     (unsigned long long)r.last);
				length = (int64_t)(r.last - r.first + 1);
			}
		}
		if (length == 0 && !s.slo) {
			add_error(a, &errors, path,
			          "Too small; each segment must be at least 1 byte.");
			continue;
		}
		/* Swift's SLO ETag: a ranged segment counts as "etag:range;". */
		const char *part = range ? arena_printf(a, "%s:%s;", s.etag, range) : s.etag;
		EVP_DigestUpdate(md, part, strlen(part));
		sum += length;
		json_array_append_new(out,
		                      json_pack("{s:s,s:s,s:I,s:s,s:s}", "name",
		                                arena_printf(a, "/%s", p), "hash", s.etag, "bytes",
		                                (json_int_t)s.size, "content_type", s.content_type,
		                                "last_modified", object_iso_time(a, s.modified)));
		json_t *stored_seg = json_array_get(out, json_array_size(out) - 1);
		if (range)
			json_object_set_new(stored_seg, "range", json_string(range));
		if (s.slo)
			json_object_set_new(stored_seg, "sub_slo", json_true());
	}
	unsigned char d[16];
	unsigned int dl = 0;
	EVP_DigestFinal_ex(md, d, &dl);
	EVP_MD_CTX_free(md);
	if (errors)
		return api_fail(err, API_BAD_REQUEST, "Errors:\n%s", errors);
	for (unsigned k = 0; k < dl; k++)
		sprintf(etag_hex + 2 * k, "%02x", d[k]);
	char *text = json_dumps(out, JSON_COMPACT);
	*stored = arena_strdup(a, text);
	free(text);
	*total = sum;
	return 0;
}

int object_slo_delete(struct http_request *req, struct object_target *t,
                      const struct object_row *row, struct http_response *resp,
                      struct api_error *err)
{
	struct arena *a = req->arena;
	json_t *list, *seg;
	size_t i;
	if (read_manifest(a, t->svc, row, &list, err) != 0)
		return -1;
	int deleted = 0, missing = 0;
	json_array_foreach(list, i, seg)
	{
		const char *name = json_string_value(json_object_get(seg, "name"));
		if (!name)
			continue;
		while (*name == '/')
			name++;
		const char *slash = strchr(name, '/');
		if (!slash)
			continue;
		struct object_row s;
		struct api_error e2;
		if (object_db_get(a, t->account, arena_strndup(a, name, (size_t)(slash - name)),
		                  slash + 1, &s, &e2) != 0) {
			missing++;
			continue;
		}
		if (object_store_delete(a, t->svc, &s, err) != 0)
			return -1;
		deleted++;
	}
	if (object_store_delete(a, t->svc, row, err) != 0)
		return -1;
	deleted++;
	json_t *body =
	    json_pack("{s:i,s:i,s:s,s:s,s:[]}", "Number Deleted", deleted, "Number Not Found",
	              missing, "Response Body", "", "Response Status", "200 OK", "Errors");
	http_reply_json(resp, 200, body);
	return 0;
}
