/* Types of the QEMU driver: what one guest's QEMU process is made of. The
 * instance directory holds everything of a server on this host:
 *   disk          root disk, qcow2 overlay on the per-host image cache
 *   disk.eph0     ephemeral disk (flavor), disk.swap  swap disk (flavor)
 *   disk.config   config drive (ISO 9660, label config-2)
 *   disk.rescue   while rescued: overlay on the rescue image, booted first
 *   console.log   serial console output, appended across boots (QEMU's
 *                 chardev logfile: written whether a client is on or not)
 *   serial.sock   the serial console's socket (one client at a time: the
 *                 console proxy, qemu_console.c)
 *   vnc.sock      the VNC server of a guest with VNC graphics (RFB, no auth)
 *   qmp.sock      QMP monitor, qemu.pid  QEMU's pid file, qemu.log  its stderr
 *   suspend.state memory of a suspended guest */
#ifndef STACKD_COMPUTE_QEMU_T_H
#define STACKD_COMPUTE_QEMU_T_H

#include <stdbool.h>
#include <stddef.h>

#include "compute/drivers/kvm_probe.h"

#define QEMU_DISK "disk"
#define QEMU_DISK_EPH "disk.eph0"
#define QEMU_DISK_SWAP "disk.swap"
#define QEMU_DISK_CONFIG "disk.config"
#define QEMU_DISK_RESCUE "disk.rescue"
#define QEMU_CONSOLE "console.log"
#define QEMU_QMP "qmp.sock"
#define QEMU_SERIAL "serial.sock"
#define QEMU_VNC "vnc.sock"
#define QEMU_PIDFILE "qemu.pid"
#define QEMU_STDERR "qemu.log"
#define QEMU_SUSPEND "suspend.state"

struct qemu_nic {
	const char *tap;    /* host tap device, e.g. "tq1a2b3c4d-5e" */
	const char *bridge; /* bridge to plug it into, or NULL */
	const char *mac;    /* "fa:16:3e:..." */
	int mtu;            /* 0: leave as is */
	int slot;           /* PCI slot on bus 0 (QEMU_NIC_SLOT_*); 0: the next free one */
};

/* Fixed PCI slots, so a guest's devices keep their addresses from boot to
 * boot and the metadata can name them (device tags, 2.32): disks at 3-7,
 * NICs at 8-23 (below q35's ICH9 at 0x1f). */
#define QEMU_VGA_SLOT 0x02 /* guests with VNC graphics */
#define QEMU_DISK_SLOT_RESCUE 0x03
#define QEMU_DISK_SLOT_ROOT 0x04
#define QEMU_DISK_SLOT_EPH 0x05
#define QEMU_DISK_SLOT_SWAP 0x06
#define QEMU_DISK_SLOT_CONFIG 0x07
#define QEMU_NIC_SLOT_FIRST 0x08
#define QEMU_NIC_SLOT_END 0x18

/* One guest as QEMU sees it. Strings are borrowed for the call. */
struct qemu_guest {
	const char *uuid;
	const char *name;
	const char *dir; /* instance directory, absolute */
	int vcpus;
	int ram_mb;
	enum qemu_accel accel;
	const char *machine; /* "pc", "q35" */
	int tb_size_mb;      /* TCG translation cache; 0: QEMU's default */
	bool ephemeral, swap, config_drive;
	/* A VGA card shown by a VNC server on QEMU_VNC (chosen at spawn and
	 * kept: the device is part of the saved state of a suspend). */
	bool vnc;
	/* Boot from QEMU_DISK_RESCUE, with the root disk attached second. */
	bool rescue;
	const struct qemu_nic *nics;
	size_t nnics;
	bool incoming; /* resume from QEMU_SUSPEND */
};

#endif
