/* Server actions (POST /servers/{id}/action): the state checks Nova makes
 * (409 "Cannot 'x' instance ... while it is in vm_state y"), the task
 * written to the database, then the job queued; and the instant ones
 * (lock, console output). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compute/flavor.h"
#include "compute/internal.h"
#include "compute/proxy.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/arena.h"
#include "image/image.h"
#include "service.h"

static const char SQL_BEGIN_TASK[] =
    "UPDATE compute_servers SET task_state = ?, updated_at = ? WHERE id = ?"
    " AND task_state IS NULL AND vm_state = ?";
static const char SQL_KEY[] =
    "SELECT public_key FROM compute_keypairs WHERE user_id = ? AND name = ?";
static const char SQL_REBUILD[] =
    "UPDATE compute_servers SET name = ?, description = ?, key_name = ?, key_data = ?,"
    " user_data = ?, metadata = coalesce(?, metadata),"
    " access_ipv4 = coalesce(?, ''), access_ipv6 = coalesce(?, ''),"
    " hostname = coalesce(?, hostname) WHERE id = ?";
static const char SQL_LOCK[] =
    "UPDATE compute_servers SET locked = ?, locked_reason = ?, updated_at = ? WHERE id = ?";

struct action_def {
	const char *name; /* body key */
	const char *nova; /* name in Nova's messages and the action log */
	enum compute_task task;
	const char *states; /* vm_states allowed, space separated */
};

static const struct action_def defs[] = {
    {"os-start", "start", COMPUTE_TASK_START, "stopped"},
    {"os-stop", "stop", COMPUTE_TASK_STOP, "active rescued error"},
    {"pause", "pause", COMPUTE_TASK_PAUSE, "active"},
    {"unpause", "unpause", COMPUTE_TASK_UNPAUSE, "paused"},
    {"suspend", "suspend", COMPUTE_TASK_SUSPEND, "active"},
    {"resume", "resume", COMPUTE_TASK_RESUME, "suspended"},
    {"unrescue", "unrescue", COMPUTE_TASK_UNRESCUE, "rescued"},
};

