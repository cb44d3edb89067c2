/* The QEMU driver's diagnostics and NMI (driver.h's diagnostics and
 * inject_nmi) over the guest's QMP socket: query-status for the state,
 * query-cpus-fast for the vCPU threads (their CPU time from /proc),
 * query-blockstats for the disks, query-balloon for the memory in use
 * when the guest has a balloon, its taps' counters for the NICs;
 * inject-nmi for trigger_crash_dump. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "compute/drivers/link_stats.h"
#include "compute/drivers/qemu_guest.h"
#include "compute/drivers/qemu_proc.h"

static const char *diag_state(const char *qmp_status)
{
	if (strcmp(qmp_status, "running") == 0)
		return "running";
	if (strcmp(qmp_status, "suspended") == 0)
		return "suspended";
	if (strcmp(qmp_status, "guest-panicked") == 0 || strcmp(qmp_status, "internal-error") == 0)
		return "crashed";
	if (strcmp(qmp_status, "shutdown") == 0)
		return "shutdown";
	return "paused";
}

/* utime + stime of a thread of pid, in nanoseconds; -1 if unknown. */
static long long thread_cpu_ns(pid_t pid, long long tid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/task/%lld/stat", (int)pid, tid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')'); /* the command may hold spaces */
	unsigned long long ut = 0, st = 0;
	if (p == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	long hz = sysconf(_SC_CLK_TCK);
	return hz > 0 ? (long long)((ut + st) * (1000000000ULL / (unsigned long long)hz)) : -1;
}

static void set_int(json_t *o, const char *key, json_t *from, const char *from_key)
{
	json_t *v = json_object_get(from, from_key);
	if (json_is_integer(v))
		json_object_set_new(o, key, json_integer(json_integer_value(v)));
}

/* Fills the counters of the nic_details entries (found by MAC) from the
 * guest's taps, as libvirt does: from the guest's side, so what the tap
 * transmitted is what the guest received. A tap that is gone keeps nulls. */
static void nic_counters(struct qemu_driver *d, const char *uuid, json_t *nics)
{
	struct qemu_rec r;
	struct api_error ignored = {0};
	if (qemu_rec_load(d, uuid, &r, &ignored) != 0)
		return;
	size_t i;
	json_t *nic;
	json_array_foreach(nics, i, nic)
	{
		const char *mac = json_string_value(json_object_get(nic, "mac_address"));
		for (size_t k = 0; mac && k < r.g.nnics; k++) {
			struct link_stats st;
			if (!r.nics[k].mac || strcasecmp(r.nics[k].mac, mac) != 0 ||
			    link_stats_read(r.nics[k].tap, &st, &ignored) != 0)
				continue;
			json_object_set_new(nic, "rx_octets",
			                    json_integer((json_int_t)st.tx_bytes));
			json_object_set_new(nic, "rx_packets",
			                    json_integer((json_int_t)st.tx_packets));
			json_object_set_new(nic, "rx_errors",
			                    json_integer((json_int_t)st.tx_errors));
			json_object_set_new(nic, "rx_drop",
			                    json_integer((json_int_t)st.tx_dropped));
			json_object_set_new(nic, "tx_octets",
			                    json_integer((json_int_t)st.rx_bytes));
			json_object_set_new(nic, "tx_packets",
			                    json_integer((json_int_t)st.rx_packets));
			json_object_set_new(nic, "tx_errors",
			                    json_integer((json_int_t)st.rx_errors));
			json_object_set_new(nic, "tx_drop",
			                    json_integer((json_int_t)st.rx_dropped));
			break;
		}
	}
	qemu_rec_free(&r);
}

int qemu_guest_diagnostics(struct qemu_driver *d, const char *uuid, json_t *diag,
                           struct api_error *err)
{
	char dir[4096], pidfile[4096];
	json_t *ret = NULL;
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	qemu_guest_dir(d, uuid, dir, sizeof(dir));
	qemu_guest_lock(d, uuid);
	pid_t pid = qemu_proc_pid(dir, uuid);
	struct api_error ignored = {0};
	if (!pid || qemu_guest_qmp(d, uuid, "query-status", NULL, &ret, &ignored) != 0) {
		/* No QEMU: a powered-off guest, nothing to measure. */
		qemu_guest_unlock(d, uuid);
		json_object_set_new(diag, "state", json_string("shutdown"));
		json_object_set_new(diag, "uptime", json_null());
		return 0;
	}
	const char *status = json_string_value(json_object_get(ret, "status"));
	json_object_set_new(diag, "state", json_string(diag_state(status ? status : "")));
	json_decref(ret);
	/* Uptime: since QEMU started (its pid file is written then). */
	struct stat st;
	qemu_guest_file(d, uuid, QEMU_PIDFILE, pidfile, sizeof(pidfile));
	if (stat(pidfile, &st) == 0)
		json_object_set_new(
		    diag, "uptime",
		    json_integer(time(NULL) > st.st_mtime ? time(NULL) - st.st_mtime : 0));
	if (qemu_guest_qmp(d, uuid, "query-cpus-fast", NULL, &ret, &ignored) == 0) {
		json_t *cpus = json_array();
		size_t i;
		json_t *c;
		json_array_foreach(ret, i, c)
		{
			long long ns =
			    thread_cpu_ns(pid, json_integer_value(json_object_get(c, "thread-id")));
			json_array_append_new(
			    cpus,
			    json_pack("{s:I,s:o,s:n}", "id",
			              json_integer_value(json_object_get(c, "cpu-index")), "time",
			              ns >= 0 ? json_integer(ns) : json_null(), "utilisation"));
		}
		json_object_set_new(diag, "cpu_details", cpus);
		json_object_set_new(diag, "num_cpus",
		                    json_integer((json_int_t)json_array_size(cpus)));
		json_decref(ret);
	}
	if (qemu_guest_qmp(d, uuid, "query-blockstats", NULL, &ret, &ignored) == 0) {
		json_t *disks = json_array();
		size_t i;
		json_t *b;
		json_array_foreach(ret, i, b)
		{
			json_t *s = json_object_get(b, "stats");
			if (s == NULL)
				continue;
			json_t *o =
			    json_pack("{s:n,s:n,s:n,s:n,s:n}", "read_bytes", "read_requests",
			              "write_bytes", "write_requests", "errors_count");
			set_int(o, "read_bytes", s, "rd_bytes");
			set_int(o, "read_requests", s, "rd_operations");
			set_int(o, "write_bytes", s, "wr_bytes");
			set_int(o, "write_requests", s, "wr_operations");
			set_int(o, "errors_count", s, "failed_rd_operations");
			json_array_append_new(disks, o);
		}
		json_object_set_new(diag, "disk_details", disks);
		json_object_set_new(diag, "num_disks",
		                    json_integer((json_int_t)json_array_size(disks)));
		json_decref(ret);
	}
	if (qemu_guest_qmp(d, uuid, "query-balloon", NULL, &ret, &ignored) == 0) {
		json_t *actual = json_object_get(ret, "actual");
		if (json_is_integer(actual))
			json_object_set_new(
			    json_object_get(diag, "memory_details"), "used",
			    json_integer(json_integer_value(actual) / (1024 * 1024)));
		json_decref(ret);
	}
	nic_counters(d, uuid, json_object_get(diag, "nic_details"));
	qemu_guest_unlock(d, uuid);
	return 0;
}

int qemu_guest_inject_nmi(struct qemu_driver *d, const char *uuid, struct api_error *err)
{
	char dir[4096];
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	qemu_guest_dir(d, uuid, dir, sizeof(dir));
	qemu_guest_lock(d, uuid);
	int rc;
	if (!qemu_proc_pid(dir, uuid))
		rc = api_fail(err, API_CONFLICT, "Instance %s is not running.", uuid);
	else
		rc = qemu_guest_qmp(d, uuid, "inject-nmi", NULL, NULL, err);
	qemu_guest_unlock(d, uuid);
	return rc;
}
