/* Background workers for long operations (booting a guest, converting an
 * image). A job is recorded in the database by its service before it is
 * queued, so a restart can find it; this queue only runs it. */
#ifndef STACKD_WORK_H
#define STACKD_WORK_H

#include "core/error.h"

struct work_queue;

struct work_queue *work_queue_new(unsigned threads, struct api_error *err);
/* Waits for queued jobs to finish, then stops the threads. Accepts NULL. */
void work_queue_free(struct work_queue *q);
/* Queues fn(arg); arg is owned by the job from here on (fn frees it). */
int work_submit(struct work_queue *q, void (*fn)(void *arg), void *arg, struct api_error *err);

#endif
