/* Group commit of directory syncs. After a request links a data file into
 * (or unlinks one from) <root>/<hh>, it needs an fsync of that directory
 * that STARTED after its link: one such fsync covers every request that
 * linked into the directory before it began, however many. Requests ask
 * (object_dirsync_request, which returns a ticket) and wait
 * (object_dirsync_wait); a few threads of the service run the fsyncs, at
 * most one at a time per directory, the next one as soon as the previous
 * ends if anyone asked meanwhile. So concurrent PUTs into one directory
 * share a cache flush, and the asking thread is free to fsync its own
 * file while the directory is synced (store.c).
 *
 * Per directory: `started` counts the fsyncs begun, `done` the last one
 * finished (they finish in order: one at a time), `failed` the last one
 * that failed. A request arriving when `started` is s gets ticket s + 1:
 * fsync number s may have begun before its link, s + 1 cannot have. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "object/internal.h"

#define DIRSYNC_THREADS 4
#define DIRSYNC_DIRS 256

struct dirsync_slot {
	int fd; /* the directory, opened on first use and kept */
	uint64_t started, done, failed;
	int error;    /* errno of the last failure */
	bool pending; /* someone asked since the running fsync began */
	bool queued, running;
};

struct object_dirsync {
	pthread_mutex_t mu;
	pthread_cond_t work, finished;
	struct dirsync_slot slot[DIRSYNC_DIRS];
	int queue[DIRSYNC_DIRS]; /* slots to sync, FIFO; each at most once */
	size_t head, len;
	bool stop;
	pthread_t threads[DIRSYNC_THREADS];
	int nthreads;
	char root[4096];
};

static void enqueue(struct object_dirsync *s, int i)
{
	s->queue[(s->head + s->len) % DIRSYNC_DIRS] = i;
	s->len++;
	s->slot[i].queued = true;
	pthread_cond_signal(&s->work);
}

static void *dirsync_thread(void *arg)
{
	struct object_dirsync *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->len && !s->stop)
			pthread_cond_wait(&s->work, &s->mu);
		if (s->stop)
			break;
		int i = s->queue[s->head];
		s->head = (s->head + 1) % DIRSYNC_DIRS;
		s->len--;
		struct dirsync_slot *d = &s->slot[i];
		d->queued = false;
		d->pending = false;
		d->running = true;
		uint64_t id = ++d->started;
		int fd = d->fd;
		pthread_mutex_unlock(&s->mu);
		int e = 0;
		if (fd < 0) {
			char path[4200];
			snprintf(path, sizeof(path), "%s/%02x", s->root, i);
			fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				e = errno;
		}
		if (fd >= 0 && fsync(fd) != 0)
			e = errno;
		pthread_mutex_lock(&s->mu);
		if (d->fd < 0)
			d->fd = fd;
		d->done = id;
		if (e) {
			d->failed = id;
			d->error = e;
		}
		d->running = false;
		if (d->pending && !d->queued)
			enqueue(s, i);
		pthread_cond_broadcast(&s->finished);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int object_dirsync_start(struct object_svc *svc, struct api_error *err)
{
	struct object_dirsync *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->finished, NULL);
	for (int i = 0; i < DIRSYNC_DIRS; i++)
		s->slot[i].fd = -1;
	snprintf(s->root, sizeof(s->root), "%s", svc->root);
	svc->dirsync = s;
	for (int i = 0; i < DIRSYNC_THREADS; i++) {
		if (pthread_create(&s->threads[i], NULL, dirsync_thread, s) != 0) {
			object_dirsync_stop(svc);
			return api_fail(err, API_INTERNAL,
			                "cannot start the directory sync threads");
		}
		s->nthreads++;
	}
	return 0;
}

void object_dirsync_stop(struct object_svc *svc)
{
	struct object_dirsync *s = svc->dirsync;
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	for (int i = 0; i < DIRSYNC_DIRS; i++)
		if (s->slot[i].fd >= 0)
			close(s->slot[i].fd);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->finished);
	free(s);
	svc->dirsync = NULL;
}

uint64_t object_dirsync_request(struct object_svc *svc, int dir)
{
	struct object_dirsync *s = svc->dirsync;
	pthread_mutex_lock(&s->mu);
	struct dirsync_slot *d = &s->slot[dir];
	uint64_t ticket = d->started + 1;
	d->pending = true;
	if (!d->queued && !d->running)
		enqueue(s, dir);
	pthread_mutex_unlock(&s->mu);
	return ticket;
}

int object_dirsync_wait(struct object_svc *svc, int dir, uint64_t ticket, struct api_error *err)
{
	struct object_dirsync *s = svc->dirsync;
	pthread_mutex_lock(&s->mu);
	struct dirsync_slot *d = &s->slot[dir];
	while (d->done < ticket)
		pthread_cond_wait(&s->finished, &s->mu);
	/* Conservative: a failure of any fsync from the ticket on fails it. */
	int e = d->failed >= ticket ? d->error : 0;
	pthread_mutex_unlock(&s->mu);
	if (e)
		return api_fail(err, API_INTERNAL, "cannot sync %s/%02x: %s", svc->root, dir,
		                strerror(e));
	return 0;
}
