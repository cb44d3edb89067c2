/* The fake driver: guests without processes, for scale tests and fast
 * functional tests. Each guest is a small file DATA/compute/fake/<id>
 * holding its power state, so guests "survive" a restart of stackd as
 * real ones do; the console is a few made-up lines. An NMI (crash dump)
 * is recorded as a line in DATA/compute/fake/<id>.nmi, so tests see it;
 * diagnostics give the power state and the time since the last power
 * change (the state file's mtime) as uptime, no counters. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compute/driver.h"
#include "compute/drivers/run.h"
#include "core/config.h"
#include "service.h"

struct fake_state {
	char dir[4096];
	pthread_mutex_t lock;
};

static int fake_path(struct fake_state *f, const char *id, char *buf, size_t size,
                     struct api_error *err)
{
	if (strlen(id) != 36 || strchr(id, '/') != NULL)
		return api_fail(err, API_BAD_REQUEST, "invalid guest id");
	if ((size_t)snprintf(buf, size, "%s/%s", f->dir, id) >= size)
		return api_fail(err, API_INTERNAL, "fake driver path too long");
	return 0;
}

static int fake_read(struct fake_state *f, const char *id, enum compute_power *out,
                     struct api_error *err)
{
	char path[4200];
	if (fake_path(f, id, path, sizeof(path), err) < 0)
		return -1;
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return api_fail(err, API_NOT_FOUND, "guest %s not found on this host", id);
	int v = 0;
	int n = fscanf(fp, "%d", &v);
	fclose(fp);
	if (n != 1)
		return api_fail(err, API_INTERNAL, "fake guest %s: unreadable state", id);
	*out = (enum compute_power)v;
	return 0;
}

static int fake_write(struct fake_state *f, const char *id, enum compute_power p,
                      struct api_error *err)
{
	char path[4200], tmp[4300];
	if (fake_path(f, id, path, sizeof(path), err) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *fp = fopen(tmp, "w");
	if (fp == NULL)
		return api_fail(err, API_INTERNAL, "fake guest %s: %s", id, strerror(errno));
	fprintf(fp, "%d\n", (int)p);
	if (fclose(fp) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return api_fail(err, API_INTERNAL, "fake guest %s: %s", id, strerror(errno));
	}
	return 0;
}

/* Moves a guest from one of the states in `from` (a NOSTATE-terminated
 * list; NULL: any) to `to`. */
static int fake_transition(void *state, const char *id, const enum compute_power *from,
                           enum compute_power to, struct api_error *err)
{
	struct fake_state *f = state;
	int rc = -1;
	enum compute_power cur;
	pthread_mutex_lock(&f->lock);
	if (fake_read(f, id, &cur, err) < 0)
		goto out;
	if (from != NULL) {
		bool ok = false;
		for (const enum compute_power *p = from; *p != COMPUTE_POWER_NOSTATE; p++)
			ok = ok || *p == cur;
		if (!ok) {
			api_fail(err, API_CONFLICT, "guest %s is in power state %d", id, (int)cur);
			goto out;
		}
	}
	rc = fake_write(f, id, to, err);
out:
	pthread_mutex_unlock(&f->lock);
	return rc;
}

static int fake_init(const struct stackd_env *env, compute_power_cb cb, void *cls, void **state,
                     struct compute_host_facts *facts, struct api_error *err)
{
	(void)cb;
	(void)cls;
	struct fake_state *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return api_fail(err, API_INTERNAL, "out of memory");
	snprintf(f->dir, sizeof(f->dir), "%s/compute", env->data_dir);
	mkdir(f->dir, 0700);
	snprintf(f->dir, sizeof(f->dir), "%s/compute/fake", env->data_dir);
	if (mkdir(f->dir, 0700) < 0 && errno != EEXIST) {
		api_fail(err, API_INTERNAL, "fake driver: mkdir %s: %s", f->dir, strerror(errno));
		free(f);
		return -1;
	}
	pthread_mutex_init(&f->lock, NULL);
	memset(facts, 0, sizeof(*facts));
	/* Big enough for scale tests; overridable for scheduler tests. */
	facts->vcpus = (int)config_get_int(env->cfg, "compute", "fake_vcpus", 1000);
	facts->ram_mb = config_get_int(env->cfg, "compute", "fake_ram_mb", 1024 * 1024);
	facts->disk_gb = config_get_int(env->cfg, "compute", "fake_disk_gb", 100000);
	snprintf(facts->hypervisor_type, sizeof(facts->hypervisor_type), "fake");
	facts->hypervisor_version = 1000;
	snprintf(facts->accelerator, sizeof(facts->accelerator), "none");
	snprintf(facts->accelerator_reason, sizeof(facts->accelerator_reason),
	         "fake driver: no guests are run");
	snprintf(facts->cpu_arch, sizeof(facts->cpu_arch), "x86_64");
	*state = f;
	return 0;
}

