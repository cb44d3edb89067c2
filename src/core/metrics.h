/* Request metrics in Prometheus text format: a counter per
 * (service, method, status) and a latency histogram per service. */
#ifndef STACKD_METRICS_H
#define STACKD_METRICS_H

#include <stddef.h>

struct arena;

void metrics_observe(const char *service, const char *method, int status, double seconds);
/* The exposition text, allocated from the arena. */
char *metrics_render(struct arena *a, size_t *len);

#endif
