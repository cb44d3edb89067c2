/* Runs a host tool (qemu-img, ip, genisoimage, mkswap) to completion, with
 * its stderr kept for the error message when it fails. */
#ifndef STACKD_COMPUTE_RUN_H
#define STACKD_COMPUTE_RUN_H

#include <stddef.h>

#include "core/error.h"

/* argv is NULL-terminated; argv[0] is looked up in PATH. */
int qemu_run(const char *const argv[], struct api_error *err);
/* Same, with the tool's stdout in stdout_buf (NUL-terminated, cut to fit). */
int qemu_run_output(const char *const argv[], char *stdout_buf, size_t stdout_size,
                    struct api_error *err);

/* Child-side set-up shared with the QEMU launcher: a fresh session, default
 * signal dispositions and mask (the daemon's threads block some), stdin from
 * /dev/null, stdout to outfd (errfd when
 * it is -1), stderr to errfd, every other descriptor closed. */
void qemu_child_setup(int outfd, int errfd);

#endif
