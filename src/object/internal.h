/* The object service's (Swift v1) own model, shared by its files only: the
 * service state (req->ctx), the rows of its index, the parsed request
 * target, and the functions the files give each other. */
#ifndef STACKD_OBJECT_INTERNAL_H
#define STACKD_OBJECT_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/http.h"
#include "identity/identity.h"

struct arena;

/* Swift 2.30's default constraints (swift.conf). */
#define OBJECT_MAX_NAME 1024
#define OBJECT_MAX_CONTAINER_NAME 256
#define OBJECT_MAX_META_NAME 128
#define OBJECT_MAX_META_VALUE 256
#define OBJECT_MAX_META_COUNT 90
#define OBJECT_LISTING_LIMIT 10000
#define OBJECT_MAX_MANIFEST_SEGMENTS 1000
#define OBJECT_MAX_MANIFEST_SIZE (8 * 1024 * 1024)
#define OBJECT_MAX_BULK_DELETES 10000
#define OBJECT_MAX_EXTRACT_CONTAINERS 10000 /* containers one archive may create */
#define OBJECT_MAX_EXTRACT_FAILED 1000      /* failed files before giving up */

struct object_svc {
	struct http_service http;      /* /object-store */
	struct http_service info_http; /* /info, where swiftclient looks */
	char root[4096];               /* <data dir>/objects */
	char tmp[4200];                /* <root>/tmp: uploads in flight */
	int64_t max_file_size;
	/* expirer.c: a thread removing expired objects every few seconds */
	pthread_t expirer;
	pthread_mutex_t expirer_mu;
	pthread_cond_t expirer_cv;
	bool expirer_running, expirer_stop;
	struct object_dirsync *dirsync; /* sync.c */
};

/* One object of the index. file names the data file below root. */
struct object_row {
	const char *account, *container, *name, *file, *etag, *content_type;
	const char *manifest; /* DLO "container/prefix", or NULL */
	/* Hex MD5 of the data file's own bytes (the ETag but for SLO
	 * manifests), for commits only: recorded in the file's xattr. NULL:
	 * unknown, the commit then syncs in the strict order (store.c). */
	const char *data_md5;
	int64_t size, delete_at;
	double modified;
	bool slo;
	json_t *meta; /* {"X-Object-Meta-Color": "blue", ...}; arena-owned */
};

struct object_container {
	const char *name;
	double created, modified;
	int64_t count, bytes;
	json_t *meta; /* every kept X-Container-* header; arena-owned */
};

/* What a request is about and who asks. */
struct object_target {
	struct object_svc *svc;
	const char *account; /* the project id, without AUTH_ */
	const char *container, *object;
	const struct identity_auth *auth; /* NULL: anonymous or TempURL */
	bool owner;                       /* owns the account or is a reseller admin */
	bool reseller;
	bool tempurl; /* authorized by a TempURL signature */
};

/* One contiguous byte range of a response body: literal bytes (text) or a
 * region of a data file (path). */
struct object_piece {
	const char *text;
	const char *path;
	uint64_t offset, length;
};

struct object_range {
	uint64_t first, last; /* inclusive */
};

/* ---- routes.c ---- */
int object_target_of(struct http_request *req, bool need_object, struct object_target *t,
                     struct api_error *err);

/* ---- meta.c: headers, names, dates ---- */
int object_check_names(const struct object_target *t, struct api_error *err);
/* Copies request headers starting with prefix (case-insensitive) into meta
 * (title-cased names); with merge, "" values and X-Remove-<prefix> remove. */
int object_meta_update(struct http_request *req, json_t *meta, const char *prefix,
                       const char *remove_prefix, bool merge, struct api_error *err);
/* Copies the named request headers (exact list, NULL-terminated) into meta;
 * an empty value removes. */
void object_meta_take(struct http_request *req, json_t *meta, const char *const *names);
void object_meta_emit(struct http_response *resp, json_t *meta);
json_t *object_meta_parse(struct arena *a, const char *text);
char *object_meta_dump(struct arena *a, json_t *meta);
const char *object_http_date(struct arena *a, double t);
int object_parse_http_date(const char *s, double *out);
const char *object_iso_time(struct arena *a, double t);
const char *object_guess_type(const char *name);
double object_now(void);
const char *object_timestamp(struct arena *a, double t);
/* "a/b" URL-decoded in place; false when it is not a valid encoding. */
bool object_url_decode(char *s);
/* Python's urllib.parse.quote (safe "/"), as Swift quotes names in bodies. */
char *object_url_quote(struct arena *a, const char *s);

