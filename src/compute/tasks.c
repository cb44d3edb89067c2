/* The long half of every server operation: a job on the work queue that
 * calls the driver and then moves the server to its resting state. The
 * task_state written before the job was queued is the job's record: at
 * start-up, tasks a previous run left behind are run again (spawn, delete)
 * or settled from the power state the driver reports; guests that changed
 * by themselves are reported through compute_power_changed. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/work.h"
#include "image/image.h"
#include "network/network.h"
#include "service.h"

struct compute_job {
	struct compute_svc *svc;
	enum compute_task task;
	char id[37];
	long long action_id;
	char arg[256];
	bool recovering;
};

/* What each task does to the states: task_state while running, the
 * vm_state and power_state on success. */
static const struct {
	const char *task_state;
	const char *vm_ok;
	enum compute_power power_ok;
} task_defs[] = {
    [COMPUTE_TASK_SPAWN] = {"spawning", "active", COMPUTE_POWER_RUNNING},
    [COMPUTE_TASK_DESTROY] = {"deleting", NULL, COMPUTE_POWER_NOSTATE},
    [COMPUTE_TASK_START] = {"powering-on", "active", COMPUTE_POWER_RUNNING},
    [COMPUTE_TASK_STOP] = {"powering-off", "stopped", COMPUTE_POWER_SHUTDOWN},
    [COMPUTE_TASK_REBOOT_SOFT] = {"reboot_started", "active", COMPUTE_POWER_RUNNING},
    [COMPUTE_TASK_REBOOT_HARD] = {"reboot_started_hard", "active", COMPUTE_POWER_RUNNING},
    [COMPUTE_TASK_PAUSE] = {"pausing", "paused", COMPUTE_POWER_PAUSED},
    [COMPUTE_TASK_UNPAUSE] = {"unpausing", "active", COMPUTE_POWER_RUNNING},
    [COMPUTE_TASK_SUSPEND] = {"suspending", "suspended", COMPUTE_POWER_SUSPENDED},
    [COMPUTE_TASK_RESUME] = {"resuming", "active", COMPUTE_POWER_RUNNING},
    [COMPUTE_TASK_RESCUE] = {"rescuing", "rescued", COMPUTE_POWER_RUNNING},
    [COMPUTE_TASK_UNRESCUE] = {"unrescuing", "active", COMPUTE_POWER_RUNNING},
    [COMPUTE_TASK_REBUILD] = {"rebuild_spawning", "active", COMPUTE_POWER_RUNNING},
    [COMPUTE_TASK_RESIZE] = {"resize_migrating", "resized", COMPUTE_POWER_RUNNING},
    [COMPUTE_TASK_SNAPSHOT] = {"image_uploading", NULL, COMPUTE_POWER_NOSTATE},
    [COMPUTE_TASK_SHELVE] = {"shelving", "shelved", COMPUTE_POWER_SHUTDOWN},
    [COMPUTE_TASK_SHELVE_OFFLOAD] = {"shelving_offloading", "shelved_offloaded",
                                     COMPUTE_POWER_SHUTDOWN},
    [COMPUTE_TASK_UNSHELVE] = {"unshelving", "active", COMPUTE_POWER_RUNNING},
    [COMPUTE_TASK_REVERT_RESIZE] = {"resize_reverting", "active", COMPUTE_POWER_RUNNING},
    [COMPUTE_TASK_SOFT_DELETE] = {"soft-deleting", "soft-delete", COMPUTE_POWER_SHUTDOWN},
    [COMPUTE_TASK_RESTORE] = {"restoring", "active", COMPUTE_POWER_RUNNING},
};

const char *compute_task_state(enum compute_task t)
{
	return task_defs[t].task_state;
}

/* Settles the server unless its task changed meanwhile (a delete won). */
static const char SQL_SETTLE[] =
    "UPDATE compute_servers SET vm_state = coalesce(?, vm_state), task_state = NULL,"
    " power_state = ?, updated_at = ?,"
    " launched_at = CASE WHEN ? = 'active' AND launched_at IS NULL THEN ? ELSE launched_at END"
    " WHERE id = ? AND task_state IS ?";
static const char SQL_FAIL[] =
    "UPDATE compute_servers SET vm_state = ?, task_state = NULL, updated_at = ?, fault = ?"
    " WHERE id = ? AND task_state IS ?";
static const char SQL_DELETE[] = "DELETE FROM compute_servers WHERE id = ?";
static const char SQL_PENDING[] =
    "SELECT id, task_state, vm_state FROM compute_servers WHERE host = ?";
static const char SQL_POWER[] =
    "UPDATE compute_servers SET power_state = ?, updated_at = ?,"
    " vm_state = CASE WHEN vm_state = 'active' AND task_state IS NULL AND ? IN (4, 6)"
    " THEN 'stopped' ELSE vm_state END WHERE id = ?";
