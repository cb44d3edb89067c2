/* Bulk extract-archive (Swift's bulk middleware): PUT on the account, a
 * container or an object prefix with ?extract-archive=tar|tar.gz|tar.bz2
 * turns each regular file of the archive into an object, "container/name"
 * below the URL's container and prefix, creating missing containers. The
 * archive is read as it arrives: gzip or bzip2 are inflated in a push
 * loop, the tar headers (ustar, GNU long names, pax) parsed from a 512-byte
 * block, and each file streams into its object through a writer
 * (writer.c); memory stays constant whatever the archive's size. As in
 * Swift the answer is a 200 whose body (plain text, JSON or XML, by
 * Accept) says how many files were created, the overall status and the
 * files that failed. */
#include <assert.h>
#include <bzlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "core/arena.h"
#include "core/db.h"
#include "object/internal.h"

#define TAR_BLOCK 512
#define TAR_MAX_EXTENDED (64 * 1024) /* GNU long name or pax header */
#define INFLATE_CHUNK (64 * 1024)

static const char SQL_CREATE[] =
    "INSERT INTO object_containers (account, name, meta, created, modified) VALUES (?1, ?2, "
    "'{}', ?3, ?3) ON CONFLICT (account, name) DO NOTHING";

enum compression { EXTRACT_TAR, EXTRACT_GZ, EXTRACT_BZ2 };
enum format { OUT_TEXT, OUT_JSON, OUT_XML, OUT_NONE };

enum tar_state {
	TAR_HEADER,   /* collecting a header block */
	TAR_FILE,     /* a regular file's data */
	TAR_SKIP,     /* data nobody wants (directories, links, failed files) */
	TAR_EXTENDED, /* a GNU long name or a pax header */
	TAR_PAD,      /* up to the next block */
	TAR_END,      /* the end-of-archive block was seen */
};

struct extract {
	struct http_request *req;
	struct object_target t; /* the account, who asks */
	const char *base;       /* "container[/prefix]" or "" */
	enum compression comp;
	enum format out;
	bool done; /* the rest of the body is ignored */
	/* decompression */
	z_stream z;
	bool z_open;
	bz_stream bz;
	bool bz_open;
	bool stream_end;
	char *inflated;
	/* tar */
	enum tar_state state;
	unsigned char block[TAR_BLOCK];
	size_t have;     /* bytes of block, or of ext */
	uint64_t left;   /* of the entry's data */
	uint64_t pad;    /* bytes to the next block boundary */
	char ext_type;   /* 'L' or 'x' while TAR_EXTENDED */
	char *ext;       /* its data */
	char *long_name; /* for the next entry */
	json_t *pax;     /* the next entry's pax records */
	struct object_writer w;
	const char *shown; /* the current file, as failures list it */
	/* results */
	int created, containers_created;
	json_t *failed;    /* [[name, status], ...] */
	json_t *accessed;  /* containers already looked at */
	const char *fatal; /* an overall status that ended the extraction */
	const char *fatal_body;
	int64_t delete_at;
	struct api_error delete_at_err;
};

static void fail_file(struct extract *x, const char *name, const char *status)
{
	struct arena *a = x->req->arena;
	size_t max = OBJECT_MAX_NAME + OBJECT_MAX_CONTAINER_NAME + 2;
	const char *cut = strlen(name) > max ? arena_strndup(a, name, max) : name;
	json_array_append_new(x->failed, json_pack("[s,s]", object_url_quote(a, cut), status));
}

static const char *status_of(struct arena *a, const struct api_error *e)
{
	return arena_printf(a, "%d %s", e->status, api_error_title(e->kind));
}

static void stop(struct extract *x, const char *status, const char *body)
{
	if (x->fatal)
		return;
	x->fatal = status;
	x->fatal_body = body ? body : "";
	x->done = true;
	object_writer_abort(&x->w);
}

/* ---- one archive entry ---- */

/* Octal, or base-256 when the first byte's high bit is set (GNU, large). */
static bool tar_number(const unsigned char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (p[0] & 0x80) {
		v = p[0] & 0x7f;
		for (size_t i = 1; i < n; i++) {
			if (v >> 56)
				return false;
			v = (v << 8) | p[i];
		}
		*out = v;
		return true;
	}
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\0'))
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = (v << 3) | (uint64_t)(p[i] - '0');
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return false;
	*out = v;
	return true;
}

