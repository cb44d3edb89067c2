/* compute/driver.h's operation table for QEMU: a thin adapter that turns the
 * compute API's specs into qemu.h's (config drive files, NICs) and describes
 * the host. Rescue and NIC hot-plug are not built for QEMU yet: their slots
 * are NULL, which the API answers with 501 before touching the server. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "compute/driver.h"
#include "compute/drivers/qemu.h"
#include "service.h"

#define QD_MAX_NICS 16

struct qd_state {
	struct qemu_driver *q;
	compute_power_cb cb;
	void *cls;
};

/* Runs on qemu.c's watcher thread; the power codes are Nova's in both. */
static void qd_power_changed(void *cls, const char *uuid, enum qemu_power state)
{
	struct qd_state *s = cls;
	if (s->cb)
		s->cb(s->cls, uuid, (enum compute_power)state);
}

static void qd_host_facts(struct qd_state *s, struct compute_host_facts *f)
{
	memset(f, 0, sizeof(*f));
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	f->vcpus = cpus > 0 ? (int)cpus : 1;
	struct sysinfo si;
	if (sysinfo(&si) == 0)
		f->ram_mb = (long long)si.totalram * si.mem_unit / (1024 * 1024);
	struct statvfs vfs;
	if (statvfs(qemu_driver_instances_path(s->q), &vfs) == 0)
		f->disk_gb = (long long)((unsigned long long)vfs.f_blocks * vfs.f_frsize >> 30);
	snprintf(f->hypervisor_type, sizeof(f->hypervisor_type), "QEMU");
	f->hypervisor_version = qemu_driver_version(s->q);
	const struct qemu_accel_choice *accel = qemu_driver_accel(s->q);
	snprintf(f->accelerator, sizeof(f->accelerator), "%s", qemu_accel_name(accel->accel));
	/* the probe's reason is longer than the API's field: cut, not overflow */
	snprintf(f->accelerator_reason, sizeof(f->accelerator_reason), "%.*s",
	         (int)sizeof(f->accelerator_reason) - 1, accel->reason);
	struct utsname u;
	snprintf(f->cpu_arch, sizeof(f->cpu_arch), "%.*s", (int)sizeof(f->cpu_arch) - 1,
	         uname(&u) == 0 ? u.machine : "x86_64");
}

static int qd_init(const struct stackd_env *env, compute_power_cb cb, void *cls, void **state,
                   struct compute_host_facts *facts, struct api_error *err)
{
	struct qd_state *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return api_fail(err, API_INTERNAL, "out of memory");
	s->cb = cb;
	s->cls = cls;
	if (qemu_driver_start(env->cfg, env->data_dir, qd_power_changed, s, &s->q, err) != 0) {
		free(s);
		return -1;
	}
	qd_host_facts(s, facts);
	*state = s;
	return 0;
}

static void qd_fini(void *state)
{
	struct qd_state *s = state;
	if (s == NULL)
		return;
	qemu_driver_stop(s->q);
	free(s);
}

static void pci_address(int slot, char *out, size_t outsz)
{
	snprintf(out, outsz, "0000:00:%02x.0", (unsigned)slot);
}

/* A copy of meta_data whose NIC devices carry the PCI address their slot
 * gives, as Nova's libvirt driver writes them (owned by the caller). */
static json_t *meta_data_with_addresses(const json_t *meta_data, const struct qemu_nic *nics,
                                        size_t n)
{
	json_t *md = json_deep_copy(meta_data);
	size_t i;
	json_t *dev;
	json_array_foreach(json_object_get(md, "devices"), i, dev)
	{
		const char *mac = json_string_value(json_object_get(dev, "mac"));
		for (size_t k = 0; mac && k < n; k++)
			if (nics[k].mac && strcasecmp(nics[k].mac, mac) == 0) {
				char addr[16];
				pci_address(nics[k].slot, addr, sizeof(addr));
				json_object_set_new(dev, "bus", json_string("pci"));
				json_object_set_new(dev, "address", json_string(addr));
			}
	}
	return md;
}

/* qemu.h's spec for spec; nics (QD_MAX_NICS) is the caller's array, and
 * *files (the config drive's, when asked for) is malloc'ed: the caller
 * frees it with qemu_configdrive_files_free. */