/* ---- range.c: Range and conditional requests ---- */
/* Parses a Range header against a body of size bytes. Returns the number of
 * ranges (>0), 0 when the header is to be ignored (bad syntax: Swift then
 * serves the whole body), -1 when no range is satisfiable (416). */
int object_parse_ranges(const char *header, uint64_t size, struct object_range *out, int max);
/* True when the etag (unquoted) matches an If-Match/If-None-Match list. */
bool object_etag_matches(const char *list, const char *etag);

/* ---- db.c: the index ---- */
int object_db_get(struct arena *a, const char *account, const char *container, const char *name,
                  struct object_row *out, struct api_error *err);
int object_db_container(struct arena *a, const char *account, const char *name,
                        struct object_container *out, struct api_error *err);
/* Fills c->count and c->bytes (object_db_container leaves them -1). */
int object_db_container_usage(const char *account, struct object_container *c,
                              struct api_error *err);
int object_db_account_meta(struct arena *a, const char *account, json_t **meta,
                           struct api_error *err);
int object_db_account_save(const char *account, json_t *meta, struct api_error *err);
int object_db_account_usage(const char *account, int64_t *containers, int64_t *objects,
                            int64_t *bytes, struct api_error *err);

/* ---- store.c: files on disk ---- */
const char *object_store_path(struct arena *a, const struct object_svc *svc, const char *file);
/* Tries O_TMPFILE once (start-up): object_store_tmp uses it if it works. */
void object_store_probe(const struct object_svc *svc);
/* A new temporary file: unnamed (O_TMPFILE; *path NULL) or in svc->tmp
 * (*path arena-owned). */
int object_store_tmp(struct arena *a, const struct object_svc *svc, int *fd, char **path,
                     struct api_error *err);
/* Closes a temporary file that is not to be committed (removes its name). */
void object_store_discard(int fd, const char *tmp);
/* Makes the written temporary file row's data: links it into place, syncs
 * it and its directory, then indexes it (replacing an older version, whose
 * file goes). Fills row->file. The fd stays the caller's. */
int object_store_commit(struct arena *a, struct object_svc *svc, int fd, const char *tmp,
                        struct object_row *row, struct api_error *err);
/* Removes the object's data, then its row. */
int object_store_delete(struct arena *a, struct object_svc *svc, const struct object_row *row,
                        struct api_error *err);
/* Removes expired objects for good (reads already treat them as absent). */
int object_store_expire(struct arena *a, struct object_svc *svc, int *expired,
                        struct api_error *err);
/* Start-up check: temporaries removed, rows without data dropped, data
 * without rows re-indexed from the file's extended attribute (if whole). */
int object_store_recover(struct object_svc *svc, struct api_error *err);

/* ---- ingest.c: a PUT body into a temporary file, with its MD5 ---- */
struct object_ingest;
/* expect: the Content-Length, -1 if unknown. Cleaned up with the arena. */
struct object_ingest *object_ingest_open(struct arena *a, const struct object_svc *svc,
                                         int64_t expect, struct api_error *err);
int object_ingest_write(struct object_ingest *g, const char *data, size_t len,
                        struct api_error *err);
/* Writes what is gathered, then extra (extra_len bytes), and gives the hex
 * MD5 of all the file's bytes. */
int object_ingest_finish(struct object_ingest *g, const char *extra, size_t extra_len, char hex[33],
                         struct api_error *err);
int object_ingest_fd(const struct object_ingest *g);
const char *object_ingest_tmp(const struct object_ingest *g);
void object_ingest_committed(struct object_ingest *g); /* closes the fd */
void object_ingest_abort(struct object_ingest *g);

/* ---- sync.c: group commit of directory syncs ---- */
int object_dirsync_start(struct object_svc *svc, struct api_error *err);
void object_dirsync_stop(struct object_svc *svc);
/* After a link into or unlink from <root>/<dir as %02x>: a ticket for an
 * fsync of that directory starting after now. */
