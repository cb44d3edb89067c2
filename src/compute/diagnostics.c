/* What an admin can ask a guest's hypervisor: GET /servers/{id}/diagnostics
 * (Nova's standard object from 2.48, the driver-specific flat one before)
 * and the trigger_crash_dump action (2.17, an NMI). The API fills in what
 * the server's record says (flavor, disks, NICs, config drive); the driver
 * adds what it measures. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "network/network.h"
#include "service.h"

static const char *diag_state(int power)
{
	switch (power) {
	case COMPUTE_POWER_RUNNING:
		return "running";
	case COMPUTE_POWER_PAUSED:
		return "paused";
	case COMPUTE_POWER_SHUTDOWN:
		return "shutdown";
	case COMPUTE_POWER_CRASHED:
		return "crashed";
	case COMPUTE_POWER_SUSPENDED:
		return "suspended";
	default:
		return "pending";
	}
}

static json_t *disk_entry(void)
{
	return json_pack("{s:n,s:n,s:n,s:n,s:n}", "read_bytes", "read_requests", "write_bytes",
	                 "write_requests", "errors_count");
}

/* Nova's 2.48 object as the record gives it, counters null. */
static json_t *diag_base(struct http_request *req, const struct compute_server *s)
{
	struct compute_svc *svc = req->ctx;
	const struct compute_host_facts *f = &svc->facts;
	/* `driver` is a closed enum of Nova's virt drivers: both of ours run
	 * QEMU guests as libvirt's does; `hypervisor` says which accelerator. */
	const char *hyp = strcmp(f->accelerator, "kvm") == 0            ? "kvm"
	                  : strcasecmp(f->hypervisor_type, "QEMU") == 0 ? "qemu"
	                                                                : "fake";
	long long vcpus = json_integer_value(json_object_get(s->flavor, "vcpus"));
	long long ram = json_integer_value(json_object_get(s->flavor, "ram"));
	json_t *cpus = json_array();
	for (long long i = 0; i < vcpus; i++)
		json_array_append_new(
		    cpus, json_pack("{s:I,s:n,s:n}", "id", (json_int_t)i, "time", "utilisation"));
	json_t *disks = json_array();
	json_array_append_new(disks, disk_entry()); /* root */
	if (json_integer_value(json_object_get(s->flavor, "ephemeral")) > 0)
		json_array_append_new(disks, disk_entry());
	if (json_integer_value(json_object_get(s->flavor, "swap")) > 0)
		json_array_append_new(disks, disk_entry());
	if (s->config_drive)
		json_array_append_new(disks, disk_entry());
	json_t *nics = json_array();
	struct net_service *ns = net_service_of(svc->env->http);
	struct net_vif *vifs = NULL;
	size_t n = 0;
	struct api_error e2;
	if (ns != NULL && net_server_ports_list(ns, s->id, req->arena, &vifs, &n, &e2) == 0)
		for (size_t i = 0; i < n; i++)
			json_array_append_new(
			    nics, json_pack("{s:s,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n}",
			                    "mac_address", vifs[i].mac, "rx_octets", "rx_errors",
			                    "rx_drop", "rx_packets", "rx_rate", "tx_octets",
			                    "tx_errors", "tx_drop", "tx_packets", "tx_rate"));
	return json_pack(
	    "{s:s,s:s,s:s,s:s,s:n,s:b,s:I,s:I,s:I,s:{s:I,s:n},s:o,s:o,s:o}", "state",
	    diag_state(s->power_state), "driver", "libvirt", "hypervisor", hyp, "hypervisor_os",
	    "linux", "uptime", "config_drive", s->config_drive, "num_cpus", (json_int_t)vcpus,
	    "num_nics", (json_int_t)json_array_size(nics), "num_disks",
	    (json_int_t)json_array_size(disks), "memory_details", "maximum", (json_int_t)ram,
	    "used", "cpu_details", cpus, "disk_details", disks, "nic_details", nics);
}

static void legacy_set(json_t *o, const char *key, json_t *v)
{
	if (json_is_integer(v))
		json_object_set_new(o, key, json_integer(json_integer_value(v)));
}

/* Before 2.48 Nova passed the driver's own flat dictionary through; this
 * is the libvirt one's shape (cpuN_time, memory in KiB, vdX_*, per NIC
 * counters), with only the values the driver measured. */
