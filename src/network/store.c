/* The network service's tables: resources as JSON documents by kind, the
 * address and MAC tables that keep IPAM unique, segments, quotas and a
 * small key/value table. Every query is a constant with bound parameters. */
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "network/api.h"

static const char SQL_OBJ_GET[] = "SELECT body FROM net_objects WHERE kind = ?1 AND id = ?2";
static const char SQL_OBJ_PUT[] =
    "INSERT INTO net_objects (kind, id, project_id, body, seq) VALUES (?1, ?2, ?3, ?4, "
    "(SELECT COALESCE(MAX(seq), 0) + 1 FROM net_objects)) "
    "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, project_id = excluded.project_id";
static const char SQL_OBJ_DEL[] = "DELETE FROM net_objects WHERE kind = ?1 AND id = ?2";
static const char SQL_OBJ_LIST[] = "SELECT body FROM net_objects WHERE kind = ?1 ORDER BY seq";
static const char SQL_IP_CLAIM[] =
    "INSERT INTO net_ips (network_id, subnet_id, ip_address, port_id) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_IP_REL_PORT[] = "DELETE FROM net_ips WHERE port_id = ?1";
static const char SQL_IP_REL[] = "DELETE FROM net_ips WHERE network_id = ?1 AND ip_address = ?2";
static const char SQL_IP_USED[] = "SELECT ip_address FROM net_ips WHERE subnet_id = ?1";
static const char SQL_IP_COUNT[] = "SELECT COUNT(*) FROM net_ips WHERE subnet_id = ?1";
static const char SQL_MAC_CLAIM[] = "INSERT INTO net_macs (mac, port_id) VALUES (?1, ?2)";
static const char SQL_MAC_REL[] = "DELETE FROM net_macs WHERE port_id = ?1";
static const char SQL_META_GET[] = "SELECT value FROM net_meta WHERE key = ?1";
static const char SQL_META_SET[] = "INSERT INTO net_meta (key, value) VALUES (?1, ?2) "
                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value";
static const char SQL_SEG_CLAIM[] =
    "INSERT INTO net_segments (network_type, segmentation_id, network_id) VALUES (?1, ?2, ?3)";
static const char SQL_SEG_USED[] =
    "SELECT segmentation_id FROM net_segments WHERE network_type = ?1 "
    "ORDER BY segmentation_id";
static const char SQL_SEG_REL[] = "DELETE FROM net_segments WHERE network_id = ?1";
static const char SQL_QUOTA_GET[] =
    "SELECT hard_limit FROM net_quotas WHERE project_id = ?1 AND resource = ?2";
static const char SQL_QUOTA_SET[] =
    "INSERT INTO net_quotas (project_id, resource, hard_limit) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = excluded.hard_limit";
static const char SQL_QUOTA_RESET[] = "DELETE FROM net_quotas WHERE project_id = ?1";
static const char SQL_QUOTA_PROJECTS[] =
    "SELECT DISTINCT project_id FROM net_quotas ORDER BY project_id";

static void decref(void *v)
{
	json_decref(v);
}

json_t *net_own(struct arena *a, json_t *v)
{
	if (v)
		arena_defer(a, decref, v);
	return v;
}

