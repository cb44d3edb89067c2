/* The pure logic of the compute API, apart so unit tests reach it without a
 * daemon: microversion negotiation, Nova's server status mapping, the
 * scheduler's filters, key pair fingerprints. No I/O, no database. */
#ifndef STACKD_COMPUTE_LOGIC_H
#define STACKD_COMPUTE_LOGIC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define COMPUTE_MV_MIN 1  /* 2.1 */
#define COMPUTE_MV_MAX 93 /* 2.93: the newest this cloud implements (Nova Zed's max) */

/* Picks the request's microversion from the two headers Nova reads
 * (OpenStack-API-Version wins; either may be NULL). "latest" is the max;
 * no header is the min. 400 for a malformed value, 406 out of range. */
int compute_mv_negotiate(const char *openstack_api_version, const char *nova_api_version,
                         int *minor, struct api_error *err);

/* Nova's status for a vm_state/task_state pair (nova/api/openstack/common.py). */
const char *compute_status(const char *vm_state, const char *task_state);
/* The vm_state(s) a status filter means, for list filters; NULL if unknown. */
const char *compute_status_vm_state(const char *status);

/* One compute host as the scheduler sees it. */
struct compute_host {
	char name[256];
	char zone[256];
	bool enabled;
	int vcpus;
	long long ram_mb, disk_gb;
	double cpu_ratio, ram_ratio, disk_ratio;
	long long reserved_ram_mb, reserved_disk_gb;
	char arch[16];
};

struct compute_usage {
	long long vcpus, ram_mb, disk_gb;
	long long servers;
};

/* What count servers of one flavor need. */
struct compute_demand {
	int count;
	int vcpus;
	long long ram_mb, disk_gb; /* disk: root + ephemeral + swap, GiB */
	const char *zone;          /* NULL: any */
	const char *arch;          /* image property, NULL: any */
	/* The server group the servers join (os:scheduler_hints group):
	 * its policy (NULL: none), its id (for messages), and how many of
	 * its members already run on this host. */
	const char *group_policy;
	const char *group_id;
	long long group_on_host;
	long long group_max_per_host; /* anti-affinity rule max_server_per_host; 0: 1 */
};

/* Runs the filters (enabled, zone, architecture, server group affinity
 * and anti-affinity, RAM, vCPU, disk) in Nova's order: 0 when the host passes, or -1 and the first
 * filter's reason ("RamFilter: needs 4096 MB, 1024 MB free of 2048 MB") in reason. */
int compute_sched_filter(const struct compute_host *h, const struct compute_usage *u,
                         const struct compute_demand *d, char *reason, size_t len);
/* The spread weigher: free RAM after placing d (higher is better). */
double compute_sched_weight(const struct compute_host *h, const struct compute_usage *u);

/* The server group weighers (ServerGroupSoftAffinityWeigher and
 * ServerGroupSoftAntiAffinityWeigher): members already on the host, as a
 * plus for soft-affinity and a minus for soft-anti-affinity, 0 for other
 * policies. The soft policies never refuse a host; they only weigh. */
double compute_sched_group_weight(const struct compute_demand *d);

/* Nova's server group policies; soft ones from 2.15. */
bool compute_group_policy_valid(const char *policy, int mv);

/* An OpenSSH public key line: its type ("ssh"; Nova's key pair type) is
 * checked, and its MD5 fingerprint written as Nova shows it ("ab:cd:..").
 * 400 for anything that is not a public key of a known algorithm. */
int compute_key_fingerprint(const char *public_key, char fp[48], struct api_error *err);

/* Nova's name rules for servers and key pairs. */
bool compute_keypair_name_valid(const char *name, bool v292);
/* oslo's strict bool_from_string: 1/t/true/on/y/yes and 0/f/false/off/n/no
 * in any case; false when v is none of them. */
bool compute_bool_string(const char *v, bool *out);

#endif