static const char *field(struct arena *a, const unsigned char *p, size_t n)
{
	return arena_strndup(a, (const char *)p, strnlen((const char *)p, n));
}

/* The pax records "len key=value\n" into x->pax. */
static bool parse_pax(struct extract *x, const char *data, size_t n)
{
	size_t off = 0;
	while (off < n) {
		char *end;
		unsigned long len = strtoul(data + off, &end, 10);
		if (end == data + off || *end != ' ' || len == 0 || off + len > n ||
		    data[off + len - 1] != '\n')
			return false;
		const char *kv = end + 1, *rec_end = data + off + len - 1;
		const char *eq = memchr(kv, '=', (size_t)(rec_end - kv));
		if (!eq)
			return false;
		json_object_set_new(x->pax, arena_strndup(x->req->arena, kv, (size_t)(eq - kv)),
		                    json_stringn(eq + 1, (size_t)(rec_end - eq - 1)));
		off += len;
	}
	return true;
}

/* The container of an entry: looked at once, created when missing.
 * Returns the failure to list with the file's own if its PUT fails. */
static const char *ensure_container(struct extract *x, const char *container)
{
	struct arena *a = x->req->arena;
	if (json_object_get(x->accessed, container))
		return NULL;
	json_object_set_new(x->accessed, container, json_true());
	struct object_container c;
	struct api_error e = {0};
	struct object_target t = x->t;
	t.container = container;
	t.object = NULL;
	if (object_db_container(a, t.account, container, &c, &e) == 0)
		return NULL;
	if (e.kind != API_NOT_FOUND)
		return status_of(a, &e);
	if (!x->t.owner)
		return "403 Forbidden";
	if (object_check_names(&t, &e) != 0)
		return status_of(a, &e);
	sqlite3_stmt *st = db_stmt(SQL_CREATE, &e);
	if (!st)
		return status_of(a, &e);
	db_bind_text(st, 1, t.account);
	db_bind_text(st, 2, container);
	sqlite3_bind_double(st, 3, object_now());
	if (db_exec_stmt(st, &e) != 0)
		return status_of(a, &e);
	if (++x->containers_created > OBJECT_MAX_EXTRACT_CONTAINERS)
		stop(x, "400 Bad Request",
		     arena_printf(a, "More than %d containers to create from tar.",
		                  OBJECT_MAX_EXTRACT_CONTAINERS));
	return NULL;
}

/* A regular file's header: decide where it goes and open its writer, or
 * list it as failed and skip its data. */
static void begin_file(struct extract *x, const char *name, uint64_t size)
{
	struct arena *a = x->req->arena;
	const char *p = name;
	if (!strncmp(p, "./", 2))
		p += 2;
	while (*p == '/')
		p++;
	const char *path = *x->base ? arena_printf(a, "%s/%s", x->base, p) : p;
	const char *slash = strchr(path, '/');
	x->state = TAR_SKIP;
	x->shown = path;
	if (!slash)
		return; /* a file at the base level: ignored, as Swift */
	if (!api_utf8_valid(path))
		return fail_file(x, path, "412 Precondition Failed");
	if ((int64_t)size > x->t.svc->max_file_size)
		return fail_file(x, path, "413 Request Entity Too Large");
	struct object_target t = x->t;
	t.container = arena_strndup(a, path, (size_t)(slash - path));
	t.object = slash + 1;
	if (!*t.container || !*t.object)
		return fail_file(x, path, "400 Bad Request");
	const char *cfail = ensure_container(x, t.container);
	if (x->done)
		return;
	struct api_error e = {0};
	struct object_container c;
	if (x->delete_at_err.kind) {
		e = x->delete_at_err;
	} else if (object_db_container(a, t.account, t.container, &c, &e) == 0 &&
	           object_authorize(x->req, &t, OBJECT_WRITE, c.meta, &e) == 0 &&
	           object_writer_open(a, &x->w, &t, &e) == 0 &&
	           object_meta_update(x->req, x->w.row.meta, "X-Object-Meta-", NULL, false, &e) ==
	               0) {
		x->w.row.delete_at = x->delete_at;
		const char *k;
		json_t *v;
		json_object_foreach(x->pax, k, v)
		{
			const char *val = json_string_value(v);
			static const char *const meta_prefixes[] = {"SCHILY.xattr.user.meta.",
			                                            "LIBARCHIVE.xattr.user.meta."};
			if (!strcmp(k, "SCHILY.xattr.user.mime_type") ||
			    !strcmp(k, "LIBARCHIVE.xattr.user.mime_type"))
				x->w.row.content_type = arena_strdup(a, val);
			for (int i = 0; i < 2; i++) {
				size_t n = strlen(meta_prefixes[i]);
				if (!strncmp(k, meta_prefixes[i], n) && k[n])
					json_object_set_new(
					    x->w.row.meta,
					    arena_printf(a, "X-Object-Meta-%s", k + n),
					    json_string(val));
			}
		}
		x->state = TAR_FILE;
		return;
	}
	object_writer_abort(&x->w);
	if (e.kind == API_NOT_FOUND && !x->t.owner) /* as a PUT: no hint it is missing */
		object_authorize(x->req, &t, OBJECT_WRITE, NULL, &e);
	if (cfail)
		fail_file(x, arena_printf(a, "/v1/AUTH_%s/%s", t.account, t.container), cfail);
	fail_file(x, path, status_of(a, &e));
}

