/* A small QMP client: connects to a guest's QEMU monitor socket, negotiates
 * capabilities and runs one command at a time with a deadline. Asynchronous
 * events that arrive while a reply is awaited are skipped. */
#ifndef STACKD_COMPUTE_QMP_H
#define STACKD_COMPUTE_QMP_H

#include <jansson.h>

#include "core/error.h"

struct qmp;

/* path may be longer than a sockaddr_un holds (it is reached through
 * /proc/self/fd then). */
int qmp_connect(const char *path, int timeout_ms, struct qmp **out, struct api_error *err);
void qmp_close(struct qmp *q); /* accepts NULL */

/* Runs cmd with args (borrowed, may be NULL). On success *ret (if ret is not
 * NULL) gets the "return" value, a new reference the caller releases. A QMP
 * error reply fails with its description. */
int qmp_execute(struct qmp *q, const char *cmd, json_t *args, int timeout_ms, json_t **ret,
                struct api_error *err);

/* Connect, execute, close. */
int qmp_run(const char *path, const char *cmd, json_t *args, int timeout_ms, json_t **ret,
            struct api_error *err);

#endif