static bool state_in(const char *vm, const char *states)
{
	size_t n = strlen(vm);
	for (const char *p = states; (p = strstr(p, vm)) != NULL; p += n)
		if ((p == states || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

/* Checks the state and writes the task (only if the server is still in
 * the state read: two racing actions cannot both start). */
static int claim_task(struct http_request *req, const struct compute_server *s,
                      const char *nova_name, enum compute_task task, const char *states,
                      struct api_error *err)
{
	if (compute_check_lock(req, s, err) != 0)
		return -1;
	if (s->task_state != NULL)
		return api_fail(err, API_CONFLICT,
		                "Cannot '%s' instance %s while it is in task_state %s", nova_name,
		                s->id, s->task_state);
	if (!state_in(s->vm_state, states))
		return api_fail(err, API_CONFLICT,
		                "Cannot '%s' instance %s while it is in vm_state %s", nova_name,
		                s->id, s->vm_state);
	char now[21];
	ids_time_iso(time(NULL), now);
	sqlite3_stmt *st = db_stmt(SQL_BEGIN_TASK, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, compute_task_state(task));
	db_bind_text(st, 2, now);
	db_bind_text(st, 3, s->id);
	db_bind_text(st, 4, s->vm_state);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	if (sqlite3_changes(db_conn(err)) == 0)
		return api_fail(
		    err, API_CONFLICT,
		    "Cannot '%s' instance %s while it is in task_state of another action",
		    nova_name, s->id);
	return 0;
}

/* Logs the action and queues the job of a claimed task. */
static int submit_task(struct http_request *req, const struct compute_server *s,
                       const char *nova_name, enum compute_task task, const char *arg,
                       struct api_error *err)
{
	long long action_id = 0;
	if (compute_action_start(req, s->id, nova_name, &action_id, err) != 0)
		return -1;
	return compute_task_submit(req->ctx, task, s->id, action_id, arg, err);
}

static int start_task(struct http_request *req, const struct compute_server *s,
                      const char *nova_name, enum compute_task task, const char *states,
                      const char *arg, struct api_error *err)
{
	if (compute_task_supported(req->ctx, task, err) != 0 ||
	    claim_task(req, s, nova_name, task, states, err) != 0)
		return -1;
	return submit_task(req, s, nova_name, task, arg, err);
}

static int do_reboot(struct http_request *req, const struct compute_server *s, json_t *arg,
                     struct api_error *err)
{
	const char *type = NULL;
	if (!json_is_object(arg) || json_get_string(arg, "type", true, &type, err) != 0)
		return err->kind ? -1
		                 : api_fail(err, API_BAD_REQUEST,
		                            "Invalid input for field/attribute reboot.");
	bool hard;
	if (strcasecmp(type, "HARD") == 0)
		hard = true;
	else if (strcasecmp(type, "SOFT") == 0)
		hard = false;
	else
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Invalid input for field/attribute type. Value: %s. '%s' is not one of "
		    "['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']",
		    type, type);
	/* A hard reboot also brings back stopped, paused, suspended or
	 * errored guests (Nova). The end state is active either way. */
	return start_task(req, s, "reboot",
	                  hard ? COMPUTE_TASK_REBOOT_HARD : COMPUTE_TASK_REBOOT_SOFT,
	                  hard ? "active stopped paused suspended error" : "active", NULL, err);
}

static int do_rebuild(struct http_request *req, struct http_response *resp,
                      const struct compute_server *s, json_t *arg, struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	const char *image = NULL, *name = NULL;
	if (!json_is_object(arg) || json_get_string(arg, "imageRef", true, &image, err) != 0 ||
	    json_get_string(arg, "name", false, &name, err) != 0)
		return err->kind ? -1
		                 : api_fail(err, API_BAD_REQUEST,
		                            "Invalid input for field/attribute rebuild.");
	const char *slash = strrchr(image, '/');
	if (slash)
		image = slash + 1;
	struct image_info img;
	if (!ids_is_uuid(image) ||
	    image_lookup(svc->env, req->arena, identity_auth_of(req), image, &img, err) != 0)
		return api_fail(err, API_BAD_REQUEST, "Image %s could not be found.", image);
	long long disk = json_integer_value(json_object_get(s->flavor, "disk"));
	if (disk > 0 && img.min_disk > disk)
		return api_fail(err, API_BAD_REQUEST,
		                "Flavor's disk is too small for requested image.");
	/* What rebuild may change besides the image. */
	int mv = compute_mv(req);
	/* Nova's rebuild schema: description from 2.19, key_name from 2.54,
	 * user_data from 2.57 (personality gone then); nothing else ("" stands
	 * for a key this microversion does not have). */
	const char *allowed[] = {"imageRef",
	                         "name",
	                         "adminPass",
	                         "metadata",
	                         "preserve_ephemeral",
	                         "OS-DCF:diskConfig",
	                         "accessIPv4",
	                         "accessIPv6",
	                         mv < 57 ? "personality" : "",
	                         mv >= 19 ? "description" : "",
	                         mv >= 54 ? "key_name" : "",
	                         mv >= 57 ? "user_data" : "",
	                         "trusted_image_certificates", /* checked below */
	                         "hostname",                   /* checked below */
	                         NULL};
	json_t *certs = NULL;
	bool certs_given = false;
	const char *hostname = NULL;
	if (json_only_keys(arg, allowed, "rebuild", err) != 0 ||
	    compute_hostname_param(req, arg, "rebuild", &hostname, err) != 0 ||
	    compute_trusted_certs_parse(req, arg, "rebuild", &certs, &certs_given, err) != 0)
		return -1;
	int dc;
	bool adc = s->auto_disk_config;
	if (compute_disk_config_arg(arg, &dc, err) != 0 ||
	    (dc >= 0 && compute_disk_config_for_image(&img, dc, &adc, err) != 0))
		return -1;
	const char *new_name = name ? name : s->name, *desc = s->description;
	const char *key_name = s->key_name, *key_data = s->key_data, *user_data = s->user_data;
	json_t *md = json_object_get(arg, "metadata");
	if (name && (json_check_length("name", name, 255, err) != 0 || *name == '\0'))
		return err->kind ? -1 : api_fail(err, API_BAD_REQUEST, "Invalid server name.");
	if (md && compute_metadata_valid(md, "metadata", err) != 0)
		return -1;
	json_t *v;
	if (mv >= 19 && (v = json_object_get(arg, "description")) != NULL)
		desc = json_is_string(v) ? json_string_value(v) : NULL;
	if (mv >= 54 && (v = json_object_get(arg, "key_name")) != NULL) {
		key_name = json_is_string(v) ? json_string_value(v) : NULL;
		key_data = NULL;
		if (key_name) {
			sqlite3_stmt *st = db_stmt(SQL_KEY, err);
			if (st == NULL)
				return -1;
			db_bind_text(st, 1, identity_auth_of(req)->user_id);
			db_bind_text(st, 2, key_name);
			int rc = db_step(st, err);
			if (rc == SQLITE_ROW)
				key_data = arena_strdup(req->arena, db_column_text(st, 0));
			sqlite3_reset(st);
			if (rc < 0)
				return -1;
			if (key_data == NULL)
				return api_fail(err, API_BAD_REQUEST, "Invalid key_name provided.");
		}
	}
	if (mv >= 57 && (v = json_object_get(arg, "user_data")) != NULL)
		user_data = json_is_string(v) ? json_string_value(v) : NULL;
	const char *v4 = s->access_ipv4, *v6 = s->access_ipv6, *pass = NULL;
	if (compute_access_ip(req, arg, "accessIPv4", &v4, err) != 0 ||
	    compute_access_ip(req, arg, "accessIPv6", &v6, err) != 0 ||
	    compute_admin_pass(arg, &pass, err) != 0)
		return -1;
	char *md_text = md ? json_dumps(md, JSON_COMPACT) : NULL;
	if (db_begin(err) != 0) {
		free(md_text);
		return -1;
	}
	if (claim_task(req, s, "rebuild", COMPUTE_TASK_REBUILD, "active stopped error", err) != 0)
		goto fail;
	sqlite3_stmt *st = db_stmt(SQL_REBUILD, err);
	if (st == NULL)
		goto fail;
	db_bind_text(st, 1, new_name);
	db_bind_text(st, 2, desc);
	db_bind_text(st, 3, key_name);
	db_bind_text(st, 4, key_data);
	db_bind_text(st, 5, user_data);
	db_bind_text(st, 6, md_text);
	db_bind_text(st, 7, v4);
	db_bind_text(st, 8, v6);
	db_bind_text(st, 9, hostname);
	db_bind_text(st, 10, s->id);
	if (db_exec_stmt(st, err) != 0 || compute_disk_config_set(s->id, adc, err) != 0 ||
	    (certs_given && compute_trusted_certs_store(s->id, certs, err) != 0) ||
	    db_commit(err) != 0)
		goto fail;
	free(md_text);
	if (submit_task(req, s, "rebuild", COMPUTE_TASK_REBUILD, image, err) != 0)
		return -1;
	struct compute_server now;
	if (compute_server_load(req, s->id, &now, err) != 0)
		return -1;
	json_t *view = compute_server_view_one(req, &now, compute_mv(req) >= 75);
	/* The rebuild view adds what rebuild can change: key_name (2.54),
	 * user_data (2.57). */
	if (compute_mv(req) >= 54 && compute_mv(req) < 75)
		json_object_set_new(view, "key_name", json_string_or_null(now.key_name));
	/* user_data from 2.57, top-level only (the full view of 2.75 leaves
	 * out OS-EXT-SRV-ATTR:user_data, as Nova's). */
	if (compute_mv(req) >= 57) {
		json_object_del(view, "OS-EXT-SRV-ATTR:user_data");
		json_object_set_new(view, "user_data", json_string_or_null(now.user_data));
	}
	char hex[33];
	ids_hex32(hex);
	hex[12] = '\0';
	json_object_set_new(view, "adminPass", json_string(pass ? pass : hex));
	http_reply_json(resp, 202, json_pack("{s:o}", "server", view));
	return 0;
fail:
	free(md_text);
	db_rollback();
	return -1;
}

/* os-resetState (admins): vm_state active or error, the task cleared;
 * the guest is not touched (Nova). */
static const char SQL_RESET[] =
    "UPDATE compute_servers SET vm_state = ?, task_state = NULL, updated_at = ? WHERE id = ?";

static int do_reset_state(struct http_request *req, const struct compute_server *s, json_t *arg,
                          struct api_error *err)
{
	if (!compute_is_admin(req))
		return api_fail(
		    err, API_FORBIDDEN,
		    "Policy doesn't allow os_compute_api:os-admin-actions:reset_state to "
		    "be performed.");
	const char *state = NULL;
	if (!json_is_object(arg) || json_get_string(arg, "state", true, &state, err) != 0)
		return err->kind
		           ? -1
		           : api_fail(err, API_BAD_REQUEST,
		                      "Invalid input for field/attribute os-resetState. Value: "
		                      "'state' is a required property");
	if (strcmp(state, "active") != 0 && strcmp(state, "error") != 0)
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Invalid input for field/attribute state. Value: %s. '%s' is not one "
		    "of ['active', 'error']",
		    state, state);
	char now[21];
	ids_time_iso(time(NULL), now);
	sqlite3_stmt *st = db_stmt(SQL_RESET, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, state);
	db_bind_text(st, 2, now);
	db_bind_text(st, 3, s->id);
	long long action_id;
	if (db_exec_stmt(st, err) != 0 ||
	    compute_action_start(req, s->id, "resetState", &action_id, err) != 0)
		return -1;
	compute_action_finish(action_id, true, NULL);
	return 0;
}

static int do_lock(struct http_request *req, const struct compute_server *s, bool lock, json_t *arg,
                   struct api_error *err)
{
	const char *reason = NULL;
	static const char *const allowed[] = {"locked_reason", NULL};
	if (lock && json_is_object(arg) && compute_mv(req) >= 73 &&
	    (json_only_keys(arg, allowed, "lock", err) != 0 ||
	     json_get_string(arg, "locked_reason", false, &reason, err) != 0 ||
	     (reason && json_check_length("locked_reason", reason, 255, err) != 0)))
		return -1;
	char now[21];
	ids_time_iso(time(NULL), now);
	sqlite3_stmt *st = db_stmt(SQL_LOCK, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, lock);
	db_bind_text(st, 2, reason);
	db_bind_text(st, 3, now);
	db_bind_text(st, 4, s->id);
	long long action_id;
	if (db_exec_stmt(st, err) != 0 ||
	    compute_action_start(req, s->id, lock ? "lock" : "unlock", &action_id, err) != 0)
		return -1;
	compute_action_finish(action_id, true, NULL);
	return 0;
}

static int do_console(struct http_request *req, struct http_response *resp,
                      const struct compute_server *s, json_t *arg, struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	long long length = -1;
	json_t *l = json_is_object(arg) ? json_object_get(arg, "length") : NULL;
	if (l != NULL && !json_is_null(l)) {
		char *end = NULL;
		if (json_is_integer(l))
			length = json_integer_value(l);
		else if (json_is_string(l)) {
			length = strtoll(json_string_value(l), &end, 10);
			if (*end || !*json_string_value(l))
				length = -2;
		} else
			length = -2;
		if (length < -1)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute length. Value: must be an "
			    "integer >= -1");
	}
	if (s->host == NULL || strcmp(s->vm_state, "building") == 0)
		return api_fail(
		    err, API_CONFLICT,
		    "Cannot 'get_console_output' instance %s while it is in vm_state %s", s->id,
		    s->vm_state);
	char *out = NULL;
	size_t len = 0;
	if (svc->drv->console(svc->drv_state, s->id, (int)(length == 0 ? -1 : length), &out, &len,
	                      err) != 0)
		return -1;
	/* Nova's tail: the text split on '\n', the last `length` pieces
	 * joined again, so a final newline counts as an (empty) line. The
	 * driver's last `length` lines hold that tail. */
	size_t from = 0;
	if (length > 0) {
		long long pieces = 1;
		for (size_t i = len; i > 0; i--)
			if (out[i - 1] == '\n' && ++pieces > length) {
				from = i;
				break;
			}
	}
	json_t *text =
	    json_stringn_nocheck(length == 0 ? "" : out + from, length == 0 ? 0 : len - from);
	if (!json_is_string(text) || !json_string_value(text)) {
		json_decref(text);
		text = json_string("");
	}
	free(out);
	/* Invalid UTF-8 from a guest's console must not break the body. */
	char *copy = arena_strndup(req->arena, json_string_value(text), json_string_length(text));
	json_decref(text);
	api_utf8_sanitize(copy);
	http_reply_json(resp, 200, json_pack("{s:s}", "output", copy));
	return 0;
}