static void end_file(struct extract *x)
{
	struct api_error e = {0};
	if (object_writer_commit(x->req->arena, &x->w, &e) != 0) {
		object_writer_abort(&x->w);
		fail_file(x, x->shown, status_of(x->req->arena, &e));
		return;
	}
	x->created++;
}

/* A header block is in. */
static void header(struct extract *x)
{
	struct arena *a = x->req->arena;
	const unsigned char *b = x->block;
	bool zero = true;
	for (int i = 0; i < TAR_BLOCK && zero; i++)
		zero = b[i] == 0;
	if (zero) {
		x->state = TAR_END;
		return;
	}
	uint64_t sum = 0, want, size;
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : b[i];
	if (!tar_number(b + 148, 8, &want) || want != sum || !tar_number(b + 124, 12, &size))
		return stop(x, "400 Bad Request", "Invalid Tar File: invalid header");
	char type = (char)b[156];
	const char *name = field(a, b, 100);
	if (!memcmp(b + 257, "ustar", 5) && b[345])
		name = arena_printf(a, "%s/%s", field(a, b + 345, 155), name);
	if (x->long_name)
		name = x->long_name;
	const char *pax_path = json_string_value(json_object_get(x->pax, "path"));
	if (pax_path)
		name = arena_strdup(a, pax_path); /* the records are cleared below */
	const char *pax_size = json_string_value(json_object_get(x->pax, "size"));
	if (pax_size && type != 'x' && type != 'g')
		size = strtoull(pax_size, NULL, 10);
	x->left = size;
	x->pad = (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
	x->have = 0;
	if (type == 'L' || type == 'x') {
		if (size > TAR_MAX_EXTENDED)
			return stop(x, "400 Bad Request", "Invalid Tar File: header too long");
		x->ext_type = type;
		x->ext = arena_alloc(a, (size_t)size + 1);
		x->state = TAR_EXTENDED;
		return;
	}
	if (type == '0' || type == '\0' || type == '7')
		begin_file(x, name, size);
	else
		x->state = TAR_SKIP; /* directories, links, devices, global pax */
	x->long_name = NULL;
	json_object_clear(x->pax);
}

static void entry_done(struct extract *x)
{
	if (x->state == TAR_FILE)
		end_file(x);
	else if (x->state == TAR_EXTENDED) {
		x->ext[x->have] = '\0';
		if (x->ext_type == 'L')
			x->long_name = x->ext;
		else if (!parse_pax(x, x->ext, x->have))
			return stop(x, "400 Bad Request", "Invalid Tar File: invalid pax header");
	}
	x->have = 0;
	x->state = x->pad ? TAR_PAD : TAR_HEADER;
}

/* Uncompressed archive bytes. */
static void tar_feed(struct extract *x, const char *data, size_t n)
{
	while (n && !x->done) {
		size_t k = 0;
		switch (x->state) {
		case TAR_HEADER:
			k = TAR_BLOCK - x->have < n ? TAR_BLOCK - x->have : n;
			memcpy(x->block + x->have, data, k);
			x->have += k;
			if (x->have == TAR_BLOCK) {
				x->have = 0;
				header(x);
				if (x->state != TAR_HEADER && x->state != TAR_END && !x->left)
					entry_done(x);
			}
			break;
		case TAR_FILE:
		case TAR_SKIP:
		case TAR_EXTENDED:
			k = x->left < n ? (size_t)x->left : n;
			if (x->state == TAR_FILE) {
				struct api_error e = {0};
				if (object_writer_write(&x->w, data, k, &e) != 0) {
					object_writer_abort(&x->w);
					fail_file(x, x->shown, status_of(x->req->arena, &e));
					x->state = TAR_SKIP;
				}
			} else if (x->state == TAR_EXTENDED) {
				memcpy(x->ext + x->have, data, k);
				x->have += k;
			}
			x->left -= k;
			if (!x->left)
				entry_done(x);
			break;
		case TAR_PAD:
			k = x->pad < n ? (size_t)x->pad : n;
			x->pad -= k;
			if (!x->pad)
				x->state = TAR_HEADER;
			break;
		case TAR_END:
			return; /* whatever follows the end marker is ignored */
		}
		data += k;
		n -= k;
		if (json_array_size(x->failed) >= OBJECT_MAX_EXTRACT_FAILED)
			x->done = true;
	}
}

/* ---- decompression ---- */

static void feed(struct extract *x, const char *data, size_t n)
{
	if (x->comp == EXTRACT_TAR)
		return tar_feed(x, data, n);
	if (x->stream_end) /* trailing bytes after the compressed stream */
		return;
	if (x->comp == EXTRACT_GZ) {
		x->z.next_in = (Bytef *)data;
		x->z.avail_in = (uInt)n;
		while (x->z.avail_in && !x->done) {
			x->z.next_out = (Bytef *)x->inflated;
			x->z.avail_out = INFLATE_CHUNK;
			int rc = inflate(&x->z, Z_NO_FLUSH);
			tar_feed(x, x->inflated, INFLATE_CHUNK - x->z.avail_out);
			if (rc == Z_STREAM_END) {
				/* concatenated members are one stream, as gzip reads them */
				if (!x->z.avail_in) {
					x->stream_end = true;
					break;
				}
				inflateReset(&x->z);
			} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
				return stop(x, "400 Bad Request",
				            arena_printf(x->req->arena, "Invalid Tar File: %s",
				                         x->z.msg ? x->z.msg : "not gzip data"));
			}
		}
		return;
	}
	x->bz.next_in = (char *)data;
	x->bz.avail_in = (unsigned)n;
	while (x->bz.avail_in && !x->done) {
		x->bz.next_out = x->inflated;
		x->bz.avail_out = INFLATE_CHUNK;
		int rc = BZ2_bzDecompress(&x->bz);
		tar_feed(x, x->inflated, INFLATE_CHUNK - x->bz.avail_out);
		if (rc == BZ_STREAM_END) {
			x->stream_end = true;
			break;
		}
		if (rc != BZ_OK)
			return stop(x, "400 Bad Request", "Invalid Tar File: invalid data stream");
	}
}

