/* Quotas (os-quota-sets, limits) with Nova's defaults, and the checks the
 * create transactions run: usage is counted from the servers table inside
 * the same BEGIN IMMEDIATE transaction that inserts, so concurrent creates
 * cannot exceed a limit. Soft-deleted servers use no quota (Nova's counts
 * leave them out; restore checks again). Host usage for the scheduler is counted the same way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute/internal.h"
#include "core/db.h"
#include "core/config.h"
#include "core/json.h"
#include "service.h"

/* Nova's quota resources and defaults (-1: unlimited). */
static const struct {
	const char *name;
	long long def;
	const char *limit_key; /* absolute limits name */
} quota_defs[] = {
    {"instances", 10, "maxTotalInstances"},
    {"cores", 20, "maxTotalCores"},
    {"ram", 51200, "maxTotalRAMSize"},
    {"key_pairs", 100, "maxTotalKeypairs"},
    {"metadata_items", 128, "maxServerMeta"},
    {"injected_files", 5, "maxPersonality"},
    {"injected_file_content_bytes", 10240, "maxPersonalitySize"},
    {"injected_file_path_bytes", 255, NULL},
    {"server_groups", 10, "maxServerGroups"},
    {"server_group_members", 10, "maxServerGroupMembers"},
    /* nova-network's, kept by Nova for the API: stored and shown by quota
     * sets below 2.36 and quota classes below 2.50; nothing counts them. */
    {"fixed_ips", -1, NULL},
    {"floating_ips", 10, "maxTotalFloatingIps"},
    {"security_groups", 10, "maxSecurityGroups"},
    {"security_group_rules", 20, "maxSecurityGroupRules"},
};
#define NQUOTA (sizeof(quota_defs) / sizeof(quota_defs[0]))

static const char SQL_LIMIT[] =
    "SELECT hard_limit FROM compute_quotas WHERE project_id = ? AND resource = ?";
static const char SQL_SET[] =
    "INSERT INTO compute_quotas (project_id, resource, hard_limit) VALUES (?,?,?)"
    " ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = excluded.hard_limit";
static const char SQL_CLEAR[] = "DELETE FROM compute_quotas WHERE project_id = ?";
static const char SQL_USAGE[] =
    "SELECT count(*), coalesce(sum(json_extract(flavor, '$.vcpus')), 0),"
    " coalesce(sum(json_extract(flavor, '$.ram')), 0) FROM compute_servers"
    " WHERE project_id = ? AND NOT (vm_state = 'soft-delete' AND"
    " (task_state IS NULL OR task_state = 'deleting'))";
static const char SQL_HOST_USAGE[] =
    "SELECT count(*), coalesce(sum(json_extract(flavor, '$.vcpus')), 0),"
    " coalesce(sum(json_extract(flavor, '$.ram')), 0),"
    " coalesce(sum(json_extract(flavor, '$.disk') + json_extract(flavor, '$.ephemeral')"
    " + (json_extract(flavor, '$.swap') + 1023) / 1024), 0)"
    " FROM compute_servers WHERE host = ?";
static const char SQL_KEYPAIRS[] = "SELECT count(*) FROM compute_keypairs WHERE user_id = ?";

static const char SQL_CLASS_GET[] =
    "SELECT hard_limit FROM compute_quota_classes WHERE class_name = ? AND resource = ?";
static const char SQL_CLASS_SET[] =
    "INSERT INTO compute_quota_classes (class_name, resource, hard_limit) VALUES (?,?,?)"
    " ON CONFLICT (class_name, resource) DO UPDATE SET hard_limit = excluded.hard_limit";

/* Resource i's limit in quota class cls; *found false when not set. */
static int class_limit(const char *cls, size_t i, long long *out, bool *found,
                       struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_CLASS_GET, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, cls);
	db_bind_text(st, 2, quota_defs[i].name);
	int rc = db_step(st, err);
	*found = rc == SQLITE_ROW;
	if (*found)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

/* The default: the "default" quota class's, else [quota] in the config,
 * else Nova's. */
static long long quota_default(const struct config *cfg, size_t i)
{
	char key[64];
	long long v;
	bool found = false;
	struct api_error err;
	if (class_limit("default", i, &v, &found, &err) == 0 && found)
		return v;
	snprintf(key, sizeof(key), "%s", quota_defs[i].name);
	return config_get_int(cfg, "quota", key, quota_defs[i].def);
}

/* The project's limit for resource i (its override, else the default). */
static int quota_limit(const struct config *cfg, const char *project, size_t i, long long *out,
                       struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_LIMIT, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, project);
	db_bind_text(st, 2, quota_defs[i].name);
	int rc = db_step(st, err);
	if (rc < 0)
		return -1;
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : quota_default(cfg, i);
	sqlite3_reset(st);
	return 0;
}

