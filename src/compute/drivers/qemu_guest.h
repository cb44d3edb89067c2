/* Inside the QEMU driver only (qemu.c, qemu_nics.c): a guest's record
 * (guest.json: what its QEMU is started with), the per-guest lock every
 * operation holds, and its QMP socket. */
#ifndef STACKD_COMPUTE_QEMU_GUEST_H
#define STACKD_COMPUTE_QEMU_GUEST_H

#include <jansson.h>
#include <stddef.h>

#include "compute/drivers/qemu-t.h"
#include "compute/drivers/qemu.h"
#include "core/error.h"

#define QEMU_MAX_NICS 16
#define QEMU_PATH_MAX 4096

/* g and nics borrow their strings from json (or from the caller, for NICs
 * it adds before qemu_rec_save). */
struct qemu_rec {
	json_t *json;
	struct qemu_guest g;
	struct qemu_nic nics[QEMU_MAX_NICS];
	char dir[4096];
};

/* 400 unless uuid looks like a server id (it becomes a path). */
int qemu_check_uuid(const char *uuid, struct api_error *err);
void qemu_guest_dir(const struct qemu_driver *d, const char *uuid, char *out, size_t outsz);
void qemu_guest_file(const struct qemu_driver *d, const char *uuid, const char *name, char *out,
                     size_t outsz);
/* One operation at a time per guest; lock and unlock in the same thread. */
void qemu_guest_lock(struct qemu_driver *d, const char *uuid);
void qemu_guest_unlock(struct qemu_driver *d, const char *uuid);
/* 404 when the guest has no record on this host. Free with qemu_rec_free. */
int qemu_rec_load(struct qemu_driver *d, const char *uuid, struct qemu_rec *r,
                  struct api_error *err);
int qemu_rec_save(struct qemu_driver *d, const struct qemu_guest *g, struct api_error *err);
void qemu_rec_free(struct qemu_rec *r);
/* One QMP command; *ret (may be NULL) gets the "return" value, owned by the caller. */
int qemu_guest_qmp(struct qemu_driver *d, const char *uuid, const char *cmd, json_t *args,
                   json_t **ret, struct api_error *err);

/* Plugs the NICs, starts QEMU and watches it. Under the guest's lock. */
int qemu_guest_boot(struct qemu_driver *d, const struct qemu_guest *g, struct api_error *err);
/* ACPI power-off forced after timeout_s (< 0: configured; 0: at once).
 * Under the guest's lock. */
int qemu_power_off_locked(struct qemu_driver *d, const char *uuid, int timeout_s,
                          struct api_error *err);
/* A disk of the guest from spec's image: the image cached for the host,
 * then a qcow2 overlay on it (grown to size_gb; 0: the image's size)
 * written to tmp (<instance>/<name>.new); final gets <instance>/<name>.
 * qemu_overlay_commit renames it into place (removing tmp on failure):
 * callers stop the guest in between. */
int qemu_overlay_prepare(struct qemu_driver *d, const struct qemu_spec *s, const char *name,
                         long long size_gb, char tmp[QEMU_PATH_MAX + 8], char final[QEMU_PATH_MAX],
                         struct api_error *err);
int qemu_overlay_commit(const char *tmp, const char *final, struct api_error *err);

#endif
