/* The compute service's periodic tasks (Nova's _poll_shelved_instances and
 * _reclaim_queued_deletes): a thread that wakes every second, offloads the
 * servers of this host shelved longer than `[compute] shelved_offload_time`
 * seconds and deletes those soft-deleted longer than
 * `reclaim_instance_interval`, and runs the instance usage audit
 * (server_misc.c) when it is on. It only writes the task and queues the job
 * (tasks.c), as a request would. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/log.h"

#define PERIODIC_SECONDS 1

static const char SQL_SHELVED_DUE[] =
    "SELECT id FROM compute_servers WHERE vm_state = 'shelved' AND task_state IS NULL"
    " AND host = ? AND shelved_at IS NOT NULL AND shelved_at <= ? LIMIT 100";
static const char SQL_RECLAIM_DUE[] =
    "SELECT id FROM compute_servers WHERE vm_state = 'soft-delete' AND task_state IS NULL"
    " AND host = ? AND deleted_at IS NOT NULL AND deleted_at <= ? LIMIT 100";
static const char SQL_RECLAIM_BEGIN[] =
    "UPDATE compute_servers SET task_state = 'deleting', updated_at = ?"
    " WHERE id = ? AND vm_state = 'soft-delete' AND task_state IS NULL";
static const char SQL_OFFLOAD_BEGIN[] =
    "UPDATE compute_servers SET task_state = 'shelving_offloading', updated_at = ?"
    " WHERE id = ? AND vm_state = 'shelved' AND task_state IS NULL";

/* The ids of up to 100 servers a query (bound: host, cutoff) finds. */
static size_t due(struct arena *a, const char *sql, const char *host, const char *cutoff,
                  const char **ids, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(sql, err);
	if (st == NULL)
		return 0;
	db_bind_text(st, 1, host);
	db_bind_text(st, 2, cutoff);
	size_t n = 0;
	while (n < 100 && db_step(st, err) == SQLITE_ROW)
		ids[n++] = arena_strdup(a, db_column_text(st, 0));
	sqlite3_reset(st);
	return n;
}

/* Writes task_state with a conditional UPDATE (sql binds now, id) and
 * queues the task if the server was still idle. */
static void begin(struct compute_svc *svc, const char *sql, enum compute_task task, const char *id)
{
	struct api_error err = {0};
	char now[21];
	ids_time_iso(time(NULL), now);
	sqlite3_stmt *st = db_stmt(sql, &err);
	if (st == NULL)
		goto fail;
	db_bind_text(st, 1, now);
	db_bind_text(st, 2, id);
	if (db_exec_stmt(st, &err) != 0)
		goto fail;
	if (sqlite3_changes(db_conn(&err)) == 0)
		return; /* an action came first */
	if (compute_task_submit(svc, task, id, 0, NULL, &err) == 0) {
		log_info("compute: %s %s (periodic)", compute_task_state(task), id);
		return;
	}
fail:
	log_error("compute: periodic %s of %s: %s", compute_task_state(task), id, err.message);
}

static void run_once(struct compute_svc *svc)
{
	struct arena *a = arena_new();
	struct api_error err = {0};
	const char *ids[100];
	char cutoff[21];
	if (svc->shelved_offload_time > 0) {
		ids_time_iso(time(NULL) - svc->shelved_offload_time, cutoff);
		size_t n = due(a, SQL_SHELVED_DUE, svc->host.name, cutoff, ids, &err);
		for (size_t i = 0; i < n; i++)
			begin(svc, SQL_OFFLOAD_BEGIN, COMPUTE_TASK_SHELVE_OFFLOAD, ids[i]);
	}
	if (svc->reclaim_interval > 0) {
		ids_time_iso(time(NULL) - svc->reclaim_interval, cutoff);
		size_t n = due(a, SQL_RECLAIM_DUE, svc->host.name, cutoff, ids, &err);
		for (size_t i = 0; i < n; i++)
			begin(svc, SQL_RECLAIM_BEGIN, COMPUTE_TASK_DESTROY, ids[i]);
	}
	compute_usage_audit_run(svc);
	arena_free(a);
}

static void *periodic_main(void *arg)
{
	struct compute_svc *svc = arg;
	pthread_mutex_lock(&svc->periodic_mu);
	while (!svc->periodic_stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += PERIODIC_SECONDS;
		pthread_cond_timedwait(&svc->periodic_cv, &svc->periodic_mu, &until);
		if (svc->periodic_stop)
			break;
		pthread_mutex_unlock(&svc->periodic_mu);
		run_once(svc);
		pthread_mutex_lock(&svc->periodic_mu);
	}
	pthread_mutex_unlock(&svc->periodic_mu);
	db_close_thread();
	return NULL;
}

int compute_periodic_start(struct compute_svc *svc, struct api_error *err)
{
	pthread_mutex_init(&svc->periodic_mu, NULL);
	pthread_cond_init(&svc->periodic_cv, NULL);
	int rc = pthread_create(&svc->periodic, NULL, periodic_main, svc);
	if (rc != 0) {
		pthread_cond_destroy(&svc->periodic_cv);
		pthread_mutex_destroy(&svc->periodic_mu);
		return api_fail(err, API_INTERNAL, "cannot start the compute periodic tasks: %s",
		                strerror(rc));
	}
	svc->periodic_running = true;
	return 0;
}

void compute_periodic_stop(struct compute_svc *svc)
{
	if (svc == NULL || !svc->periodic_running)
		return;
	pthread_mutex_lock(&svc->periodic_mu);
	svc->periodic_stop = true;
	pthread_cond_signal(&svc->periodic_cv);
	pthread_mutex_unlock(&svc->periodic_mu);
	pthread_join(svc->periodic, NULL);
	svc->periodic_running = false;
	pthread_cond_destroy(&svc->periodic_cv);
	pthread_mutex_destroy(&svc->periodic_mu);
}
