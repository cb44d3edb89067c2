/* One guest's QEMU process: its command line, starting it detached from the
 * daemon (it outlives stackd), finding it again by pid file, and ending it. */
#ifndef STACKD_COMPUTE_QEMU_PROC_H
#define STACKD_COMPUTE_QEMU_PROC_H

#include <sys/types.h>

#include "compute/drivers/qemu-t.h"
#include "core/error.h"

#define QEMU_ARGV_MAX 128

struct qemu_argv {
	char *v[QEMU_ARGV_MAX + 1]; /* NULL-terminated, each malloc'ed */
	int n;
};

/* Builds the command line (pure: touches no file). */
int qemu_proc_argv(const char *binary, const struct qemu_guest *g, struct qemu_argv *out,
                   struct api_error *err);
void qemu_argv_free(struct qemu_argv *a);

/* Starts QEMU daemonized in its own session; returns once QEMU has set the
 * guest up (or failed, with the reason from its stderr). */
int qemu_proc_start(const char *binary, const struct qemu_guest *g, struct api_error *err);

/* The pid of this guest's QEMU when it runs: the pid file names a live
 * process whose command line carries the uuid. 0 otherwise. */
pid_t qemu_proc_pid(const char *dir, const char *uuid);

/* Waits until pid is gone; 0 when it went within timeout_ms. */
int qemu_proc_wait_gone(pid_t pid, int timeout_ms);

/* Ends the guest's QEMU now: QMP quit, then SIGTERM, then SIGKILL. */
int qemu_proc_kill(const char *dir, const char *uuid, struct api_error *err);

/* Asks the guest to power off (ACPI) and waits up to timeout_s for QEMU to
 * exit; then ends it as qemu_proc_kill does. clean is set when the guest
 * went down by itself. */
int qemu_proc_shutdown(const char *dir, const char *uuid, int timeout_s, int *clean,
                       struct api_error *err);

#endif