static json_t *diag_legacy(json_t *d)
{
	json_t *o = json_object();
	char key[64];
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(d, "cpu_details"), i, v)
	{
		snprintf(key, sizeof(key), "cpu%zu_time", i);
		legacy_set(o, key, json_object_get(v, "time"));
	}
	json_t *mem = json_object_get(d, "memory_details");
	if (json_is_integer(json_object_get(mem, "maximum")))
		json_object_set_new(
		    o, "memory",
		    json_integer(json_integer_value(json_object_get(mem, "maximum")) * 1024));
	if (json_is_integer(json_object_get(mem, "used")))
		json_object_set_new(
		    o, "memory-actual",
		    json_integer(json_integer_value(json_object_get(mem, "used")) * 1024));
	static const char *const disk_keys[][2] = {{"read_bytes", "read"},
	                                           {"read_requests", "read_req"},
	                                           {"write_bytes", "write"},
	                                           {"write_requests", "write_req"},
	                                           {"errors_count", "errors"}};
	json_array_foreach(json_object_get(d, "disk_details"), i, v)
	{
		for (size_t k = 0; k < 5 && i < 26; k++) {
			snprintf(key, sizeof(key), "vd%c_%s", (char)('a' + i), disk_keys[k][1]);
			legacy_set(o, key, json_object_get(v, disk_keys[k][0]));
		}
	}
	static const char *const nic_keys[][2] = {
	    {"rx_octets", "rx"},        {"rx_packets", "rx_packets"}, {"rx_errors", "rx_errors"},
	    {"rx_drop", "rx_drop"},     {"tx_octets", "tx"},          {"tx_packets", "tx_packets"},
	    {"tx_errors", "tx_errors"}, {"tx_drop", "tx_drop"}};
	json_array_foreach(json_object_get(d, "nic_details"), i, v)
	{
		for (size_t k = 0; k < sizeof(nic_keys) / sizeof(nic_keys[0]); k++) {
			snprintf(key, sizeof(key), "nic%zu_%s", i, nic_keys[k][1]);
			legacy_set(o, key, json_object_get(v, nic_keys[k][0]));
		}
	}
	return o;
}

COMPUTE_HANDLER(compute_server_diagnostics)
{
	struct compute_svc *svc = req->ctx;
	struct compute_server s;
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0)
		return -1;
	if (s.host == NULL || strcmp(s.vm_state, "building") == 0)
		return api_fail(err, API_CONFLICT, "Instance %s is not ready", s.id);
	if (svc->drv->diagnostics == NULL)
		return api_fail(err, API_NOT_IMPLEMENTED,
		                "Unable to get diagnostics, functionality not implemented");
	json_t *d = diag_base(req, &s);
	if (svc->drv->diagnostics(svc->drv_state, s.id, d, err) != 0) {
		json_decref(d);
		if (err->kind == API_NOT_FOUND)
			return api_fail(err, API_CONFLICT, "Instance %s is not ready", s.id);
		return -1;
	}
	if (compute_mv(req) < 48) {
		json_t *legacy = diag_legacy(d);
		json_decref(d);
		d = legacy;
	}
	http_reply_json(resp, 200, d);
	return 0;
}

int compute_server_crash_dump(struct http_request *req, const struct compute_server *s, json_t *arg,
                              struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	if (compute_mv(req) < 17)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	if (!json_is_null(arg))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute trigger_crash_dump. Value: not "
		                "null. It is not of type 'null'");
	if (compute_check_lock(req, s, err) != 0)
		return -1;
	if (s->task_state != NULL)
		return api_fail(err, API_CONFLICT,
		                "Cannot 'trigger_crash_dump' instance %s while it is in task_state "
		                "%s",
		                s->id, s->task_state);
	static const char *const ok[] = {"active", "paused", "rescued", "resized", "error"};
	bool allowed = false;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		allowed = allowed || strcmp(s->vm_state, ok[i]) == 0;
	if (!allowed || s->host == NULL)
		return api_fail(err, API_CONFLICT,
		                "Cannot 'trigger_crash_dump' instance %s while it is in vm_state "
		                "%s",
		                s->id, s->vm_state);
	if (svc->drv->inject_nmi == NULL)
		return api_fail(err, API_NOT_IMPLEMENTED,
		                "The %s driver does not implement trigger_crash_dump yet.",
		                svc->drv->name);
	/* Nova casts this to the compute host: a guest that is not running
	 * fails the action, not the request. */
	long long action_id;
	if (compute_action_start(req, s->id, "trigger_crash_dump", &action_id, err) != 0)
		return -1;
	struct api_error e2 = {0};
	int rc = svc->drv->inject_nmi(svc->drv_state, s->id, &e2);
	compute_action_finish(action_id, rc == 0, rc == 0 ? NULL : e2.message);
	return 0;
}