/* Compressed data still held back inside the decompressor. */
static void drain(struct extract *x)
{
	if (x->comp == EXTRACT_GZ && !x->stream_end && !x->done) {
		for (;;) {
			x->z.next_in = NULL;
			x->z.avail_in = 0;
			x->z.next_out = (Bytef *)x->inflated;
			x->z.avail_out = INFLATE_CHUNK;
			int rc = inflate(&x->z, Z_FINISH);
			tar_feed(x, x->inflated, INFLATE_CHUNK - x->z.avail_out);
			if (rc == Z_STREAM_END)
				x->stream_end = true;
			if (rc != Z_OK || x->done)
				break;
		}
	}
}

static void release(void *p)
{
	struct extract *x = p;
	if (x->z_open)
		inflateEnd(&x->z);
	if (x->bz_open)
		BZ2_bzDecompressEnd(&x->bz);
	x->z_open = x->bz_open = false;
	free(x->inflated);
	x->inflated = NULL;
	json_decref(x->failed);
	json_decref(x->accessed);
	json_decref(x->pax);
	x->failed = x->accessed = x->pax = NULL;
}

/* ---- the request ---- */

static int extract_write(void *state, const char *data, size_t len, struct api_error *err)
{
	(void)err;
	struct extract *x = state;
	if (!x->done)
		feed(x, data, len);
	return 0;
}

