/* The object expirer: a thread of the service that removes objects whose
 * X-Delete-At has passed, every few seconds (reads treat them as absent at
 * once; this gives their bytes back). Started and stopped with the service. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/log.h"
#include "object/internal.h"

#define EXPIRER_PERIOD_SECONDS 5

static void *expirer_main(void *arg)
{
	struct object_svc *svc = arg;
	pthread_mutex_lock(&svc->expirer_mu);
	while (!svc->expirer_stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += EXPIRER_PERIOD_SECONDS;
		pthread_cond_timedwait(&svc->expirer_cv, &svc->expirer_mu, &until);
		if (svc->expirer_stop)
			break;
		pthread_mutex_unlock(&svc->expirer_mu);
		struct arena *a = arena_new();
		struct api_error err = {0};
		int n = 0;
		if (object_store_expire(a, svc, &n, &err) != 0)
			log_error("msg=\"object expirer failed\" error=\"%s\"", err.message);
		else if (n)
			log_info("msg=\"expired objects removed\" count=%d", n);
		arena_free(a);
		pthread_mutex_lock(&svc->expirer_mu);
	}
	pthread_mutex_unlock(&svc->expirer_mu);
	db_close_thread();
	return NULL;
}

int object_expirer_start(struct object_svc *svc, struct api_error *err)
{
	pthread_mutex_init(&svc->expirer_mu, NULL);
	pthread_cond_init(&svc->expirer_cv, NULL);
	int rc = pthread_create(&svc->expirer, NULL, expirer_main, svc);
	if (rc != 0)
		return api_fail(err, API_INTERNAL, "cannot start the object expirer: %s",
		                strerror(rc));
	svc->expirer_running = true;
	return 0;
}

void object_expirer_stop(struct object_svc *svc)
{
	if (!svc || !svc->expirer_running)
		return;
	pthread_mutex_lock(&svc->expirer_mu);
	svc->expirer_stop = true;
	pthread_cond_signal(&svc->expirer_cv);
	pthread_mutex_unlock(&svc->expirer_mu);
	pthread_join(svc->expirer, NULL);
	svc->expirer_running = false;
	pthread_cond_destroy(&svc->expirer_cv);
	pthread_mutex_destroy(&svc->expirer_mu);
}