int net_not_found(const char *kind, const char *id, struct api_error *err)
{
	if (!strcmp(kind, "network"))
		return api_fail_typed(err, API_NOT_FOUND, "NetworkNotFound",
		                      "Network %s could not be found.", id);
	if (!strcmp(kind, "subnet"))
		return api_fail_typed(err, API_NOT_FOUND, "SubnetNotFound",
		                      "Subnet %s could not be found.", id);
	if (!strcmp(kind, "port"))
		return api_fail_typed(err, API_NOT_FOUND, "PortNotFound",
		                      "Port %s could not be found.", id);
	if (!strcmp(kind, "router"))
		return api_fail_typed(err, API_NOT_FOUND, "RouterNotFound",
		                      "Router %s could not be found", id);
	if (!strcmp(kind, "floatingip"))
		return api_fail_typed(err, API_NOT_FOUND, "FloatingIPNotFound",
		                      "Floating IP %s could not be found", id);
	if (!strcmp(kind, "security_group"))
		return api_fail_typed(err, API_NOT_FOUND, "SecurityGroupNotFound",
		                      "Security group %s does not exist", id);
	if (!strcmp(kind, "security_group_rule"))
		return api_fail_typed(err, API_NOT_FOUND, "SecurityGroupRuleNotFound",
		                      "Security group rule %s does not exist", id);
	if (!strcmp(kind, "subnetpool"))
		return api_fail_typed(err, API_NOT_FOUND, "SubnetPoolNotFound",
		                      "Subnet pool %s could not be found.", id);
	return api_fail_typed(err, API_NOT_FOUND, "NotFound", "%s %s could not be found.", kind,
	                      id);
}

int net_obj_try(struct arena *a, const char *kind, const char *id, json_t **out,
                struct api_error *err)
{
	*out = NULL;
	sqlite3_stmt *st = db_stmt(SQL_OBJ_GET, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	int rc = db_step(st, err);
	if (rc == SQLITE_ROW) {
		json_error_t jerr;
		*out = net_own(a, json_loads(db_column_text(st, 0), 0, &jerr));
		if (!*out)
			rc = api_fail(err, API_INTERNAL, "stored %s %s is not JSON", kind, id);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

int net_obj_get(struct arena *a, const char *kind, const char *id, json_t **out,
                struct api_error *err)
{
	if (net_obj_try(a, kind, id, out, err) != 0)
		return -1;
	return *out ? 0 : net_not_found(kind, id, err);
}

int net_obj_put(const char *kind, json_t *obj, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_OBJ_PUT, err);
	if (!st)
		return -1;
	char *text = json_dumps(obj, JSON_COMPACT);
	if (!text)
		return api_fail(err, API_INTERNAL, "cannot serialize %s", kind);
	const char *project = net_str(obj, "project_id");
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	db_bind_text(st, 2, net_str(obj, "id"));
	sqlite3_bind_text(st, 3, project ? project : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, text, -1, SQLITE_TRANSIENT);
	int rc = db_exec_stmt(st, err);
	free(text);
	return rc;
}

int net_obj_delete(const char *kind, const char *id, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_OBJ_DEL, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	return db_exec_stmt(st, err);
}

int net_obj_list(struct arena *a, const char *kind, json_t **out, struct api_error *err)
{
	*out = net_own(a, json_array());
	sqlite3_stmt *st = db_stmt(SQL_OBJ_LIST, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW) {
		json_error_t jerr;
		json_t *o = json_loads(db_column_text(st, 0), 0, &jerr);
		if (o)
			json_array_append_new(*out, o);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

int net_ip_claim(const char *network_id, const char *subnet_id, const char *ip, const char *port_id,
                 struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_IP_CLAIM, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subnet_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, port_id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st, err) != 0) {
		if (err->kind == API_CONFLICT)
			return api_fail_typed(err, API_CONFLICT, "IpAddressInUse",
			                      "Unable to complete operation for network %s. The IP "
			                      "address %s is in use.",
			                      network_id, ip);
		return -1;
	}
	return 0;
}

static int exec1(const char *sql, const char *a1, const char *a2, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(sql, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, a1, -1, SQLITE_STATIC);
	if (a2)
		sqlite3_bind_text(st, 2, a2, -1, SQLITE_STATIC);
	return db_exec_stmt(st, err);
}

int net_ip_release_port(const char *port_id, struct api_error *err)
{
	return exec1(SQL_IP_REL_PORT, port_id, NULL, err);
}

int net_ip_release(const char *network_id, const char *ip, struct api_error *err)
{
	return exec1(SQL_IP_REL, network_id, ip, err);
}

int net_ip_used(struct arena *a, const char *subnet_id, net_u128 **out, size_t *n,
                struct api_error *err)
{
	long long count = 0;
	if (net_ip_count_subnet(subnet_id, &count, err) != 0)
		return -1;
	*out = arena_alloc(a, sizeof(net_u128) * (size_t)(count + 1));
	*n = 0;
	sqlite3_stmt *st = db_stmt(SQL_IP_USED, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, subnet_id, -1, SQLITE_STATIC);
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW && *n < (size_t)count) {
		int version;
		net_u128 v;
		if (net_ip_parse(db_column_text(st, 0), &version, &v) == 0)
			(*out)[(*n)++] = v;
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	net_u128_sort(*out, *n);
	return 0;
}

int net_ip_count_subnet(const char *subnet_id, long long *n, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_IP_COUNT, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, subnet_id, -1, SQLITE_STATIC);
	int rc = db_step(st, err);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

int net_mac_claim(const char *mac, const char *port_id, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_MAC_CLAIM, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, port_id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st, err) != 0) {
		if (err->kind == API_CONFLICT)
			return api_fail_typed(err, API_CONFLICT, "MacAddressInUse",
			                      "Unable to complete operation for network. The mac "
			                      "address %s is in use.",
			                      mac);
		return -1;
	}
	return 0;
}

