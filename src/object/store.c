/* Object data on disk. A name never becomes a path: the data file of
 * account/container/object is <root>/<hh>/<sha256 of the three>-<time>-<rand>
 * (hh: the commit's time in seconds modulo 256; files written before
 * 2026-12-06 used the hash's first byte: the row names the file either
 * way). It is written as an unnamed file (O_TMPFILE
 * in <root>, or a temporary file in <root>/tmp where the filesystem has no
 * O_TMPFILE), linked into place, made durable, and only then does the index
 * row point at it; the row is the commit point. Each file carries its row
 * (and the MD5 of its own bytes) in the xattr user.stackd.object so that
 * the start-up check can re-index data whose row was lost. Deletes remove
 * the file before the row, so a crash never brings back an acknowledged
 * delete.
 *
 * Durability of a commit (object_store_commit), and why it costs one cache
 * flush of the disk's time rather than two in a row:
 *  - Before the 201, both the file (data, inode, xattr) and the directory
 *    entry naming it are fsync'ed: an acknowledged PUT survives kill -9 and
 *    power loss. The index row is written after both (SQLite WAL at
 *    synchronous=NORMAL, no fsync): if power loss takes the row, the
 *    start-up check re-indexes the file from its xattr.
 *  - The two fsyncs run at the same time, the file's in the request thread
 *    and the directory's on a sync thread (sync.c, shared by all requests
 *    that linked into that directory before it began). So the name may
 *    reach the disk before the data does, and a crash between the two
 *    leaves a named file with wrong bytes. Such a file was never
 *    acknowledged and no row points at it (rows are written after both
 *    fsyncs returned); the start-up check adopts a row-less file only if
 *    the MD5 of its bytes matches the one recorded in its xattr, and
 *    removes it otherwise, so it can never replace an acknowledged version
 *    (whose file is only unlinked after the new row is committed).
 *  - A commit without a recorded MD5 (row->data_md5 NULL) keeps the strict
 *    order: fsync the file, then link, then sync the directory.
 *  - With O_TMPFILE no directory but the final one is written at all (the
 *    temporary name in <root>/tmp cost ext4 a directory block and inode
 *    written at the file's fsync), and a crash leaves no temporary file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/log.h"
#include "object/internal.h"

#define XATTR_NAME "user.stackd.object"

static const char SQL_FILE_OF[] =
    "SELECT file, modified FROM object_objects WHERE account = ?1 AND container = ?2 AND "
    "name = ?3";
static const char SQL_UPSERT[] =
    "INSERT INTO object_objects (account, container, name, file, size, etag, content_type, "
    "modified, meta, delete_at, manifest, slo) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
    "?10, ?11, ?12) ON CONFLICT (account, container, name) DO UPDATE SET file = excluded.file, "
    "size = excluded.size, etag = excluded.etag, content_type = excluded.content_type, "
    "modified = excluded.modified, meta = excluded.meta, delete_at = excluded.delete_at, "
    "manifest = excluded.manifest, slo = excluded.slo";
static const char SQL_DELETE[] =
    "DELETE FROM object_objects WHERE account = ?1 AND container = ?2 AND name = ?3 AND "
    "file = ?4";
static const char SQL_ALL_FILES[] = "SELECT file FROM object_objects";
static const char SQL_DROP_FILE[] = "DELETE FROM object_objects WHERE file = ?1";
static const char SQL_HAS_FILE[] = "SELECT 1 FROM object_objects WHERE file = ?1";
static const char SQL_EXPIRED[] =
    "SELECT account, container, name, file FROM object_objects WHERE delete_at <= ?1";
static const char SQL_HAS_CONTAINER[] =
    "SELECT 1 FROM object_containers WHERE account = ?1 AND name = ?2";

const char *object_store_path(struct arena *a, const struct object_svc *svc, const char *file)
{
	return arena_printf(a, "%s/%s", svc->root, file);
}

/* Whether O_TMPFILE and linking it through /proc/self/fd work here: tried
 * once at start-up (object_store_probe). */
static bool use_tmpfile;

void object_store_probe(const struct object_svc *svc)
{
	int fd = open(svc->root, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	use_tmpfile = false;
	if (fd < 0)
		return;
	char proc[64], path[4300];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	snprintf(path, sizeof(path), "%s/probe-%d", svc->tmp, (int)getpid());
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0) {
		use_tmpfile = true;
		unlink(path);
	}
	close(fd);
}

