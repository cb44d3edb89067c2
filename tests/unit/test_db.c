/* SQLite layer: migrations forward, refusal of a newer schema, and
 * concurrent writers that wait instead of failing with "database is locked". */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "core/db.h"

static const struct db_migration v1[] = {
    {1, "initial", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE);"},
};
static const struct db_migration v2[] = {
    {1, "initial", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE);"},
    {2, "counter", "CREATE TABLE c (n INTEGER NOT NULL); INSERT INTO c VALUES (0);"},
};
static const struct db_migration broken[] = {
    {1, "initial", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE);"},
    {2, "counter", "CREATE TABLE c (n INTEGER NOT NULL); INSERT INTO c VALUES (0);"},
    {3, "bad", "CREATE TABLE d (x); THIS IS NOT SQL;"},
};

static const char SQL_BUMP[] = "UPDATE c SET n = n + 1";
static const char SQL_READ[] = "SELECT n FROM c";

static void *writer(void *arg)
{
	int *failures = arg;
	for (int i = 0; i < 200; i++) {
		struct api_error err = {0};
		if (db_begin(&err) != 0) {
			(*failures)++;
			continue;
		}
		sqlite3_stmt *st = db_stmt(SQL_BUMP, &err);
		if (!st || db_exec_stmt(st, &err) != 0 || db_commit(&err) != 0) {
			db_rollback();
			(*failures)++;
		}
	}
	db_close_thread();
	return NULL;
}

int main(void)
{
	char path[] = "/tmp/stackd-test-db-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	struct api_error err = {0};
	CHECK(db_open(path, &err) == 0);
	CHECK(db_migrate("svc", v1, 1, &err) == 0);
	CHECK(db_migrate("svc", v2, 2, &err) == 0);
	/* Applying again is a no-op. */
	CHECK(db_migrate("svc", v2, 2, &err) == 0);
	/* An older binary refuses the newer schema. */
	CHECK(db_migrate("svc", v1, 1, &err) == -1);
	CHECK(strstr(err.message, "newer") != NULL);
	/* A failing migration leaves nothing of itself behind. */
	CHECK(db_migrate("svc", broken, 3, &err) == -1);
	CHECK(db_exec("SELECT * FROM d", &err) == -1);
	CHECK(db_migrate("svc", v2, 2, &err) == 0);

	/* Constraint violations are conflicts. */
	CHECK(db_exec("INSERT INTO t(v) VALUES ('a')", &err) == 0);
	CHECK(db_exec("INSERT INTO t(v) VALUES ('a')", &err) == -1);
	CHECK(err.status == 409);

	pthread_t th[4];
	int failures[4] = {0};
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, writer, &failures[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++)
		CHECK(failures[i] == 0);
	sqlite3_stmt *st = db_stmt(SQL_READ, &err);
	CHECK(st && db_step(st, &err) == SQLITE_ROW);
	CHECK(sqlite3_column_int(st, 0) == 800);
	sqlite3_reset(st);
	db_close_thread();
	unlink(path);
	char aux[64];
	snprintf(aux, sizeof(aux), "%s-wal", path);
	unlink(aux);
	snprintf(aux, sizeof(aux), "%s-shm", path);
	unlink(aux);
	return check_done("test_db");
}