static void fake_fini(void *state)
{
	struct fake_state *f = state;
	if (f == NULL)
		return;
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static int fake_spawn(void *state, const struct compute_spec *spec, struct api_error *err)
{
	struct fake_state *f = state;
	pthread_mutex_lock(&f->lock);
	int rc = fake_write(f, spec->id, COMPUTE_POWER_RUNNING, err);
	pthread_mutex_unlock(&f->lock);
	return rc;
}

static int fake_destroy(void *state, const char *id, struct api_error *err)
{
	struct fake_state *f = state;
	char path[4200];
	if (fake_path(f, id, path, sizeof(path), err) < 0)
		return -1;
	pthread_mutex_lock(&f->lock);
	int rc = 0;
	if (unlink(path) < 0 && errno != ENOENT)
		rc = api_fail(err, API_INTERNAL, "fake guest %s: %s", id, strerror(errno));
	char nmi[4300];
	snprintf(nmi, sizeof(nmi), "%s.nmi", path);
	unlink(nmi);
	pthread_mutex_unlock(&f->lock);
	return rc;
}

static const enum compute_power fake_off[] = {COMPUTE_POWER_SHUTDOWN, COMPUTE_POWER_CRASHED,
                                              COMPUTE_POWER_NOSTATE};
static const enum compute_power fake_running[] = {COMPUTE_POWER_RUNNING, COMPUTE_POWER_NOSTATE};
static const enum compute_power fake_paused[] = {COMPUTE_POWER_PAUSED, COMPUTE_POWER_NOSTATE};
static const enum compute_power fake_suspended[] = {COMPUTE_POWER_SUSPENDED, COMPUTE_POWER_NOSTATE};

static int fake_power_on(void *state, const char *id, struct api_error *err)
{
	return fake_transition(state, id, fake_off, COMPUTE_POWER_RUNNING, err);
}

static int fake_power_off(void *state, const char *id, int timeout_s, struct api_error *err)
{
	(void)timeout_s;
	return fake_transition(state, id, NULL, COMPUTE_POWER_SHUTDOWN, err);
}

static int fake_reboot(void *state, const char *id, bool hard, struct api_error *err)
{
	(void)hard;
	return fake_transition(state, id, NULL, COMPUTE_POWER_RUNNING, err);
}

static int fake_pause(void *state, const char *id, struct api_error *err)
{
	return fake_transition(state, id, fake_running, COMPUTE_POWER_PAUSED, err);
}

static int fake_unpause(void *state, const char *id, struct api_error *err)
{
	return fake_transition(state, id, fake_paused, COMPUTE_POWER_RUNNING, err);
}

static int fake_suspend(void *state, const char *id, struct api_error *err)
{
	return fake_transition(state, id, fake_running, COMPUTE_POWER_SUSPENDED, err);
}

static int fake_resume(void *state, const char *id, struct api_error *err)
{
	return fake_transition(state, id, fake_suspended, COMPUTE_POWER_RUNNING, err);
}

static int fake_rescue(void *state, const struct compute_spec *spec, struct api_error *err)
{
	return fake_transition(state, spec->id, NULL, COMPUTE_POWER_RUNNING, err);
}

static int fake_unrescue(void *state, const char *id, struct api_error *err)
{
	return fake_transition(state, id, NULL, COMPUTE_POWER_RUNNING, err);
}

static int fake_snapshot(void *state, const char *id, const char *dest, struct api_error *err)
{
	enum compute_power p;
	struct fake_state *f = state;
	pthread_mutex_lock(&f->lock);
	int rc = fake_read(f, id, &p, err);
	pthread_mutex_unlock(&f->lock);
	if (rc < 0)
		return -1;
	/* An empty qcow2 of 1 GiB: a real disk image for the image service. */
	const char *argv[] = {"qemu-img", "create", "-q", "-f", "qcow2", dest, "1G", NULL};
	if (qemu_run(argv, err) != 0) {
		unlink(dest);
		return -1;
	}
	return 0;
}

static int fake_resize(void *state, const char *id, const struct compute_spec *flavor,
                       struct api_error *err)
{
	(void)flavor;
	enum compute_power p;
	struct fake_state *f = state;
	pthread_mutex_lock(&f->lock);
	int rc = fake_read(f, id, &p, err);
	pthread_mutex_unlock(&f->lock);
	return rc;
}

static int fake_rebuild(void *state, const struct compute_spec *spec, struct api_error *err)
{
	return fake_transition(state, spec->id, NULL, COMPUTE_POWER_SHUTDOWN, err);
}

static int fake_power_state(void *state, const char *id, enum compute_power *out,
                            struct api_error *err)
{
	struct fake_state *f = state;
	pthread_mutex_lock(&f->lock);
	int rc = fake_read(f, id, out, err);
	pthread_mutex_unlock(&f->lock);
	return rc;
}

static int fake_console(void *state, const char *id, int max_lines, char **out, size_t *len,
                        struct api_error *err)
{
	enum compute_power p;
	if (fake_power_state(state, id, &p, err) < 0)
		return -1;
	/* Ten numbered lines, so `length` can be checked. */
	char buf[1024];
	size_t n = 0;
	int first = max_lines > 0 && max_lines < 10 ? 10 - max_lines : 0;
	for (int i = first; i < 10; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "fake console line %d of %s\n",
		                      i + 1, id);
	*out = strdup(buf);
	if (*out == NULL)
		return api_fail(err, API_INTERNAL, "out of memory");
	*len = n;
	return 0;
}

static const char *fake_state_name(enum compute_power p)
{
	switch (p) {
	case COMPUTE_POWER_RUNNING:
		return "running";
	case COMPUTE_POWER_PAUSED:
		return "paused";
	case COMPUTE_POWER_CRASHED:
		return "crashed";
	case COMPUTE_POWER_SUSPENDED:
		return "suspended";
	case COMPUTE_POWER_SHUTDOWN:
		return "shutdown";
	default:
		return "pending";
	}
}

static int fake_diagnostics(void *state, const char *id, json_t *diag, struct api_error *err)
{
	struct fake_state *f = state;
	char path[4200];
	enum compute_power p;
	struct stat st;
	if (fake_path(f, id, path, sizeof(path), err) < 0)
		return -1;
	pthread_mutex_lock(&f->lock);
	int rc = fake_read(f, id, &p, err);
	if (rc == 0 && stat(path, &st) != 0)
		rc = api_fail(err, API_INTERNAL, "fake guest %s: %s", id, strerror(errno));
	pthread_mutex_unlock(&f->lock);
	if (rc < 0)
		return -1;
	json_object_set_new(diag, "state", json_string(fake_state_name(p)));
	long long up = (long long)(time(NULL) - st.st_mtime);
	json_object_set_new(diag, "uptime",
	                    p == COMPUTE_POWER_RUNNING ? json_integer(up < 0 ? 0 : up)
	                                               : json_null());
	return 0;
}

static int fake_inject_nmi(void *state, const char *id, struct api_error *err)
{
	struct fake_state *f = state;
	char path[4200], nmi[4300];
	enum compute_power p;
	if (fake_path(f, id, path, sizeof(path), err) < 0)
		return -1;
	snprintf(nmi, sizeof(nmi), "%s.nmi", path);
	pthread_mutex_lock(&f->lock);
	int rc = fake_read(f, id, &p, err);
	if (rc == 0 && p != COMPUTE_POWER_RUNNING && p != COMPUTE_POWER_PAUSED)
		rc = api_fail(err, API_CONFLICT, "Instance %s is not running.", id);
	if (rc == 0) {
		FILE *fp = fopen(nmi, "a");
		if (fp == NULL || fprintf(fp, "nmi %lld\n", (long long)time(NULL)) < 0)
			rc = api_fail(err, API_INTERNAL, "fake guest %s: %s", id, strerror(errno));
		if (fp != NULL && fclose(fp) != 0 && rc == 0)
			rc = api_fail(err, API_INTERNAL, "fake guest %s: %s", id, strerror(errno));
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

static int fake_attach_nic(void *state, const char *id, const struct compute_nic *nic,
                           struct api_error *err)
{
	(void)nic;
	enum compute_power p;
	return fake_power_state(state, id, &p, err);
}

static int fake_detach_nic(void *state, const char *id, const char *port_id, struct api_error *err)
{
	(void)port_id;
	enum compute_power p;
	return fake_power_state(state, id, &p, err);
}

static int fake_list(void *state, struct compute_guest_state **out, size_t *n,
                     struct api_error *err)
{
	struct fake_state *f = state;
	*out = NULL;
	*n = 0;
	size_t cap = 0;
	pthread_mutex_lock(&f->lock);
	DIR *d = opendir(f->dir);
	if (d == NULL) {
		pthread_mutex_unlock(&f->lock);
		return api_fail(err, API_INTERNAL, "fake driver: %s: %s", f->dir, strerror(errno));
	}
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) != NULL) {
		if (strlen(e->d_name) != 36)
			continue;
		enum compute_power p;
		struct api_error ignored;
		if (fake_read(f, e->d_name, &p, &ignored) < 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			struct compute_guest_state *g = realloc(*out, cap * sizeof(**out));
			if (g == NULL) {
				rc = api_fail(err, API_INTERNAL, "out of memory");
				break;
			}
			*out = g;
		}
		memcpy((*out)[*n].id, e->d_name, 36); /* length checked above */
		(*out)[*n].id[36] = '\0';
		(*out)[*n].power = p;
		(*n)++;
	}
	closedir(d);
	pthread_mutex_unlock(&f->lock);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

const struct compute_driver compute_driver_fake = {
    .name = "fake",
    .init = fake_init,
    .fini = fake_fini,
    .spawn = fake_spawn,
    .destroy = fake_destroy,
    .power_on = fake_power_on,
    .power_off = fake_power_off,
    .reboot = fake_reboot,
    .pause = fake_pause,
    .unpause = fake_unpause,
    .suspend = fake_suspend,
    .resume = fake_resume,
    .rescue = fake_rescue,
    .unrescue = fake_unrescue,
    .snapshot = fake_snapshot,
    .resize = fake_resize,
    .rebuild = fake_rebuild,
    .power_state = fake_power_state,
    .console = fake_console,
    .diagnostics = fake_diagnostics,
    .inject_nmi = fake_inject_nmi,
    .attach_nic = fake_attach_nic,
    .detach_nic = fake_detach_nic,
    .list = fake_list,
};
