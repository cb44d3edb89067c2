/* Swift's FormPost middleware: a browser form (multipart/form-data) POSTed
 * to a container or an object prefix uploads its file parts as objects,
 * authorized by an HMAC of "path\nredirect\nmax_file_size\nmax_file_count\n
 * expires" with one of the account's or container's Temp-URL keys, never by
 * a token. The body is parsed as it arrives: form fields (kept up to 4 KiB
 * each) must come before the files, and each file streams into its object
 * through a writer (writer.c), so memory stays constant whatever the file
 * sizes. The answer is a 303 to the form's redirect with status and message,
 * or the last upload's status as plain text. As in Swift, the first failing
 * file ends the form: the rest of the body is read and ignored.
 *
 * Also here: the buffered sink the container and object POST routes use
 * when the body is not a form. */
#include <assert.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/arena.h"
#include "object/internal.h"

#define FORM_MAX_VALUE 4096          /* longer field values are cut, as Swift */
#define FORM_MAX_HEADERS (16 * 1024) /* of one part */
#define BUFFERED_MAX (1024 * 1024)   /* the core's default for buffered bodies */

enum form_state {
	FORM_PREAMBLE,    /* looking for the first delimiter */
	FORM_AFTER_DELIM, /* "--" ends the form, CRLF starts a part */
	FORM_HEADERS,
	FORM_FIELD,
	FORM_FILE,
	FORM_DONE, /* the rest of the body is ignored */
};

struct form {
	struct http_request *req;
	struct object_target t;
	char *delim; /* "\r\n--" boundary */
	size_t dlen;
	char *buf; /* bytes not yet parsed */
	size_t len, cap;
	enum form_state state;
	json_t *attrs; /* lower-cased field names to values; arena-owned */
	/* the part being read */
	const char *field;
	char value[FORM_MAX_VALUE + 1];
	size_t vlen;
	struct object_writer w;
	int64_t max_file_size;
	int files;
	/* the last upload's outcome: "201 Created", a message, its body */
	const char *status, *message, *sub_body;
	/* a failure of the whole form (401, or 400 "FormPost: ..."): the answer */
	int fatal_status;
	const char *fatal_body;
};

/* ---- small helpers ---- */

/* Python's str.title(): a letter after a non-letter is upper-cased. */
static const char *title(struct arena *a, const char *s)
{
	char *c = arena_strdup(a, s);
	bool prev_alpha = false;
	for (char *p = c; *p; p++) {
		bool alpha = isalpha((unsigned char)*p);
		if (alpha)
			*p = prev_alpha ? (char)tolower((unsigned char)*p)
			                : (char)toupper((unsigned char)*p);
		prev_alpha = alpha;
	}
	return c;
}

/* A header value's main part and one of its parameters ("boundary",
 * "name", "filename"), quotes removed; NULL when absent. */
static const char *header_param(struct arena *a, const char *value, const char *param)
{
	const char *p = strchr(value, ';');
	size_t plen = strlen(param);
	while (p && *p) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		const char *eq = strchr(p, '=');
		if (!eq)
			return NULL;
		bool match = (size_t)(eq - p) == plen && !strncasecmp(p, param, plen);
		const char *v = eq + 1, *end;
		char *out;
		if (*v == '"') {
			v++;
			out = arena_alloc(a, strlen(v) + 1);
			size_t n = 0;
			for (end = v; *end && *end != '"'; end++) {
				if (*end == '\\' && end[1])
					end++;
				out[n++] = *end;
			}
			out[n] = '\0';
			if (*end == '"')
				end++;
		} else {
			end = v + strcspn(v, ";");
			size_t n = (size_t)(end - v);
			while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
				n--;
			out = arena_strndup(a, v, n);
		}
		if (match)
			return out;
		p = strchr(end, ';');
	}
	return NULL;
}

static bool main_type_is(const char *value, const char *type)
{
	size_t n = strlen(type);
	while (*value == ' ')
		value++;
	return !strncasecmp(value, type, n) &&
	       (value[n] == '\0' || value[n] == ';' || value[n] == ' ');
}

/* An attribute as an integer: 0 when absent or empty (Swift's `or 0`),
 * -1 when it is not one. */
static int attr_int(struct form *f, const char *name, long long *out)
{
	const char *v = json_string_value(json_object_get(f->attrs, name));
	char *end;
	*out = 0;
	if (!v || !*v)
		return 0;
	*out = strtoll(v, &end, 10);
	return *end || end == v ? -1 : 0;
}