uint64_t object_dirsync_request(struct object_svc *svc, int dir);
/* Waits for the ticket's fsync (or a later one) to end. */
int object_dirsync_wait(struct object_svc *svc, int dir, uint64_t ticket, struct api_error *err);

/* ---- access.c ---- */
enum object_op { OBJECT_READ, OBJECT_LIST, OBJECT_WRITE };
/* Authenticates when a token is given, then decides: owner, ACL or 401/403. */
int object_authorize(struct http_request *req, struct object_target *t, enum object_op op,
                     json_t *container_meta, struct api_error *err);
int object_tempurl_check(struct http_request *req, struct object_target *t, struct api_error *err);
/* A signature as Swift's tempurl and formpost take it: hex (its length
 * names the digest) or "<digest>:<base64>"; false when it is neither. */
bool object_sig_to_hex(struct arena *a, const char *sig, const char **digest, char **hex);
/* The account's and the container's Temp-URL-Key(-2) values (up to 4,
 * NULL-terminated array in keys[5]). */
int object_tempurl_keys(struct arena *a, const char *account, const char *container,
                        const char *keys[5], struct api_error *err);
/* Pure: the hex HMAC of body with digest "sha1", "sha256" or "sha512". */
int object_hmac_hex(const char *digest, const char *key, const char *body, char *out,
                    size_t outlen);
/* Pure: the hex HMAC of "method\nexpires\npath" with digest "sha1",
 * "sha256" or "sha512"; -1 for an unknown digest. */
int object_tempurl_sign(const char *digest, const char *key, const char *method,
                        const char *expires, const char *path, char *out, size_t outlen);
bool object_acl_allows(const char *acl, const struct identity_auth *auth, bool listing);

/* ---- reader.c: bodies made of pieces ---- */
void object_reply_pieces(struct http_response *resp, int status, struct arena *a,
                         struct object_piece *pieces, size_t npieces);
/* Copies the pieces into fd, updating the MD5 state if md5 is non-NULL. */
int object_copy_pieces(struct object_piece *pieces, size_t npieces, int fd, void *md5,
                       struct api_error *err);

/* ---- large.c: DLO and SLO ---- */
/* The pieces of an object's whole body (segments for manifests). */
int object_body_pieces(struct arena *a, struct object_svc *svc, const struct object_row *row,
                       struct object_piece **out, size_t *n, uint64_t *total, const char **etag,
                       struct api_error *err);
int object_slo_validate(struct arena *a, struct object_target *t, const char *body, size_t len,
                        char **stored, int64_t *total, char *etag_hex, struct api_error *err);
int object_slo_delete(struct http_request *req, struct object_target *t,
                      const struct object_row *row, struct http_response *resp,
                      struct api_error *err);

/* ---- writer.c: objects written from a stream of the service's own ---- */
struct object_writer {
	struct object_target t;
	struct object_container c;
	struct object_row row; /* fill content_type, meta, delete_at before commit */
	int fd;                /* the temporary file, -1 once committed or aborted */
	char *tmp;
	void *md5; /* EVP_MD_CTX */
	uint64_t got;
	int64_t limit; /* bytes; more is a 413 */
	int64_t old_size;
	bool existed;
};
/* Checks t's names and container (404), opens the temporary file. The
 * caller has authorized the write. A writer left open when the request
 * ends is aborted then. */
int object_writer_open(struct arena *a, struct object_writer *w, const struct object_target *t,
                       struct api_error *err);
int object_writer_write(struct object_writer *w, const char *data, size_t len,
                        struct api_error *err);
/* Quotas, versions, commit. On failure call object_writer_abort. */
int object_writer_commit(struct arena *a, struct object_writer *w, struct api_error *err);
void object_writer_abort(struct object_writer *w); /* accepts NULL */

/* ---- formpost.c ---- */
/* Upload routes of container and object POST: a multipart/form-data body
 * is a form post, anything else the plain POST (its small body buffered). */
int object_container_post_upload(struct http_request *req, struct http_response *resp,
                                 struct http_sink *sink, struct api_error *err);
int object_post_upload(struct http_request *req, struct http_response *resp, struct http_sink *sink,
                       struct api_error *err);
/* The account's: a form there is refused as Swift does (no container). */
int object_account_post_upload(struct http_request *req, struct http_response *resp,
                               struct http_sink *sink, struct api_error *err);
