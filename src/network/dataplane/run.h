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
/* Starts a daemon (it forks itself away, e.g. dnsmasq) with stdout and
 * stderr to log_path; waits for the launcher to exit. */
int dp_spawn_daemon(struct api_error *err, const char *log_path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

bool dp_link_exists(const char *name);
bool dp_netns_exists(const char *name);
/* The pid in a pid file if that process is alive and its command line
 * holds `needle`; 0 otherwise. */
pid_t dp_pidfile_alive(const char *path, const char *needle);

#endif