static const char SQL_SET_IMAGE[] = "UPDATE compute_servers SET image_id = ? WHERE id = ?";
/* Shelving: the server keeps its snapshot and the time it was shelved;
 * offloaded, it leaves the host (its resources are free, its quota not). */
static const char SQL_SHELVED_AT[] =
    "UPDATE compute_servers SET shelved_at = ? WHERE id = ? AND vm_state = 'shelved'";
static const char SQL_SHELVE_FAILED[] =
    "UPDATE compute_servers SET shelved_image_id = NULL WHERE id = ? AND vm_state <> 'shelved'";
static const char SQL_OFFLOAD_BEGIN[] =
    "UPDATE compute_servers SET task_state = 'shelving_offloading', updated_at = ?"
    " WHERE id = ? AND vm_state = 'shelved' AND task_state IS NULL";
static const char SQL_OFFLOADED[] =
    "UPDATE compute_servers SET vm_state = 'shelved_offloaded', task_state = NULL, host = NULL,"
    " power_state = 4, updated_at = ? WHERE id = ? AND task_state IS 'shelving_offloading'";
static const char SQL_UNSHELVED[] =
    "UPDATE compute_servers SET shelved_image_id = NULL, shelved_at = NULL WHERE id = ?"
    " AND vm_state = 'active'";
static const char SQL_UNSHELVE_FAILED[] =
    "UPDATE compute_servers SET task_state = NULL, host = NULL, power_state = 4,"
    " updated_at = ?, fault = ? WHERE id = ? AND task_state IS 'unshelving'";

/* createBackup's rotation: when image_id is a backup, the backups of its
 * server and type beyond the newest `rotation` go (images and rows). */
static const char SQL_BACKUP_EXCESS[] =
    "SELECT b.image_id FROM compute_backups b, compute_backups n WHERE n.image_id = ?"
    " AND b.server_id = n.server_id AND b.backup_type = n.backup_type"
    " ORDER BY b.id DESC LIMIT -1 OFFSET (SELECT rotation FROM compute_backups"
    " WHERE image_id = ?)";
static const char SQL_BACKUP_DELETE[] = "DELETE FROM compute_backups WHERE image_id = ?";

static void backup_rotate(struct compute_svc *svc, const char *image_id)
{
	struct api_error err;
	struct arena *a = arena_new();
	const char **gone = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = db_stmt(SQL_BACKUP_EXCESS, &err);
	if (st == NULL)
		goto out;
	db_bind_text(st, 1, image_id);
	db_bind_text(st, 2, image_id);
	int rc;
	while ((rc = db_step(st, &err)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			const char **g = arena_alloc(a, cap * sizeof(*g));
			if (n)
				memcpy(g, gone, n * sizeof(*g));
			gone = g;
		}
		gone[n++] = arena_strdup(a, db_column_text(st, 0));
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < n; i++) {
		struct api_error e2;
		/* Already deleted through the image API: only the row is left. */
		if (image_remove(svc->env, gone[i], &e2) != 0 && e2.kind != API_NOT_FOUND)
			log_warn("compute: backup rotation: image %s: %s", gone[i], e2.message);
		else if ((st = db_stmt(SQL_BACKUP_DELETE, &e2)) != NULL) {
			db_bind_text(st, 1, gone[i]);
			db_exec_stmt(st, &e2);
		}
	}
out:
	arena_free(a);
}

/* Returns false when the server's task changed meanwhile (or it is gone). */
static bool settle(const char *id, const char *expect_task, const char *vm, int power)
{
	struct api_error err;
	char now[21];
	ids_time_iso(time(NULL), now);
	sqlite3_stmt *st = db_stmt(SQL_SETTLE, &err);
	if (st == NULL)
		goto fail;
	db_bind_text(st, 1, vm);
	sqlite3_bind_int(st, 2, power);
	db_bind_text(st, 3, now);
	db_bind_text(st, 4, vm);
	db_bind_text(st, 5, now);
	db_bind_text(st, 6, id);
	db_bind_text(st, 7, expect_task);
	if (db_exec_stmt(st, &err) == 0)
		return sqlite3_changes(db_conn(&err)) > 0;
fail:
	log_error("compute: server %s: %s", id, err.message);
	return true;
}

static void fail_task(const char *id, const char *expect_task, const char *vm, const char *msg)
{
	struct api_error err;
	char now[21];
	ids_time_iso(time(NULL), now);
	json_t *f = json_pack("{s:i,s:s,s:s,s:s}", "code", 500, "message", msg, "details", msg,
	                      "created", now);
	char *text = json_dumps(f, JSON_COMPACT);
	json_decref(f);
	sqlite3_stmt *st = db_stmt(SQL_FAIL, &err);
	if (st != NULL) {
		db_bind_text(st, 1, vm);
		db_bind_text(st, 2, now);
		db_bind_text(st, 3, text);
		db_bind_text(st, 4, id);
		db_bind_text(st, 5, expect_task);
		if (db_exec_stmt(st, &err) != 0)
			log_error("compute: server %s: %s", id, err.message);
	}
	free(text);
}