static const char SQL_RESIZE[] =
    "UPDATE compute_servers SET flavor_id = ?, flavor = ?, old_flavor = flavor WHERE id = ?";
static const char SQL_CONFIRM[] =
    "UPDATE compute_servers SET old_flavor = NULL, vm_state = ?, updated_at = ? WHERE id = ?"
    " AND vm_state = 'resized' AND task_state IS NULL";
static const char SQL_REVERT[] =
    "UPDATE compute_servers SET flavor = old_flavor, old_flavor = NULL,"
    " flavor_id = json_extract(old_flavor, '$.id') WHERE id = ?";

/* resize: the new flavor is claimed (quota for the growth, the host's
 * filters for the difference) in the transaction that starts the task;
 * the old one is kept until confirmResize or revertResize. */
static int do_resize(struct http_request *req, const struct compute_server *s, json_t *arg,
                     struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	const char *ref = NULL;
	if (!json_is_object(arg) || json_get_string(arg, "flavorRef", true, &ref, err) != 0)
		return err->kind ? -1
		                 : api_fail(err, API_BAD_REQUEST,
		                            "Invalid input for field/attribute resize.");
	const char *slash = strrchr(ref, '/');
	if (slash)
		ref = slash + 1;
	struct compute_flavor f;
	if (compute_flavor_get(req, ref, false, &f, err) != 0)
		return api_fail(err, API_BAD_REQUEST, "Flavor %s could not be found.", ref);
	/* OS-DCF:diskConfig, checked against the server's image (Nova). */
	int dc;
	bool adc = s->auto_disk_config;
	struct image_info simg;
	if (compute_disk_config_arg(arg, &dc, err) != 0)
		return -1;
	if (dc == 1 && s->image_id &&
	    image_lookup(svc->env, req->arena, NULL, s->image_id, &simg, &(struct api_error){0}) ==
	        0 &&
	    compute_disk_config_for_image(&simg, dc, &adc, err) != 0)
		return -1;
	if (dc >= 0)
		adc = dc == 1;
	if (strcmp(f.id, s->flavor_id) == 0)
		return api_fail(err, API_BAD_REQUEST,
		                "When resizing, instances must change flavor!");
	long long old_vcpus = json_integer_value(json_object_get(s->flavor, "vcpus"));
	long long old_ram = json_integer_value(json_object_get(s->flavor, "ram"));
	long long old_disk = json_integer_value(json_object_get(s->flavor, "disk")) +
	                     json_integer_value(json_object_get(s->flavor, "ephemeral"));
	json_t *nf = json_pack("{s:s,s:s,s:i,s:I,s:I,s:I,s:I,s:O}", "id", f.id, "name", f.name,
	                       "vcpus", f.vcpus, "ram", (json_int_t)f.ram, "disk",
	                       (json_int_t)f.disk, "ephemeral", (json_int_t)f.ephemeral, "swap",
	                       (json_int_t)f.swap, "extra_specs", f.extra_specs);
	char *text = json_dumps(nf, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(nf);
	if (db_begin(err) != 0) {
		free(text);
		return -1;
	}
	long long dv = f.vcpus - old_vcpus, dr = f.ram - old_ram;
	if ((dv > 0 || dr > 0) &&
	    compute_quota_check_delta(svc->env->cfg, s->project_id, 0, dv > 0 ? dv : 0,
	                              dr > 0 ? dr : 0, err) != 0)
		goto fail;
	struct compute_usage used;
	char why[512];
	struct compute_demand dem = {
	    .count = 1,
	    .vcpus = dv > 0 ? (int)dv : 0,
	    .ram_mb = dr > 0 ? dr : 0,
	    .disk_gb = f.disk + f.ephemeral - old_disk > 0 ? f.disk + f.ephemeral - old_disk : 0};
	if (compute_host_usage(svc->host.name, &used, err) != 0)
		goto fail;
	if (compute_sched_filter(&svc->host, &used, &dem, why, sizeof(why)) != 0) {
		api_fail(err, API_BAD_REQUEST, "No valid host was found. %s", why);
		goto fail;
	}
	if (claim_task(req, s, "resize", COMPUTE_TASK_RESIZE, "active stopped", err) != 0)
		goto fail;
	sqlite3_stmt *st = db_stmt(SQL_RESIZE, err);
	if (st == NULL)
		goto fail;
	db_bind_text(st, 1, f.id);
	db_bind_text(st, 2, text);
	db_bind_text(st, 3, s->id);
	if (db_exec_stmt(st, err) != 0 || compute_disk_config_set(s->id, adc, err) != 0 ||
	    compute_migration_record(req, s, "resize", "migrating", svc->host.name, s->flavor_id,
	                             f.id, err) != 0 ||
	    db_commit(err) != 0)
		goto fail;
	free(text);
	return submit_task(req, s, "resize", COMPUTE_TASK_RESIZE, NULL, err);
fail:
	free(text);
	db_rollback();
	return -1;
}

static int do_resize_end(struct http_request *req, struct http_response *resp,
                         const struct compute_server *s, bool confirm, struct api_error *err)
{
	const char *name = confirm ? "confirmResize" : "revertResize";
	if (compute_check_lock(req, s, err) != 0)
		return -1;
	if (strcmp(s->vm_state, "resized") != 0 || s->task_state != NULL)
		return api_fail(err, API_CONFLICT,
		                "Cannot '%s' instance %s while it is in vm_state %s", name, s->id,
		                s->vm_state);
	if (confirm) {
		char now[21];
		ids_time_iso(time(NULL), now);
		sqlite3_stmt *st = db_stmt(SQL_CONFIRM, err);
		if (st == NULL)
			return -1;
		db_bind_text(st, 1, s->power_state == COMPUTE_POWER_RUNNING ? "active" : "stopped");
		db_bind_text(st, 2, now);
		db_bind_text(st, 3, s->id);
		long long action_id;
		if (db_exec_stmt(st, err) != 0 ||
		    compute_action_start(req, s->id, "confirmResize", &action_id, err) != 0)
			return -1;
		compute_action_finish(action_id, true, NULL);
		compute_migration_status(s->id, "resize", "confirmed");
		http_reply_empty(resp, 204);
		return 0;
	}
	if (db_begin(err) != 0)
		return -1;
	sqlite3_stmt *st;
	if (claim_task(req, s, "revertResize", COMPUTE_TASK_REVERT_RESIZE, "resized", err) != 0 ||
	    (st = db_stmt(SQL_REVERT, err)) == NULL)
		goto fail;
	db_bind_text(st, 1, s->id);
	if (db_exec_stmt(st, err) != 0 || db_commit(err) != 0)
		goto fail;
	compute_migration_status(s->id, "resize", "reverting");
	if (submit_task(req, s, "revertResize", COMPUTE_TASK_REVERT_RESIZE, NULL, err) != 0)
		return -1;
	http_reply_empty(resp, 202);
	return 0;
fail:
	db_rollback();
	return -1;
}

/* A queued private snapshot image of the server (createImage, shelve),
 * with Nova's snapshot properties, filled later by a job. */
static int snapshot_image(struct http_request *req, const struct compute_server *s,
                          const char *name, json_t *md, const char *backup_type,
                          struct image_info *img, struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	json_t *props = json_object();
	json_object_set_new(props, "instance_uuid", json_string(s->id));
	json_object_set_new(props, "image_type", json_string(backup_type ? "backup" : "snapshot"));
	if (backup_type)
		json_object_set_new(props, "backup_type", json_string(backup_type));
	json_object_set_new(props, "user_id", json_string(identity_auth_of(req)->user_id));
	if (s->image_id)
		json_object_set_new(props, "base_image_ref", json_string(s->image_id));
	/* The request's metadata comes last and wins, image_type included
	 * (Nova's _create_image). */
	if (md)
		json_object_update(props, md);
	arena_defer(req->arena, (void (*)(void *))json_decref, props);
	/* min_ram is the base image's, as Nova's snapshot metadata inherits. */
	struct image_info base;
	int64_t min_ram = 0;
	if (s->image_id && image_lookup(svc->env, req->arena, NULL, s->image_id, &base,
	                                &(struct api_error){0}) == 0)
		min_ram = base.min_ram;
	struct image_create_args args = {
	    .name = name,
	    .owner = s->project_id,
	    .disk_format = "qcow2",
	    .container_format = "bare",
	    .visibility = "private",
	    .min_disk = json_integer_value(json_object_get(s->flavor, "disk")),
	    .min_ram = min_ram,
	    .properties = props,
	};
	return image_create_queued(svc->env, req->arena, &args, img, err);
}

/* createImage: a queued image now (its id answers at once), filled by the
 * snapshot job; the server stays in its state with task image_uploading. */
static int do_create_image(struct http_request *req, struct http_response *resp,
                           const struct compute_server *s, json_t *arg, struct api_error *err)
{
	const char *name = NULL;
	json_t *md = NULL;
	if (!json_is_object(arg) || json_get_string(arg, "name", true, &name, err) != 0 ||
	    json_get_object(arg, "metadata", false, &md, err) != 0)
		return err->kind ? -1
		                 : api_fail(err, API_BAD_REQUEST,
		                            "Invalid input for field/attribute createImage.");
	if (json_check_length("name", name, 255, err) != 0 ||
	    (md && compute_metadata_valid(md, "metadata", err) != 0))
		return -1;
	if (db_begin(err) != 0)
		return -1;
	if (claim_task(req, s, "createImage", COMPUTE_TASK_SNAPSHOT,
	               "active stopped paused suspended", err) != 0 ||
	    db_commit(err) != 0) {
		db_rollback();
		return -1;
	}
	struct image_info img;
	if (snapshot_image(req, s, name, md, NULL, &img, err) != 0 ||
	    submit_task(req, s, "createImage", COMPUTE_TASK_SNAPSHOT, img.id, err) != 0) {
		struct api_error e2;
		compute_server_set_state(s->id, NULL, NULL, -1, &e2);
		return -1;
	}
	if (compute_mv(req) >= 45) {
		http_reply_json(resp, 202, json_pack("{s:s}", "image_id", img.id));
	} else {
		http_header_set(
		    resp, "Location",
		    arena_printf(req->arena, "%s/image/v2/images/%s", req->base_url, img.id));
		http_reply_empty(resp, 202);
	}
	return 0;
}

static const char SQL_BACKUP_INSERT[] =
    "INSERT INTO compute_backups (image_id, server_id, backup_type, rotation) VALUES (?,?,?,?)";

/* createBackup: a snapshot with image_type backup and its backup_type;
 * once uploaded, the snapshot job keeps the newest `rotation` backups of
 * the server and type (compute_backup_rotate). */
static int do_create_backup(struct http_request *req, struct http_response *resp,
                            const struct compute_server *s, json_t *arg, struct api_error *err)
{
	const char *name = NULL, *type = NULL;
	json_t *md = NULL;
	if (!json_is_object(arg))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute createBackup. Value: not an "
		                "object");
	static const char *const required[] = {"name", "backup_type", "rotation"};
	for (size_t i = 0; i < 3; i++)
		if (json_object_get(arg, required[i]) == NULL)
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute createBackup. Value: "
			                "'%s' is a required property",
			                required[i]);
	if (json_get_string(arg, "name", true, &name, err) != 0 ||
	    json_get_string(arg, "backup_type", true, &type, err) != 0 ||
	    json_get_object(arg, "metadata", false, &md, err) != 0 ||
	    json_check_length("name", name, 255, err) != 0 ||
	    (md && compute_metadata_valid(md, "metadata", err) != 0))
		return -1;
	json_t *r = json_object_get(arg, "rotation");
	long long rotation = -1;
	if (json_is_integer(r))
		rotation = json_integer_value(r);
	else if (json_is_string(r) && *json_string_value(r)) {
		char *end;
		rotation = strtoll(json_string_value(r), &end, 10);
		if (*end)
			rotation = -1;
	}
	if (rotation < 0)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute rotation. Value: must be an "
		                "integer >= 0");
	if (db_begin(err) != 0)
		return -1;
	if (claim_task(req, s, "createBackup", COMPUTE_TASK_SNAPSHOT,
	               "active stopped paused suspended", err) != 0 ||
	    db_commit(err) != 0) {
		db_rollback();
		return -1;
	}
	struct image_info img;
	sqlite3_stmt *st;
	if (snapshot_image(req, s, name, md, type, &img, err) != 0)
		goto undo;
	if ((st = db_stmt(SQL_BACKUP_INSERT, err)) == NULL)
		goto undo_image;
	db_bind_text(st, 1, img.id);
	db_bind_text(st, 2, s->id);
	db_bind_text(st, 3, type);
	sqlite3_bind_int64(st, 4, rotation);
	if (db_exec_stmt(st, err) != 0 ||
	    submit_task(req, s, "createBackup", COMPUTE_TASK_SNAPSHOT, img.id, err) != 0)
		goto undo_image;
	if (compute_mv(req) >= 45) {
		http_reply_json(resp, 202, json_pack("{s:s}", "image_id", img.id));
	} else {
		if (rotation > 0)
			http_header_set(resp, "Location",
			                arena_printf(req->arena, "%s/image/v2/images/%s",
			                             req->base_url, img.id));
		http_reply_empty(resp, 202);
	}
	return 0;
