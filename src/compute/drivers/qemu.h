/* The QEMU driver: one qemu-system-x86_64 process per running server, driven
 * over QMP. Guests outlive the daemon: they are found again by their pid
 * files and QMP sockets, and a watcher reports a guest that died on its own
 * within a second or two. compute/driver.h's operations are thin wrappers
 * over these functions (qemu_driver.c). */
#ifndef STACKD_COMPUTE_QEMU_H
#define STACKD_COMPUTE_QEMU_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "compute/drivers/configdrive.h"
#include "compute/drivers/kvm_probe.h"
#include "compute/drivers/qemu-t.h"
#include "core/config.h"
#include "core/error.h"

/* Nova's power_state codes. */
enum qemu_power {
	QEMU_POWER_NOSTATE = 0,
	QEMU_POWER_RUNNING = 1,
	QEMU_POWER_PAUSED = 3,
	QEMU_POWER_SHUTDOWN = 4,
	QEMU_POWER_CRASHED = 6,
	QEMU_POWER_SUSPENDED = 7,
};

struct qemu_driver;

/* Called from the watcher thread when a watched guest's power state changed
 * by itself (died, powered off from inside, paused by QEMU). */
typedef void (*qemu_power_cb)(void *cls, const char *uuid, enum qemu_power state);

/* Options, all from the [compute] section: qemu_binary, accel
 * (auto|kvm|tcg), machine_type (pc), tcg_tb_size (MB, 32), shutdown_timeout
 * (s, 60), instances_path (DATA/compute/instances), image_cache_path
 * (DATA/compute/_base). Probes the accelerator and logs the choice. */
int qemu_driver_start(const struct config *cfg, const char *data_dir, qemu_power_cb cb, void *cls,
                      struct qemu_driver **out, struct api_error *err);
void qemu_driver_stop(struct qemu_driver *d); /* guests keep running */

const struct qemu_accel_choice *qemu_driver_accel(const struct qemu_driver *d);
/* QEMU's version as Nova reports hypervisor_version (7.2.0 -> 7002000);
 * 0 when `qemu-system-x86_64 --version` could not be read. */
long qemu_driver_version(const struct qemu_driver *d);
const char *qemu_driver_instances_path(const struct qemu_driver *d);

/* What a new guest is made of; borrowed for the call. */
struct qemu_spec {
	const char *uuid;
	const char *name;
	int vcpus;
	int ram_mb;
	long long root_gb;      /* 0: the image's own size */
	long long ephemeral_gb; /* 0: none */
	long long swap_mb;      /* 0: none */
	const char *image_id;   /* key of the per-host image cache */
	const char *image_path; /* the image's file (any qemu-img format) */
	const char *machine;    /* hw_machine_type, or NULL for the default */
	bool config_drive;
	const struct qemu_cd_file *cd_files; /* config drive contents */
	size_t ncd_files;
	const struct qemu_nic *nics;
	size_t nnics;
};

/* Creates the instance directory, the disks and the config drive and boots
 * the guest. On failure nothing of it is left behind. */
int qemu_guest_spawn(struct qemu_driver *d, const struct qemu_spec *spec, struct api_error *err);
/* Ends the guest and removes its directory; a guest that is gone is fine. */
int qemu_guest_destroy(struct qemu_driver *d, const char *uuid, struct api_error *err);
/* Boots the guest again from its instance directory (same disks). */
int qemu_guest_power_on(struct qemu_driver *d, const char *uuid, struct api_error *err);
/* ACPI power-off, forced after timeout_s (<0: the configured timeout). */
int qemu_guest_power_off(struct qemu_driver *d, const char *uuid, int timeout_s,
                         struct api_error *err);
/* Soft: power-off with the timeout then boot (hard when the guest does not
 * go down); hard: end the process and boot. */
