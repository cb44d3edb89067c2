/* A mutex + condition variable FIFO served by a few threads. */
#include "core/work.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/db.h"

struct job {
	struct job *next;
	void (*fn)(void *);
	void *arg;
};

struct work_queue {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	struct job *head, *tail;
	bool stopping;
	unsigned nthreads;
	pthread_t *threads;
};

static void *worker(void *p)
{
	struct work_queue *q = p;
	for (;;) {
		pthread_mutex_lock(&q->lock);
		while (!q->head && !q->stopping)
			pthread_cond_wait(&q->ready, &q->lock);
		struct job *j = q->head;
		if (j) {
			q->head = j->next;
			if (!q->head)
				q->tail = NULL;
		}
		pthread_mutex_unlock(&q->lock);
		if (!j)
			break;
		j->fn(j->arg);
		free(j);
	}
	db_close_thread();
	return NULL;
}

struct work_queue *work_queue_new(unsigned threads, struct api_error *err)
{
	struct work_queue *q = calloc(1, sizeof(*q));
	if (!q)
		abort();
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->ready, NULL);
	q->threads = calloc(threads, sizeof(*q->threads));
	if (!q->threads)
		abort();
	for (unsigned i = 0; i < threads; i++) {
		if (pthread_create(&q->threads[i], NULL, worker, q) != 0) {
			api_fail(err, API_INTERNAL, "cannot start worker thread");
			work_queue_free(q);
			return NULL;
		}
		q->nthreads++;
	}
	return q;
}

void work_queue_free(struct work_queue *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_broadcast(&q->ready);
	pthread_mutex_unlock(&q->lock);
	for (unsigned i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	free(q->threads);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->ready);
	free(q);
}

int work_submit(struct work_queue *q, void (*fn)(void *arg), void *arg, struct api_error *err)
{
	struct job *j = malloc(sizeof(*j));
	if (!j)
		return api_fail(err, API_INTERNAL, "out of memory");
	j->fn = fn;
	j->arg = arg;
	j->next = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->stopping) {
		pthread_mutex_unlock(&q->lock);
		free(j);
		return api_fail(err, API_UNAVAILABLE, "shutting down");
	}
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	pthread_cond_signal(&q->ready);
	pthread_mutex_unlock(&q->lock);
	return 0;
}
