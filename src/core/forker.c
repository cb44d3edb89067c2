/* The forker thread (see forker.h): a one-slot hand-off under a mutex. */
#include "core/forker.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct forker {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	void (*fn)(void *); /* the call being handed over, NULL when idle */
	void *arg;
	bool done;
	bool busy; /* a caller owns the slot */
};

static struct forker the_forker = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .changed = PTHREAD_COND_INITIALIZER,
};
static pthread_once_t started = PTHREAD_ONCE_INIT;

static void *forker_main(void *p)
{
	struct forker *f = p;
	pthread_mutex_lock(&f->lock);
	for (;;) {
		while (!f->fn || f->done)
			pthread_cond_wait(&f->changed, &f->lock);
		void (*fn)(void *) = f->fn;
		void *arg = f->arg;
		pthread_mutex_unlock(&f->lock);
		fn(arg);
		pthread_mutex_lock(&f->lock);
		f->done = true;
		pthread_cond_broadcast(&f->changed);
	}
	return NULL;
}

static void start_forker(void)
{
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* Without its thread nothing could be spawned safely: a broken
	 * process, not an error a request could report. */
	if (pthread_create(&t, &attr, forker_main, &the_forker) != 0)
		abort();
	pthread_attr_destroy(&attr);
}

void forker_call(void (*fn)(void *arg), void *arg)
{
	pthread_once(&started, start_forker);
	struct forker *f = &the_forker;
	pthread_mutex_lock(&f->lock);
	while (f->busy)
		pthread_cond_wait(&f->changed, &f->lock);
	f->busy = true;
	f->fn = fn;
	f->arg = arg;
	f->done = false;
	pthread_cond_broadcast(&f->changed);
	while (!f->done)
		pthread_cond_wait(&f->changed, &f->lock);
	f->fn = NULL;
	f->busy = false;
	pthread_cond_broadcast(&f->changed);
	pthread_mutex_unlock(&f->lock);
}