undo_image:;
	struct api_error e1;
	image_remove(((struct compute_svc *)req->ctx)->env, img.id, &e1);
undo:;
	struct api_error e2;
	compute_server_set_state(s->id, NULL, NULL, -1, &e2);
	return -1;
}

static const char SQL_SHELVED_IMAGE[] =
    "UPDATE compute_servers SET shelved_image_id = ? WHERE id = ?";
static const char SQL_PLACE[] =
    "UPDATE compute_servers SET host = ?, availability_zone = coalesce(?, availability_zone)"
    " WHERE id = ?";

/* shelve: the server is snapshotted into "<name>-shelved" and powered off
 * (SHELVED), then offloaded at once or after shelved_offload_time. */
static int do_shelve(struct http_request *req, const struct compute_server *s,
                     struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	if (compute_task_supported(svc, COMPUTE_TASK_SHELVE, err) != 0 ||
	    claim_task(req, s, "shelve", COMPUTE_TASK_SHELVE, "active stopped paused suspended",
	               err) != 0)
		return -1;
	struct image_info img;
	struct api_error e2;
	const char *name = arena_printf(req->arena, "%s-shelved", s->name);
	sqlite3_stmt *st;
	if (snapshot_image(req, s, name, NULL, NULL, &img, err) != 0) {
		compute_server_set_state(s->id, NULL, NULL, -1, &e2);
		return -1;
	}
	if ((st = db_stmt(SQL_SHELVED_IMAGE, err)) == NULL)
		goto fail;
	db_bind_text(st, 1, img.id);
	db_bind_text(st, 2, s->id);
	if (db_exec_stmt(st, err) != 0 ||
	    submit_task(req, s, "shelve", COMPUTE_TASK_SHELVE, img.id, err) != 0)
		goto fail;
	return 0;
fail:
	image_remove(svc->env, img.id, &e2);
	compute_server_set_state(s->id, NULL, NULL, -1, &e2);
	return -1;
}

