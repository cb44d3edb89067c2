/* Thread-local connections: SQLite connections must not be shared between
 * threads without a mutex, and one per thread lets readers run in parallel
 * under WAL. The database path is set once at start-up; after that the only
 * shared state is SQLite's own. */
#include "core/db.h"

#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

#define STMT_CACHE 256

struct cached_stmt {
	const char *sql;
	sqlite3_stmt *st;
};

struct thread_db {
	sqlite3 *h;
	struct cached_stmt cache[STMT_CACHE];
	bool in_tx;
};

static char *db_path;
static pthread_key_t db_key;
static pthread_once_t db_key_once = PTHREAD_ONCE_INIT;

static void thread_db_free(void *p)
{
	struct thread_db *t = p;
	if (!t)
		return;
	for (size_t i = 0; i < STMT_CACHE; i++)
		if (t->cache[i].st)
			sqlite3_finalize(t->cache[i].st);
	sqlite3_close(t->h);
	free(t);
}

static void make_key(void)
{
	pthread_key_create(&db_key, thread_db_free);
}

int db_open(const char *path, struct api_error *err)
{
	pthread_once(&db_key_once, make_key);
	free(db_path);
	db_path = strdup(path);
	if (!db_path)
		abort();
	return db_conn(err) ? 0 : -1;
}

void db_close_thread(void)
{
	pthread_once(&db_key_once, make_key);
	struct thread_db *t = pthread_getspecific(db_key);
	pthread_setspecific(db_key, NULL);
	thread_db_free(t);
}

static struct thread_db *thread_db(struct api_error *err)
{
	struct thread_db *t = pthread_getspecific(db_key);
	if (t)
		return t;
	if (!db_path) {
		api_fail(err, API_INTERNAL, "database not opened");
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		abort();
	int rc = sqlite3_open_v2(
	    db_path, &t->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		api_fail(err, API_INTERNAL, "cannot open database %s: %s", db_path,
		         t->h ? sqlite3_errmsg(t->h) : sqlite3_errstr(rc));
		sqlite3_close(t->h);
		free(t);
		return NULL;
	}
	sqlite3_busy_timeout(t->h, 10000);
	char *msg = NULL;
	rc = sqlite3_exec(t->h,
	                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
	                  "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;",
	                  NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		api_fail(err, API_INTERNAL, "cannot configure database: %s", msg ? msg : "?");
		sqlite3_free(msg);
		sqlite3_close(t->h);
		free(t);
		return NULL;
	}
	pthread_setspecific(db_key, t);
	return t;
}

sqlite3 *db_conn(struct api_error *err)
{
	pthread_once(&db_key_once, make_key);
	struct thread_db *t = thread_db(err);
	return t ? t->h : NULL;
}

sqlite3_stmt *db_stmt(const char *sql, struct api_error *err)
{
	pthread_once(&db_key_once, make_key);
	struct thread_db *t = thread_db(err);
	if (!t)
		return NULL;
	size_t h = ((uintptr_t)sql >> 3) % STMT_CACHE;
	for (size_t i = 0; i < STMT_CACHE; i++) {
		struct cached_stmt *c = &t->cache[(h + i) % STMT_CACHE];
		if (c->sql == sql) {
			sqlite3_reset(c->st);
			sqlite3_clear_bindings(c->st);
			return c->st;
		}
		if (!c->sql) {
			if (sqlite3_prepare_v2(t->h, sql, -1, &c->st, NULL) != SQLITE_OK) {
				api_fail(err, API_INTERNAL, "SQL error: %s", sqlite3_errmsg(t->h));
				log_error("msg=\"prepare failed\" error=\"%s\" sql=\"%.120s\"",
				          sqlite3_errmsg(t->h), sql);
				c->st = NULL;
				return NULL;
			}
			c->sql = sql;
			return c->st;
		}
	}
	api_fail(err, API_INTERNAL, "statement cache full");
	return NULL;
}

static void backoff(int attempt)
{
	struct timespec ts = {0, (long)(1000000L * (1 + attempt % 20))};
	nanosleep(&ts, NULL);
}

int db_step(sqlite3_stmt *st, struct api_error *err)
{
	for (int attempt = 0;; attempt++) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			return rc;
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && attempt < 2000) {
			sqlite3_reset(st);
			backoff(attempt);
			continue;
		}
		sqlite3 *h = sqlite3_db_handle(st);
		int ext = sqlite3_extended_errcode(h);
		if ((ext & 0xff) == SQLITE_CONSTRAINT) {
			api_fail(err, API_CONFLICT, "%s", sqlite3_errmsg(h));
			return -1;
		}
		api_fail(err, API_INTERNAL, "database error: %s", sqlite3_errmsg(h));
		return -1;
	}
}