static char *b64_decode(struct arena *a, const char *s, size_t *len)
{
	size_t n = strlen(s);
	char *clean = arena_alloc(a, n + 1);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\n' && s[i] != '\r' && s[i] != ' ')
			clean[m++] = s[i];
	unsigned char *out = arena_alloc(a, m + 4);
	int l = m ? EVP_DecodeBlock(out, (unsigned char *)clean, (int)m) : 0;
	if (l > 0 && clean[m - 1] == '=')
		l -= clean[m - 2] == '=' ? 2 : 1;
	*len = l > 0 ? (size_t)l : 0;
	return (char *)out;
}

static const char SQL_TAGS[] =
    "SELECT mac, tag FROM compute_device_tags WHERE server_id = ? ORDER BY rowid";
static const char SQL_TAG_FORGET[] =
    "DELETE FROM compute_device_tags WHERE server_id = ? AND port_id = ?";

static const char SQL_TAG_OF[] =
    "SELECT tag FROM compute_device_tags WHERE server_id = ? AND port_id = ?";

const char *compute_device_tag_of(struct arena *a, const char *server_id, const char *port_id)
{
	struct api_error err;
	sqlite3_stmt *st = db_stmt(SQL_TAG_OF, &err);
	if (st == NULL)
		return NULL;
	db_bind_text(st, 1, server_id);
	db_bind_text(st, 2, port_id);
	const char *tag = NULL;
	if (db_step(st, &err) == SQLITE_ROW)
		tag = arena_strdup(a, db_column_text(st, 0));
	sqlite3_reset(st);
	return tag;
}

void compute_device_tag_forget(const char *server_id, const char *port_id)
{
	struct api_error err;
	sqlite3_stmt *st = db_stmt(SQL_TAG_FORGET, &err);
	if (st == NULL)
		return;
	db_bind_text(st, 1, server_id);
	db_bind_text(st, 2, port_id);
	db_exec_stmt(st, &err);
}

/* Nova's device metadata for the tagged NICs: type, mac, tags and, when
 * the driver knows it, the PCI bus address (as Nova's libvirt driver). */
static json_t *device_tags(const struct compute_svc *svc, const char *server_id)
{
	struct api_error err;
	json_t *out = json_array();
	sqlite3_stmt *st = db_stmt(SQL_TAGS, &err);
	if (st == NULL)
		return out;
	db_bind_text(st, 1, server_id);
	while (db_step(st, &err) == SQLITE_ROW) {
		const char *mac = db_column_text(st, 0);
		json_t *dev = json_pack("{s:s,s:s,s:[s]}", "type", "nic", "mac", mac, "tags",
		                        db_column_text(st, 1));
		char addr[32];
		if (svc->drv->nic_address && svc->drv->nic_address(svc->drv_state, server_id, mac,
		                                                   addr, sizeof(addr)) == 0) {
			json_object_set_new(dev, "bus", json_string("pci"));
			json_object_set_new(dev, "address", json_string(addr));
		}
		json_array_append_new(out, dev);
	}
	sqlite3_reset(st);
	return out;
}

/* The OpenStack meta_data.json of a server (config drive, metadata API). */
json_t *compute_meta_data(const struct compute_svc *svc, const struct compute_server *s)
{
	json_t *md = json_pack(
	    "{s:s,s:s,s:s,s:i,s:s,s:s,s:O,s:o,s:o}", "uuid", s->id, "name", s->name, "hostname",
	    s->hostname, "launch_index", s->launch_index, "availability_zone",
	    s->availability_zone ? s->availability_zone : "", "project_id", s->project_id, "meta",
	    s->metadata, "devices", device_tags(svc, s->id), "public_keys", json_object());
	if (s->key_name && s->key_data) {
		json_object_set_new(json_object_get(md, "public_keys"), s->key_name,
		                    json_string(s->key_data));
		json_object_set_new(md, "keys",
		                    json_pack("[{s:s,s:s,s:s}]", "name", s->key_name, "type", "ssh",
		                              "data", s->key_data));
	}
	return md;
}