/* unshelve: a shelved server is powered on again; an offloaded one is
 * scheduled (the claim is the host set in the claim's transaction) and
 * spawned from its snapshot. No valid host leaves it offloaded, with the
 * fault and a failed action, as Nova's conductor does. From 2.77 an
 * offloaded server may be given a new availability zone; from 2.91 a null
 * zone unpins it (it takes the zone of the host it lands on) and admins
 * may name the host. */
static int do_unshelve(struct http_request *req, const struct compute_server *s, json_t *arg,
                       struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	const char *new_zone = NULL, *want_host = NULL;
	bool unpin = false;
	int mv = compute_mv(req);
	if (mv >= 77 && json_is_object(arg)) {
		const char *const allowed[] = {"availability_zone", mv >= 91 ? "host" : "", NULL};
		json_t *z = json_object_get(arg, "availability_zone");
		unpin = mv >= 91 && json_is_null(z);
		if (json_only_keys(arg, allowed, "unshelve", err) != 0 ||
		    (!unpin &&
		     json_get_string(arg, "availability_zone", false, &new_zone, err) != 0) ||
		    json_get_string(arg, "host", false, &want_host, err) != 0)
			return -1;
		if (want_host && !compute_is_admin(req))
			return api_fail(
			    err, API_FORBIDDEN,
			    "Policy doesn't allow os_compute_api:os-shelve:unshelve_to_host "
			    "to be performed.");
	} else if (!json_is_null(arg) && arg != NULL && compute_mv(req) >= 77)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute unshelve. Value: not an object "
		                "or null");
	if (compute_task_supported(svc, COMPUTE_TASK_UNSHELVE, err) != 0)
		return -1;
	if (new_zone != NULL || unpin || want_host != NULL) {
		if (strcmp(s->vm_state, "shelved_offloaded") != 0)
			return api_fail(
			    err, API_CONFLICT,
			    "The state of the instance %s is %s. It must be "
			    "SHELVED_OFFLOADED for unshelving with availability zone or "
			    "host.",
			    s->id, s->vm_state);
		char zone[256];
		if (compute_host_zone(svc, svc->host.name, zone, sizeof(zone), err) != 0)
			return -1;
		if (new_zone && strcmp(new_zone, zone) != 0)
			return api_fail(err, API_BAD_REQUEST,
			                "The requested availability zone is not available");
		if (want_host && strcmp(want_host, svc->host.name) != 0)
			return api_fail(err, API_BAD_REQUEST, "Compute host %s could not be found.",
			                want_host);
		/* The one host's zone is the only zone: unpinned, the server
		 * lands there (and a pinned one must be in it). */
		if (want_host && !unpin && !new_zone && s->availability_zone &&
		    strcmp(s->availability_zone, zone) != 0)
			return api_fail(err, API_CONFLICT,
			                "Host \"%s\" is not in the availability zone \"%s\".",
			                want_host, s->availability_zone);
		if (unpin)
			new_zone = arena_strdup(req->arena, zone);
	}
	if (strcmp(s->vm_state, "shelved_offloaded") != 0)
		return start_task(req, s, "unshelve", COMPUTE_TASK_UNSHELVE,
		                  "shelved shelved_offloaded", NULL, err);
	if (db_begin(err) != 0)
		return -1;
	if (claim_task(req, s, "unshelve", COMPUTE_TASK_UNSHELVE, "shelved_offloaded", err) != 0)
		goto fail;
	json_t *f = s->flavor;
	struct compute_demand d = {
	    .count = 1,
	    .vcpus = (int)json_integer_value(json_object_get(f, "vcpus")),
	    .ram_mb = json_integer_value(json_object_get(f, "ram")),
	    .disk_gb = json_integer_value(json_object_get(f, "disk")) +
	               json_integer_value(json_object_get(f, "ephemeral")) +
	               (json_integer_value(json_object_get(f, "swap")) + 1023) / 1024,
	    .zone = new_zone ? new_zone : s->availability_zone,
	};
	struct compute_usage used;
	struct compute_host host = svc->host;
	if (compute_host_usage(host.name, &used, err) != 0 ||
	    compute_host_zone(svc, host.name, host.zone, sizeof(host.zone), err) != 0 ||
	    compute_server_group_of(s->id, host.name, &d, req->arena, err) != 0)
		goto fail;
	char why[512];
	if (compute_sched_filter(&host, &used, &d, why, sizeof(why)) != 0) {
		db_rollback();
		char msg[1024];
		snprintf(msg, sizeof(msg),
		         "No valid host was found. There are not enough hosts available. Hosts "
		         "refused: %s: %s",
		         host.name, why);
		long long action_id = 0;
		struct api_error e2;
		compute_server_set_fault(s->id, 500, msg, &e2);
		if (compute_action_start(req, s->id, "unshelve", &action_id, &e2) == 0)
			compute_action_finish(action_id, false, msg);
		return 0;
	}
	sqlite3_stmt *st = db_stmt(SQL_PLACE, err);
	if (st == NULL)
		goto fail;
	db_bind_text(st, 1, host.name);
	db_bind_text(st, 2, new_zone);
	db_bind_text(st, 3, s->id);
	if (db_exec_stmt(st, err) != 0 || db_commit(err) != 0)
		goto fail;
	return submit_task(req, s, "unshelve", COMPUTE_TASK_UNSHELVE, NULL, err);