static void extract_abort(void *state)
{
	struct extract *x = state;
	object_writer_abort(&x->w);
}

static const char *xml_escape(struct arena *a, const char *s)
{
	char *out = arena_alloc(a, 6 * strlen(s) + 1), *o = out;
	for (; *s; s++) {
		const char *rep = *s == '<'   ? "&lt;"
		                  : *s == '>' ? "&gt;"
		                  : *s == '&' ? "&amp;"
		                              : NULL;
		if (rep)
			o = stpcpy(o, rep);
		else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

static void answer(struct extract *x, struct http_response *resp, const char *status,
                   const char *body)
{
	struct arena *a = x->req->arena;
	size_t i;
	json_t *f;
	if (x->out == OUT_JSON) {
		json_t *doc = json_pack("{s:i,s:s,s:s,s:O}", "Number Files Created", x->created,
		                        "Response Body", body, "Response Status", status, "Errors",
		                        x->failed);
		http_reply_json(resp, 200, doc);
		http_header_set(resp, "Content-Type", "application/json");
		return;
	}
	char *text;
	if (x->out == OUT_XML) {
		text = arena_printf(a,
		                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<extract>"
		                    "<number_files_created>%d</number_files_created>"
		                    "<response_body>%s</response_body>"
		                    "<response_status>%s</response_status><errors>",
		                    x->created, xml_escape(a, body), status);
		json_array_foreach(x->failed, i, f)
		{
			text = arena_printf(
			    a, "%s<object><name>%s</name><status>%s</status></object>", text,
			    xml_escape(a, json_string_value(json_array_get(f, 0))),
			    json_string_value(json_array_get(f, 1)));
		}
		text = arena_printf(a, "%s</errors></extract>\n", text);
	} else {
		text = arena_printf(a,
		                    "Number Files Created: %d\nResponse Body: %s\n"
		                    "Response Status: %s\nErrors:\n",
		                    x->created, body, status);
		json_array_foreach(x->failed, i, f)
		{
			text = arena_printf(a, "%s%s, %s\n", text,
			                    json_string_value(json_array_get(f, 0)),
			                    json_string_value(json_array_get(f, 1)));
		}
	}
	http_reply_text(resp, 200,
	                x->out == OUT_XML    ? "application/xml; charset=utf-8"
	                : x->out == OUT_NONE ? "text/plain"
	                                     : "text/plain; charset=utf-8",
	                text, strlen(text));
}

static int extract_finish(void *state, struct http_request *req, struct http_response *resp,
                          struct api_error *err)
{
	(void)req;
	(void)err;
	struct extract *x = state;
	drain(x);
	if (!x->done) {
		bool mid_entry = x->state == TAR_FILE || x->state == TAR_SKIP ||
		                 x->state == TAR_EXTENDED || x->state == TAR_PAD ||
		                 (x->state == TAR_HEADER && x->have);
		if (mid_entry || (x->comp != EXTRACT_TAR && !x->stream_end))
			stop(x, "400 Bad Request", "Invalid Tar File: unexpected end of data");
	}
	object_writer_abort(&x->w);
	if (x->fatal)
		answer(x, resp, x->fatal, x->fatal_body);
	else if (json_array_size(x->failed))
		answer(x, resp, "400 Bad Request", "");
	else if (!x->created)
		answer(x, resp, "400 Bad Request", "Invalid Tar File: No Valid Files");
	else
		answer(x, resp, "201 Created", "");
	return 0;
}

/* Swift's ACCEPTABLE_FORMATS by the Accept header (none: plain text). */
static enum format format_of(const char *accept)
{
	if (!accept || !*accept)
		return OUT_TEXT;
	if (strcasestr(accept, "application/json"))
		return OUT_JSON;
	if (strcasestr(accept, "application/xml") || strcasestr(accept, "text/xml"))
		return OUT_XML;
	if (strcasestr(accept, "text/plain") || strcasestr(accept, "text/*") ||
	    strstr(accept, "*/*"))
		return OUT_TEXT;
	return OUT_NONE;
}

int object_extract_upload(struct http_request *req, struct http_response *resp,
                          struct http_sink *sink, bool *handled, struct api_error *err)
{
	const char *kind = http_query(req, "extract-archive");
	*handled = kind != NULL;
	if (!kind)
		return 0;
	struct arena *a = req->arena;
	char *k = arena_strdup(a, kind);
	while (*k == '.')
		k++;
	for (char *p = k + strlen(k); p > k && p[-1] == '.'; p--)
		p[-1] = '\0';
	enum compression comp;
	if (!strcasecmp(k, "tar"))
		comp = EXTRACT_TAR;
	else if (!strcasecmp(k, "tar.gz"))
		comp = EXTRACT_GZ;
	else if (!strcasecmp(k, "tar.bz2"))
		comp = EXTRACT_BZ2;
	else
		return api_fail(err, API_BAD_REQUEST, "Unsupported archive format");
	struct extract *x = arena_alloc(a, sizeof(*x));
	memset(x, 0, sizeof(*x));
	x->req = req;
	x->comp = comp;
	x->w.fd = -1;
	x->out = format_of(http_header(req, "Accept"));
	x->failed = json_array();
	x->accessed = json_object();
	x->pax = json_object();
	arena_defer(a, release, x);
	if (object_target_of(req, false, &x->t, err) != 0)
		return -1;
	const char *c = http_param(req, "container"), *o = http_param(req, "object");
	x->base = c ? (o ? arena_printf(a, "%s/%s", c, o) : c) : "";
	char *base = arena_strdup(a, x->base);
	for (size_t n = strlen(base); n && base[n - 1] == '/'; n--)
		base[n - 1] = '\0';
	x->base = base;
	if (object_delete_at_of(req, &x->delete_at, &x->delete_at_err) != 0 &&
	    !x->delete_at_err.kind)
		x->delete_at_err.kind = API_BAD_REQUEST;
	const char *cl = http_header(req, "Content-Length");
	const char *te = http_header(req, "Transfer-Encoding");
	if (x->out == OUT_NONE)
		stop(x, "406 Not Acceptable", "");
	else if (!cl && (!te || !strcasestr(te, "chunked")))
		stop(x, "411 Length Required", "");
	else if (!x->t.owner && !x->t.auth)
		stop(x, "401 Unauthorized", "");
	if (comp == EXTRACT_GZ) {
		if (inflateInit2(&x->z, 16 + MAX_WBITS) != Z_OK)
			return api_fail(err, API_INTERNAL, "cannot start inflating");
		x->z_open = true;
	} else if (comp == EXTRACT_BZ2) {
		if (BZ2_bzDecompressInit(&x->bz, 0, 0) != BZ_OK)
			return api_fail(err, API_INTERNAL, "cannot start inflating");
		x->bz_open = true;
	}
	if (comp != EXTRACT_TAR && !(x->inflated = malloc(INFLATE_CHUNK)))
		abort();
	(void)resp;
	sink->write = extract_write;
	sink->finish = extract_finish;
	sink->abort = extract_abort;
	sink->state = x;
	return 0;
}

int object_account_put_upload(struct http_request *req, struct http_response *resp,
                              struct http_sink *sink, struct api_error *err)
{
	bool handled;
	if (object_extract_upload(req, resp, sink, &handled, err) != 0)
		return -1;
	if (handled)
		return 0;
	return api_fail(err, API_METHOD_NOT_ALLOWED,
	                "The method is not allowed for the requested URL.");
}

int object_container_put_upload(struct http_request *req, struct http_response *resp,
                                struct http_sink *sink, struct api_error *err)
{
	bool handled;
	if (object_extract_upload(req, resp, sink, &handled, err) != 0)
		return -1;
	if (handled)
		return 0;
	return object_buffered(req, sink, object_container_put, 1024 * 1024, err);
}