/* The spec of a server for spawn/rebuild/rescue (image: image_id). */
static int build_spec(struct compute_svc *svc, struct arena *a, const struct compute_server *s,
                      const char *image_id, struct compute_spec *spec, struct api_error *err)
{
	struct image_info img;
	if (image_lookup(svc->env, a, NULL, image_id, &img, err) != 0)
		return -1;
	if (img.path == NULL)
		return api_fail(err, API_CONFLICT, "Image %s has no data.", image_id);
	memset(spec, 0, sizeof(*spec));
	json_t *f = s->flavor;
	spec->id = s->id;
	spec->name = s->name;
	spec->hostname = s->hostname;
	spec->project_id = s->project_id;
	spec->flavor_name = json_string_value(json_object_get(f, "name"));
	spec->vcpus = (int)json_integer_value(json_object_get(f, "vcpus"));
	spec->ram_mb = (int)json_integer_value(json_object_get(f, "ram"));
	spec->root_gb = json_integer_value(json_object_get(f, "disk"));
	spec->ephemeral_gb = json_integer_value(json_object_get(f, "ephemeral"));
	spec->swap_mb = json_integer_value(json_object_get(f, "swap"));
	spec->image_id = image_id;
	spec->image_path = img.path;
	spec->disk_format = img.disk_format;
	spec->machine = img.properties
	                    ? json_string_value(json_object_get(img.properties, "hw_machine_type"))
	                    : NULL;
	spec->key_name = s->key_name;
	spec->public_key = s->key_data;
	if (s->user_data)
		spec->user_data = b64_decode(a, s->user_data, &spec->user_data_len);
	spec->metadata = s->metadata;
	spec->meta_data = compute_meta_data(svc, s);
	arena_defer(a, (void (*)(void *))json_decref, spec->meta_data);
	spec->network_data = NULL;
	/* NICs: the ports network bound to this server (create_ports). */
	struct net_service *ns = net_service_of(svc->env->http);
	struct net_vif *vifs = NULL;
	size_t nvifs = 0;
	if (ns != NULL && net_server_ports_list(ns, s->id, a, &vifs, &nvifs, err) != 0)
		return -1;
	if (nvifs > 0) {
		struct compute_nic *nics = arena_alloc(a, nvifs * sizeof(*nics));
		for (size_t i = 0; i < nvifs; i++) {
			const char **ips =
			    arena_alloc(a, (vifs[i].nfixed_ips + 1) * sizeof(char *));
			for (size_t k = 0; k < vifs[i].nfixed_ips; k++)
				ips[k] = vifs[i].fixed_ips[k].ip_address;
			nics[i] = (struct compute_nic){
			    .port_id = vifs[i].port_id,
			    .mac = vifs[i].mac,
			    .tap = vifs[i].tap,
			    .bridge = vifs[i].plugged ? vifs[i].bridge : NULL,
			    .mtu = (int)vifs[i].mtu,
			    .fixed_ips = ips,
			    .nfixed_ips = vifs[i].nfixed_ips,
			};
		}
		spec->nics = nics;
		spec->nnics = nvifs;
		spec->network_data = net_network_data_merge(vifs, nvifs, a);
	}
	spec->config_drive = s->config_drive;
	spec->instance_dir = arena_printf(a, "%s/%s", svc->instances_dir, s->id);
	return 0;
}

/* The root disk to a scratch file, then into the queued image image_id
 * (snapshot, backup, shelve); the image is removed if anything fails. */
static int snapshot_to_image(struct compute_svc *svc, struct arena *a, const char *server_id,
                             const char *image_id, struct api_error *err)
{
	const char *tmp = arena_printf(a, "%s/%s.snapshot", svc->instances_dir, server_id);
	int rc = svc->drv->snapshot(svc->drv_state, server_id, tmp, err);
	if (rc == 0)
		rc = image_upload_from_file(svc->env, a, image_id, tmp, err);
	unlink(tmp);
	if (rc == 0)
		backup_rotate(svc, image_id);
	if (rc != 0) {
		struct api_error e2;
		image_remove(svc->env, image_id, &e2);
	}
	return rc;
}

