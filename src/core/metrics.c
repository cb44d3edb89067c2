/* A small fixed table under one mutex: a request takes it once, for a few
 * additions, which costs far less than the request itself. Service and
 * method names are string constants with static lifetime. */
#include "core/metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

#define MAX_COUNTERS 512
#define MAX_SERVICES 16

static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKETS (sizeof(bounds) / sizeof(bounds[0]))

struct counter {
	char service[24], method[12];
	int status;
	unsigned long long count;
};

struct histogram {
	char service[24];
	unsigned long long buckets[NBUCKETS], count;
	double sum;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct counter counters[MAX_COUNTERS];
static size_t ncounters;
static struct histogram histograms[MAX_SERVICES];
static size_t nhistograms;

void metrics_observe(const char *service, const char *method, int status, double seconds)
{
	pthread_mutex_lock(&lock);
	struct counter *c = NULL;
	for (size_t i = 0; i < ncounters; i++) {
		if (counters[i].status == status && !strcmp(counters[i].service, service) &&
		    !strcmp(counters[i].method, method)) {
			c = &counters[i];
			break;
		}
	}
	if (!c && ncounters < MAX_COUNTERS) {
		c = &counters[ncounters++];
		snprintf(c->service, sizeof(c->service), "%s", service);
		snprintf(c->method, sizeof(c->method), "%s", method);
		c->status = status;
	}
	if (c)
		c->count++;
	struct histogram *h = NULL;
	for (size_t i = 0; i < nhistograms; i++)
		if (!strcmp(histograms[i].service, service))
			h = &histograms[i];
	if (!h && nhistograms < MAX_SERVICES) {
		h = &histograms[nhistograms++];
		snprintf(h->service, sizeof(h->service), "%s", service);
	}
	if (h) {
		for (size_t i = 0; i < NBUCKETS; i++)
			if (seconds <= bounds[i])
				h->buckets[i]++;
		h->count++;
		h->sum += seconds;
	}
	pthread_mutex_unlock(&lock);
}

char *metrics_render(struct arena *a, size_t *len)
{
	size_t cap = 1024 + MAX_COUNTERS * 128 + MAX_SERVICES * (NBUCKETS + 3) * 128;
	char *buf = arena_alloc(a, cap);
	size_t n = 0;
#define OUT(...) n += (size_t)snprintf(buf + n, cap - n, __VA_ARGS__)
	pthread_mutex_lock(&lock);
	OUT("# HELP stackd_http_requests_total HTTP requests answered.\n");
	OUT("# TYPE stackd_http_requests_total counter\n");
	for (size_t i = 0; i < ncounters; i++)
		OUT("stackd_http_requests_total{service=\"%s\",method=\"%s\",status=\"%d\"} %llu\n",
		    counters[i].service, counters[i].method, counters[i].status, counters[i].count);
	OUT("# HELP stackd_http_request_duration_seconds Time to answer a request.\n");
	OUT("# TYPE stackd_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < nhistograms; i++) {
		struct histogram *h = &histograms[i];
		for (size_t b = 0; b < NBUCKETS; b++)
			OUT("stackd_http_request_duration_seconds_bucket{service=\"%s\",le=\"%g\"} "
			    "%llu\n",
			    h->service, bounds[b], h->buckets[b]);
		OUT("stackd_http_request_duration_seconds_bucket{service=\"%s\",le=\"+Inf\"} "
		    "%llu\n",
		    h->service, h->count);
		OUT("stackd_http_request_duration_seconds_sum{service=\"%s\"} %.6f\n", h->service,
		    h->sum);
		OUT("stackd_http_request_duration_seconds_count{service=\"%s\"} %llu\n", h->service,
		    h->count);
	}
	pthread_mutex_unlock(&lock);
#undef OUT
	if (n > cap)
		n = cap - 1;
	*len = n;
	return buf;
}