int db_exec_stmt(sqlite3_stmt *st, struct api_error *err)
{
	int rc = db_step(st, err);
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

int db_exec(const char *sql, struct api_error *err)
{
	sqlite3 *h = db_conn(err);
	if (!h)
		return -1;
	for (int attempt = 0;; attempt++) {
		char *msg = NULL;
		int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
		if (rc == SQLITE_OK)
			return 0;
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && attempt < 2000) {
			sqlite3_free(msg);
			backoff(attempt);
			continue;
		}
		api_fail(err, (rc & 0xff) == SQLITE_CONSTRAINT ? API_CONFLICT : API_INTERNAL,
		         "database error: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -1;
	}
}

int db_begin(struct api_error *err)
{
	struct thread_db *t = thread_db(err);
	if (!t)
		return -1;
	/* A transaction left open is a bug of the caller; never nest into it. */
	assert(!t->in_tx);
	if (t->in_tx) {
		log_error("msg=\"transaction left open, rolled back\"");
		db_rollback();
	}
	if (db_exec("BEGIN IMMEDIATE", err) != 0)
		return -1;
	t->in_tx = true;
	return 0;
}

int db_commit(struct api_error *err)
{
	struct thread_db *t = thread_db(err);
	if (!t)
		return -1;
	int rc = db_exec("COMMIT", err);
	if (rc != 0) {
		db_rollback();
		return -1;
	}
	t->in_tx = false;
	return 0;
}

void db_rollback(void)
{
	struct thread_db *t = pthread_getspecific(db_key);
	if (!t || !t->in_tx)
		return;
	sqlite3_exec(t->h, "ROLLBACK", NULL, NULL, NULL);
	t->in_tx = false;
}

static const char SQL_VERSIONS[] = "CREATE TABLE IF NOT EXISTS schema_versions ("
                                   "service TEXT PRIMARY KEY, version INTEGER NOT NULL, "
                                   "applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)";
static const char SQL_GET_VERSION[] = "SELECT version FROM schema_versions WHERE service = ?";
static const char SQL_SET_VERSION[] =
    "INSERT INTO schema_versions(service, version) VALUES(?, ?) "
    "ON CONFLICT(service) DO UPDATE SET version = excluded.version, "
    "applied_at = CURRENT_TIMESTAMP";

int db_migrate(const char *service, const struct db_migration *migrations, size_t count,
               struct api_error *err)
{
	if (db_exec(SQL_VERSIONS, err) != 0)
		return -1;
	if (db_begin(err) != 0)
		return -1;
	int current = 0;
	sqlite3_stmt *st = db_stmt(SQL_GET_VERSION, err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	int rc = db_step(st, err);
	if (rc < 0)
		goto fail;
	if (rc == SQLITE_ROW)
		current = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	int newest = count ? migrations[count - 1].version : 0;
	if (current > newest) {
		api_fail(err, API_INTERNAL,
		         "the %s schema in this data dir is version %d, newer than this "
		         "binary knows (%d): run the newer stackd binary",
		         service, current, newest);
		goto fail;
	}
	for (size_t i = 0; i < count; i++) {
		if (migrations[i].version <= current)
			continue;
		if (db_exec(migrations[i].sql, err) != 0) {
			char inner[sizeof(err->message)];
			snprintf(inner, sizeof(inner), "%s", err->message);
			api_fail(err, API_INTERNAL, "migration %s %03d_%s failed: %s", service,
			         migrations[i].version, migrations[i].name, inner);
			goto fail;
		}
		log_info("msg=\"schema migrated\" service=%s version=%d name=%s", service,
		         migrations[i].version, migrations[i].name);
	}
	if (newest > current) {
		st = db_stmt(SQL_SET_VERSION, err);
		if (!st)
			goto fail;
		sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, newest);
		if (db_exec_stmt(st, err) != 0)
			goto fail;
	}
	return db_commit(err);
fail:
	db_rollback();
	return -1;
}

void db_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	if (s)
		sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, idx);
}

const char *db_column_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

int db_fail(int rc, const char *conflict_message, struct api_error *err)
{
	(void)rc;
	if (err->kind == API_CONFLICT && conflict_message)
		return api_fail(err, API_CONFLICT, "%s", conflict_message);
	return -1;
}