static int run_op(struct compute_job *job, struct arena *a, const struct compute_server *s,
                  struct api_error *err)
{
	struct compute_svc *svc = job->svc;
	const struct compute_driver *d = svc->drv;
	void *ds = svc->drv_state;
	struct compute_spec spec;
	switch (job->task) {
	case COMPUTE_TASK_SPAWN:
		if (job->recovering)
			d->destroy(ds, s->id, err);
		if (build_spec(svc, a, s, s->image_id, &spec, err) != 0)
			return -1;
		return d->spawn(ds, &spec, err);
	case COMPUTE_TASK_UNSHELVE:
		/* Shelved: the guest is there, powered off. Offloaded: a new
		 * guest from the shelved snapshot (the server keeps its image). */
		if (strcmp(s->vm_state, "shelved") == 0)
			return d->power_on(ds, s->id, err);
		if (s->shelved_image_id == NULL)
			return api_fail(err, API_CONFLICT, "Server %s has no shelved image.",
			                s->id);
		d->destroy(ds, s->id, err);
		if (build_spec(svc, a, s, s->shelved_image_id, &spec, err) != 0)
			return -1;
		return d->spawn(ds, &spec, err);
	case COMPUTE_TASK_SHELVE: {
		/* Off, then the root disk into the queued image (job->arg), as
		 * createImage; the image is removed if anything fails. */
		enum compute_power p = COMPUTE_POWER_NOSTATE;
		if (d->power_state(ds, s->id, &p, err) != 0)
			return -1;
		if (p != COMPUTE_POWER_SHUTDOWN && p != COMPUTE_POWER_CRASHED &&
		    d->power_off(ds, s->id, svc->shutdown_timeout, err) != 0)
			return -1;
		return snapshot_to_image(svc, a, s->id, job->arg, err);
	}
	case COMPUTE_TASK_SHELVE_OFFLOAD:
		return d->destroy(ds, s->id, err);
	case COMPUTE_TASK_SOFT_DELETE: {
		/* Nova's soft_delete falls back to a hard power-off. */
		enum compute_power p = COMPUTE_POWER_NOSTATE;
		if (d->power_state(ds, s->id, &p, err) != 0)
			return -1;
		if (p == COMPUTE_POWER_SHUTDOWN || p == COMPUTE_POWER_CRASHED)
			return 0;
		return d->power_off(ds, s->id, 0, err);
	}
	case COMPUTE_TASK_RESTORE:
		return d->power_on(ds, s->id, err);
	case COMPUTE_TASK_DESTROY: {
		if (d->destroy(ds, s->id, err) != 0)
			return -1;
		/* A shelved server's snapshot goes with it (Nova). */
		if (s->shelved_image_id != NULL) {
			struct api_error e2;
			if (image_remove(svc->env, s->shelved_image_id, &e2) != 0 &&
			    e2.kind != API_NOT_FOUND)
				log_warn("compute: shelved image %s of %s: %s", s->shelved_image_id,
				         s->id, e2.message);
		}
		struct net_service *ns = net_service_of(svc->env->http);
		return ns ? net_server_ports_release(ns, s->id, NULL, err) : 0;
	}
	case COMPUTE_TASK_START:
		return d->power_on(ds, s->id, err);
	case COMPUTE_TASK_STOP:
		return d->power_off(ds, s->id, svc->shutdown_timeout, err);
	case COMPUTE_TASK_REBOOT_SOFT:
	case COMPUTE_TASK_REBOOT_HARD:
		return d->reboot(ds, s->id, job->task == COMPUTE_TASK_REBOOT_HARD, err);
	case COMPUTE_TASK_PAUSE:
		return d->pause(ds, s->id, err);
	case COMPUTE_TASK_UNPAUSE:
		return d->unpause(ds, s->id, err);
	case COMPUTE_TASK_SUSPEND:
		return d->suspend(ds, s->id, err);
	case COMPUTE_TASK_RESUME:
		return d->resume(ds, s->id, err);
	case COMPUTE_TASK_RESCUE:
		if (compute_task_supported(svc, job->task, err) != 0 ||
		    build_spec(svc, a, s, job->arg[0] ? job->arg : s->image_id, &spec, err) != 0)
			return -1;
		return d->rescue(ds, &spec, err);
	case COMPUTE_TASK_UNRESCUE:
		if (compute_task_supported(svc, job->task, err) != 0)
			return -1;
		return d->unrescue(ds, s->id, err);
	case COMPUTE_TASK_REBUILD: {
		if (build_spec(svc, a, s, s->image_id, &spec, err) != 0)
			return -1;
		enum compute_power p = COMPUTE_POWER_NOSTATE;
		d->power_state(ds, s->id, &p, err);
		if (p != COMPUTE_POWER_SHUTDOWN && d->power_off(ds, s->id, 0, err) != 0)
			return -1;
		if (d->rebuild(ds, &spec, err) != 0)
			return -1;
		/* A stopped server is rebuilt and stays stopped (Nova). */
		if (strcmp(s->vm_state, "stopped") == 0)
			return 0;
		return d->power_on(ds, s->id, err);
	}
	case COMPUTE_TASK_SNAPSHOT: {
		return snapshot_to_image(svc, a, s->id, job->arg, err);
	}
	case COMPUTE_TASK_RESIZE:
	case COMPUTE_TASK_REVERT_RESIZE: {
		/* The row already holds the target flavor. Off, new sizes
		 * (disks grow, never shrink), on again if it was running. */
		enum compute_power p = COMPUTE_POWER_NOSTATE;
		if (d->power_state(ds, s->id, &p, err) != 0)
			return -1;
		bool was_on = p == COMPUTE_POWER_RUNNING;
		if (was_on && d->power_off(ds, s->id, svc->shutdown_timeout, err) != 0)
			return -1;
		json_t *f = s->flavor;
		struct compute_spec sizes = {
		    .id = s->id,
		    .name = s->name,
		    .flavor_name = json_string_value(json_object_get(f, "name")),
		    .vcpus = (int)json_integer_value(json_object_get(f, "vcpus")),
		    .ram_mb = (int)json_integer_value(json_object_get(f, "ram")),
		    .root_gb = json_integer_value(json_object_get(f, "disk")),
		    .ephemeral_gb = json_integer_value(json_object_get(f, "ephemeral")),
		    .swap_mb = json_integer_value(json_object_get(f, "swap")),
		    .instance_dir = arena_printf(a, "%s/%s", svc->instances_dir, s->id),
		};
		if (d->resize(ds, s->id, &sizes, err) != 0)
			return -1;
		return was_on ? d->power_on(ds, s->id, err) : 0;
	}
	}
	return api_fail(err, API_NOT_IMPLEMENTED, "task %d is not implemented", (int)job->task);
}

