/* Host tap devices for guest NICs: created persistent before QEMU opens them
 * (-netdev tap,ifname=...,script=no), plugged into the port's bridge. */
#ifndef STACKD_COMPUTE_TAP_H
#define STACKD_COMPUTE_TAP_H

#include "compute/drivers/qemu-t.h"
#include "core/error.h"

#include <stdbool.h>

/* Whether a network device of that name exists in our network namespace. */
bool qemu_link_exists(const char *name);

int qemu_tap_plug(const struct qemu_nic *nic, struct api_error *err);
/* Removes the tap; a tap that is already gone is fine. */
void qemu_tap_unplug(const char *tap);

#endif