static int qd_spec(struct qemu_driver *q, const struct compute_spec *spec, struct qemu_nic *nics,
                   struct qemu_spec *out, struct qemu_cd_file **files, size_t *nfiles,
                   struct api_error *err)
{
	if (spec->nnics > QD_MAX_NICS)
		return api_fail(err, API_BAD_REQUEST, "at most %d NICs per server", QD_MAX_NICS);
	/* A NIC the guest has keeps its slot (rebuild, rescue); new ones take
	 * the lowest free. */
	for (size_t i = 0; i < spec->nnics; i++)
		nics[i] = (struct qemu_nic){
		    .tap = spec->nics[i].tap,
		    .bridge = spec->nics[i].bridge,
		    .mac = spec->nics[i].mac,
		    .mtu = spec->nics[i].mtu,
		    .slot =
		        spec->nics[i].mac ? qemu_guest_nic_slot(q, spec->id, spec->nics[i].mac) : 0,
		};
	for (size_t i = 0; i < spec->nnics; i++)
		if (nics[i].slot == 0)
			nics[i].slot = qemu_nic_slot_free(nics, spec->nnics);
	*files = NULL;
	*nfiles = 0;
	if (spec->config_drive) {
		json_t *md = meta_data_with_addresses(spec->meta_data, nics, spec->nnics);
		int rc = qemu_configdrive_files(md, spec->user_data, spec->user_data_len,
		                                spec->network_data, spec->flavor_name, files,
		                                nfiles, err);
		json_decref(md);
		if (rc != 0)
			return -1;
	}
	*out = (struct qemu_spec){
	    .uuid = spec->id,
	    .name = spec->name,
	    .vcpus = spec->vcpus,
	    .ram_mb = spec->ram_mb,
	    .root_gb = spec->root_gb,
	    .ephemeral_gb = spec->ephemeral_gb,
	    .swap_mb = spec->swap_mb,
	    .image_id = spec->image_id,
	    .image_path = spec->image_path,
	    .machine = spec->machine,
	    .config_drive = spec->config_drive,
	    .cd_files = *files,
	    .ncd_files = *nfiles,
	    .nics = nics,
	    .nnics = spec->nnics,
	};
	return 0;
}

/* Spawn and rebuild take the same spec and differ only in qemu.h's call. */
typedef int (*qd_make_fn)(struct qemu_driver *q, const struct qemu_spec *spec,
                          struct api_error *err);

static int qd_make(void *state, const struct compute_spec *spec, qd_make_fn make,
                   struct api_error *err)
{
	struct qd_state *s = state;
	struct qemu_nic nics[QD_MAX_NICS];
	struct qemu_spec qs;
	struct qemu_cd_file *files;
	size_t nfiles;
	if (qd_spec(s->q, spec, nics, &qs, &files, &nfiles, err) != 0)
		return -1;
	int rc = make(s->q, &qs, err);
	qemu_configdrive_files_free(files, nfiles);
	return rc;
}

static int qd_spawn(void *state, const struct compute_spec *spec, struct api_error *err)
{
	return qd_make(state, spec, qemu_guest_spawn, err);
}

static int qd_rebuild(void *state, const struct compute_spec *spec, struct api_error *err)
{
	return qd_make(state, spec, qemu_guest_rebuild, err);
}

static int qd_rescue(void *state, const struct compute_spec *spec, struct api_error *err)
{
	return qd_make(state, spec, qemu_guest_rescue, err);
}

static int qd_unrescue(void *state, const char *id, struct api_error *err)
{
	return qemu_guest_unrescue(((struct qd_state *)state)->q, id, err);
}

static int qd_destroy(void *state, const char *id, struct api_error *err)
{
	return qemu_guest_destroy(((struct qd_state *)state)->q, id, err);
}

static int qd_power_on(void *state, const char *id, struct api_error *err)
{
	return qemu_guest_power_on(((struct qd_state *)state)->q, id, err);
}

static int qd_power_off(void *state, const char *id, int timeout_s, struct api_error *err)
{
	return qemu_guest_power_off(((struct qd_state *)state)->q, id, timeout_s, err);
}

static int qd_reboot(void *state, const char *id, bool hard, struct api_error *err)
{
	return qemu_guest_reboot(((struct qd_state *)state)->q, id, hard, err);
}

static int qd_pause(void *state, const char *id, struct api_error *err)
{
	return qemu_guest_pause(((struct qd_state *)state)->q, id, err);
}

static int qd_unpause(void *state, const char *id, struct api_error *err)
{
	return qemu_guest_unpause(((struct qd_state *)state)->q, id, err);
}

static int qd_suspend(void *state, const char *id, struct api_error *err)
{
	return qemu_guest_suspend(((struct qd_state *)state)->q, id, err);
}

static int qd_resume(void *state, const char *id, struct api_error *err)
{
	return qemu_guest_resume(((struct qd_state *)state)->q, id, err);
}

static int qd_snapshot(void *state, const char *id, const char *dest, struct api_error *err)
{
	return qemu_guest_snapshot(((struct qd_state *)state)->q, id, dest, err);
}

static int qd_cache_image(void *state, const char *image_id, const char *path,
                          struct api_error *err)
{
	return qemu_image_precache(((struct qd_state *)state)->q, image_id, path, err);
}

static int qd_nic_address(void *state, const char *id, const char *mac, char *out, size_t outsz)
{
	int slot = qemu_guest_nic_slot(((struct qd_state *)state)->q, id, mac);
	if (slot <= 0)
		return -1;
	pci_address(slot, out, outsz);
	return 0;
}