static bool network_quota(const char *name)
{
	return !strcmp(name, "fixed_ips") || !strcmp(name, "floating_ips") ||
	       !strcmp(name, "security_groups") || !strcmp(name, "security_group_rules");
}

/* The resources quota sets and limits know at a microversion: the network
 * ones until 2.36, injected_* until 2.57. */
static bool set_shows(int mv, const char *name)
{
	if (network_quota(name))
		return mv < 36;
	if (strncmp(name, "injected_", 9) == 0)
		return mv < 57;
	return true;
}

static size_t quota_index(const char *name)
{
	for (size_t i = 0; i < NQUOTA; i++)
		if (strcmp(quota_defs[i].name, name) == 0)
			return i;
	return NQUOTA;
}

int compute_quota_limit(const struct config *cfg, const char *project_id, const char *resource,
                        long long *out, struct api_error *err)
{
	size_t i = quota_index(resource);
	if (i == NQUOTA)
		return api_fail(err, API_INTERNAL, "no quota resource %s", resource);
	return quota_limit(cfg, project_id, i, out, err);
}

static int project_usage(const char *project, long long used[3], struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_USAGE, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, project);
	if (db_step(st, err) != SQLITE_ROW)
		return -1;
	for (int i = 0; i < 3; i++)
		used[i] = sqlite3_column_int64(st, i);
	sqlite3_reset(st);
	return 0;
}

int compute_quota_check(const struct config *cfg, const char *project_id, int count, int vcpus,
                        long long ram_mb, struct api_error *err)
{
	return compute_quota_check_delta(cfg, project_id, count, (long long)count * vcpus,
	                                 (long long)count * ram_mb, err);
}

int compute_quota_check_delta(const struct config *cfg, const char *project_id, long long instances,
                              long long cores, long long ram_mb, struct api_error *err)
{
	long long used[3], lim[3];
	if (project_usage(project_id, used, err) != 0)
		return -1;
	const long long want[3] = {instances, cores, ram_mb};
	const char *names[3] = {"instances", "cores", "ram"};
	char over[128] = "";
	for (int i = 0; i < 3; i++) {
		if (quota_limit(cfg, project_id, quota_index(names[i]), &lim[i], err) != 0)
			return -1;
		if (lim[i] >= 0 && used[i] + want[i] > lim[i])
			snprintf(over + strlen(over), sizeof(over) - strlen(over), "%s%s",
			         over[0] ? ", " : "", names[i]);
	}
	if (over[0] == '\0')
		return 0;
	/* Nova: "Quota exceeded for cores, instances: Requested 2, but already
	 * used 20 of 20 cores" (the first resource's numbers). */
	for (int i = 0; i < 3; i++)
		if (lim[i] >= 0 && used[i] + want[i] > lim[i])
			return api_fail(
			    err, API_FORBIDDEN,
			    "Quota exceeded for %s: Requested %lld, but already used %lld of "
			    "%lld %s",
			    over, want[i], used[i], lim[i], names[i]);
	return 0;
}

int compute_keypair_quota_check(const struct config *cfg, const char *user_id,
                                struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_KEYPAIRS, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, user_id);
	if (db_step(st, err) != SQLITE_ROW)
		return -1;
	long long used = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	long long lim = quota_default(cfg, quota_index("key_pairs"));
	if (lim >= 0 && used + 1 > lim)
		return api_fail(err, API_FORBIDDEN, "Quota exceeded, too many key pairs.");
	return 0;
}

int compute_host_usage(const char *host, struct compute_usage *out, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_HOST_USAGE, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, host);
	if (db_step(st, err) != SQLITE_ROW)
		return -1;
	out->servers = sqlite3_column_int64(st, 0);
	out->vcpus = sqlite3_column_int64(st, 1);
	out->ram_mb = sqlite3_column_int64(st, 2);
	out->disk_gb = sqlite3_column_int64(st, 3);
	sqlite3_reset(st);
	return 0;
}

static json_t *quota_set(struct http_request *req, const char *project, bool defaults, bool detail,
                         struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	json_t *o = json_pack("{s:s}", "id", project);
	long long used[3] = {0, 0, 0}, groups = 0;
	if (detail && (project_usage(project, used, err) != 0 ||
	               compute_server_groups_used(project, &groups, err) != 0)) {
		json_decref(o);
		return NULL;
	}
	for (size_t i = 0; i < NQUOTA; i++) {
		long long lim = quota_default(svc->env->cfg, i);
		if (!defaults && quota_limit(svc->env->cfg, project, i, &lim, err) != 0) {
			json_decref(o);
			return NULL;
		}
		if (!set_shows(compute_mv(req), quota_defs[i].name))
			continue;
		if (detail) {
			long long in_use = 0;
			if (strcmp(quota_defs[i].name, "instances") == 0)
				in_use = used[0];
			else if (strcmp(quota_defs[i].name, "cores") == 0)
				in_use = used[1];
			else if (strcmp(quota_defs[i].name, "ram") == 0)
				in_use = used[2];
			else if (strcmp(quota_defs[i].name, "server_groups") == 0)
				in_use = groups;
			json_object_set_new(o, quota_defs[i].name,
			                    json_pack("{s:I,s:I,s:i}", "limit", lim, "in_use",
			                              in_use, "reserved", 0));
		} else
			json_object_set_new(o, quota_defs[i].name, json_integer(lim));
	}
	return o;
}