static const char *attr(struct form *f, const char *name)
{
	return json_string_value(json_object_get(f->attrs, name));
}

static void fatal(struct form *f, int status, const char *message)
{
	if (f->fatal_status)
		return;
	f->fatal_status = status;
	f->fatal_body = arena_printf(f->req->arena, "FormPost: %s", message);
	object_writer_abort(&f->w);
	f->state = FORM_DONE;
}

/* The outcome of one upload; a failure ends the form. */
static void outcome(struct form *f, const struct api_error *e, const char *message)
{
	struct arena *a = f->req->arena;
	if (!e) {
		f->status = "201 Created";
		f->message = "";
		f->sub_body = NULL;
		return;
	}
	f->status = arena_printf(a, "%d %s", e->status, api_error_title(e->kind));
	f->message = message ? message : "";
	f->sub_body = message ? NULL
	                      : arena_printf(a, "<html><h1>%s</h1><p>%s</p></html>",
	                                     api_error_title(e->kind), e->message);
	object_writer_abort(&f->w);
	f->state = FORM_DONE;
}

/* ---- parts ---- */

static bool signature_valid(struct form *f, const char *const *keys)
{
	struct arena *a = f->req->arena;
	const char *sig = attr(f, "signature"), *digest;
	char *hex;
	if (!sig || !object_sig_to_hex(a, sig, &digest, &hex))
		return false;
	const char *redirect = attr(f, "redirect"), *mfs = attr(f, "max_file_size"),
	           *mfc = attr(f, "max_file_count"), *exp = attr(f, "expires");
	/* The client signs the path it was given: with or without our prefix. */
	const char *path = f->req->path;
	const char *paths[2] = {path, !strncmp(path, "/object-store/", 14) ? path + 13 : NULL};
	bool ok = false;
	for (int p = 0; p < 2 && paths[p]; p++) {
		const char *body = arena_printf(a, "%s\n%s\n%s\n%s\n%s", paths[p],
		                                redirect ? redirect : "", mfs && *mfs ? mfs : "0",
		                                mfc && *mfc ? mfc : "0", exp && *exp ? exp : "0");
		for (int k = 0; keys[k]; k++) {
			char mac[2 * EVP_MAX_MD_SIZE + 1];
			if (object_hmac_hex(digest, keys[k], body, mac, sizeof(mac)) == 0 &&
			    strlen(mac) == strlen(hex) && !CRYPTO_memcmp(mac, hex, strlen(hex)))
				ok = true;
		}
	}
	return ok;
}

/* A file part begins: the checks Swift makes for each file, then the
 * object's writer. */
static void begin_file(struct form *f, const char *filename, const char *ctype, const char *cenc)
{
	struct arena *a = f->req->arena;
	long long max_count, max_size, delete_at = 0, after, expires;
	f->files++;
	if (attr_int(f, "max_file_count", &max_count) != 0)
		return fatal(f, 400, "max_file_count not an integer");
	if (f->files > max_count) {
		f->status = "400 Bad Request";
		f->message = "max file count exceeded";
		f->sub_body = NULL;
		f->state = FORM_DONE;
		return;
	}
	const char *keys[5];
	struct api_error e = {0};
	if (object_tempurl_keys(a, f->t.account, f->t.container, keys, &e) != 0)
		return outcome(f, &e, NULL);
	if (!f->t.container)
		keys[0] = NULL; /* as Swift: a form needs a container to sign for */
	if (!keys[0])
		return fatal(f, 401, "Invalid Signature");
	if (attr_int(f, "max_file_size", &max_size) != 0)
		return fatal(f, 400, "max_file_size not an integer");
	if (attr(f, "x_delete_at") && attr_int(f, "x_delete_at", &delete_at) != 0)
		return fatal(f, 400, "x_delete_at not an integer: Unix timestamp required.");
	if (attr(f, "x_delete_after")) {
		if (attr_int(f, "x_delete_after", &after) != 0)
			return fatal(f, 400,
			             "x_delete_after not an integer: Number of seconds required.");
		if (after <= 0) {
			api_fail(&e, API_BAD_REQUEST, "X-Delete-After in past");
			return outcome(f, &e, NULL);
		}
		delete_at = (long long)time(NULL) + after;
	}
	if (attr_int(f, "expires", &expires) != 0)
		return fatal(f, 400, "expired not an integer");
	if (expires < time(NULL))
		return fatal(f, 401, "Form Expired");
	if (!signature_valid(f, keys))
		return fatal(f, 401, "Invalid Signature");
	if (delete_at && delete_at <= time(NULL)) {
		api_fail(&e, API_BAD_REQUEST, "X-Delete-At in past");
		return outcome(f, &e, NULL);
	}
	struct object_target t = f->t;
	t.object = arena_printf(a, "%s%s", f->t.object ? f->t.object : "",
	                        *filename ? filename : "filename");
	if (object_writer_open(a, &f->w, &t, &e) != 0)
		return outcome(f, &e, NULL);
	const char *form_ct = attr(f, "content-type"), *form_ce = attr(f, "content-encoding");
	if (form_ct)
		ctype = form_ct;
	if (ctype)
		f->w.row.content_type = *ctype ? ctype : "application/octet-stream";
	if (form_ce)
		cenc = form_ce;
	if (cenc)
		json_object_set_new(f->w.row.meta, "Content-Encoding", json_string(cenc));
	f->w.row.delete_at = delete_at;
	f->max_file_size = max_size;
	f->state = FORM_FILE;
}