int object_store_tmp(struct arena *a, const struct object_svc *svc, int *fd, char **path,
                     struct api_error *err)
{
	if (use_tmpfile) {
		int f = open(svc->root, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (f >= 0) {
			*fd = f;
			*path = NULL;
			return 0;
		}
	}
	char *p = arena_printf(a, "%s/upload-XXXXXX", svc->tmp);
	int f = mkostemp(p, O_CLOEXEC);
	if (f < 0)
		return api_fail(err, API_INTERNAL, "cannot create a temporary file: %s",
		                strerror(errno));
	*fd = f;
	*path = p;
	return 0;
}

void object_store_discard(int fd, const char *tmp)
{
	if (fd < 0)
		return;
	close(fd);
	if (tmp)
		unlink(tmp);
}

/* <root>/<hh> of a data file name "hh/...". */
static int dir_index(const char *file)
{
	char hh[3] = {file[0], file[1], '\0'};
	return (int)strtol(hh, NULL, 16);
}

/* Gives the written file fd (unnamed, or named tmp) the name final. */
static int place(int fd, const char *tmp, const char *final, struct api_error *err)
{
	if (tmp) {
		if (rename(tmp, final) != 0)
			return api_fail(err, API_INTERNAL, "cannot place the object: %s",
			                strerror(errno));
		return 0;
	}
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, final, AT_SYMLINK_FOLLOW) != 0)
		return api_fail(err, API_INTERNAL, "cannot place the object: %s", strerror(errno));
	return 0;
}

static pthread_mutex_t commit_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *name_hash(struct arena *a, const struct object_row *row)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	const char *key = arena_printf(a, "%s/%s/%s", row->account, row->container, row->name);
	EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha256(), NULL);
	char *hex = arena_alloc(a, 65);
	for (unsigned i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	return hex;
}

static json_t *row_record(const struct object_row *row)
{
	json_t *rec = json_pack(
	    "{s:s,s:s,s:s,s:I,s:s,s:s,s:f,s:O,s:I,s:s?,s:b}", "account", row->account, "container",
	    row->container, "name", row->name, "size", (json_int_t)row->size, "etag", row->etag,
	    "content_type", row->content_type, "modified", row->modified, "meta", row->meta,
	    "delete_at", (json_int_t)row->delete_at, "manifest", row->manifest, "slo", row->slo);
	if (rec && row->data_md5)
		json_object_set_new(rec, "md5", json_string(row->data_md5));
	return rec;
}