static int quota_target(struct http_request *req, const char **project, struct api_error *err)
{
	*project = http_param(req, "project_id");
	if (strcmp(*project, compute_project(req)) != 0 && !compute_is_admin(req))
		return api_fail(err, API_FORBIDDEN,
		                "Policy doesn't allow os_compute_api:os-quota-sets:show to be "
		                "performed.");
	return 0;
}

static int quota_reply(struct http_request *req, struct http_response *resp, bool defaults,
                       bool detail, struct api_error *err)
{
	const char *project;
	if (quota_target(req, &project, err) != 0)
		return -1;
	json_t *o = quota_set(req, project, defaults, detail, err);
	if (o == NULL)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:o}", "quota_set", o));
	return 0;
}

COMPUTE_HANDLER(compute_quota_show)
{
	return quota_reply(req, resp, false, false, err);
}

COMPUTE_HANDLER(compute_quota_detail)
{
	return quota_reply(req, resp, false, true, err);
}

COMPUTE_HANDLER(compute_quota_defaults)
{
	return quota_reply(req, resp, true, false, err);
}

COMPUTE_HANDLER(compute_quota_update)
{
	const char *project = http_param(req, "project_id");
	json_t *body, *qs;
	if (http_body_json(req, &body, err) != 0 ||
	    json_get_object(body, "quota_set", true, &qs, err) != 0)
		return -1;
	const char *k;
	json_t *v;
	/* Validate everything before writing anything. */
	json_object_foreach(qs, k, v)
	{
		if (strcmp(k, "force") == 0)
			continue;
		size_t i = quota_index(k);
		/* nova-network's networks quota: in the schema, always refused. */
		if (strcmp(k, "networks") == 0 && compute_mv(req) < 36)
			return api_fail(err, API_BAD_REQUEST,
			                "The networks quota has been removed");
		if (i == NQUOTA || !set_shows(compute_mv(req), k))
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute quota_set. Additional "
			                "properties are not allowed ('%s' was unexpected)",
			                k);
		long long n;
		if (json_is_integer(v))
			n = json_integer_value(v);
		else if (json_is_string(v)) {
			char *end;
			n = strtoll(json_string_value(v), &end, 10);
			if (*end || !*json_string_value(v))
				return api_fail(err, API_BAD_REQUEST,
				                "Invalid input for field/attribute %s. Value: %s",
				                k, json_string_value(v));
		} else
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute %s. Value: not an integer", k);
		if (n < -1)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute %s. Value: %lld. %lld is less "
			    "than the minimum of -1",
			    k, n, n);
	}
	if (db_begin(err) != 0)
		return -1;
	json_object_foreach(qs, k, v)
	{
		if (strcmp(k, "force") == 0)
			continue;
		long long n = json_is_integer(v) ? json_integer_value(v)
		                                 : strtoll(json_string_value(v), NULL, 10);
		sqlite3_stmt *st = db_stmt(SQL_SET, err);
		if (st == NULL)
			goto fail;
		db_bind_text(st, 1, project);
		db_bind_text(st, 2, k);
		sqlite3_bind_int64(st, 3, n);
		if (db_exec_stmt(st, err) != 0)
			goto fail;
	}
	if (db_commit(err) != 0)
		goto fail;
	json_t *o = quota_set(req, project, false, false, err);
	if (o == NULL)
		return -1;
	json_object_del(o, "id");
	http_reply_json(resp, 200, json_pack("{s:o}", "quota_set", o));
	return 0;
fail:
	db_rollback();
	return -1;
}

COMPUTE_HANDLER(compute_quota_delete)
{
	sqlite3_stmt *st = db_stmt(SQL_CLEAR, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, http_param(req, "project_id"));
	if (db_exec_stmt(st, err) != 0)
		return -1;
	http_reply_empty(resp, 202);
	return 0;
}

