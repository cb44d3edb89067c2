/* The QEMU driver's guest operations. Every guest lives in
 * <instances_path>/<uuid>/ (see qemu-t.h); guest.json there records what the
 * process is made of (vCPUs, RAM, machine, disks, NICs) so a guest can be
 * booted again, and found again, without the caller's help. Operations on one
 * guest are serialized by a per-guest lock; a watcher thread polls the pids
 * of running guests and reports those that died on their own. */
#include "compute/drivers/qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compute/drivers/disks.h"
#include "compute/drivers/qemu_guest.h"
#include "compute/drivers/qemu_proc.h"
#include "compute/drivers/qmp.h"
#include "compute/drivers/run.h"
#include "compute/drivers/tap.h"
#include "core/log.h"

#define QEMU_GUEST_JSON "guest.json"
#define QMP_TIMEOUT_MS 5000

struct watched {
	struct watched *next;
	char uuid[37];
	pid_t pid;
};

struct busy {
	struct busy *next;
	char uuid[37];
};

struct qemu_driver {
	char binary[256];
	char instances[2048];
	char cache[2048];
	char machine[32];
	int tb_size_mb;
	int shutdown_timeout;
	bool vnc; /* new guests get VNC graphics ([compute] vnc_enabled) */
	struct qemu_accel_choice accel;
	long version;
	qemu_power_cb cb;
	void *cls;
	pthread_mutex_t lock; /* guards watch, busy, stopping */
	pthread_cond_t idle;
	struct watched *watch;
	struct busy *busy;
	bool stopping;
	pthread_t watcher;
	bool watcher_started;
};

/* ---- paths and locks ---------------------------------------------------- */

int qemu_check_uuid(const char *uuid, struct api_error *err)
{
	size_t n = uuid ? strlen(uuid) : 0;
	if (n == 0 || n > 36)
		return api_fail(err, API_BAD_REQUEST, "bad server id");
	for (size_t i = 0; i < n; i++)
		if (!((uuid[i] >= '0' && uuid[i] <= '9') || (uuid[i] >= 'a' && uuid[i] <= 'f') ||
		      (uuid[i] >= 'A' && uuid[i] <= 'F') || uuid[i] == '-'))
			return api_fail(err, API_BAD_REQUEST, "bad server id");
	return 0;
}

void qemu_guest_dir(const struct qemu_driver *d, const char *uuid, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/%s", d->instances, uuid);
}

void qemu_guest_file(const struct qemu_driver *d, const char *uuid, const char *name, char *out,
                     size_t outsz)
{
	snprintf(out, outsz, "%s/%s/%s", d->instances, uuid, name);
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

void qemu_guest_lock(struct qemu_driver *d, const char *uuid)
{
	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct busy *b = d->busy;
		while (b && strcmp(b->uuid, uuid) != 0)
			b = b->next;
		if (!b)
			break;
		pthread_cond_wait(&d->idle, &d->lock);
	}
	struct busy *b = calloc(1, sizeof(*b));
	if (!b)
		abort();
	snprintf(b->uuid, sizeof(b->uuid), "%s", uuid);
	b->next = d->busy;
	d->busy = b;
	pthread_mutex_unlock(&d->lock);
}

void qemu_guest_unlock(struct qemu_driver *d, const char *uuid)
{
	pthread_mutex_lock(&d->lock);
	for (struct busy **p = &d->busy; *p; p = &(*p)->next) {
		if (strcmp((*p)->uuid, uuid) == 0) {
			struct busy *b = *p;
			*p = b->next;
			free(b);
			break;
		}
	}
	pthread_cond_broadcast(&d->idle);
	pthread_mutex_unlock(&d->lock);
}

static void watch_add(struct qemu_driver *d, const char *uuid, pid_t pid)
{
	pthread_mutex_lock(&d->lock);
	struct watched *w = d->watch;
	while (w && strcmp(w->uuid, uuid) != 0)
		w = w->next;
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w)
			abort();
		snprintf(w->uuid, sizeof(w->uuid), "%s", uuid);
		w->next = d->watch;
		d->watch = w;
	}
	w->pid = pid;
	pthread_mutex_unlock(&d->lock);
}