static int exec_id(const char *sql, const char *id, const char *a1, const char *a2,
                   struct api_error *err)
{
	/* Binds the optional text arguments first, the server id last. */
	sqlite3_stmt *st = db_stmt(sql, err);
	if (st == NULL)
		return -1;
	int k = 1;
	if (a1)
		db_bind_text(st, k++, a1);
	if (a2)
		db_bind_text(st, k++, a2);
	db_bind_text(st, k, id);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	return sqlite3_changes(db_conn(err));
}

/* Offloads a shelved server whose task the caller set to
 * shelving_offloading: the guest goes, the server leaves the host. */
static int offload(struct compute_job *job, const char *id, struct api_error *err)
{
	struct compute_svc *svc = job->svc;
	char now[21];
	ids_time_iso(time(NULL), now);
	if (svc->drv->destroy(svc->drv_state, id, err) != 0) {
		settle(id, "shelving_offloading", NULL, COMPUTE_POWER_SHUTDOWN);
		return -1;
	}
	return exec_id(SQL_OFFLOADED, id, now, NULL, err) < 0 ? -1 : 0;
}

/* The end of shelve, shelveOffload and unshelve (rc: the driver's). */
static void shelve_settle(struct compute_job *job, struct arena *a, const struct compute_server *s,
                          int rc, struct api_error *err)
{
	const char *ts = task_defs[job->task].task_state;
	char now[21];
	ids_time_iso(time(NULL), now);
	struct api_error e2;
	bool ok = rc == 0;
	switch (job->task) {
	case COMPUTE_TASK_SHELVE:
		if (!ok) {
			enum compute_power p = COMPUTE_POWER_NOSTATE;
			job->svc->drv->power_state(job->svc->drv_state, job->id, &p, &e2);
			settle(job->id, ts, NULL, (int)p);
			exec_id(SQL_SHELVE_FAILED, job->id, NULL, NULL, &e2);
			break;
		}
		if (!settle(job->id, ts, "shelved", COMPUTE_POWER_SHUTDOWN))
			break;
		exec_id(SQL_SHELVED_AT, job->id, now, NULL, &e2);
		/* shelved_offload_time 0: offloaded at once (Nova). */
		if (job->svc->shelved_offload_time == 0 &&
		    exec_id(SQL_OFFLOAD_BEGIN, job->id, now, NULL, &e2) > 0 &&
		    offload(job, job->id, &e2) != 0)
			log_warn("compute: offload %s: %s", job->id, e2.message);
		break;
	case COMPUTE_TASK_SHELVE_OFFLOAD:
		if (ok && exec_id(SQL_OFFLOADED, job->id, now, NULL, err) < 0)
			ok = false;
		if (!ok)
			settle(job->id, ts, NULL, COMPUTE_POWER_SHUTDOWN);
		break;
	case COMPUTE_TASK_UNSHELVE:
		if (!ok && strcmp(s->vm_state, "shelved_offloaded") == 0) {
			/* Back to offloaded, off the host, with the fault. */
			json_t *f =
			    json_pack("{s:i,s:s,s:s,s:s}", "code", 500, "message", err->message,
			              "details", err->message, "created", now);
			char *text = json_dumps(f, JSON_COMPACT);
			json_decref(f);
			job->svc->drv->destroy(job->svc->drv_state, job->id, &e2);
			exec_id(SQL_UNSHELVE_FAILED, job->id, now, text, &e2);
			free(text);
			break;
		}
		if (!ok) {
			settle(job->id, ts, NULL, COMPUTE_POWER_SHUTDOWN);
			break;
		}
		/* The snapshot has served: Nova deletes it before the server
		 * shows ACTIVE, so no client sees both. */
		if (s->shelved_image_id != NULL &&
		    image_remove(job->svc->env, s->shelved_image_id, &e2) != 0 &&
		    e2.kind != API_NOT_FOUND)
			log_warn("compute: shelved image %s of %s: %s", s->shelved_image_id,
			         job->id, e2.message);
		if (!settle(job->id, ts, "active", COMPUTE_POWER_RUNNING)) {
			/* A delete came in meanwhile: it owns the guest now. */
			if (job->svc->drv->destroy(job->svc->drv_state, job->id, &e2) != 0)
				log_warn("compute: %s: %s", job->id, e2.message);
			break;
		}
		exec_id(SQL_UNSHELVED, job->id, NULL, NULL, &e2);
		break;
	default:
		break;
	}
	(void)a;
	if (!ok)
		log_warn("compute: %s %s: %s", ts, job->id, err->message);
	compute_action_finish(job->action_id, ok, ok ? NULL : err->message);
}