/* The headers of a part are in: a field or a file begins. */
static void begin_part(struct form *f, const char *headers)
{
	struct arena *a = f->req->arena;
	const char *disp = NULL, *ctype = NULL, *cenc = NULL;
	char *h = arena_strdup(a, headers), *save = NULL;
	for (char *line = strtok_r(h, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		const char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		if (!strcasecmp(line, "Content-Disposition"))
			disp = v;
		else if (!strcasecmp(line, "Content-Type"))
			ctype = v;
		else if (!strcasecmp(line, "Content-Encoding"))
			cenc = v;
	}
	const char *filename = disp ? header_param(a, disp, "filename") : NULL;
	f->field = NULL;
	f->vlen = 0;
	if (disp && main_type_is(disp, "form-data") && filename && *filename)
		return begin_file(f, filename, ctype, cenc);
	const char *name = disp ? header_param(a, disp, "name") : NULL;
	if (name) {
		char *lower = arena_strdup(a, name);
		for (char *p = lower; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		f->field = lower;
	}
	f->state = FORM_FIELD;
}

static void part_data(struct form *f, const char *data, size_t n)
{
	if (f->state == FORM_FIELD) {
		size_t room = FORM_MAX_VALUE - f->vlen;
		size_t k = n < room ? n : room;
		memcpy(f->value + f->vlen, data, k);
		f->vlen += k;
		return;
	}
	struct api_error e = {0};
	if (f->max_file_size >= 0 && (int64_t)(f->w.got + n) > f->max_file_size)
		return fatal(f, 400, "max_file_size exceeded");
	if (object_writer_write(&f->w, data, n, &e) != 0)
		outcome(f, &e, NULL);
}

static void end_part(struct form *f)
{
	if (f->state == FORM_FIELD) {
		/* Swift strips the value with rstrip('\r\n--') */
		while (f->vlen && strchr("\r\n-", f->value[f->vlen - 1]))
			f->vlen--;
		f->value[f->vlen] = '\0';
		if (f->field)
			json_object_set_new(f->attrs, f->field, json_stringn(f->value, f->vlen));
		return;
	}
	struct api_error e = {0};
	if (object_writer_commit(f->req->arena, &f->w, &e) != 0)
		return outcome(f, &e, NULL);
	outcome(f, NULL, NULL);
}

/* ---- the parser ---- */

static void take(struct form *f, size_t n)
{
	memmove(f->buf, f->buf + n, f->len - n);
	f->len -= n;
}

static void append(struct form *f, const char *data, size_t n)
{
	if (f->len + n > f->cap) {
		size_t cap = f->cap ? f->cap : 65536;
		while (cap < f->len + n)
			cap *= 2;
		char *nb = realloc(f->buf, cap);
		if (!nb)
			abort();
		f->buf = nb;
		f->cap = cap;
	}
	memcpy(f->buf + f->len, data, n);
	f->len += n;
}

/* Parses what the buffer holds; returns when it needs more bytes. */
static void parse(struct form *f)
{
	for (;;) {
		if (f->state == FORM_DONE) {
			f->len = 0;
			return;
		}
		if (f->state == FORM_PREAMBLE || f->state == FORM_FIELD || f->state == FORM_FILE) {
			char *d = memmem(f->buf, f->len, f->delim, f->dlen);
			size_t upto = d ? (size_t)(d - f->buf)
			                : (f->len >= f->dlen ? f->len - (f->dlen - 1) : 0);
			if (f->state != FORM_PREAMBLE && upto)
				part_data(f, f->buf, upto);
			if (f->state == FORM_DONE)
				continue;
			take(f, upto);
			if (!d)
				return;
			take(f, f->dlen);
			if (f->state != FORM_PREAMBLE)
				end_part(f);
			if (f->state != FORM_DONE)
				f->state = FORM_AFTER_DELIM;
			continue;
		}
		if (f->state == FORM_AFTER_DELIM) {
			size_t i = 0;
			while (i < f->len && (f->buf[i] == ' ' || f->buf[i] == '\t'))
				i++; /* transport padding */
			if (f->len - i < 2)
				return;
			if (!memcmp(f->buf + i, "--", 2)) {
				f->state = FORM_DONE;
				continue;
			}
			if (memcmp(f->buf + i, "\r\n", 2) != 0)
				return fatal(f, 400, "invalid starting boundary");
			take(f, i + 2);
			f->state = FORM_HEADERS;
			continue;
		}
		assert(f->state == FORM_HEADERS);
		size_t end;
		if (f->len >= 2 && !memcmp(f->buf, "\r\n", 2)) {
			end = 0; /* a part without headers */
		} else {
			char *e = memmem(f->buf, f->len, "\r\n\r\n", 4);
			if (!e) {
				if (f->len > FORM_MAX_HEADERS)
					return fatal(f, 400, "invalid starting boundary");
				return;
			}
			end = (size_t)(e - f->buf) + 2;
		}
		char *headers = arena_strndup(f->req->arena, f->buf, end);
		take(f, end + 2);
		begin_part(f, headers);
	}
}

static int form_write(void *state, const char *data, size_t len, struct api_error *err)
{
	(void)err;
	struct form *f = state;
	if (f->state == FORM_DONE)
		return 0;
	append(f, data, len);
	parse(f);
	return 0;
}

static void form_free(void *p)
{
	struct form *f = p;
	free(f->buf);
	f->buf = NULL;
}

static void form_abort(void *state)
{
	struct form *f = state;
	object_writer_abort(&f->w);
}

static int form_finish(void *state, struct http_request *req, struct http_response *resp,
                       struct api_error *err)
{
	(void)err;
	struct form *f = state;
	struct arena *a = req->arena;
	if (f->state == FORM_FIELD || f->state == FORM_FILE) {
		/* No closing delimiter: the part ends with the body, as Swift's
		 * MIME reader ends a document at the end of its input. */
		if (f->len)
			part_data(f, f->buf, f->len);
		f->len = 0;
		if (f->state != FORM_DONE)
			end_part(f);
	} else if (f->state == FORM_PREAMBLE) {
		fatal(f, 400, "invalid starting boundary");
	}
	if (f->fatal_status) {
		const char *ct = f->fatal_status == 401 ? "text/html; charset=UTF-8" : "text/plain";
		http_reply_text(resp, f->fatal_status, ct, f->fatal_body, strlen(f->fatal_body));
		if (f->fatal_status == 401)
			http_header_set(resp, "Www-Authenticate", "Keystone uri='/identity'");
		return 0;
	}
	if (!f->status) {
		f->status = "400 Bad Request";
		f->message = "no files to process";
	}
	int code = atoi(f->status);
	const char *redirect = attr(f, "redirect");
	if (!redirect || !*redirect) {
		const char *body = f->status;
		if (f->message && *f->message)
			body =
			    arena_printf(a, "%s\r\nFormPost: %s", f->status, title(a, f->message));
		if ((code < 200 || code > 299) && f->sub_body)
			body = f->sub_body;
		http_reply_text(resp, code, "text/plain", body, strlen(body));
		return 0;
	}
	for (const char *p = redirect; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			/* it would become a Location header */
			static const char bad[] = "FormPost: invalid redirect";
			http_reply_text(resp, 400, "text/plain", bad, sizeof(bad) - 1);
			return 0;
		}
	const char *loc =
	    arena_printf(a, "%s%sstatus=%d&message=%s", redirect, strchr(redirect, '?') ? "&" : "?",
	                 code, object_url_quote(a, f->message ? f->message : ""));
	const char *body = arena_printf(
	    a, "<html><body><p><a href=\"%s\">Click to continue...</a></p></body></html>", loc);
	http_reply_text(resp, 303, "text/html; charset=UTF-8", body, strlen(body));
	http_header_set(resp, "Location", loc);
	return 0;
}

static int form_begin(struct http_request *req, struct http_sink *sink, const char *boundary,
                      struct api_error *err)
{
	struct arena *a = req->arena;
	struct form *f = arena_alloc(a, sizeof(*f));
	memset(f, 0, sizeof(*f));
	f->req = req;
	f->w.fd = -1;
	f->t.svc = req->ctx;
	f->t.account = http_param(req, "account");
	f->t.container = http_param(req, "container");
	f->t.object = http_param(req, "object");
	if (object_check_names(&f->t, err) != 0)
		return -1;
	f->delim = arena_printf(a, "\r\n--%s", boundary);
	f->dlen = strlen(f->delim);
	f->attrs = object_meta_parse(a, NULL);
	arena_defer(a, form_free, f);
	/* The first delimiter has no CRLF before it: pretend it had. */
	append(f, "\r\n", 2);
	sink->write = form_write;
	sink->finish = form_finish;
	sink->abort = form_abort;
	sink->state = f;
	return 0;
}

/* The form's boundary when the request is a form post, else NULL. */
static const char *form_boundary(struct http_request *req)
{
	const char *ct = http_header(req, "Content-Type");
	if (!ct || !main_type_is(ct, "multipart/form-data"))
		return NULL;
	const char *b = header_param(req->arena, ct, "boundary");
	return b && *b && strlen(b) <= 200 ? b : NULL;
}

/* ---- the buffered sink ---- */

struct buffered {
	http_handler handler;
	size_t max;
	bool too_long;
	char *buf;
	size_t len, cap;
};

static int buffered_write(void *state, const char *data, size_t len, struct api_error *err)
{
	struct buffered *b = state;
	(void)err;
	/* Too long: the rest is read and dropped, and finish answers the 413
	 * (the core cannot answer while a body is still coming in). */
	if (b->too_long || b->len + len > b->max) {
		b->too_long = true;
		return 0;
	}
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *nb = realloc(b->buf, cap);
		if (!nb)
			abort();
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	return 0;
}

static void buffered_free(void *p)
{
	struct buffered *b = p;
	free(b->buf);
	b->buf = NULL;
}

static int buffered_finish(void *state, struct http_request *req, struct http_response *resp,
                           struct api_error *err)
{
	struct buffered *b = state;
	if (b->too_long)
		return api_fail(err, API_TOO_LARGE,
		                "Request body is larger than the limit of %zu bytes.", b->max);
	if (b->len) {
		req->body = arena_strndup(req->arena, b->buf, b->len);
		req->body_len = b->len;
	}
	return b->handler(req, resp, err);
}

int object_buffered(struct http_request *req, struct http_sink *sink, http_handler handler,
                    size_t max, struct api_error *err)
{
	(void)err;
	struct buffered *b = arena_alloc(req->arena, sizeof(*b));
	memset(b, 0, sizeof(*b));
	b->handler = handler;
	b->max = max;
	arena_defer(req->arena, buffered_free, b);
	sink->write = buffered_write;
	sink->finish = buffered_finish;
	sink->abort = NULL;
	sink->state = b;
	return 0;
}

int object_container_post_upload(struct http_request *req, struct http_response *resp,
                                 struct http_sink *sink, struct api_error *err)
{
	(void)resp;
	const char *boundary = form_boundary(req);
	if (boundary)
		return form_begin(req, sink, boundary, err);
	return object_buffered(req, sink, object_container_post, BUFFERED_MAX, err);
}

int object_account_post_upload(struct http_request *req, struct http_response *resp,
                               struct http_sink *sink, struct api_error *err)
{
	(void)resp;
	const char *boundary = form_boundary(req);
	if (boundary)
		return form_begin(req, sink, boundary, err);
	/* bulk delete: as many lines as Swift's max_deletes_per_request of
	 * its longest paths */
	return object_buffered(req, sink, object_account_post,
	                       (size_t)OBJECT_MAX_BULK_DELETES *
	                           (OBJECT_MAX_NAME + OBJECT_MAX_CONTAINER_NAME + 2),
	                       err);
}

int object_post_upload(struct http_request *req, struct http_response *resp, struct http_sink *sink,
                       struct api_error *err)
{
	(void)resp;
	const char *boundary = form_boundary(req);
	if (boundary)
		return form_begin(req, sink, boundary, err);
	return object_buffered(req, sink, object_post, BUFFERED_MAX, err);
}
