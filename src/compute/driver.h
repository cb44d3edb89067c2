/* The interface between the compute API (state machine, scheduler) and a
 * hypervisor driver: a table of operations per driver, chosen by
 * `[compute] driver = qemu|fake`. Every operation is blocking (the API runs
 * them on a core/work.h queue), idempotent where Nova's are (destroying a
 * guest that is gone is fine), and returns 0 or -1 with err filled.
 * Drivers: drivers/fake.c (no processes, for scale tests), drivers/qemu*.c. */
#ifndef STACKD_COMPUTE_DRIVER_H
#define STACKD_COMPUTE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "compute/driver-t.h"
#include "core/error.h"

struct stackd_env;

struct compute_driver {
	const char *name; /* "fake", "qemu" */

	/* Starts the driver (reads its [compute] options from env->cfg, keeps
	 * its files under env->data_dir/compute) and describes the host.
	 * cb reports guests changing power state on their own. */
	int (*init)(const struct stackd_env *env, compute_power_cb cb, void *cls, void **state,
	            struct compute_host_facts *facts, struct api_error *err);
	/* Stops the driver; guests keep running. Accepts NULL. */
	void (*fini)(void *state);

	/* Creates the instance directory, disks and config drive, plugs the
	 * NICs and boots. On failure nothing of the guest is left behind. */
	int (*spawn)(void *state, const struct compute_spec *spec, struct api_error *err);
	/* Ends the guest and removes its files and taps. */
	int (*destroy)(void *state, const char *id, struct api_error *err);
	int (*power_on)(void *state, const char *id, struct api_error *err);
	/* ACPI power-off forced after timeout_s; timeout_s == 0: hard at once;
	 * < 0: the driver's configured timeout. */
	int (*power_off)(void *state, const char *id, int timeout_s, struct api_error *err);
	/* Soft: shut down and boot again, hard when the guest does not go down. */
	int (*reboot)(void *state, const char *id, bool hard, struct api_error *err);
	int (*pause)(void *state, const char *id, struct api_error *err);
	int (*unpause)(void *state, const char *id, struct api_error *err);
	int (*suspend)(void *state, const char *id, struct api_error *err);
	int (*resume)(void *state, const char *id, struct api_error *err);
	/* Boots the guest from spec's image (rescue disk) with its own root
	 * disk attached second; unrescue boots from its own disk again. */
	int (*rescue)(void *state, const struct compute_spec *spec, struct api_error *err);
	int (*unrescue)(void *state, const char *id, struct api_error *err);
	/* Writes a standalone qcow2 of the root disk to dest. */
	int (*snapshot)(void *state, const char *id, const char *dest, struct api_error *err);
	/* Gives the (powered off) guest the new flavor's sizes: disks grow,
	 * never shrink; vCPUs and RAM apply at the next boot. */
	int (*resize)(void *state, const char *id, const struct compute_spec *flavor,
	              struct api_error *err);
	/* A new root disk from spec's image, same instance; guest powered off. */
	int (*rebuild)(void *state, const struct compute_spec *spec, struct api_error *err);
	int (*power_state)(void *state, const char *id, enum compute_power *out,
	                   struct api_error *err);
	/* The last max_lines lines (all when <= 0) of the console, malloc'ed. */
	int (*console)(void *state, const char *id, int max_lines, char **out, size_t *len,
	               struct api_error *err);
	/* Remote consoles, kind "serial" or "vnc". console_check: 0 when the
	 * guest has that console (it may be off: the proxy reaches it once it
	 * runs), writing what the proxy connects to into where (shown as
	 * os-console-auth-tokens' internal_access_path); 400 "Unavailable
	 * console type" when it has not. console_open: a connected stream
	 * socket to the console (409 when the guest does not run). NULL: the
	 * driver has no remote consoles (Nova's NotImplementedError, 501). */
	int (*console_check)(void *state, const char *id, const char *kind, char *where, size_t len,
	                     struct api_error *err);
	int (*console_open)(void *state, const char *id, const char *kind, int *fd,
	                    struct api_error *err);
	/* Fills in what the driver measures of a guest: diag is Nova's 2.48
	 * diagnostics object, pre-filled by the API from the server's record
	 * (counters null); the driver sets state, uptime and the counters it
	 * has (cpu_details, memory_details.used, disk_details, nic_details
	 * matched by mac_address). NULL: not built for this driver (501). */
	int (*diagnostics)(void *state, const char *id, json_t *diag, struct api_error *err);
	/* Injects an NMI into the running guest (trigger_crash_dump); a guest
	 * that is not running is API_CONFLICT. NULL: not built (501). */
	int (*inject_nmi)(void *state, const char *id, struct api_error *err);
	/* Puts the image (its bytes at path) in the host's image cache, as a
	 * boot would (2.81's pre-caching). NULL: the driver keeps no cache. */
	int (*cache_image)(void *state, const char *image_id, const char *path,
	                   struct api_error *err);
	/* The PCI address ("0000:00:08.0") of the guest's NIC with that MAC,
	 * for the device metadata; -1 when unknown. NULL: the driver has no
	 * buses to tell about. */
	int (*nic_address)(void *state, const char *id, const char *mac, char *out, size_t outsz);
	int (*attach_nic)(void *state, const char *id, const struct compute_nic *nic,
	                  struct api_error *err);
	int (*detach_nic)(void *state, const char *id, const char *port_id, struct api_error *err);
	/* Every guest the driver has on this host (running or not), malloc'ed
	 * array in *out; used to re-sync power states after a restart. */
	int (*list)(void *state, struct compute_guest_state **out, size_t *n,
	            struct api_error *err);
};

extern const struct compute_driver compute_driver_fake;

/* The driver named name ("fake", "qemu"), or NULL (driver.c's table). */
const struct compute_driver *compute_driver_find(const char *name);
/* The default when [compute] driver is not set. */
const char *compute_driver_default(void);

#endif