static void job_run(void *arg)
{
	struct compute_job *job = arg;
	struct arena *a = arena_new();
	struct api_error err = {0};
	struct compute_server s;
	const char *ts = task_defs[job->task].task_state;
	if (compute_server_read(a, job->id, &s, &err) != 0)
		goto out; /* deleted meanwhile */
	if (s.task_state == NULL || strcmp(s.task_state, ts) != 0)
		goto out; /* superseded (a delete came in) */
	int rc = run_op(job, a, &s, &err);
	if (job->task == COMPUTE_TASK_DESTROY) {
		if (rc == 0) {
			sqlite3_stmt *st = db_stmt(SQL_DELETE, &err);
			if (st) {
				db_bind_text(st, 1, job->id);
				rc = db_exec_stmt(st, &err);
			}
		}
		if (rc != 0) {
			log_error("compute: delete %s: %s", job->id, err.message);
			fail_task(job->id, ts, "error", err.message);
		}
		compute_action_finish(job->action_id, rc == 0, rc == 0 ? NULL : err.message);
		goto out;
	}
	if (job->task == COMPUTE_TASK_SHELVE || job->task == COMPUTE_TASK_SHELVE_OFFLOAD ||
	    job->task == COMPUTE_TASK_UNSHELVE) {
		shelve_settle(job, a, &s, rc, &err);
		goto out;
	}
	if (rc == 0 && (job->task == COMPUTE_TASK_SNAPSHOT || job->task == COMPUTE_TASK_RESIZE ||
	                job->task == COMPUTE_TASK_REVERT_RESIZE)) {
		/* These leave the guest powered as it was: a resized server is
		 * VERIFY_RESIZE either way, a reverted one active or stopped. */
		enum compute_power p = COMPUTE_POWER_NOSTATE;
		struct api_error e2;
		job->svc->drv->power_state(job->svc->drv_state, job->id, &p, &e2);
		const char *vm = NULL;
		if (job->task == COMPUTE_TASK_RESIZE)
			vm = "resized";
		else if (job->task == COMPUTE_TASK_REVERT_RESIZE)
			vm = p == COMPUTE_POWER_RUNNING ? "active" : "stopped";
		settle(job->id, ts, vm, (int)p);
	} else if (rc == 0 && job->task == COMPUTE_TASK_REBUILD &&
	           strcmp(s.vm_state, "stopped") == 0) {
		settle(job->id, ts, "stopped", COMPUTE_POWER_SHUTDOWN);
	} else if (rc == 0) {
		if (!settle(job->id, ts, task_defs[job->task].vm_ok,
		            (int)task_defs[job->task].power_ok) &&
		    (job->task == COMPUTE_TASK_SPAWN || job->task == COMPUTE_TASK_UNSHELVE)) {
			/* A delete came in while the guest was being made: its
			 * destroy may have run before the guest existed, so end
			 * the guest here too (destroy is idempotent). */
			struct api_error e2;
			if (job->svc->drv->destroy(job->svc->drv_state, job->id, &e2) != 0)
				log_warn("compute: %s: %s", job->id, e2.message);
		}
	} else {
		log_warn("compute: %s %s: %s", ts, job->id, err.message);
		/* A failed spawn is an ERROR server; a failed action leaves the
		 * server as the driver says it is (Nova reverts the task). */
		if (job->task == COMPUTE_TASK_SPAWN || job->task == COMPUTE_TASK_REBUILD ||
		    job->task == COMPUTE_TASK_UNSHELVE) {
			fail_task(job->id, ts, "error", err.message);
		} else {
			enum compute_power p = COMPUTE_POWER_NOSTATE;
			struct api_error e2;
			job->svc->drv->power_state(job->svc->drv_state, job->id, &p, &e2);
			settle(job->id, ts, NULL, (int)p);
		}
	}
	if (job->task == COMPUTE_TASK_RESIZE)
		compute_migration_status(job->id, "resize", rc == 0 ? "finished" : "error");
	else if (job->task == COMPUTE_TASK_REVERT_RESIZE)
		compute_migration_status(job->id, "resize", rc == 0 ? "reverted" : "error");
	compute_action_finish(job->action_id, rc == 0, rc == 0 ? NULL : err.message);
out:
	arena_free(a);
	free(job);
}

int compute_task_supported(const struct compute_svc *svc, enum compute_task task,
                           struct api_error *err)
{
	const struct compute_driver *d = svc->drv;
	bool ok = true;
	if (task == COMPUTE_TASK_RESCUE)
		ok = d->rescue != NULL;
	else if (task == COMPUTE_TASK_UNRESCUE)
		ok = d->unrescue != NULL;
	if (!ok)
		return api_fail(err, API_NOT_IMPLEMENTED,
		                "The %s driver does not implement this action yet.", d->name);
	return 0;
}

