/* Types of the hypervisor driver interface (driver.h): what the compute
 * API tells a driver about a guest (compute_spec, compute_nic), what a
 * driver tells the API about its host (compute_host_facts), and Nova's
 * power_state codes. Strings in a spec are borrowed for the call. */
#ifndef STACKD_COMPUTE_DRIVER_T_H
#define STACKD_COMPUTE_DRIVER_T_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Nova's power_state values (nova/compute/power_state.py). */
enum compute_power {
	COMPUTE_POWER_NOSTATE = 0,
	COMPUTE_POWER_RUNNING = 1,
	COMPUTE_POWER_PAUSED = 3,
	COMPUTE_POWER_SHUTDOWN = 4,
	COMPUTE_POWER_CRASHED = 6,
	COMPUTE_POWER_SUSPENDED = 7,
};

/* What the driver found on its host at init. */
struct compute_host_facts {
	int vcpus;                    /* usable CPUs */
	long long ram_mb;             /* total memory */
	long long disk_gb;            /* size of the file system holding instances */
	char hypervisor_type[32];     /* "QEMU", "fake" */
	long hypervisor_version;      /* 7.2.0 -> 7002000; 0 unknown */
	char accelerator[16];         /* "kvm", "tcg", "none" */
	char accelerator_reason[160]; /* why it was chosen (for os-hypervisors, logs) */
	char cpu_arch[16];            /* "x86_64" */
};

/* One NIC of a guest: a tap device plugged into a bridge. */
struct compute_nic {
	const char *port_id;
	const char *mac;              /* "fa:16:3e:xx:xx:xx" */
	const char *tap;              /* host tap device name (created by the driver) */
	const char *bridge;           /* bridge to plug the tap into; NULL: leave unplugged */
	int mtu;                      /* 0: leave as is */
	const char *const *fixed_ips; /* addresses, for logs and the config drive */
	size_t nfixed_ips;
};

/* A guest to create (spawn, rebuild, rescue). */
struct compute_spec {
	const char *id;       /* server uuid */
	const char *name;     /* display name */
	const char *hostname; /* guest host name */
	const char *project_id;
	const char *flavor_name;
	int vcpus;
	int ram_mb;
	long long root_gb;       /* 0: the image's own virtual size */
	long long ephemeral_gb;  /* 0: none */
	long long swap_mb;       /* 0: none */
	const char *image_id;    /* key of a per-host image cache */
	const char *image_path;  /* the image's bytes (read only) */
	const char *disk_format; /* "qcow2", "raw", ... */
	const char *machine;     /* image property hw_machine_type, or NULL */
	const char *key_name;    /* NULL: none */
	const char *public_key;  /* OpenSSH line, NULL: none */
	const char *user_data;   /* decoded bytes, NULL: none */
	size_t user_data_len;
	json_t *metadata;     /* server metadata, object of strings (borrowed) */
	json_t *meta_data;    /* OpenStack meta_data.json for the config drive (borrowed) */
	json_t *network_data; /* network_data.json object (borrowed), may be NULL */
	bool config_drive;
	const struct compute_nic *nics;
	size_t nnics;
	const char *instance_dir; /* absolute; the driver creates it */
};

/* A guest the driver knows of (list, for the re-sync after a restart). */
struct compute_guest_state {
	char id[37];
	enum compute_power power;
};

/* Reports a guest whose power state changed by itself (died, powered off
 * from inside). Called from a driver thread; must not block for long. */
typedef void (*compute_power_cb)(void *cls, const char *id, enum compute_power power);

#endif