int qemu_guest_reboot(struct qemu_driver *d, const char *uuid, bool hard, struct api_error *err);
int qemu_guest_pause(struct qemu_driver *d, const char *uuid, struct api_error *err);
int qemu_guest_unpause(struct qemu_driver *d, const char *uuid, struct api_error *err);
/* Saves the guest's memory to its instance directory and ends QEMU. */
int qemu_guest_suspend(struct qemu_driver *d, const char *uuid, struct api_error *err);
/* Boots QEMU again from the saved memory. */
int qemu_guest_resume(struct qemu_driver *d, const char *uuid, struct api_error *err);
/* A standalone qcow2 of the root disk at dest; a running guest is paused
 * for the copy. */
int qemu_guest_snapshot(struct qemu_driver *d, const char *uuid, const char *dest,
                        struct api_error *err);
/* The state as QEMU reports it; starts watching a running guest (this is
 * how guests are re-adopted after a restart of stackd). */
int qemu_guest_power_state(struct qemu_driver *d, const char *uuid, enum qemu_power *state,
                           struct api_error *err);
/* The last max_lines lines (all when <= 0) of the serial console, malloc'ed. */
/* driver.h's diagnostics (fills diag in) and inject_nmi, over QMP
 * (qemu_diag.c). */
/* Converts the image into the host's image cache now (as a spawn would). */
int qemu_image_precache(struct qemu_driver *d, const char *image_id, const char *path,
                        struct api_error *err);
/* The lowest NIC slot none of nics has; 0 when all are taken. */
int qemu_nic_slot_free(const struct qemu_nic *nics, size_t n);
/* The PCI slot of the guest's NIC with that MAC; 0 when unknown. */
int qemu_guest_nic_slot(struct qemu_driver *d, const char *uuid, const char *mac);
int qemu_guest_diagnostics(struct qemu_driver *d, const char *uuid, json_t *diag,
                           struct api_error *err);
int qemu_guest_inject_nmi(struct qemu_driver *d, const char *uuid, struct api_error *err);
int qemu_guest_console(struct qemu_driver *d, const char *uuid, int max_lines, char **out,
                       size_t *len, struct api_error *err);
/* qemu_console.c. Remote consoles (kind "serial"): check answers 400
 * "Unavailable console type" when the guest has no such console, else
 * writes where the proxy will connect (the socket's path); open connects
 * to it (409 when QEMU does not run). */
int qemu_guest_console_check(struct qemu_driver *d, const char *uuid, const char *kind, char *where,
                             size_t len, struct api_error *err);
int qemu_guest_console_open(struct qemu_driver *d, const char *uuid, const char *kind, int *out,
                            struct api_error *err);
/* Grows the root disk to root_gb (never shrinks) and records the new vCPUs
 * and RAM for the next boot. The guest must be off. */
int qemu_guest_resize(struct qemu_driver *d, const char *uuid, int vcpus, int ram_mb,
                      long long root_gb, struct api_error *err);
/* A new root disk from another image (same instance); the guest must be off. */
int qemu_guest_rebuild(struct qemu_driver *d, const struct qemu_spec *spec, struct api_error *err);

/* qemu_rescue.c. Rescue: the guest is shut down (ACPI, then forced) and
 * booted from a fresh overlay on spec's image with its own disks after it;
 * unrescue: forced off, the rescue disk removed, booted from its own disk. */
int qemu_guest_rescue(struct qemu_driver *d, const struct qemu_spec *spec, struct api_error *err);
int qemu_guest_unrescue(struct qemu_driver *d, const char *uuid, struct api_error *err);

/* qemu_nics.c. Adds a NIC (its tap plugged if network has not): hot-plugged
 * into a running or paused guest over QMP, and recorded for every later
 * boot. 409 while suspended (the saved memory has the old devices). */
int qemu_guest_attach_nic(struct qemu_driver *d, const char *uuid, const struct qemu_nic *nic,
                          struct api_error *err);
/* Removes the NIC on that tap: the guest is asked to eject it (ACPI) and
 * given up to timeout_s to let it go; 409 when it does not, and the NIC
 * stays. A NIC the guest does not have is not an error. */
int qemu_guest_detach_nic(struct qemu_driver *d, const char *uuid, const char *tap, int timeout_s,
                          struct api_error *err);

#endif