/* A sink that buffers a body (up to max bytes, else 413) into req->body,
 * then runs handler: for routes that stream only some of their requests. */
int object_buffered(struct http_request *req, struct http_sink *sink, http_handler handler,
                    size_t max, struct api_error *err);

/* ---- extract.c: bulk extract-archive ---- */
/* PUT on the account, a container or an object path with
 * ?extract-archive=tar|tar.gz|tar.bz2; 0 with *handled false otherwise. */
int object_extract_upload(struct http_request *req, struct http_response *resp,
                          struct http_sink *sink, bool *handled, struct api_error *err);
int object_account_put_upload(struct http_request *req, struct http_response *resp,
                              struct http_sink *sink, struct api_error *err);
int object_container_put_upload(struct http_request *req, struct http_response *resp,
                                struct http_sink *sink, struct api_error *err);

/* ---- expirer.c ---- */
int object_expirer_start(struct object_svc *svc, struct api_error *err);
void object_expirer_stop(struct object_svc *svc);

/* ---- versions.c ---- */
/* Archives t's current version if its container keeps versions. */
int object_versions_archive(struct arena *a, struct object_target *t, json_t *cmeta,
                            struct api_error *err);
/* Stack mode: puts the newest archived version back in place of t; 1 if
 * one was restored, 0 if none. */
int object_versions_restore(struct arena *a, struct object_target *t, json_t *cmeta,
                            struct api_error *err);

/* ---- handlers ---- */
int object_account_get(struct http_request *req, struct http_response *resp, struct api_error *err);
int object_account_head(struct http_request *req, struct http_response *resp,
                        struct api_error *err);
int object_account_post(struct http_request *req, struct http_response *resp,
                        struct api_error *err);
int object_account_delete(struct http_request *req, struct http_response *resp,
                          struct api_error *err);
int object_container_put(struct http_request *req, struct http_response *resp,
                         struct api_error *err);
int object_container_get(struct http_request *req, struct http_response *resp,
                         struct api_error *err);
int object_container_head(struct http_request *req, struct http_response *resp,
                          struct api_error *err);
int object_container_post(struct http_request *req, struct http_response *resp,
                          struct api_error *err);
int object_container_delete(struct http_request *req, struct http_response *resp,
                            struct api_error *err);
int object_put(struct http_request *req, struct http_response *resp, struct http_sink *sink,
               struct api_error *err);
int object_get(struct http_request *req, struct http_response *resp, struct api_error *err);
int object_post(struct http_request *req, struct http_response *resp, struct api_error *err);
int object_delete(struct http_request *req, struct http_response *resp, struct api_error *err);
int object_copy(struct http_request *req, struct http_response *resp, struct api_error *err);
int object_bulk_delete(struct http_request *req, struct http_response *resp, struct api_error *err);
int object_list_collect(struct http_request *req, const char *account, const char *container,
                        json_t **out, struct api_error *err);
/* Writes a listing in the requested format (json, xml, plain). */
int object_list_reply(struct http_request *req, struct http_response *resp, json_t *items,
                      const char *root_tag, const char *root_name, struct api_error *err);
/* Points t at another account (Destination-Account, X-Copy-From-Account:
 * "AUTH_<project id>", URL-encoded) and recomputes whether t's caller owns
 * it; 412 for a malformed value. */
int object_target_account(struct arena *a, struct object_target *t, const char *header,
                          const char *value, struct api_error *err);
/* Copies src's whole body into a new object (X-Copy-From, COPY). */
int object_copy_into(struct http_request *req, struct object_target *src, struct object_target *dst,
                     struct http_response *resp, struct api_error *err);
/* X-Delete-At / X-Delete-After of req as an absolute time (0: none). */
int object_delete_at_of(struct http_request *req, int64_t *out, struct api_error *err);
int object_quota_check(struct arena *a, struct object_target *t, json_t *cmeta, int64_t add_bytes,
                       bool new_object, struct api_error *err);

/* A DLO's X-Object-Manifest header ("container/prefix", URL-encoded) into
 * *out, allocated from a; 400 when it has no container part. */
int object_manifest_parse(struct arena *a, const char *header, const char **out,
                          struct api_error *err);

#endif