/* Whether the file's bytes have the MD5 (hex) its xattr records. */
static bool file_md5_is(const char *path, const char *want)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md)
		abort();
	EVP_DigestInit_ex(md, EVP_md5(), NULL);
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	if (!buf)
		abort();
	ssize_t n;
	while ((n = read(fd, buf, cap)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			EVP_DigestUpdate(md, buf, (size_t)n);
	free(buf);
	close(fd);
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	EVP_DigestFinal_ex(md, d, &len);
	EVP_MD_CTX_free(md);
	for (unsigned i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	return n == 0 && !strcmp(hex, want);
}

static int upsert(struct arena *a, const struct object_row *row, const char **old,
                  struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_FILE_OF, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, row->account);
	db_bind_text(st, 2, row->container);
	db_bind_text(st, 3, row->name);
	int rc = db_step(st, err);
	if (rc < 0)
		return -1;
	*old = rc == SQLITE_ROW ? arena_strdup(a, db_column_text(st, 0)) : NULL;
	sqlite3_reset(st);
	if (!(st = db_stmt(SQL_UPSERT, err)))
		return -1;
	db_bind_text(st, 1, row->account);
	db_bind_text(st, 2, row->container);
	db_bind_text(st, 3, row->name);
	db_bind_text(st, 4, row->file);
	sqlite3_bind_int64(st, 5, row->size);
	db_bind_text(st, 6, row->etag);
	db_bind_text(st, 7, row->content_type);
	sqlite3_bind_double(st, 8, row->modified);
	db_bind_text(st, 9, object_meta_dump(a, row->meta));
	if (row->delete_at)
		sqlite3_bind_int64(st, 10, row->delete_at);
	else
		sqlite3_bind_null(st, 10);
	db_bind_text(st, 11, row->manifest);
	sqlite3_bind_int(st, 12, row->slo);
	return db_exec_stmt(st, err);
}

int object_store_commit(struct arena *a, struct object_svc *svc, int fd, const char *tmp,
                        struct object_row *row, struct api_error *err)
{
	const char *hash = name_hash(a, row);
	char rnd[37];
	ids_uuid4(rnd);
	rnd[8] = '\0';
	/* The directory follows the second of the commit, not the name, so
	 * that concurrent PUTs link into the same directory and share its
	 * fsync (sync.c); over time files spread evenly over the 256. */
	row->file = arena_printf(a, "%02x/%s-%.5f-%s", (unsigned)((uint64_t)row->modified & 255),
	                         hash, row->modified, rnd);
	json_t *rec = row_record(row);
	char *text = json_dumps(rec, JSON_COMPACT);
	json_decref(rec);
	if (text && fsetxattr(fd, XATTR_NAME, text, strlen(text), 0) != 0 && errno != ENOTSUP)
		log_info("msg=\"cannot set the object xattr\" error=\"%s\"", strerror(errno));
	free(text);
	const char *final = object_store_path(a, svc, row->file);
	int dir = dir_index(row->file);
	/* See the top of this file for why the two fsyncs may overlap only
	 * when the file's MD5 is recorded. */
	bool overlap = row->data_md5 != NULL;
	if (!overlap && fsync(fd) != 0)
		return api_fail(err, API_INTERNAL, "cannot sync the object: %s", strerror(errno));
	if (place(fd, tmp, final, err) != 0)
		return -1;
	uint64_t ticket = object_dirsync_request(svc, dir);
	int synced = overlap ? fsync(fd) : 0;
	int e = errno;
	const char *old = NULL;
	if (object_dirsync_wait(svc, dir, ticket, err) != 0)
		goto fail;
	if (synced != 0) {
		api_fail(err, API_INTERNAL, "cannot sync the object: %s", strerror(e));
		goto fail;
	}
	/* One index write at a time from this service's threads: a writer
	 * that finds SQLite's write lock taken sleeps 1 ms or more in SQLite's
	 * busy handler (the lock itself is held for a fraction of that); one
	 * waiting here is woken as soon as the lock is free. */
	pthread_mutex_lock(&commit_mu);
	int rc = db_begin(err);
	if (rc == 0 && (upsert(a, row, &old, err) != 0 || db_commit(err) != 0)) {
		db_rollback();
		rc = -1;
	}
	pthread_mutex_unlock(&commit_mu);
	if (rc != 0)
		goto fail;
	if (old && strcmp(old, row->file) != 0)
		unlink(object_store_path(a, svc, old));
	return 0;
fail:
	unlink(final);
	return -1;
}

int object_store_delete(struct arena *a, struct object_svc *svc, const struct object_row *row,
                        struct api_error *err)
{
	const char *path = object_store_path(a, svc, row->file);
	if (unlink(path) != 0 && errno != ENOENT)
		return api_fail(err, API_INTERNAL, "cannot delete the object: %s", strerror(errno));
	int dir = dir_index(row->file);
	if (object_dirsync_wait(svc, dir, object_dirsync_request(svc, dir), err) != 0)
		return -1;
	sqlite3_stmt *st = db_stmt(SQL_DELETE, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, row->account);
	db_bind_text(st, 2, row->container);
	db_bind_text(st, 3, row->name);
	db_bind_text(st, 4, row->file);
	pthread_mutex_lock(&commit_mu);
	int rc = db_exec_stmt(st, err);
	pthread_mutex_unlock(&commit_mu);
	return rc;
}

/* ---- the start-up check ---- */

static int drop_missing_rows(struct arena *a, const struct object_svc *svc, int *dropped,
                             struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_ALL_FILES, err);
	if (!st)
		return -1;
	const char **gone = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW) {
		const char *f = db_column_text(st, 0);
		struct stat sb;
		if (stat(object_store_path(a, svc, f), &sb) == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			const char **g = arena_alloc(a, cap * sizeof(*g));
			if (n)
				memcpy(g, gone, n * sizeof(*g));
			gone = g;
		}
		gone[n++] = arena_strdup(a, f);
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!(st = db_stmt(SQL_DROP_FILE, err)))
			return -1;
		db_bind_text(st, 1, gone[i]);
		if (db_exec_stmt(st, err) != 0)
			return -1;
	}
	*dropped = (int)n;
	return 0;
}

static bool row_from_record(struct arena *a, json_t *rec, struct object_row *row)
{
	const char *acc = NULL, *con = NULL, *name = NULL, *etag = NULL, *ct = NULL;
	json_t *man = NULL;
	json_int_t size = 0, del = 0;
	double mod = 0;
	json_t *meta = NULL;
	int slo = 0;
	if (json_unpack(rec, "{s:s,s:s,s:s,s:I,s:s,s:s,s:F,s:o,s:I,s?o,s:b}", "account", &acc,
	                "container", &con, "name", &name, "size", &size, "etag", &etag,
	                "content_type", &ct, "modified", &mod, "meta", &meta, "delete_at", &del,
	                "manifest", &man, "slo", &slo) != 0)
		return false;
	row->account = arena_strdup(a, acc);
	row->container = arena_strdup(a, con);
	row->name = arena_strdup(a, name);
	row->etag = arena_strdup(a, etag);
	row->content_type = arena_strdup(a, ct);
	row->manifest = arena_strdup(a, json_string_value(man));
	row->size = size;
	row->delete_at = del;
	row->modified = mod;
	row->meta = object_meta_parse(a, NULL);
	json_object_update(row->meta, meta);
	row->slo = slo;
	return true;
}