static int qd_attach_nic(void *state, const char *id, const struct compute_nic *nic,
                         struct api_error *err)
{
	struct qemu_nic q = {
	    .tap = nic->tap, .bridge = nic->bridge, .mac = nic->mac, .mtu = nic->mtu};
	return qemu_guest_attach_nic(((struct qd_state *)state)->q, id, &q, err);
}

/* Nova waits for libvirt's device-removed event about as long. */
#define QD_DETACH_TIMEOUT_S 30

static int qd_detach_nic(void *state, const char *id, const char *port_id, struct api_error *err)
{
	char tap[16];
	/* network names a port's tap "tap" + the port id's first 11 characters */
	snprintf(tap, sizeof(tap), "tap%.11s", port_id);
	return qemu_guest_detach_nic(((struct qd_state *)state)->q, id, tap, QD_DETACH_TIMEOUT_S,
	                             err);
}

static int qd_resize(void *state, const char *id, const struct compute_spec *flavor,
                     struct api_error *err)
{
	return qemu_guest_resize(((struct qd_state *)state)->q, id, flavor->vcpus, flavor->ram_mb,
	                         flavor->root_gb, err);
}

static int qd_power_state(void *state, const char *id, enum compute_power *out,
                          struct api_error *err)
{
	enum qemu_power p = QEMU_POWER_NOSTATE;
	if (qemu_guest_power_state(((struct qd_state *)state)->q, id, &p, err) != 0)
		return -1;
	*out = (enum compute_power)p;
	return 0;
}

static int qd_console(void *state, const char *id, int max_lines, char **out, size_t *len,
                      struct api_error *err)
{
	return qemu_guest_console(((struct qd_state *)state)->q, id, max_lines, out, len, err);
}

static int qd_console_check(void *state, const char *id, const char *kind, char *where, size_t len,
                            struct api_error *err)
{
	return qemu_guest_console_check(((struct qd_state *)state)->q, id, kind, where, len, err);
}

static int qd_console_open(void *state, const char *id, const char *kind, int *fd,
                           struct api_error *err)
{
	return qemu_guest_console_open(((struct qd_state *)state)->q, id, kind, fd, err);
}

static int qd_diagnostics(void *state, const char *id, json_t *diag, struct api_error *err)
{
	return qemu_guest_diagnostics(((struct qd_state *)state)->q, id, diag, err);
}

static int qd_inject_nmi(void *state, const char *id, struct api_error *err)
{
	return qemu_guest_inject_nmi(((struct qd_state *)state)->q, id, err);
}

/* Every instance directory named by a server uuid, with its power state. */
static int qd_list(void *state, struct compute_guest_state **out, size_t *n, struct api_error *err)
{
	struct qd_state *s = state;
	*out = NULL;
	*n = 0;
	DIR *d = opendir(qemu_driver_instances_path(s->q));
	if (d == NULL)
		return 0;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strlen(e->d_name) != 36 || strspn(e->d_name, "0123456789abcdef-") != 36)
			continue;
		enum compute_power p;
		struct api_error ignored = {0};
		if (qd_power_state(s, e->d_name, &p, &ignored) != 0 || p == COMPUTE_POWER_NOSTATE)
			continue; /* not a guest (a half-removed directory) */
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct compute_guest_state *g = realloc(*out, cap * sizeof(*g));
			if (g == NULL) {
				closedir(d);
				free(*out);
				*out = NULL;
				*n = 0;
				return api_fail(err, API_INTERNAL, "out of memory");
			}
			*out = g;
		}
		memcpy((*out)[*n].id, e->d_name, 37); /* 36 characters and the NUL */
		(*out)[*n].power = p;
		(*n)++;
	}
	closedir(d);
	return 0;
}

const struct compute_driver compute_driver_qemu = {
    .name = "qemu",
    .init = qd_init,
    .fini = qd_fini,
    .spawn = qd_spawn,
    .destroy = qd_destroy,
    .power_on = qd_power_on,
    .power_off = qd_power_off,
    .reboot = qd_reboot,
    .pause = qd_pause,
    .unpause = qd_unpause,
    .suspend = qd_suspend,
    .resume = qd_resume,
    .rescue = qd_rescue,
    .unrescue = qd_unrescue,
    .snapshot = qd_snapshot,
    .resize = qd_resize,
    .rebuild = qd_rebuild,
    .power_state = qd_power_state,
    .console = qd_console,
    .console_check = qd_console_check,
    .console_open = qd_console_open,
    .diagnostics = qd_diagnostics,
    .inject_nmi = qd_inject_nmi,
    .nic_address = qd_nic_address,
    .cache_image = qd_cache_image,
    .attach_nic = qd_attach_nic,
    .detach_nic = qd_detach_nic,
    .list = qd_list,
};