static void watch_remove(struct qemu_driver *d, const char *uuid)
{
	pthread_mutex_lock(&d->lock);
	for (struct watched **p = &d->watch; *p; p = &(*p)->next) {
		if (strcmp((*p)->uuid, uuid) == 0) {
			struct watched *w = *p;
			*p = w->next;
			free(w);
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
}

/* ---- guest.json ----------------------------------------------------------- */

int qemu_nic_slot_free(const struct qemu_nic *nics, size_t n)
{
	for (int slot = QEMU_NIC_SLOT_FIRST; slot < QEMU_NIC_SLOT_END; slot++) {
		bool taken = false;
		for (size_t i = 0; i < n && !taken; i++)
			taken = nics[i].slot == slot;
		if (!taken)
			return slot;
	}
	return 0;
}

int qemu_guest_nic_slot(struct qemu_driver *d, const char *uuid, const char *mac)
{
	struct qemu_rec r;
	struct api_error ignored = {0};
	int slot = 0;
	if (qemu_check_uuid(uuid, &ignored) < 0)
		return 0;
	qemu_guest_lock(d, uuid);
	if (qemu_rec_load(d, uuid, &r, &ignored) == 0) {
		for (size_t i = 0; i < r.g.nnics && !slot; i++)
			if (r.nics[i].mac && strcasecmp(r.nics[i].mac, mac) == 0)
				slot = r.nics[i].slot;
		qemu_rec_free(&r);
	}
	qemu_guest_unlock(d, uuid);
	return slot;
}

int qemu_rec_save(struct qemu_driver *d, const struct qemu_guest *g, struct api_error *err)
{
	char path[4096], tmp[4200];
	json_t *nics = json_array();
	for (size_t i = 0; i < g->nnics; i++)
		json_array_append_new(nics,
		                      json_pack("{ss ss? ss? si si}", "tap", g->nics[i].tap,
		                                "bridge", g->nics[i].bridge, "mac", g->nics[i].mac,
		                                "mtu", g->nics[i].mtu, "slot", g->nics[i].slot));
	json_t *rec = json_pack("{ss ss si si ss sb sb sb sb sb so}", "uuid", g->uuid, "name",
	                        g->name ? g->name : "", "vcpus", g->vcpus, "ram_mb", g->ram_mb,
	                        "machine", g->machine ? g->machine : d->machine, "ephemeral",
	                        g->ephemeral, "swap", g->swap, "config_drive", g->config_drive,
	                        "rescue", g->rescue, "vnc", g->vnc, "nics", nics);
	qemu_guest_file(d, g->uuid, QEMU_GUEST_JSON, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int rc = json_dump_file(rec, tmp, JSON_INDENT(1));
	json_decref(rec);
	if (rc < 0 || rename(tmp, path) < 0)
		return api_fail(err, API_INTERNAL, "cannot write %s", path);
	return 0;
}

int qemu_rec_load(struct qemu_driver *d, const char *uuid, struct qemu_rec *r,
                  struct api_error *err)
{
	char path[4096];
	json_error_t jerr;
	memset(r, 0, sizeof(*r));
	qemu_guest_file(d, uuid, QEMU_GUEST_JSON, path, sizeof(path));
	r->json = json_load_file(path, 0, &jerr);
	if (!r->json)
		return api_fail(err, API_NOT_FOUND, "no guest %s on this host", uuid);
	qemu_guest_dir(d, uuid, r->dir, sizeof(r->dir));
	json_t *j = r->json, *nics = json_object_get(j, "nics");
	r->g.uuid = json_string_value(json_object_get(j, "uuid"));
	r->g.name = json_string_value(json_object_get(j, "name"));
	r->g.vcpus = (int)json_integer_value(json_object_get(j, "vcpus"));
	r->g.ram_mb = (int)json_integer_value(json_object_get(j, "ram_mb"));
	r->g.machine = json_string_value(json_object_get(j, "machine"));
	r->g.ephemeral = json_is_true(json_object_get(j, "ephemeral"));
	r->g.swap = json_is_true(json_object_get(j, "swap"));
	r->g.config_drive = json_is_true(json_object_get(j, "config_drive"));
	r->g.rescue = json_is_true(json_object_get(j, "rescue"));
	r->g.vnc = json_is_true(json_object_get(j, "vnc"));
	r->g.dir = r->dir;
	r->g.accel = d->accel.accel;
	r->g.tb_size_mb = d->tb_size_mb;
	size_t i;
	json_t *n;
	json_array_foreach(nics, i, n)
	{
		if (i >= QEMU_MAX_NICS)
			break;
		r->nics[i].tap = json_string_value(json_object_get(n, "tap"));
		r->nics[i].bridge = json_string_value(json_object_get(n, "bridge"));
		r->nics[i].mac = json_string_value(json_object_get(n, "mac"));
		r->nics[i].mtu = (int)json_integer_value(json_object_get(n, "mtu"));
		r->nics[i].slot = (int)json_integer_value(json_object_get(n, "slot"));
		r->g.nnics = i + 1;
	}
	/* Records from before fixed slots: give their NICs one now. */
	for (i = 0; i < r->g.nnics; i++)
		if (r->nics[i].slot == 0)
			r->nics[i].slot = qemu_nic_slot_free(r->nics, r->g.nnics);
	r->g.nics = r->nics;
	if (!r->g.uuid || strcmp(r->g.uuid, uuid) != 0 || r->g.vcpus <= 0 || r->g.ram_mb <= 0) {
		json_decref(r->json);
		r->json = NULL;
		return api_fail(err, API_INTERNAL, "%s is damaged", path);
	}
	return 0;
}

void qemu_rec_free(struct qemu_rec *r)
{
	json_decref(r->json);
	r->json = NULL;
}

/* ---- starting and stopping ----------------------------------------------- */

static int plug_nics(const struct qemu_guest *g, struct api_error *err)
{
	for (size_t i = 0; i < g->nnics; i++) {
		if (qemu_link_exists(g->nics[i].tap))
			continue; /* network made and plugged it */
		struct qemu_nic nic = g->nics[i];
		if (nic.bridge && !qemu_link_exists(nic.bridge))
			nic.bridge = NULL;
		if (qemu_tap_plug(&nic, err) < 0)
			return -1;
	}
	return 0;
}

int qemu_guest_boot(struct qemu_driver *d, const struct qemu_guest *g, struct api_error *err)
{
	if (plug_nics(g, err) < 0)
		return -1;
	if (qemu_proc_start(d->binary, g, err) < 0)
		return -1;
	pid_t pid = qemu_proc_pid(g->dir, g->uuid);
	if (!pid)
		return api_fail(err, API_INTERNAL, "QEMU of %s exited right after it started",
		                g->uuid);
	watch_add(d, g->uuid, pid);
	log_info("event=guest_started uuid=%s pid=%d accel=%s", g->uuid, (int)pid,
	         qemu_accel_name(g->accel));
	return 0;
}

int qemu_guest_qmp(struct qemu_driver *d, const char *uuid, const char *cmd, json_t *args,
                   json_t **ret, struct api_error *err)
{
	char path[4096];
	qemu_guest_file(d, uuid, QEMU_QMP, path, sizeof(path));
	return qmp_run(path, cmd, args, QMP_TIMEOUT_MS, ret, err);
}

/* "running", "paused", ... or NULL when QEMU does not run or answer. */
static int guest_status(struct qemu_driver *d, const char *uuid, char *out, size_t outsz)
{
	json_t *ret = NULL;
	struct api_error ignored = {0};
	char dir[4096];
	qemu_guest_dir(d, uuid, dir, sizeof(dir));
	if (!qemu_proc_pid(dir, uuid))
		return -1;
	if (qemu_guest_qmp(d, uuid, "query-status", NULL, &ret, &ignored) < 0)
		return -1;
	const char *s = json_string_value(json_object_get(ret, "status"));
	snprintf(out, outsz, "%s", s ? s : "unknown");
	json_decref(ret);
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- driver life ---------------------------------------------------------- */

static void *watcher_main(void *arg)
{
	struct qemu_driver *d = arg;
	for (;;) {
		struct watched *dead = NULL;
		pthread_mutex_lock(&d->lock);
		if (d->stopping) {
			pthread_mutex_unlock(&d->lock);
			break;
		}
		for (struct watched **p = &d->watch; *p;) {
			struct watched *w = *p;
			struct busy *b = d->busy;
			while (b && strcmp(b->uuid, w->uuid) != 0)
				b = b->next;
			/* An operation in progress may stop QEMU on purpose. */
			if (!b && qemu_proc_wait_gone(w->pid, 0) == 0) {
				*p = w->next;
				w->next = dead;
				dead = w;
				continue;
			}
			p = &w->next;
		}
		pthread_mutex_unlock(&d->lock);
		while (dead) {
			struct watched *w = dead;
			dead = w->next;
			char state_file[4096];
			qemu_guest_file(d, w->uuid, QEMU_SUSPEND, state_file, sizeof(state_file));
			enum qemu_power st =
			    file_exists(state_file) ? QEMU_POWER_SUSPENDED : QEMU_POWER_SHUTDOWN;
			log_info("event=guest_gone uuid=%s pid=%d power_state=%d", w->uuid,
			         (int)w->pid, st);
			if (d->cb)
				d->cb(d->cls, w->uuid, st);
			free(w);
		}
		usleep(500 * 1000);
	}
	return NULL;
}

static int mkdir_p(const char *path, struct api_error *err)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return api_fail(err, API_INTERNAL, "mkdir %s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0750) < 0 && errno != EEXIST)
		return api_fail(err, API_INTERNAL, "mkdir %s: %s", buf, strerror(errno));
	return 0;
}

int qemu_driver_start(const struct config *cfg, const char *data_dir, qemu_power_cb cb, void *cls,
                      struct qemu_driver **out, struct api_error *err)
{
	struct qemu_driver *d = calloc(1, sizeof(*d));
	char def[2048];
	if (!d)
		abort();
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->idle, NULL);
	d->cb = cb;
	d->cls = cls;
	snprintf(d->binary, sizeof(d->binary), "%s",
	         config_get(cfg, "compute", "qemu_binary", "qemu-system-x86_64"));
	snprintf(def, sizeof(def), "%s/compute/instances", data_dir);
	snprintf(d->instances, sizeof(d->instances), "%s",
	         config_get(cfg, "compute", "instances_path", def));
	snprintf(def, sizeof(def), "%s/compute/_base", data_dir);
	snprintf(d->cache, sizeof(d->cache), "%s",
	         config_get(cfg, "compute", "image_cache_path", def));
	snprintf(d->machine, sizeof(d->machine), "%s",
	         config_get(cfg, "compute", "machine_type", "pc"));
	d->tb_size_mb = (int)config_get_int(cfg, "compute", "tcg_tb_size", 32);
	d->shutdown_timeout = (int)config_get_int(cfg, "compute", "shutdown_timeout", 60);
	d->vnc = config_get_bool(cfg, "compute", "vnc_enabled", true);
	if (mkdir_p(d->instances, err) < 0 || mkdir_p(d->cache, err) < 0)
		goto fail;
	if (qemu_accel_probe(config_get(cfg, "compute", "accel", "auto"),
	                     (int)config_get_int(cfg, "compute", "kvm_probe_deadline_ms", 1500),
	                     &d->accel, err) < 0)
		goto fail;
	const char *vargv[] = {d->binary, "--version", NULL};
	char vout[512];
	struct api_error verr = {0};
	int major = 0, minor = 0, micro = 0;
	if (qemu_run_output(vargv, vout, sizeof(vout), &verr) == 0 &&
	    sscanf(vout, "QEMU emulator version %d.%d.%d", &major, &minor, &micro) >= 2)
		d->version = major * 1000000L + minor * 1000L + micro;
	else
		log_warn("event=compute_qemu_version error=\"%s\"", verr.message);
	log_info("event=compute_accel accel=%s qemu=%ld reason=\"%s\"",
	         qemu_accel_name(d->accel.accel), d->version, d->accel.reason);
	if (pthread_create(&d->watcher, NULL, watcher_main, d) != 0) {
		api_fail(err, API_INTERNAL, "cannot start the guest watcher");
		goto fail;
	}
	d->watcher_started = true;
	*out = d;
	return 0;
fail:
	qemu_driver_stop(d);
	return -1;
}

void qemu_driver_stop(struct qemu_driver *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->stopping = true;
	pthread_mutex_unlock(&d->lock);
	if (d->watcher_started)
		pthread_join(d->watcher, NULL);
	while (d->watch) {
		struct watched *w = d->watch;
		d->watch = w->next;
		free(w);
	}
	while (d->busy) {
		struct busy *b = d->busy;
		d->busy = b->next;
		free(b);
	}
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->idle);
	free(d);
}

const struct qemu_accel_choice *qemu_driver_accel(const struct qemu_driver *d)
{
	return &d->accel;
}

long qemu_driver_version(const struct qemu_driver *d)
{
	return d->version;
}

const char *qemu_driver_instances_path(const struct qemu_driver *d)
{
	return d->instances;
}

/* ---- operations ------------------------------------------------------------ */

int qemu_image_precache(struct qemu_driver *d, const char *image_id, const char *path,
                        struct api_error *err)
{
	char cached[4096];
	return qemu_image_cache(d->cache, image_id, path, cached, sizeof(cached), err);
}

int qemu_guest_spawn(struct qemu_driver *d, const struct qemu_spec *s, struct api_error *err)
{
	char dir[4096], path[4096], cached[4096];
	int rc = -1;
	bool made_dir = false;
	if (qemu_check_uuid(s->uuid, err) < 0)
		return -1;
	if (s->vcpus <= 0 || s->ram_mb <= 0 || !s->image_id || !s->image_path)
		return api_fail(err, API_BAD_REQUEST, "a guest needs vCPUs, RAM and an image");
	if (s->nnics > 16)
		return api_fail(err, API_BAD_REQUEST, "at most 16 NICs per server");
	qemu_guest_lock(d, s->uuid);
	qemu_guest_dir(d, s->uuid, dir, sizeof(dir));
	if (qemu_proc_pid(dir, s->uuid)) {
		api_fail(err, API_CONFLICT, "guest %s already runs", s->uuid);
		goto out;
	}
	rm_tree(dir); /* leftovers of an earlier failed attempt */
	if (mkdir(dir, 0750) < 0) {
		api_fail(err, API_INTERNAL, "mkdir %s: %s", dir, strerror(errno));
		goto out;
	}
	made_dir = true;
	if (qemu_image_cache(d->cache, s->image_id, s->image_path, cached, sizeof(cached), err) < 0)
		goto out;
	qemu_guest_file(d, s->uuid, QEMU_DISK, path, sizeof(path));
	if (qemu_disk_overlay(cached, path, s->root_gb, err) < 0)
		goto out;
	if (s->ephemeral_gb > 0) {
		qemu_guest_file(d, s->uuid, QEMU_DISK_EPH, path, sizeof(path));
		if (qemu_disk_blank(path, s->ephemeral_gb, err) < 0)
			goto out;
	}
	if (s->swap_mb > 0) {
		qemu_guest_file(d, s->uuid, QEMU_DISK_SWAP, path, sizeof(path));
		if (qemu_disk_swap(path, s->swap_mb, err) < 0)
			goto out;
	}
	if (s->config_drive) {
		qemu_guest_file(d, s->uuid, QEMU_DISK_CONFIG, path, sizeof(path));
		if (qemu_configdrive_build(path, s->cd_files, s->ncd_files, err) < 0)
			goto out;
	}
	struct qemu_guest g = {.uuid = s->uuid,
	                       .name = s->name,
	                       .dir = dir,
	                       .vcpus = s->vcpus,
	                       .ram_mb = s->ram_mb,
	                       .accel = d->accel.accel,
	                       .machine = s->machine && *s->machine ? s->machine : d->machine,
	                       .tb_size_mb = d->tb_size_mb,
	                       .ephemeral = s->ephemeral_gb > 0,
	                       .swap = s->swap_mb > 0,
	                       .config_drive = s->config_drive,
	                       .vnc = d->vnc,
	                       .nics = s->nics,
	                       .nnics = s->nnics};
	if (qemu_rec_save(d, &g, err) < 0)
		goto out;
	if (qemu_guest_boot(d, &g, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0 && made_dir) {
		struct api_error ignored = {0};
		watch_remove(d, s->uuid);
		qemu_proc_kill(dir, s->uuid, &ignored);
		rm_tree(dir);
	}
	qemu_guest_unlock(d, s->uuid);
	return rc;
}

int qemu_guest_destroy(struct qemu_driver *d, const char *uuid, struct api_error *err)
{
	char dir[4096];
	int rc = -1;
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	qemu_guest_lock(d, uuid);
	watch_remove(d, uuid);
	qemu_guest_dir(d, uuid, dir, sizeof(dir));
	if (qemu_proc_kill(dir, uuid, err) < 0)
		goto out;
	rm_tree(dir);
	log_info("event=guest_destroyed uuid=%s", uuid);
	rc = 0;
out:
	qemu_guest_unlock(d, uuid);
	return rc;
}

int qemu_guest_power_on(struct qemu_driver *d, const char *uuid, struct api_error *err)
{
	struct qemu_rec r = {0};
	int rc = -1;
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	qemu_guest_lock(d, uuid);
	if (qemu_rec_load(d, uuid, &r, err) < 0)
		goto out;
	if (qemu_proc_pid(r.dir, uuid)) {
		rc = 0; /* already on */
		goto out;
	}
	char state[4096];
	qemu_guest_file(d, uuid, QEMU_SUSPEND, state, sizeof(state));
	unlink(state); /* a start discards a suspended state, as a hard boot does */
	rc = qemu_guest_boot(d, &r.g, err);
out:
	qemu_rec_free(&r);
	qemu_guest_unlock(d, uuid);
	return rc;
}

int qemu_power_off_locked(struct qemu_driver *d, const char *uuid, int timeout_s,
                          struct api_error *err)
{
	char dir[4096];
	int clean = 0;
	qemu_guest_dir(d, uuid, dir, sizeof(dir));
	watch_remove(d, uuid);
	if (qemu_proc_shutdown(dir, uuid, timeout_s < 0 ? d->shutdown_timeout : timeout_s, &clean,
	                       err) < 0)
		return -1;
	log_info("event=guest_stopped uuid=%s clean=%d", uuid, clean);
	return 0;
}

int qemu_guest_power_off(struct qemu_driver *d, const char *uuid, int timeout_s,
                         struct api_error *err)
{
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	qemu_guest_lock(d, uuid);
	int rc = qemu_power_off_locked(d, uuid, timeout_s, err);
	qemu_guest_unlock(d, uuid);
	return rc;
}

int qemu_guest_reboot(struct qemu_driver *d, const char *uuid, bool hard, struct api_error *err)
{
	struct qemu_rec r = {0};
	int rc = -1;
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	qemu_guest_lock(d, uuid);
	if (qemu_rec_load(d, uuid, &r, err) < 0)
		goto out;
	watch_remove(d, uuid);
	if (hard) {
		if (qemu_proc_kill(r.dir, uuid, err) < 0)
			goto out;
	} else if (qemu_power_off_locked(d, uuid, -1, err) < 0) {
		goto out;
	}
	char state[4096];
	qemu_guest_file(d, uuid, QEMU_SUSPEND, state, sizeof(state));
	unlink(state);
	rc = qemu_guest_boot(d, &r.g, err);
out:
	qemu_rec_free(&r);
	qemu_guest_unlock(d, uuid);
	return rc;
}

static int pause_like(struct qemu_driver *d, const char *uuid, const char *cmd, const char *need,
                      struct api_error *err)
{
	char status[64];
	int rc = -1;
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	qemu_guest_lock(d, uuid);
	if (guest_status(d, uuid, status, sizeof(status)) < 0) {
		api_fail(err, API_CONFLICT, "guest %s is not running", uuid);
		goto out;
	}
	if (strcmp(status, need) != 0 &&
	    !(strcmp(need, "paused") == 0 && strcmp(status, "suspended") == 0)) {
		api_fail(err, API_CONFLICT, "guest %s is %s, not %s", uuid, status, need);
		goto out;
	}
	rc = qemu_guest_qmp(d, uuid, cmd, NULL, NULL, err);
out:
	qemu_guest_unlock(d, uuid);
	return rc;
}

int qemu_guest_pause(struct qemu_driver *d, const char *uuid, struct api_error *err)
{
	return pause_like(d, uuid, "stop", "running", err);
}

int qemu_guest_unpause(struct qemu_driver *d, const char *uuid, struct api_error *err)
{
	return pause_like(d, uuid, "cont", "paused", err);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int qemu_guest_suspend(struct qemu_driver *d, const char *uuid, struct api_error *err)
{
	char dir[4096], state[4096], status[64];
	struct qmp *q = NULL;
	json_t *ret = NULL, *args = NULL;
	int rc = -1;
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	qemu_guest_lock(d, uuid);
	qemu_guest_dir(d, uuid, dir, sizeof(dir));
	qemu_guest_file(d, uuid, QEMU_SUSPEND, state, sizeof(state));
	pid_t pid = qemu_proc_pid(dir, uuid);
	if (!pid || guest_status(d, uuid, status, sizeof(status)) < 0) {
		api_fail(err, API_CONFLICT, "guest %s is not running", uuid);
		goto out;
	}
	char qpath[4096];
	qemu_guest_file(d, uuid, QEMU_QMP, qpath, sizeof(qpath));
	if (qmp_connect(qpath, QMP_TIMEOUT_MS, &q, err) < 0)
		goto out;
	if (strcmp(status, "running") == 0 &&
	    qmp_execute(q, "stop", NULL, QMP_TIMEOUT_MS, NULL, err) < 0)
		goto out;
	/* The shell writes to a temporary name and renames once cat is done,
	 * so a state file that exists is complete. */
	args = json_object();
	json_object_set_new(
	    args, "uri",
	    json_sprintf("exec:cat > '%s.part' && mv '%s.part' '%s'", state, state, state));
	unlink(state);
	if (qmp_execute(q, "migrate", args, QMP_TIMEOUT_MS, NULL, err) < 0)
		goto resume;
	long long deadline = now_ms() + 300 * 1000;
	for (;;) {
		json_decref(ret);
		ret = NULL;
		if (qmp_execute(q, "query-migrate", NULL, QMP_TIMEOUT_MS, &ret, err) < 0)
			goto resume;
		const char *ms = json_string_value(json_object_get(ret, "status"));
		if (ms && strcmp(ms, "completed") == 0)
			break;
		if (ms && (strcmp(ms, "failed") == 0 || strcmp(ms, "cancelled") == 0)) {
			api_fail(err, API_INTERNAL, "saving the guest's memory %s", ms);
			goto resume;
		}
		if (now_ms() > deadline) {
			api_fail(err, API_INTERNAL, "saving the guest's memory timed out");
			goto resume;
		}
		usleep(100 * 1000);
	}
	for (long long end = now_ms() + 30000; !file_exists(state) && now_ms() < end;)
		usleep(50 * 1000);
	if (!file_exists(state)) {
		api_fail(err, API_INTERNAL, "the saved memory of %s did not appear", uuid);
		goto resume;
	}
	watch_remove(d, uuid);
	struct api_error ignored = {0};
	qmp_execute(q, "quit", NULL, QMP_TIMEOUT_MS, NULL, &ignored);
	qmp_close(q);
	q = NULL;
	if (qemu_proc_wait_gone(pid, 10000) < 0 && qemu_proc_kill(dir, uuid, err) < 0)
		goto out;
	log_info("event=guest_suspended uuid=%s", uuid);
	rc = 0;
	goto out;
resume:
	if (q && strcmp(status, "running") == 0) {
		struct api_error ignored2 = {0};
		qmp_execute(q, "cont", NULL, QMP_TIMEOUT_MS, NULL, &ignored2);
	}
	unlink(state);
out:
	json_decref(ret);
	json_decref(args);
	qmp_close(q);
	qemu_guest_unlock(d, uuid);
	return rc;
}

int qemu_guest_resume(struct qemu_driver *d, const char *uuid, struct api_error *err)
{
	struct qemu_rec r = {0};
	char state[4096], status[64];
	int rc = -1;
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	qemu_guest_lock(d, uuid);
	if (qemu_rec_load(d, uuid, &r, err) < 0)
		goto out;
	qemu_guest_file(d, uuid, QEMU_SUSPEND, state, sizeof(state));
	if (qemu_proc_pid(r.dir, uuid)) {
		api_fail(err, API_CONFLICT, "guest %s is not suspended", uuid);
		goto out;
	}
	if (!file_exists(state)) {
		api_fail(err, API_CONFLICT, "guest %s has no saved memory to resume", uuid);
		goto out;
	}
	r.g.incoming = true;
	if (qemu_guest_boot(d, &r.g, err) < 0)
		goto out;
	long long deadline = now_ms() + 300 * 1000;
	for (;;) {
		if (guest_status(d, uuid, status, sizeof(status)) < 0) {
			api_fail(err, API_INTERNAL, "QEMU of %s ended while loading its memory",
			         uuid);
			goto out;
		}
		if (strcmp(status, "inmigrate") != 0)
			break;
		if (now_ms() > deadline) {
			api_fail(err, API_INTERNAL, "loading the memory of %s timed out", uuid);
			goto out;
		}
		usleep(100 * 1000);
	}
	if (strcmp(status, "running") != 0 && qemu_guest_qmp(d, uuid, "cont", NULL, NULL, err) < 0)
		goto out;
	unlink(state);
	log_info("event=guest_resumed uuid=%s", uuid);
	rc = 0;
out:
	qemu_rec_free(&r);
	qemu_guest_unlock(d, uuid);
	return rc;
}

int qemu_guest_snapshot(struct qemu_driver *d, const char *uuid, const char *dest,
                        struct api_error *err)
{
	char dir[4096], disk[4096], status[64] = "";
	int rc = -1;
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	qemu_guest_lock(d, uuid);
	qemu_guest_dir(d, uuid, dir, sizeof(dir));
	qemu_guest_file(d, uuid, QEMU_DISK, disk, sizeof(disk));
	if (!file_exists(disk)) {
		api_fail(err, API_NOT_FOUND, "no guest %s on this host", uuid);
		goto out;
	}
	bool running = guest_status(d, uuid, status, sizeof(status)) == 0;
	bool was_running = running && strcmp(status, "running") == 0;
	/* stop flushes QEMU's caches: the copy sees a consistent disk */
	if (was_running && qemu_guest_qmp(d, uuid, "stop", NULL, NULL, err) < 0)
		goto out;
	rc = qemu_disk_flatten(disk, dest, running, err);
	if (was_running) {
		struct api_error ignored = {0};
		qemu_guest_qmp(d, uuid, "cont", NULL, NULL, &ignored);
	}
out:
	qemu_guest_unlock(d, uuid);
	return rc;
}

int qemu_guest_power_state(struct qemu_driver *d, const char *uuid, enum qemu_power *state,
                           struct api_error *err)
{
	char dir[4096], status[64], path[4096];
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	qemu_guest_dir(d, uuid, dir, sizeof(dir));
	pid_t pid = qemu_proc_pid(dir, uuid);
	if (!pid) {
		qemu_guest_file(d, uuid, QEMU_SUSPEND, path, sizeof(path));
		*state = file_exists(path) ? QEMU_POWER_SUSPENDED : QEMU_POWER_SHUTDOWN;
		qemu_guest_file(d, uuid, QEMU_GUEST_JSON, path, sizeof(path));
		if (!file_exists(path))
			*state = QEMU_POWER_NOSTATE;
		return 0;
	}
	watch_add(d, uuid, pid);
	if (guest_status(d, uuid, status, sizeof(status)) < 0) {
		*state = QEMU_POWER_RUNNING; /* alive but busy: say what the pid says */
		return 0;
	}
	if (strcmp(status, "running") == 0)
		*state = QEMU_POWER_RUNNING;
	else if (strcmp(status, "guest-panicked") == 0 || strcmp(status, "internal-error") == 0)
		*state = QEMU_POWER_CRASHED;
	else if (strcmp(status, "shutdown") == 0)
		*state = QEMU_POWER_SHUTDOWN;
	else
		*state = QEMU_POWER_PAUSED;
	return 0;
}

int qemu_guest_console(struct qemu_driver *d, const char *uuid, int max_lines, char **out,
                       size_t *len, struct api_error *err)
{
	char path[4096];
	const long cap = 1 << 20; /* the tail is what anyone reads */
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	qemu_guest_file(d, uuid, QEMU_CONSOLE, path, sizeof(path));
	FILE *f = fopen(path, "rb");
	if (!f) {
		*out = strdup("");
		*len = 0;
		if (!*out)
			abort();
		return 0;
	}
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	long start = size > cap ? size - cap : 0;
	fseek(f, start, SEEK_SET);
	char *buf = malloc(size - start + 1);
	if (!buf)
		abort();
	size_t n = fread(buf, 1, size - start, f);
	fclose(f);
	buf[n] = '\0';
	/* drop NULs so the text survives JSON */
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (buf[i] != '\0')
			buf[w++] = buf[i];
	buf[w] = '\0';
	char *from = buf;
	if (max_lines > 0) {
		int lines = 0;
		size_t i = w;
		if (i > 0 && buf[i - 1] == '\n')
			i--;
		while (i > 0) {
			if (buf[i - 1] == '\n' && ++lines == max_lines)
				break;
			i--;
		}
		from = buf + i;
	}
	*len = w - (from - buf);
	memmove(buf, from, *len + 1);
	*out = buf;
	return 0;
}

int qemu_guest_resize(struct qemu_driver *d, const char *uuid, int vcpus, int ram_mb,
                      long long root_gb, struct api_error *err)
{
	struct qemu_rec r = {0};
	char disk[4096], size[32];
	int rc = -1;
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	qemu_guest_lock(d, uuid);
	if (qemu_rec_load(d, uuid, &r, err) < 0)
		goto out;
	if (qemu_proc_pid(r.dir, uuid)) {
		api_fail(err, API_CONFLICT, "guest %s must be off to resize", uuid);
		goto out;
	}
	qemu_guest_file(d, uuid, QEMU_DISK, disk, sizeof(disk));
	long long cur;
	if (qemu_disk_size(disk, &cur, err) < 0)
		goto out;
	if (root_gb > 0 && root_gb * 1024 * 1024 * 1024 > cur) {
		snprintf(size, sizeof(size), "%lldG", root_gb);
		const char *argv[] = {"qemu-img", "resize", "-q", disk, size, NULL};
		if (qemu_run(argv, err) < 0)
			goto out;
	}
	r.g.vcpus = vcpus;
	r.g.ram_mb = ram_mb;
	rc = qemu_rec_save(d, &r.g, err);
out:
	qemu_rec_free(&r);
	qemu_guest_unlock(d, uuid);
	return rc;
}

int qemu_overlay_prepare(struct qemu_driver *d, const struct qemu_spec *s, const char *name,
                         long long size_gb, char tmp[QEMU_PATH_MAX + 8], char final[QEMU_PATH_MAX],
                         struct api_error *err)
{
	char cached[QEMU_PATH_MAX];
	if (qemu_image_cache(d->cache, s->image_id, s->image_path, cached, sizeof(cached), err) < 0)
		return -1;
	qemu_guest_file(d, s->uuid, name, final, QEMU_PATH_MAX);
	snprintf(tmp, QEMU_PATH_MAX + 8, "%s.new", final);
	unlink(tmp);
	return qemu_disk_overlay(cached, tmp, size_gb, err);
}

int qemu_overlay_commit(const char *tmp, const char *final, struct api_error *err)
{
	if (rename(tmp, final) == 0)
		return 0;
	api_fail(err, API_INTERNAL, "rename %s: %s", tmp, strerror(errno));
	unlink(tmp);
	return -1;
}

int qemu_guest_rebuild(struct qemu_driver *d, const struct qemu_spec *s, struct api_error *err)
{
	struct qemu_rec r = {0};
	char disk[QEMU_PATH_MAX], tmp[QEMU_PATH_MAX + 8];
	int rc = -1;
	if (qemu_check_uuid(s->uuid, err) < 0)
		return -1;
	qemu_guest_lock(d, s->uuid);
	if (qemu_rec_load(d, s->uuid, &r, err) < 0)
		goto out;
	if (qemu_proc_pid(r.dir, s->uuid)) {
		api_fail(err, API_CONFLICT, "guest %s must be off to rebuild", s->uuid);
		goto out;
	}
	if (qemu_overlay_prepare(d, s, QEMU_DISK, s->root_gb, tmp, disk, err) < 0 ||
	    qemu_overlay_commit(tmp, disk, err) < 0)
		goto out;
	if (s->config_drive) {
		qemu_guest_file(d, s->uuid, QEMU_DISK_CONFIG, disk, sizeof(disk));
		if (qemu_configdrive_build(disk, s->cd_files, s->ncd_files, err) < 0)
			goto out;
	}
	r.g.config_drive = r.g.config_drive || s->config_drive;
	rc = qemu_rec_save(d, &r.g, err);
out:
	qemu_rec_free(&r);
	qemu_guest_unlock(d, s->uuid);
	return rc;
}