int object_store_expire(struct arena *a, struct object_svc *svc, int *expired,
                        struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_EXPIRED, err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	struct object_row *rows = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct object_row *g = arena_alloc(a, cap * sizeof(*g));
			if (n)
				memcpy(g, rows, n * sizeof(*g));
			rows = g;
		}
		rows[n].account = arena_strdup(a, db_column_text(st, 0));
		rows[n].container = arena_strdup(a, db_column_text(st, 1));
		rows[n].name = arena_strdup(a, db_column_text(st, 2));
		rows[n].file = arena_strdup(a, db_column_text(st, 3));
		n++;
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (object_store_delete(a, svc, &rows[i], err) != 0)
			return -1;
	*expired = (int)n;
	return 0;
}

/* A data file no row points at: newer than the row of its name (the crash
 * came between link and commit, or took the row) and whole → it becomes
 * the row; otherwise it goes. */
static int adopt_file(struct arena *a, const struct object_svc *svc, const char *file, int *adopted,
                      int *removed, struct api_error *err)
{
	const char *path = object_store_path(a, svc, file);
	char buf[16384];
	ssize_t n = getxattr(path, XATTR_NAME, buf, sizeof(buf) - 1);
	struct object_row row = {0};
	json_t *rec = NULL;
	if (n > 0) {
		buf[n] = '\0';
		rec = json_loads(buf, 0, NULL);
	}
	bool ok = rec && row_from_record(a, rec, &row);
	const char *md5 = ok ? json_string_value(json_object_get(rec, "md5")) : NULL;
	/* A file that records its MD5 may have been named before its bytes
	 * were durable (see the top of this file): adopted only if they are
	 * all there. One without was synced before it was named. */
	if (ok && md5 && !file_md5_is(path, md5)) {
		log_info("msg=\"object data does not match its MD5, removed\" file=%s", file);
		ok = false;
	}
	json_decref(rec);
	if (!ok)
		goto remove;
	sqlite3_stmt *st = db_stmt(SQL_HAS_CONTAINER, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, row.account);
	db_bind_text(st, 2, row.container);
	int rc = db_step(st, err);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		goto remove;
	if (!(st = db_stmt(SQL_FILE_OF, err)))
		return -1;
	db_bind_text(st, 1, row.account);
	db_bind_text(st, 2, row.container);
	db_bind_text(st, 3, row.name);
	rc = db_step(st, err);
	double cur = rc == SQLITE_ROW ? sqlite3_column_double(st, 1) : 0;
	bool has = rc == SQLITE_ROW;
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (has && cur >= row.modified)
		goto remove;
	row.file = file;
	const char *old = NULL;
	if (db_begin(err) != 0)
		return -1;
	if (upsert(a, &row, &old, err) != 0 || db_commit(err) != 0) {
		db_rollback();
		return -1;
	}
	if (old)
		unlink(object_store_path(a, svc, old));
	(*adopted)++;
	log_info("msg=\"re-indexed object data\" file=%s", file);
	return 0;
remove:
	unlink(path);
	(*removed)++;
	return 0;
}

int object_store_recover(struct object_svc *svc, struct api_error *err)
{
	struct arena *a = arena_new();
	int rc = -1, dropped = 0, adopted = 0, removed = 0, temps = 0, expired = 0;
	DIR *d = opendir(svc->tmp);
	struct dirent *e;
	if (d) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.' && unlinkat(dirfd(d), e->d_name, 0) == 0)
				temps++;
		closedir(d);
	}
	if (drop_missing_rows(a, svc, &dropped, err) != 0 ||
	    object_store_expire(a, svc, &expired, err) != 0)
		goto out;
	for (int i = 0; i < 256; i++) {
		char sub[3];
		snprintf(sub, sizeof(sub), "%02x", i);
		const char *dir = arena_printf(a, "%s/%s", svc->root, sub);
		if (!(d = opendir(dir)))
			continue;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			const char *file = arena_printf(a, "%s/%s", sub, e->d_name);
			sqlite3_stmt *st = db_stmt(SQL_HAS_FILE, err);
			if (!st) {
				closedir(d);
				goto out;
			}
			db_bind_text(st, 1, file);
			int r = db_step(st, err);
			sqlite3_reset(st);
			if (r < 0 || (r != SQLITE_ROW &&
			              adopt_file(a, svc, file, &adopted, &removed, err) != 0)) {
				closedir(d);
				goto out;
			}
		}
		closedir(d);
	}
	if (temps || dropped || adopted || removed)
		log_info("msg=\"object store repaired\" temporaries=%d rows_dropped=%d "
		         "files_reindexed=%d files_removed=%d",
		         temps, dropped, adopted, removed);
	if (expired)
		log_info("msg=\"expired objects removed\" count=%d", expired);
	rc = 0;
out:
	arena_free(a);
	return rc;
}