int compute_task_submit(struct compute_svc *svc, enum compute_task task, const char *server_id,
                        long long action_id, const char *arg, struct api_error *err)
{
	struct compute_job *job = calloc(1, sizeof(*job));
	if (job == NULL)
		return api_fail(err, API_INTERNAL, "out of memory");
	job->svc = svc;
	job->task = task;
	job->action_id = action_id;
	snprintf(job->id, sizeof(job->id), "%s", server_id);
	if (arg)
		snprintf(job->arg, sizeof(job->arg), "%s", arg);
	if (task == COMPUTE_TASK_REBUILD && arg) {
		sqlite3_stmt *st = db_stmt(SQL_SET_IMAGE, err);
		if (st == NULL) {
			free(job);
			return -1;
		}
		db_bind_text(st, 1, arg);
		db_bind_text(st, 2, server_id);
		if (db_exec_stmt(st, err) != 0) {
			free(job);
			return -1;
		}
	}
	return work_submit(svc->wq, job_run, job, err);
}

static const char *vm_of_power(enum compute_power p)
{
	switch (p) {
	case COMPUTE_POWER_RUNNING:
		return "active";
	case COMPUTE_POWER_PAUSED:
		return "paused";
	case COMPUTE_POWER_SUSPENDED:
		return "suspended";
	default:
		return "stopped";
	}
}

int compute_tasks_recover(struct compute_svc *svc, struct api_error *err)
{
	struct arena *a = arena_new();
	sqlite3_stmt *st = db_stmt(SQL_PENDING, err);
	if (st == NULL) {
		arena_free(a);
		return -1;
	}
	db_bind_text(st, 1, svc->host.name);
	struct row {
		const char *id, *task, *vm;
	} *rows = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct row *r = arena_alloc(a, cap * sizeof(*r));
			if (n)
				memcpy(r, rows, n * sizeof(*r));
			rows = r;
		}
		rows[n].id = arena_strdup(a, db_column_text(st, 0));
		rows[n].task = arena_strdup(a, db_column_text(st, 1));
		rows[n].vm = arena_strdup(a, db_column_text(st, 2));
		n++;
	}
	if (rc < 0) {
		arena_free(a);
		return -1;
	}
	size_t resumed = 0, synced = 0;
	for (size_t i = 0; i < n; i++) {
		struct api_error e = {0};
		const char *t = rows[i].task;
		/* Tasks run again from the start (each is idempotent). */
		static const enum compute_task again[] = {
		    COMPUTE_TASK_DESTROY,        COMPUTE_TASK_SPAWN,       COMPUTE_TASK_UNSHELVE,
		    COMPUTE_TASK_SHELVE_OFFLOAD, COMPUTE_TASK_SOFT_DELETE, COMPUTE_TASK_RESTORE,
		};
		enum compute_task task = COMPUTE_TASK_SPAWN;
		bool rerun = false;
		for (size_t k = 0; t && !rerun && k < sizeof(again) / sizeof(again[0]); k++)
			if (strcmp(t, task_defs[again[k]].task_state) == 0) {
				task = again[k];
				rerun = true;
			}
		if (rerun) {
			struct compute_job *job = calloc(1, sizeof(*job));
			if (job == NULL)
				continue;
			job->svc = svc;
			job->task = task;
			job->recovering = true;
			snprintf(job->id, sizeof(job->id), "%s", rows[i].id);
			if (work_submit(svc->wq, job_run, job, &e) == 0)
				resumed++;
			continue;
		}
		if (strcmp(rows[i].vm, "error") == 0 ||
		    strcmp(rows[i].vm, "shelved_offloaded") == 0)
			continue;
		/* Re-sync with what the driver sees. */
		enum compute_power p = COMPUTE_POWER_NOSTATE;
		if (svc->drv->power_state(svc->drv_state, rows[i].id, &p, &e) != 0)
			p = COMPUTE_POWER_SHUTDOWN;
		const char *vm = rows[i].vm;
		if (t != NULL || (strcmp(vm, "active") == 0 && p != COMPUTE_POWER_RUNNING))
			vm = vm_of_power(p);
		if (strcmp(rows[i].vm, "rescued") == 0 && p == COMPUTE_POWER_RUNNING)
			vm = "rescued";
		compute_server_set_state(rows[i].id, vm, NULL, (int)p, &e);
		synced++;
	}
	if (n)
		log_info("compute: %zu servers on %s: %zu tasks resumed, %zu re-synced", n,
		         svc->host.name, resumed, synced);
	arena_free(a);
	return 0;
}

void compute_power_changed(void *cls, const char *id, enum compute_power power)
{
	(void)cls;
	struct api_error err;
	char now[21];
	ids_time_iso(time(NULL), now);
	sqlite3_stmt *st = db_stmt(SQL_POWER, &err);
	if (st == NULL)
		return;
	sqlite3_bind_int(st, 1, (int)power);
	db_bind_text(st, 2, now);
	sqlite3_bind_int(st, 3, (int)power);
	db_bind_text(st, 4, id);
	if (db_exec_stmt(st, &err) != 0)
		log_warn("compute: power state of %s: %s", id, err.message);
}