COMPUTE_HANDLER(compute_limits)
{
	struct compute_svc *svc = req->ctx;
	const char *project = compute_project(req);
	const char *q = http_query(req, "tenant_id");
	if (q && compute_is_admin(req))
		project = q;
	long long used[3], groups = 0;
	if (project_usage(project, used, err) != 0 ||
	    compute_server_groups_used(project, &groups, err) != 0)
		return -1;
	json_t *abs = json_object();
	for (size_t i = 0; i < NQUOTA; i++) {
		long long lim;
		if (!quota_defs[i].limit_key ||
		    quota_limit(svc->env->cfg, project, i, &lim, err) != 0)
			continue;
		if (!set_shows(compute_mv(req), quota_defs[i].name))
			continue;
		json_object_set_new(abs, quota_defs[i].limit_key, json_integer(lim));
	}
	/* The image metadata proxy went away with 2.39. */
	if (compute_mv(req) < 39)
		json_object_set_new(
		    abs, "maxImageMeta",
		    json_integer(quota_default(svc->env->cfg, quota_index("metadata_items"))));
	json_object_set_new(abs, "totalInstancesUsed", json_integer(used[0]));
	json_object_set_new(abs, "totalCoresUsed", json_integer(used[1]));
	json_object_set_new(abs, "totalRAMUsed", json_integer(used[2]));
	json_object_set_new(abs, "totalServerGroupsUsed", json_integer(groups));
	/* Nothing counts nova-network's resources any more. */
	if (compute_mv(req) < 36) {
		json_object_set_new(abs, "totalSecurityGroupsUsed", json_integer(0));
		json_object_set_new(abs, "totalFloatingIpsUsed", json_integer(0));
	}
	http_reply_json(resp, 200, json_pack("{s:{s:o,s:[]}}", "limits", "absolute", abs, "rate"));
	return 0;
}

/* ---- os-quota-class-sets (admins) ---- */

/* The resources a quota class shows at a microversion: the network ones
 * until 2.50, server groups from 2.50, injected_* until 2.57. */
static bool class_shows(int mv, const char *name)
{
	if (strncmp(name, "server_group", 12) == 0)
		return mv >= 50;
	if (strncmp(name, "injected_", 9) == 0)
		return mv < 57;
	if (network_quota(name))
		return mv < 50;
	return true;
}

static json_t *quota_class_view(struct http_request *req, const char *cls, bool with_id,
                                struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	int mv = compute_mv(req);
	json_t *o = with_id ? json_pack("{s:s}", "id", cls) : json_object();
	for (size_t i = 0; i < NQUOTA; i++) {
		if (!class_shows(mv, quota_defs[i].name))
			continue;
		long long v = quota_default(svc->env->cfg, i);
		bool found;
		if (strcmp(cls, "default") != 0 && class_limit(cls, i, &v, &found, err) != 0) {
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, quota_defs[i].name, json_integer(v));
	}
	return o;
}

COMPUTE_HANDLER(compute_quota_class_show)
{
	json_t *o = quota_class_view(req, http_param(req, "id"), true, err);
	if (o == NULL)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:o}", "quota_class_set", o));
	return 0;
}

COMPUTE_HANDLER(compute_quota_class_update)
{
	const char *cls = http_param(req, "id");
	int mv = compute_mv(req);
	json_t *body, *qs;
	if (http_body_json(req, &body, err) != 0 ||
	    json_get_object(body, "quota_class_set", true, &qs, err) != 0)
		return -1;
	if (json_check_length("id", cls, 255, err) != 0)
		return -1;
	static const char *const network[] = {"fixed_ips", "floating_ips", "security_groups",
	                                      "security_group_rules", "networks"};
	const char *k;
	json_t *v;
	json_object_foreach(qs, k, v)
	{
		bool net = false;
		for (size_t n = 0; n < sizeof(network) / sizeof(network[0]); n++)
			net = net || strcmp(k, network[n]) == 0;
		size_t i = quota_index(k);
		/* Network resources until 2.50 (networks accepted and ignored:
		 * no resource of Nova's any more). */
		bool injected = strncmp(k, "injected_", 9) == 0;
		if ((net && mv < 50) || (i < NQUOTA && !net && !(injected && mv >= 57)))
			;
		else
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute quota_class_set. "
			                "Additional properties are not allowed ('%s' was "
			                "unexpected)",
			                k);
		if (!json_is_integer(v) || json_integer_value(v) < -1)
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute %s. Value: must be an "
			                "integer >= -1",
			                k);
	}
	if (db_begin(err) != 0)
		return -1;
	json_object_foreach(qs, k, v)
	{
		if (quota_index(k) == NQUOTA)
			continue;
		sqlite3_stmt *st = db_stmt(SQL_CLASS_SET, err);
		if (st == NULL)
			goto fail;
		db_bind_text(st, 1, cls);
		db_bind_text(st, 2, k);
		sqlite3_bind_int64(st, 3, json_integer_value(v));
		if (db_exec_stmt(st, err) != 0)
			goto fail;
	}
	if (db_commit(err) != 0)
		goto fail;
	json_t *o = quota_class_view(req, cls, false, err);
	if (o == NULL)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:o}", "quota_class_set", o));
	return 0;
fail:
	db_rollback();
	return -1;
}