fail:
	db_rollback();
	return -1;
}

static const char SQL_UNDELETE[] = "UPDATE compute_servers SET deleted_at = NULL WHERE id = ?";

/* restore: a SOFT_DELETED server is powered on again; it uses quota again,
 * so the quota is checked in the claim's transaction (Nova). */
static int do_restore(struct http_request *req, const struct compute_server *s,
                      struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	if (db_begin(err) != 0)
		return -1;
	if (strcmp(s->vm_state, "soft-delete") == 0 && s->task_state == NULL &&
	    compute_quota_check(svc->env->cfg, s->project_id, 1,
	                        (int)json_integer_value(json_object_get(s->flavor, "vcpus")),
	                        json_integer_value(json_object_get(s->flavor, "ram")), err) != 0)
		goto fail;
	if (claim_task(req, s, "restore", COMPUTE_TASK_RESTORE, "soft-delete", err) != 0)
		goto fail;
	sqlite3_stmt *st = db_stmt(SQL_UNDELETE, err);
	if (st == NULL)
		goto fail;
	db_bind_text(st, 1, s->id);
	if (db_exec_stmt(st, err) != 0 || db_commit(err) != 0)
		goto fail;
	return submit_task(req, s, "restore", COMPUTE_TASK_RESTORE, NULL, err);
fail:
	db_rollback();
	return -1;
}

