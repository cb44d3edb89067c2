/* SQLite access: one connection per thread (opened on first use), WAL mode,
 * a per-connection cache of prepared statements keyed by the SQL string's
 * address (queries are string constants), transactions that wait and retry
 * instead of failing with "database is locked", and versioned migrations
 * per service. */
#ifndef STACKD_DB_H
#define STACKD_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct db_migration {
	int version;
	const char *name;
	const char *sql;
};

/* Sets the database file every thread's connection opens. Call once,
 * before any other db_ function. */
int db_open(const char *path, struct api_error *err);
/* Closes the calling thread's connection (threads ending close theirs). */
void db_close_thread(void);

/* The calling thread's connection. */
sqlite3 *db_conn(struct api_error *err);

/* A reset statement for sql from the thread's cache; sql must be a string
 * with static lifetime. Do not finalize it. */
sqlite3_stmt *db_stmt(const char *sql, struct api_error *err);

/* Steps a statement, retrying while the database is busy. Returns
 * SQLITE_ROW, SQLITE_DONE, or -1 with err for any other result. */
int db_step(sqlite3_stmt *st, struct api_error *err);
/* Runs a statement that returns no rows. */
int db_exec_stmt(sqlite3_stmt *st, struct api_error *err);
/* Runs one or more statements of SQL without parameters. */
int db_exec(const char *sql, struct api_error *err);

/* BEGIN IMMEDIATE (takes the write lock up front, waiting for it), COMMIT,
 * ROLLBACK. Rollback is safe to call when no transaction is open. */
int db_begin(struct api_error *err);
int db_commit(struct api_error *err);
void db_rollback(void);

/* Applies the service's migrations above its recorded version, all in one
 * transaction. A recorded version above the newest one known is refused. */
int db_migrate(const char *service, const struct db_migration *migrations, size_t count,
               struct api_error *err);

/* Binding helpers: NULL binds SQL NULL. */
void db_bind_text(sqlite3_stmt *st, int idx, const char *s);
const char *db_column_text(sqlite3_stmt *st, int col); /* NULL for SQL NULL */

/* Turns a constraint failure into a 409 with message, anything else into a 500. */
int db_fail(int rc, const char *conflict_message, struct api_error *err);

#endif