int net_mac_release_port(const char *port_id, struct api_error *err)
{
	return exec1(SQL_MAC_REL, port_id, NULL, err);
}

int net_meta_get(struct arena *a, const char *key, const char **value, struct api_error *err)
{
	*value = NULL;
	sqlite3_stmt *st = db_stmt(SQL_META_GET, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = db_step(st, err);
	if (rc == SQLITE_ROW)
		*value = arena_strdup(a, db_column_text(st, 0));
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

int net_meta_set(const char *key, const char *value, struct api_error *err)
{
	return exec1(SQL_META_SET, key, value, err);
}

int net_segment_claim(const char *type, long long id, const char *network_id, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_SEG_CLAIM, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, network_id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st, err) != 0) {
		if (err->kind == API_CONFLICT)
			return api_fail_typed(
			    err, API_CONFLICT, "SegmentationIdInUse",
			    "Unable to create the network. The %s segmentation id "
			    "%lld is in use.",
			    type, id);
		return -1;
	}
	return 0;
}

int net_segment_next(const char *type, long long lo, long long hi, long long *out,
                     struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_SEG_USED, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	long long next = lo;
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW) {
		long long v = sqlite3_column_int64(st, 0);
		if (v == next)
			next++;
		else if (v > next)
			break;
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (next > hi)
		return api_fail_typed(
		    err, API_UNAVAILABLE, "NoNetworkAvailable",
		    "Unable to create the network. No tenant network is available "
		    "for allocation.");
	*out = next;
	return 0;
}

int net_segment_release(const char *network_id, struct api_error *err)
{
	return exec1(SQL_SEG_REL, network_id, NULL, err);
}

int net_quota_get(const char *project_id, const char *resource, long long *limit, bool *set,
                  struct api_error *err)
{
	*set = false;
	sqlite3_stmt *st = db_stmt(SQL_QUOTA_GET, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, project_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, resource, -1, SQLITE_STATIC);
	int rc = db_step(st, err);
	if (rc == SQLITE_ROW) {
		*limit = sqlite3_column_int64(st, 0);
		*set = true;
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

int net_quota_set(const char *project_id, const char *resource, long long limit,
                  struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_QUOTA_SET, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, project_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, resource, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, limit);
	return db_exec_stmt(st, err);
}

int net_quota_reset(const char *project_id, struct api_error *err)
{
	return exec1(SQL_QUOTA_RESET, project_id, NULL, err);
}

int net_quota_projects(struct arena *a, json_t **ids, struct api_error *err)
{
	*ids = net_own(a, json_array());
	sqlite3_stmt *st = db_stmt(SQL_QUOTA_PROJECTS, err);
	if (!st)
		return -1;
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW)
		json_array_append_new(*ids, json_string(db_column_text(st, 0)));
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}