COMPUTE_HANDLER(compute_server_action)
{
	struct compute_server s;
	json_t *body;
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0 ||
	    http_body_json(req, &body, err) != 0)
		return -1;
	if (!json_is_object(body) || json_object_size(body) == 0)
		return api_fail(err, API_BAD_REQUEST, "The request body is not an action.");
	const char *key = json_object_iter_key(json_object_iter(body));
	json_t *arg = json_object_get(body, key);
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
		if (strcmp(key, defs[i].name) == 0) {
			if (start_task(req, &s, defs[i].nova, defs[i].task, defs[i].states, NULL,
			               err) != 0)
				return -1;
			http_reply_empty(resp, 202);
			return 0;
		}
	int rc;
	if (strcmp(key, "reboot") == 0)
		rc = do_reboot(req, &s, arg, err);
	else if (strcmp(key, "rebuild") == 0)
		return do_rebuild(req, resp, &s, arg, err);
	else if (strcmp(key, "lock") == 0 || strcmp(key, "unlock") == 0) {
		if (strcmp(key, "unlock") == 0 && s.locked && !compute_is_admin(req) &&
		    strcmp(identity_auth_of(req)->project_id, s.project_id) != 0)
			return api_fail(err, API_FORBIDDEN,
			                "Policy doesn't allow unlock_override.");
		rc = do_lock(req, &s, strcmp(key, "lock") == 0, arg, err);
	} else if (strcmp(key, "os-getConsoleOutput") == 0)
		return do_console(req, resp, &s, arg, err);
	else if (compute_console_action(key))
		return compute_console_legacy(req, resp, &s, key, arg, err);
	else if (strcmp(key, "rescue") == 0) {
		const char *image = NULL, *pass = NULL;
		if (json_is_object(arg) &&
		    (json_get_string(arg, "rescue_image_ref", false, &image, err) != 0 ||
		     compute_admin_pass(arg, &pass, err) != 0))
			return -1;
		if (start_task(req, &s, "rescue", COMPUTE_TASK_RESCUE, "active stopped error",
		               image, err) != 0)
			return -1;
		char hex[33];
		ids_hex32(hex);
		hex[12] = '\0';
		http_reply_json(resp, 200, json_pack("{s:s}", "adminPass", pass ? pass : hex));
		return 0;
	} else if (strcmp(key, "forceDelete") == 0)
		return compute_server_force_delete(req, resp, err);
	else if (strcmp(key, "restore") == 0)
		rc = do_restore(req, &s, err);
	else if (strcmp(key, "trigger_crash_dump") == 0)
		rc = compute_server_crash_dump(req, &s, arg, err);
	else if (strcmp(key, "os-resetState") == 0)
		rc = do_reset_state(req, &s, arg, err);
	else if (strcmp(key, "createBackup") == 0)
		return do_create_backup(req, resp, &s, arg, err);
	else if (strcmp(key, "createImage") == 0)
		return do_create_image(req, resp, &s, arg, err);
	else if (strcmp(key, "resize") == 0)
		rc = do_resize(req, &s, arg, err);
	else if (strcmp(key, "confirmResize") == 0 || strcmp(key, "revertResize") == 0)
		return do_resize_end(req, resp, &s, strcmp(key, "confirmResize") == 0, err);
	else if (strcmp(key, "shelve") == 0)
		rc = do_shelve(req, &s, err);
	else if (strcmp(key, "shelveOffload") == 0) {
		/* Nova's default policy: admins only. */
		if (!compute_is_admin(req))
			return api_fail(
			    err, API_FORBIDDEN,
			    "Policy doesn't allow os_compute_api:os-shelve:shelve_offload "
			    "to be performed.");
		rc = start_task(req, &s, "shelveOffload", COMPUTE_TASK_SHELVE_OFFLOAD, "shelved",
		                NULL, err);
	} else if (strcmp(key, "unshelve") == 0)
		rc = do_unshelve(req, &s, arg, err);
	else if (strcmp(key, "migrate") == 0)
		rc = compute_server_migrate(req, &s, arg, err);
	else if (strcmp(key, "os-migrateLive") == 0)
		rc = compute_server_live_migrate(req, &s, arg, err);
	else if (strcmp(key, "evacuate") == 0)
		return compute_server_evacuate(req, resp, &s, arg, err);
	else if (strcmp(key, "addSecurityGroup") == 0 || strcmp(key, "removeSecurityGroup") == 0)
		rc = compute_server_sg_action(req, &s, key[0] == 'a', arg, err);
	else if (strcmp(key, "addFloatingIp") == 0 || strcmp(key, "removeFloatingIp") == 0)
		rc = compute_server_fip_action(req, &s, key[0] == 'a', body, err);
	else if (strcmp(key, "addFixedIp") == 0 || strcmp(key, "removeFixedIp") == 0)
		rc = compute_server_fixed_ip_action(req, &s, key[0] == 'a', body, err);
	else if (strcmp(key, "addSecurityGroup") == 0 || strcmp(key, "removeSecurityGroup") == 0 ||
	         strcmp(key, "changePassword") == 0 || strcmp(key, "addFixedIp") == 0 ||
	         strcmp(key, "removeFixedIp") == 0 || strcmp(key, "addFloatingIp") == 0 ||
	         strcmp(key, "removeFloatingIp") == 0) {
		/* The nova-network era actions are gone from 2.44 (404). */
		if ((strstr(key, "Fixed") != NULL || strstr(key, "Floating") != NULL) &&
		    compute_mv(req) >= 44)
			return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
		return api_fail(err, API_NOT_IMPLEMENTED,
		                "The server action %s is not implemented by this cloud yet.", key);
	} else
		return api_fail(err, API_BAD_REQUEST, "There is no such action: %s", key);
	if (rc != 0)
		return -1;
	http_reply_empty(resp, 202);
	return 0;
}
