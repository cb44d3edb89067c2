/* Running the host tools the data plane drives (ip, nft, dnsmasq): a
 * command line split on spaces (every argument the data plane builds is an
 * id, a name or an address: no spaces, no shell), optional stdin, stderr
 * kept for the error message. Children get no descriptor of stackd. */
#ifndef STACKD_NETWORK_DP_RUN_H
#define STACKD_NETWORK_DP_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

/* Runs the command; 0 when it exits 0, else -1 with err (its stderr).
 * input (may be NULL) is written to its stdin; out (may be NULL) gets up
 * to outlen-1 bytes of stdout. */
int dp_run(struct api_error *err, const char *input, char *out, size_t outlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Starts a long-running child (dnsmasq in the foreground) with stdout and
 * stderr to log_path and writes its pid to pid_path. The child gets
 * SIGTERM when stackd ends (PR_SET_PDEATHSIG): nothing outlives the daemon,
 * even when its namespace is torn down without `stackd cleanup`. */
int dp_spawn_child(struct api_error *err, const char *log_path, const char *pid_path,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Waits (briefly) for a child that was told to end; a pid that is not our
 * child returns at once. */
void dp_reap(pid_t pid);

bool dp_link_exists(const char *name);
bool dp_netns_exists(const char *name);
/* The pid in a pid file if that process is alive and its command line
 * holds `needle`; 0 otherwise. */
pid_t dp_pidfile_alive(const char *path, const char *needle);

#endif
