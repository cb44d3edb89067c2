/* Servers: create (validation, quota and scheduling in one transaction,
 * then a spawn task per server), list/detail with Nova's filters, show,
 * update, delete; the row accessors the other compute files use. */
#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/evp.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "compute/flavor.h"
#include "compute/internal.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "image/image.h"
#include "network/network.h"
#include "service.h"

#define SERVER_COLS                                                                       \
	"id, name, project_id, user_id, image_id, flavor_id, flavor, key_name, key_data," \
	" user_data, config_drive, availability_zone, host, vm_state, task_state,"        \
	" power_state, description, hostname, locked, locked_reason, reservation_id,"     \
	" launch_index, metadata, tags, access_ipv4, access_ipv6, fault, created_at,"     \
	" updated_at, launched_at, old_flavor, shelved_image_id, shelved_at, auto_disk_config"

static const char SQL_GET[] = "SELECT " SERVER_COLS " FROM compute_servers WHERE id = ?";
static const char SQL_LIST_ALL[] = "SELECT " SERVER_COLS " FROM compute_servers ORDER BY seq DESC";
static const char SQL_LIST_PROJECT[] =
    "SELECT " SERVER_COLS " FROM compute_servers WHERE project_id = ? ORDER BY seq DESC";
static const char SQL_INSERT[] =
    "INSERT INTO compute_servers (id, seq, name, project_id, user_id, image_id, flavor_id,"
    " flavor, key_name, key_data, user_data, config_drive, availability_zone, host,"
    " vm_state, task_state, power_state, description, hostname, reservation_id,"
    " launch_index, metadata, tags, fault, created_at, updated_at, access_ipv4, access_ipv6)"
    " VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM compute_servers), ?,?,?,?,?,?,?,?,"
    "?,?,?,?,?,?,0,?,?,?,?,?,?,?,?,?,coalesce(?, ''),coalesce(?, ''))";
static const char SQL_SET_STATE[] =
    "UPDATE compute_servers SET vm_state = coalesce(?, vm_state), task_state = ?,"
    " power_state = coalesce(?, power_state), updated_at = ?,"
    " launched_at = CASE WHEN ? = 'active' AND launched_at IS NULL THEN ? ELSE launched_at END"
    " WHERE id = ?";
static const char SQL_SET_FAULT[] =
    "UPDATE compute_servers SET fault = ?, updated_at = ? WHERE id = ?";
static const char SQL_KEYPAIR[] =
    "SELECT public_key FROM compute_keypairs WHERE user_id = ? AND name = ?";
static const char SQL_ACTION_INSERT[] =
    "INSERT INTO compute_actions (server_id, action, request_id, user_id, project_id,"
    " start_time, server_project_id) VALUES (?,?,?,?,?,?,"
    " coalesce((SELECT project_id FROM compute_servers WHERE id = ?), ?))";
static const char SQL_ACTION_FINISH[] =
    "UPDATE compute_actions SET finish_time = ?, result = ?, message = ? WHERE id = ?";
static const char SQL_UPDATE[] =
    "UPDATE compute_servers SET name = ?, description = ?, access_ipv4 = ?, access_ipv6 = ?,"
    " hostname = ?, updated_at = ? WHERE id = ?";
static const char SQL_SET_TASK_IF[] =
    "UPDATE compute_servers SET task_state = ?, updated_at = ? WHERE id = ?"
    " AND (task_state IS NULL OR task_state NOT IN ('deleting'))";

static json_t *json_col(struct arena *a, sqlite3_stmt *st, int col, const char *fallback)
{
	const char *t = db_column_text(st, col);
	json_t *v = t ? json_loads(t, JSON_DECODE_ANY, NULL) : NULL;
	if (v == NULL && fallback)
		v = json_loads(fallback, JSON_DECODE_ANY, NULL);
	if (v)
		arena_defer(a, (void (*)(void *))json_decref, v);
	return v;
}

static void server_row(struct arena *a, sqlite3_stmt *st, struct compute_server *s)
{
#define T(i) arena_strdup(a, db_column_text(st, i))
	s->id = T(0);
	s->name = T(1);
	s->project_id = T(2);
	s->user_id = T(3);
	s->image_id = T(4);
	s->flavor_id = T(5);
	s->flavor = json_col(a, st, 6, "{}");
	s->key_name = T(7);
	s->key_data = T(8);
	s->user_data = T(9);
	s->config_drive = sqlite3_column_int(st, 10) != 0;
	s->availability_zone = T(11);
	s->host = T(12);
	s->vm_state = T(13);
	s->task_state = T(14);
	s->power_state = sqlite3_column_int(st, 15);
	s->description = T(16);
	s->hostname = T(17);
	s->locked = sqlite3_column_int(st, 18) != 0;
	s->locked_reason = T(19);
	s->reservation_id = T(20);
	s->launch_index = sqlite3_column_int(st, 21);
	s->metadata = json_col(a, st, 22, "{}");
	s->tags = json_col(a, st, 23, "[]");
	s->access_ipv4 = T(24);
	s->access_ipv6 = T(25);
	s->fault = json_col(a, st, 26, NULL);
	s->created_at = T(27);
	s->updated_at = T(28);
	s->launched_at = T(29);
	s->old_flavor = json_col(a, st, 30, NULL);
	s->shelved_image_id = T(31);
	s->shelved_at = T(32);
	s->auto_disk_config = sqlite3_column_int(st, 33) != 0;
#undef T
}

int compute_server_read(struct arena *a, const char *id, struct compute_server *out,
                        struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_GET, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, id);
	int rc = db_step(st, err);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return api_fail(err, API_NOT_FOUND, "Instance %s could not be found.", id);
	server_row(a, st, out);
	sqlite3_reset(st);
	return 0;
}

int compute_server_load(struct http_request *req, const char *id, struct compute_server *out,
                        struct api_error *err)
{
	if (compute_server_read(req->arena, id, out, err) != 0)
		return -1;
	if (strcmp(out->project_id, compute_project(req)) != 0 && !compute_is_admin(req))
		return api_fail(err, API_NOT_FOUND, "Instance %s could not be found.", id);
	return 0;
}

int compute_server_set_state(const char *id, const char *vm_state, const char *task_state,
                             int power_state, struct api_error *err)
{
	char now[21];
	ids_time_iso(time(NULL), now);
	sqlite3_stmt *st = db_stmt(SQL_SET_STATE, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, vm_state);
	db_bind_text(st, 2, task_state);
	if (power_state >= 0)
		sqlite3_bind_int(st, 3, power_state);
	db_bind_text(st, 4, now);
	db_bind_text(st, 5, vm_state);
	db_bind_text(st, 6, now);
	db_bind_text(st, 7, id);
	return db_exec_stmt(st, err);
}

int compute_server_set_fault(const char *id, int code, const char *message, struct api_error *err)
{
	char now[21];
	ids_time_iso(time(NULL), now);
	json_t *f = json_pack("{s:i,s:s,s:s,s:s}", "code", code, "message", message, "details",
	                      message, "created", now);
	char *text = json_dumps(f, JSON_COMPACT);
	json_decref(f);
	sqlite3_stmt *st = db_stmt(SQL_SET_FAULT, err);
	int rc = -1;
	if (st != NULL) {
		db_bind_text(st, 1, text);
		db_bind_text(st, 2, now);
		db_bind_text(st, 3, id);
		rc = db_exec_stmt(st, err);
	}
	free(text);
	return rc;
}

int compute_action_start(struct http_request *req, const char *server_id, const char *action,
                         long long *action_id, struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	char now[28];
	ids_time_iso_us(ids_now(), now);
	sqlite3_stmt *st = db_stmt(SQL_ACTION_INSERT, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, server_id);
	db_bind_text(st, 2, action);
	db_bind_text(st, 3, req->request_id);
	db_bind_text(st, 4, auth->user_id);
	db_bind_text(st, 5, auth->project_id);
	db_bind_text(st, 6, now);
	db_bind_text(st, 7, server_id);
	db_bind_text(st, 8, auth->project_id);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	*action_id = sqlite3_last_insert_rowid(db_conn(err));
	return 0;
}

void compute_action_finish(long long action_id, bool ok, const char *message)
{
	struct api_error err;
	if (action_id <= 0)
		return;
	char now[28];
	ids_time_iso_us(ids_now(), now);
	sqlite3_stmt *st = db_stmt(SQL_ACTION_FINISH, &err);
	if (st == NULL)
		return;
	db_bind_text(st, 1, now);
	db_bind_text(st, 2, ok ? "Success" : "Error");
	db_bind_text(st, 3, message);
	sqlite3_bind_int64(st, 4, action_id);
	if (db_exec_stmt(st, &err) != 0)
		log_warn("compute: action %lld: %s", action_id, err.message);
}

/* ---- create ---- */

/* An id from a ref that may also be a URL (Nova takes the last segment). */
static const char *ref_id(const char *ref)
{
	const char *slash = strrchr(ref, '/');
	return slash ? slash + 1 : ref;
}

static int base64_valid(const char *s, struct arena *a, char **decoded, size_t *len)
{
	size_t n = strlen(s);
	char *clean = arena_alloc(a, n + 1);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (isspace((unsigned char)s[i]))
			continue;
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '/' && s[i] != '=')
			return -1;
		clean[m++] = s[i];
	}
	if (m % 4 != 0)
		return -1;
	for (size_t i = 0; i < m; i++)
		if (clean[i] == '=' && i < m - 2)
			return -1;
	unsigned char *out = arena_alloc(a, m + 4);
	int l = m ? EVP_DecodeBlock(out, (unsigned char *)clean, (int)m) : 0;
	if (l < 0)
		return -1;
	if (m && clean[m - 1] == '=')
		l -= clean[m - 2] == '=' ? 2 : 1;
	*decoded = (char *)out;
	*len = (size_t)l;
	return 0;
}

int compute_metadata_valid(json_t *md, const char *field, struct api_error *err)
{
	if (!json_is_object(md))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute %s. Value: not an object",
		                field);
	const char *k;
	json_t *v;
	json_object_foreach(md, k, v)
	{
		if (strlen(k) == 0 || strlen(k) > 255)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute %s. Metadata key length must "
			    "be between 1 and 255",
			    field);
		if (!json_is_string(v))
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute %s. Value of %s is not a "
			    "string",
			    field, k);
		if (strlen(json_string_value(v)) > 255)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute %s. Value of %s is longer "
			    "than 255 characters",
			    field, k);
	}
	if (json_object_size(md) > 128)
		return api_fail(err, API_FORBIDDEN,
		                "Quota exceeded for metadata_items: Requested "
		                "%zu, but already used 0 of 128 metadata_items",
		                json_object_size(md));
	return 0;
}

int compute_tag_valid(const char *tag, struct api_error *err)
{
	if (strlen(tag) == 0 || strlen(tag) > 60 || strchr(tag, '/') || strchr(tag, ','))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute tags. Tag '%s' is invalid: 1-60 "
		                "characters, no '/' or ','",
		                tag);
	return 0;
}

int compute_hostname_param(struct http_request *req, json_t *obj, const char *what,
                           const char **out, struct api_error *err)
{
	json_t *v = json_object_get(obj, "hostname");
	*out = NULL;
	if (v == NULL)
		return 0;
	if (compute_mv(req) < 90)
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Invalid input for field/attribute %s. Additional properties are not "
		    "allowed ('hostname' was unexpected)",
		    what);
	const char *h = json_string_value(v);
	size_t n = h ? strlen(h) : 0;
	bool ok =
	    n >= 2 && n <= 63 && isalnum((unsigned char)h[0]) && isalnum((unsigned char)h[n - 1]);
	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)h[i]) || h[i] == '-';
	if (!ok)
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Invalid input for field/attribute hostname. Value: %s. '%s' does not "
		    "match '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$'",
		    h ? h : "(not a string)", h ? h : "");
	*out = h;
	return 0;
}

static const char *hostname_of(struct arena *a, const char *name)
{
	/* Nova's sanitize_hostname: lower case, [a-z0-9.-], 63 characters. */
	size_t n = strlen(name);
	char *h = arena_alloc(a, n + 1);
	size_t m = 0;
	for (size_t i = 0; i < n && m < 63; i++) {
		char c = (char)tolower((unsigned char)name[i]);
		if (c == ' ' || c == '_')
			c = '-';
		if (isalnum((unsigned char)c) || c == '-' || c == '.')
			h[m++] = c;
	}
	while (m > 0 && (h[m - 1] == '-' || h[m - 1] == '.'))
		m--;
	h[m] = '\0';
	size_t start = 0;
	while (h[start] == '-' || h[start] == '.')
		start++;
	return h[start] ? h + start : "server";
}

struct create_args {
	const char *name, *image_id, *flavor_ref, *key_name, *key_data, *user_data;
	const char *zone, *description;
	const char *access_ipv4, *access_ipv6; /* normalised, NULL: none */
	const char *admin_pass;                /* the client's, NULL: generate one */
	const char *group_id;                  /* os:scheduler_hints group, NULL: none */
	const char *want_host, *want_node;     /* 2.74 host, hypervisor_hostname */
	const char *hostname;                  /* 2.90, NULL: from the name */
	bool config_drive;
	int disk_config; /* OS-DCF:diskConfig: -1 none asked, 0 MANUAL, 1 AUTO */
	bool auto_disk_config;
	long long min_count, max_count;
	json_t *metadata, *tags;
	json_t *trusted_certs; /* 2.63, NULL: none */
	bool return_reservation_id;
	struct net_nic_request *nics; /* from `networks` (network.h) */
	size_t nnics;
	const char **secgroups;
	size_t nsecgroups;
	struct compute_flavor flavor;
	struct image_info image;
};

int compute_access_ip(struct http_request *req, json_t *obj, const char *field, const char **out,
                      struct api_error *err)
{
	json_t *v = json_object_get(obj, field);
	if (v == NULL)
		return 0;
	int af = strcmp(field, "accessIPv6") == 0 ? AF_INET6 : AF_INET;
	unsigned char bin[16];
	char text[INET6_ADDRSTRLEN];
	const char *given = json_is_string(v) ? json_string_value(v) : NULL;
	if (given == NULL || inet_pton(af, given, bin) != 1 ||
	    inet_ntop(af, bin, text, sizeof(text)) == NULL)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute %s. Value: %s. '%s' is not a "
		                "'%s'",
		                field, given ? given : "(not a string)", given ? given : "",
		                af == AF_INET6 ? "ipv6" : "ipv4");
	*out = arena_strdup(req->arena, text);
	return 0;
}

/* Device tags on networks and block devices: 2.32 to 2.36, and again
 * from 2.42 (Nova took them out at 2.37 and put them back). */
int compute_device_tag_check(struct http_request *req, const char *tag, struct api_error *err)
{
	int mv = compute_mv(req);
	if (mv < 32 || (mv >= 37 && mv < 42))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute networks. Additional properties "
		                "are not allowed ('tag' was unexpected)");
	return json_check_length("tag", tag, 60, err);
}

static const char SQL_TAG_SAVE[] =
    "INSERT OR REPLACE INTO compute_device_tags (server_id, port_id, mac, tag) VALUES (?,?,?,?)";

int compute_device_tags_save(const char *server_id, const struct net_nic_request *nics,
                             const struct net_vif *vifs, size_t n, struct api_error *err)
{
	for (size_t i = 0; i < n; i++) {
		if (nics[i].tag == NULL)
			continue;
		sqlite3_stmt *st = db_stmt(SQL_TAG_SAVE, err);
		if (st == NULL)
			return -1;
		db_bind_text(st, 1, server_id);
		db_bind_text(st, 2, vifs[i].port_id);
		db_bind_text(st, 3, vifs[i].mac);
		db_bind_text(st, 4, nics[i].tag);
		if (db_exec_stmt(st, err) != 0)
			return -1;
	}
	return 0;
}

int compute_admin_pass(json_t *obj, const char **out, struct api_error *err)
{
	json_t *v = json_object_get(obj, "adminPass");
	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute adminPass. Value: not a string");
	*out = json_string_value(v);
	return 0;
}

static int create_parse(struct http_request *req, json_t *srv, struct create_args *c,
                        struct api_error *err)
{
	int mv = compute_mv(req);
	const char *const allowed[] = {"name",
	                               "imageRef",
	                               "flavorRef",
	                               "key_name",
	                               "user_data",
	                               "metadata",
	                               "availability_zone",
	                               "security_groups",
	                               "networks",
	                               "min_count",
	                               "max_count",
	                               "return_reservation_id",
	                               "block_device_mapping",
	                               "block_device_mapping_v2",
	                               "config_drive",
	                               "description",
	                               "tags",
	                               "accessIPv4",
	                               "accessIPv6",
	                               "adminPass",
	                               "OS-DCF:diskConfig",
	                               "personality",
	                               "os:scheduler_hints",
	                               "trusted_image_certificates",
	                               mv >= 74 ? "host" : "",
	                               mv >= 74 ? "hypervisor_hostname" : "",
	                               "hostname", /* checked below */
	                               NULL};
	bool certs_given;
	if (json_only_keys(srv, allowed, "server", err) != 0 ||
	    compute_trusted_certs_parse(req, srv, "server", &c->trusted_certs, &certs_given, err) !=
	        0)
		return -1;
	if (json_get_string(srv, "name", true, &c->name, err) != 0)
		return -1;
	const char *p = c->name;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || isspace((unsigned char)c->name[strlen(c->name) - 1]))
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Invalid input for field/attribute name. Value: %s. An invalid 'name' "
		    "value was provided. The name must be: printable characters. Can not "
		    "start or end with whitespace.",
		    c->name);
	if (json_check_length("name", c->name, 255, err) != 0)
		return -1;
	const char *image_ref = NULL;
	if (json_get_string(srv, "imageRef", false, &image_ref, err) != 0 ||
	    json_get_string(srv, "flavorRef", true, &c->flavor_ref, err) != 0 ||
	    json_get_string(srv, "key_name", false, &c->key_name, err) != 0 ||
	    json_get_string(srv, "user_data", false, &c->user_data, err) != 0 ||
	    json_get_string(srv, "availability_zone", false, &c->zone, err) != 0 ||
	    json_get_string(srv, "host", false, &c->want_host, err) != 0 ||
	    json_get_string(srv, "hypervisor_hostname", false, &c->want_node, err) != 0 ||
	    compute_hostname_param(req, srv, "server", &c->hostname, err) != 0)
		return -1;
	/* block_device_mapping_v2: a local disk from an image is imageRef. */
	json_t *bdm = json_object_get(srv, "block_device_mapping_v2");
	if (bdm != NULL) {
		if (!json_is_array(bdm))
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute block_device_mapping_v2.");
		size_t i;
		json_t *d;
		json_array_foreach(bdm, i, d)
		{
			const char *src = NULL, *dst = "local", *uuid = NULL;
			if (!json_is_object(d) ||
			    json_get_string(d, "source_type", false, &src, err) ||
			    json_get_string(d, "destination_type", false, &dst, err) ||
			    json_get_string(d, "uuid", false, &uuid, err) ||
			    (json_object_get(d, "tag") != NULL &&
			     compute_device_tag_check(req, "", err)))
				return err->kind
				           ? -1
				           : api_fail(err, API_BAD_REQUEST,
				                      "Invalid block_device_mapping_v2 entry");
			/* 2.67: volume_type, for volumes only (Nova's checks). */
			if (json_object_get(d, "volume_type") != NULL) {
				if (compute_mv(req) < 67)
					return api_fail(
					    err, API_BAD_REQUEST,
					    "Invalid input for field/attribute 0. Additional "
					    "properties are not allowed ('volume_type' was "
					    "unexpected)");
				if (strcmp(dst, "volume") != 0)
					return api_fail(err, API_BAD_REQUEST,
					                "Specifying a volume_type with "
					                "destination_type=local is not supported.");
			}
			if (strcmp(dst, "volume") == 0)
				return api_fail(err, API_NOT_IMPLEMENTED,
				                "Volumes are not implemented by this cloud yet.");
			if (src && strcmp(src, "image") == 0 && uuid) {
				if (image_ref && *image_ref && strcmp(image_ref, uuid) != 0)
					return api_fail(
					    err, API_BAD_REQUEST,
					    "Block Device Mapping is Invalid: image does not match "
					    "imageRef.");
				image_ref = uuid;
			}
		}
	}
	if (json_object_get(srv, "block_device_mapping") != NULL)
		return api_fail(err, API_NOT_IMPLEMENTED,
		                "Volumes are not implemented by this cloud yet.");
	if (image_ref == NULL || *image_ref == '\0')
		return api_fail(err, API_BAD_REQUEST, "Missing imageRef attribute");
	c->image_id = ref_id(image_ref);
	c->flavor_ref = ref_id(c->flavor_ref);
	if (compute_access_ip(req, srv, "accessIPv4", &c->access_ipv4, err) != 0 ||
	    compute_access_ip(req, srv, "accessIPv6", &c->access_ipv6, err) != 0 ||
	    compute_admin_pass(srv, &c->admin_pass, err) != 0)
		return -1;
	if (c->user_data) {
		char *dec;
		size_t len;
		if (strlen(c->user_data) > 65535 ||
		    base64_valid(c->user_data, req->arena, &dec, &len) != 0)
			return api_fail(err, API_BAD_REQUEST,
			                "User data needs to be valid base 64.");
	}
	c->metadata = json_object_get(srv, "metadata");
	if (c->metadata && compute_metadata_valid(c->metadata, "metadata", err) != 0)
		return -1;
	json_t *cd = json_object_get(srv, "config_drive");
	if (cd) {
		if (json_is_boolean(cd))
			c->config_drive = json_is_true(cd);
		else if (json_is_string(cd) && (strcasecmp(json_string_value(cd), "true") == 0 ||
		                                strcmp(json_string_value(cd), "1") == 0))
			c->config_drive = true;
		else if (json_is_string(cd) && (strcasecmp(json_string_value(cd), "false") == 0 ||
		                                *json_string_value(cd) == '\0' ||
		                                strcmp(json_string_value(cd), "0") == 0))
			c->config_drive = false;
		else if (!json_is_null(cd))
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute config_drive.");
	}
	if (compute_disk_config_arg(srv, &c->disk_config, err) != 0)
		return -1;
	c->min_count = c->max_count = 1;
	json_t *mc;
	for (int i = 0; i < 2; i++) {
		const char *k = i ? "max_count" : "min_count";
		long long *dst = i ? &c->max_count : &c->min_count;
		if ((mc = json_object_get(srv, k)) == NULL)
			continue;
		char *end = NULL;
		if (json_is_integer(mc))
			*dst = json_integer_value(mc);
		else if (json_is_string(mc) && *json_string_value(mc))
			*dst = strtoll(json_string_value(mc), &end, 10);
		if ((!json_is_integer(mc) && (end == NULL || *end)) || *dst < 1)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute %s. Value must be an integer "
			    ">= 1",
			    k);
	}
	if (json_object_get(srv, "max_count") == NULL)
		c->max_count = c->min_count;
	if (c->min_count > c->max_count)
		return api_fail(err, API_BAD_REQUEST, "min_count must be <= max_count");
	if (c->hostname && c->max_count > 1)
		return api_fail(err, API_BAD_REQUEST,
		                "Unable to allocate a single hostname to multiple instances");
	json_t *rr = json_object_get(srv, "return_reservation_id");
	c->return_reservation_id =
	    rr && (json_is_true(rr) ||
	           (json_is_string(rr) && strcasecmp(json_string_value(rr), "true") == 0));
	if (json_object_get(srv, "description") != NULL) {
		if (mv < 19)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute server. Additional properties "
			    "are not allowed ('description' was unexpected)");
		json_t *d = json_object_get(srv, "description");
		if (!json_is_null(d) &&
		    (json_get_string(srv, "description", false, &c->description, err) ||
		     json_check_length("description", c->description, 255, err)))
			return -1;
	}
	c->tags = json_object_get(srv, "tags");
	if (c->tags != NULL) {
		if (mv < 52)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute server. Additional properties "
			    "are not allowed ('tags' was unexpected)");
		if (!json_is_array(c->tags) || json_array_size(c->tags) > 50)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid input for field/attribute tags: at most 50 strings");
		size_t i;
		json_t *t;
		json_array_foreach(c->tags, i, t)
		{
			if (!json_is_string(t))
				return api_fail(err, API_BAD_REQUEST,
				                "Invalid input for field/attribute tags.");
			if (compute_tag_valid(json_string_value(t), err) != 0)
				return -1;
		}
	}
	/* Networks: none, or (before 2.37) nothing asked for. */
	json_t *nets = json_object_get(srv, "networks");
	if (nets == NULL && mv >= 37)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute server. Value: 'networks' is a "
		                "required property");
	if (nets != NULL && json_is_string(nets) && mv >= 37) {
		const char *v = json_string_value(nets);
		if (strcmp(v, "auto") == 0) {
			c->nics = arena_alloc(req->arena, sizeof(*c->nics));
			c->nics[0].autoselect = true;
			c->nnics = 1;
		} else if (strcmp(v, "none") != 0)
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute networks. Value: %s.",
			                v);
	} else if (nets != NULL && json_is_array(nets)) {
		size_t i;
		json_t *n;
		c->nics = arena_alloc(req->arena, (json_array_size(nets) + 1) * sizeof(*c->nics));
		json_array_foreach(nets, i, n)
		{
			struct net_nic_request *r = &c->nics[c->nnics++];
			if (!json_is_object(n) ||
			    json_get_string(n, "uuid", false, &r->network_id, err) ||
			    json_get_string(n, "port", false, &r->port_id, err) ||
			    json_get_string(n, "fixed_ip", false, &r->fixed_ip, err) ||
			    json_get_string(n, "tag", false, &r->tag, err) ||
			    (r->tag != NULL && compute_device_tag_check(req, r->tag, err)))
				return err->kind
				           ? -1
				           : api_fail(
				                 err, API_BAD_REQUEST,
				                 "Invalid input for field/attribute networks.");
			if (r->port_id) {
				if (!ids_is_uuid(r->port_id))
					return api_fail(
					    err, API_BAD_REQUEST,
					    "Bad networks format: port uuid is not in proper "
					    "format (%s)",
					    r->port_id);
				r->network_id = NULL;
			} else if (r->network_id == NULL || !ids_is_uuid(r->network_id))
				return api_fail(
				    err, API_BAD_REQUEST,
				    "Bad networks format: network uuid is not in proper format "
				    "(%s)",
				    r->network_id ? r->network_id : "");
		}
	} else if (nets != NULL)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute networks.");
	json_t *sgs = json_object_get(srv, "security_groups");
	if (sgs != NULL) {
		if (!json_is_array(sgs))
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid input for field/attribute security_groups.");
		c->secgroups = arena_alloc(req->arena, (json_array_size(sgs) + 1) * sizeof(char *));
		size_t i;
		json_t *g;
		json_array_foreach(sgs, i, g)
		{
			const char *name = NULL;
			if (!json_is_object(g) || json_get_string(g, "name", true, &name, err) != 0)
				return err->kind ? -1
				                 : api_fail(err, API_BAD_REQUEST,
				                            "Invalid input for field/attribute "
				                            "security_groups.");
			c->secgroups[c->nsecgroups++] = name;
		}
	}
	if (json_object_get(srv, "personality") != NULL && mv >= 57)
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Invalid input for field/attribute server. Additional properties are "
		    "not allowed ('personality' was unexpected)");
	return 0;
}

/* The scheduler hints beside "server" (either of Nova's two names); the
 * one this scheduler knows is `group`, others are accepted and unused. */
static int hints_parse(json_t *body, struct create_args *c, struct api_error *err)
{
	json_t *h = json_object_get(body, "os:scheduler_hints");
	if (h == NULL)
		h = json_object_get(body, "OS-SCH-HNT:scheduler_hints");
	if (h == NULL)
		return 0;
	if (!json_is_object(h))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute os:scheduler_hints. Value: not "
		                "an object");
	json_t *g = json_object_get(h, "group");
	if (g == NULL)
		return 0;
	if (!json_is_string(g) || !ids_is_uuid(json_string_value(g)))
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute group. Value: %s. is not a "
		                "'uuid'",
		                json_is_string(g) ? json_string_value(g) : "(not a string)");
	c->group_id = json_string_value(g);
	return 0;
}

/* Image, flavor, key pair and zone, as the caller may use them. */
static int create_resolve(struct http_request *req, struct create_args *c, struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	const struct identity_auth *auth = identity_auth_of(req);
	if (compute_flavor_get(req, c->flavor_ref, false, &c->flavor, err) != 0)
		return api_fail(err, API_BAD_REQUEST, "Flavor %s could not be found.",
		                c->flavor_ref);
	if (!ids_is_uuid(c->image_id) ||
	    image_lookup(svc->env, req->arena, auth, c->image_id, &c->image, err) != 0)
		return api_fail(err, API_BAD_REQUEST, "Image %s could not be found.", c->image_id);
	if (strcmp(c->image.status, "active") != 0)
		return api_fail(err, API_BAD_REQUEST, "Image %s is not active.", c->image_id);
	if (compute_disk_config_for_image(&c->image, c->disk_config, &c->auto_disk_config, err) !=
	    0)
		return -1;
	long long disk_bytes = c->flavor.disk * 1024LL * 1024 * 1024;
	if (c->image.min_ram > c->flavor.ram)
		return api_fail(err, API_BAD_REQUEST,
		                "Flavor's memory is too small for requested "
		                "image.");
	if (c->flavor.disk > 0 &&
	    (c->image.min_disk > c->flavor.disk ||
	     (c->image.virtual_size > 0 && c->image.virtual_size > disk_bytes) ||
	     (c->image.size > disk_bytes)))
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Flavor's disk is too small for requested image. Flavor disk is %lld "
		    "bytes, image is %lld bytes.",
		    disk_bytes,
		    (long long)(c->image.virtual_size > 0 ? c->image.virtual_size : c->image.size));
	if (c->key_name) {
		sqlite3_stmt *st = db_stmt(SQL_KEYPAIR, err);
		if (st == NULL)
			return -1;
		db_bind_text(st, 1, auth->user_id);
		db_bind_text(st, 2, c->key_name);
		int rc = db_step(st, err);
		if (rc < 0)
			return -1;
		if (rc != SQLITE_ROW)
			return api_fail(err, API_BAD_REQUEST, "Invalid key_name provided.");
		c->key_data = arena_strdup(req->arena, db_column_text(st, 0));
		sqlite3_reset(st);
	}
	/* 2.74: a requested host and/or node (admins), which must exist and
	 * excludes the "zone:host:node" form. */
	const char *want_host = c->want_host, *want_node = c->want_node;
	if ((want_host && *want_host) || (want_node && *want_node)) {
		if (!compute_is_admin(req))
			return api_fail(err, API_FORBIDDEN,
			                "Policy doesn't allow compute:servers:create:requested_"
			                "destination to be performed.");
		if (c->zone && strchr(c->zone, ':'))
			return api_fail(err, API_BAD_REQUEST,
			                "One mechanism with host and/or hypervisor_hostname and "
			                "another mechanism with zone:host:node are mutually "
			                "exclusive.");
		const char *bad = want_host && strcmp(want_host, svc->host.name) != 0   ? want_host
		                  : want_node && strcmp(want_node, svc->host.name) != 0 ? want_node
		                                                                        : NULL;
		if (bad != NULL)
			return api_fail(err, API_BAD_REQUEST, "Compute host %s could not be found.",
			                bad);
	}
	if (c->zone && *c->zone) {
		/* "zone", "zone:host" or "zone:host:node" (admins). */
		char *z = arena_strdup(req->arena, c->zone);
		char *colon = strchr(z, ':');
		if (colon) {
			if (!compute_is_admin(req))
				return api_fail(
				    err, API_FORBIDDEN,
				    "Policy doesn't allow os_compute_api:servers:create:forced_"
				    "host to be performed.");
			*colon = '\0';
		}
		/* The zones are the host's (an aggregate's or the default). */
		char zone[256];
		if (compute_host_zone(svc, svc->host.name, zone, sizeof(zone), err) != 0)
			return -1;
		if (*z && strcmp(z, zone) != 0)
			return api_fail(err, API_BAD_REQUEST,
			                "The requested availability zone is not available");
		c->zone = *z ? z : NULL;
	} else
		c->zone = NULL;
	return 0;
}

static char *flavor_json_text(const struct compute_flavor *f)
{
	json_t *o = json_pack("{s:s,s:s,s:i,s:I,s:I,s:I,s:I,s:O}", "id", f->id, "name", f->name,
	                      "vcpus", f->vcpus, "ram", (json_int_t)f->ram, "disk",
	                      (json_int_t)f->disk, "ephemeral", (json_int_t)f->ephemeral, "swap",
	                      (json_int_t)f->swap, "extra_specs", f->extra_specs);
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/* The transaction: quota, scheduling (claims are the rows inserted with
 * the host set), rows. *count servers are created; *scheduled says they
 * got the host (else they are in ERROR with the filters' reasons). */
static int create_txn(struct http_request *req, struct create_args *c, char (*ids)[37],
                      long long *count, bool *scheduled, const char *reservation,
                      struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	const struct identity_auth *auth = identity_auth_of(req);
	char *flavor_text = flavor_json_text(&c->flavor);
	char *md_text = c->metadata ? json_dumps(c->metadata, JSON_COMPACT) : strdup("{}");
	char *tags_text = c->tags ? json_dumps(c->tags, JSON_COMPACT) : strdup("[]");
	char now[21];
	ids_time_iso(time(NULL), now);
	int rc = -1;
	if (db_begin(err) != 0)
		goto out;
	/* Nova creates as many as the quota allows, at least min_count. */
	long long n = c->max_count;
	for (; n >= c->min_count; n--) {
		struct api_error qerr = {0};
		if (compute_quota_check(svc->env->cfg, auth->project_id, (int)n, c->flavor.vcpus,
		                        c->flavor.ram, &qerr) == 0)
			break;
		if (qerr.kind != API_FORBIDDEN) {
			*err = qerr;
			goto fail;
		}
		if (n == c->min_count) {
			*err = qerr;
			goto fail;
		}
	}
	struct compute_usage used;
	if (compute_host_usage(svc->host.name, &used, err) != 0)
		goto fail;
	struct compute_demand d = {
	    .count = (int)n,
	    .vcpus = c->flavor.vcpus,
	    .ram_mb = c->flavor.ram,
	    .disk_gb = c->flavor.disk + c->flavor.ephemeral + (c->flavor.swap + 1023) / 1024,
	    .zone = c->zone,
	    .arch = c->image.properties
	                ? json_string_value(json_object_get(c->image.properties, "architecture"))
	                : NULL,
	};
	if (c->group_id != NULL &&
	    compute_server_group_claim(req, c->group_id, n, svc->host.name, &d, err) != 0)
		goto fail;
	/* The host as the filters see it now: its zone from the aggregates,
	 * read in this transaction. A server without a zone asked for gets
	 * the host's (Nova sets it when the server is scheduled). */
	struct compute_host host = svc->host;
	if (compute_host_zone(svc, host.name, host.zone, sizeof(host.zone), err) != 0)
		goto fail;
	char reason[512];
	*scheduled = compute_sched_filter(&host, &used, &d, reason, sizeof(reason)) == 0;
	const char *zone = c->zone ? c->zone : *scheduled ? host.zone : NULL;
	char *fault = NULL;
	if (!*scheduled) {
		char msg[1400];
		snprintf(msg, sizeof(msg),
		         "No valid host was found. There are not enough hosts available. "
		         "Hosts refused: %s: %s",
		         svc->host.name, reason);
		json_t *f = json_pack("{s:i,s:s,s:s,s:s}", "code", 500, "message", msg, "details",
		                      msg, "created", now);
		fault = json_dumps(f, JSON_COMPACT);
		json_decref(f);
	}
	const char *hostname = c->hostname ? c->hostname : hostname_of(req->arena, c->name);
	for (long long i = 0; i < n; i++) {
		ids_uuid4(ids[i]);
		const char *name = c->name;
		const char *hn = hostname;
		if (c->max_count > 1) {
			name = arena_printf(req->arena, "%s-%lld", c->name, i + 1);
			hn = arena_printf(req->arena, "%s-%lld", hostname, i + 1);
		}
		sqlite3_stmt *st = db_stmt(SQL_INSERT, err);
		if (st == NULL)
			goto fail;
		int k = 1;
		db_bind_text(st, k++, ids[i]);
		db_bind_text(st, k++, name);
		db_bind_text(st, k++, auth->project_id);
		db_bind_text(st, k++, auth->user_id);
		db_bind_text(st, k++, c->image_id);
		db_bind_text(st, k++, c->flavor.id);
		db_bind_text(st, k++, flavor_text);
		db_bind_text(st, k++, c->key_name);
		db_bind_text(st, k++, c->key_data);
		db_bind_text(st, k++, c->user_data);
		sqlite3_bind_int(st, k++, c->config_drive);
		db_bind_text(st, k++, zone);
		db_bind_text(st, k++, *scheduled ? svc->host.name : NULL);
		db_bind_text(st, k++, *scheduled ? "building" : "error");
		db_bind_text(st, k++, *scheduled ? "spawning" : NULL);
		db_bind_text(st, k++, c->description);
		db_bind_text(st, k++, hn);
		db_bind_text(st, k++, reservation);
		sqlite3_bind_int64(st, k++, i);
		db_bind_text(st, k++, md_text);
		db_bind_text(st, k++, tags_text);
		db_bind_text(st, k++, fault);
		db_bind_text(st, k++, now);
		db_bind_text(st, k++, now);
		db_bind_text(st, k++, c->access_ipv4);
		db_bind_text(st, k++, c->access_ipv6);
		if (db_exec_stmt(st, err) != 0 ||
		    compute_disk_config_set(ids[i], c->auto_disk_config, err) != 0 ||
		    (c->group_id && compute_server_group_add(c->group_id, ids[i], err) != 0) ||
		    (c->trusted_certs &&
		     compute_trusted_certs_store(ids[i], c->trusted_certs, err) != 0)) {
			free(fault);
			goto fail;
		}
	}
	free(fault);
	if (db_commit(err) != 0)
		goto fail;
	*count = n;
	rc = 0;
	goto out;
fail:
	db_rollback();
out:
	free(flavor_text);
	free(md_text);
	free(tags_text);
	return rc;
}

static const char SQL_DELETE_RESERVATION[] = "DELETE FROM compute_servers WHERE reservation_id = ?";

/* Ports for every new server (network.h), outside the create transaction
 * as network asks. All or nothing: on failure the ports made so far are
 * released and the servers' rows deleted (their quota with them). */
static int create_ports(struct http_request *req, struct create_args *c, char (*ids)[37],
                        long long n, const char *reservation, struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	struct net_service *ns = net_service_of(svc->env->http);
	long long done = 0;
	if (ns == NULL) {
		api_fail(err, API_NOT_IMPLEMENTED, "The network service is not running.");
		goto undo;
	}
	for (; done < n; done++) {
		struct compute_server s;
		if (compute_server_read(req->arena, ids[done], &s, err) != 0)
			goto undo;
		struct net_server_info info = {
		    .server_id = ids[done],
		    .project_id = s.project_id,
		    .hostname = s.hostname,
		    .security_groups = c->secgroups,
		    .nsecurity_groups = c->nsecgroups,
		};
		struct net_vif *vifs;
		size_t nvifs;
		if (net_server_ports_allocate(ns, &info, c->nics, c->nnics, req->arena, &vifs,
		                              &nvifs, err) != 0 ||
		    compute_device_tags_save(ids[done], c->nics, vifs, nvifs, err) != 0) {
			/* Nova: an unknown network or port in the request is a 400. */
			if (err->kind == API_NOT_FOUND) {
				char msg[sizeof(err->message)];
				snprintf(msg, sizeof(msg), "%s", err->message);
				api_fail(err, API_BAD_REQUEST, "%s", msg);
				err->status = 400;
			}
			goto undo;
		}
	}
	return 0;
undo:
	for (long long i = 0; i < done; i++) {
		struct api_error e2;
		net_server_ports_release(ns, ids[i], NULL, &e2);
	}
	struct api_error e3;
	sqlite3_stmt *st = db_stmt(SQL_DELETE_RESERVATION, &e3);
	if (st != NULL) {
		db_bind_text(st, 1, reservation);
		db_exec_stmt(st, &e3);
	}
	return -1;
}

COMPUTE_HANDLER(compute_server_create)
{
	struct compute_svc *svc = req->ctx;
	json_t *body, *srv;
	struct create_args c;
	memset(&c, 0, sizeof(c));
	if (http_body_json(req, &body, err) != 0 ||
	    json_get_object(body, "server", true, &srv, err) != 0 ||
	    create_parse(req, srv, &c, err) != 0 || hints_parse(body, &c, err) != 0 ||
	    create_resolve(req, &c, err) != 0)
		return -1;
	/* One request creates at most 1000 servers (the create loop counts
	 * down from max_count to what the quota allows). */
	if (c.max_count > 1000)
		return api_fail(err, API_FORBIDDEN,
		                "Quota exceeded for instances: Requested %lld, but at most 1000 "
		                "servers can be created by one request",
		                c.max_count);
	char(*ids)[37] = arena_alloc(req->arena, (size_t)c.max_count * 37);
	char reservation[40];
	ids_hex32(reservation + 2);
	reservation[0] = 'r';
	reservation[1] = '-';
	reservation[10] = '\0';
	long long n = 0;
	bool scheduled = false;
	if (create_txn(req, &c, ids, &n, &scheduled, reservation, err) != 0)
		return -1;
	if (scheduled && c.nnics > 0 && create_ports(req, &c, ids, n, reservation, err) != 0)
		return -1;
	for (long long i = 0; i < n; i++) {
		long long action_id = 0;
		struct api_error aerr;
		if (compute_action_start(req, ids[i], "create", &action_id, &aerr) != 0)
			log_warn("compute: action log: %s", aerr.message);
		if (!scheduled) {
			compute_action_finish(action_id, false, "No valid host was found.");
			continue;
		}
		if (compute_task_submit(svc, COMPUTE_TASK_SPAWN, ids[i], action_id, NULL, &aerr) !=
		    0) {
			log_error("compute: spawn %s not queued: %s", ids[i], aerr.message);
			compute_server_set_state(ids[i], "error", NULL, -1, &aerr);
			compute_server_set_fault(ids[i], 500, "The spawn task could not be queued.",
			                         &aerr);
		}
	}
	if (c.return_reservation_id) {
		http_reply_json(resp, 202, json_pack("{s:s}", "reservation_id", reservation));
		return 0;
	}
	char pass[13];
	char hex[33];
	ids_hex32(hex);
	memcpy(pass, hex, 12);
	pass[12] = '\0';
	json_t *o = json_pack("{s:s,s:o,s:s,s:[{s:s}],s:s}", "id", ids[0], "links",
	                      compute_links(req, "servers", ids[0]), "OS-DCF:diskConfig",
	                      c.auto_disk_config ? "AUTO" : "MANUAL", "security_groups", "name",
	                      "default", "adminPass", c.admin_pass ? c.admin_pass : pass);
	json_t *links = json_object_get(o, "links");
	http_header_set(resp, "Location",
	                json_string_value(json_object_get(json_array_get(links, 0), "href")));
	http_reply_json(resp, 202, json_pack("{s:o}", "server", o));
	return 0;
}

/* ---- list ---- */

static bool match_regex(const char *pattern, const char *value)
{
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB | REG_ICASE) != 0)
		return strstr(value, pattern) != NULL;
	bool m = regexec(&re, value, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

/* Nova's ip/ip6 filters: a regular expression matched from the start
 * (Python's re.match) against the server's fixed addresses of that
 * version; a server matches when any address does. */
static bool match_prefix_regex(const char *pattern, const char *value)
{
	regex_t re;
	regmatch_t m;
	if (regcomp(&re, pattern, REG_EXTENDED) != 0)
		return strncmp(value, pattern, strlen(pattern)) == 0;
	bool ok = regexec(&re, value, 1, &m, 0) == 0 && m.rm_so == 0;
	regfree(&re);
	return ok;
}

static bool match_ips(struct http_request *req, const char *id, const char *ip4, const char *ip6)
{
	json_t *addrs = compute_server_addresses(req, id, false);
	bool found = false;
	const char *net;
	json_t *list;
	json_object_foreach(addrs, net, list)
	{
		size_t i;
		json_t *a;
		json_array_foreach(list, i, a)
		{
			const char *addr = json_string_value(json_object_get(a, "addr"));
			int v = (int)json_integer_value(json_object_get(a, "version"));
			const char *pattern = v == 6 ? ip6 : ip4;
			if (addr && pattern && match_prefix_regex(pattern, addr))
				found = true;
		}
	}
	json_decref(addrs);
	return found;
}

/* A server of a listing and its place in the newest-first order. */
struct listed {
	struct compute_server s;
	size_t pos;
	bool hidden; /* the marker, filtered out: pages, is not shown */
};

static int listed_cmp(const void *a, const void *b, void *sort)
{
	const struct listed *x = a, *y = b;
	return compute_server_compare(sort, &x->s, x->pos, &y->s, y->pos);
}

static int server_list(struct http_request *req, struct http_response *resp, bool detail,
                       struct api_error *err)
{
	bool admin = compute_is_admin(req);
	/* Nova's is_all_tenants: present and empty or true (strict boolean,
	 * 400 otherwise); admins only (403, its get_all_tenants policy). */
	const char *all = http_query(req, "all_tenants");
	bool all_tenants = false;
	if (all != NULL) {
		all_tenants = *all == '\0';
		if (*all && !compute_bool_string(all, &all_tenants))
			return api_fail(err, API_BAD_REQUEST,
			                "Unrecognized value '%s', acceptable values are: '0', '1', "
			                "'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', "
			                "'yes'",
			                all);
		if (all_tenants && !admin)
			return api_fail(
			    err, API_FORBIDDEN,
			    "Policy doesn't allow os_compute_api:servers:%s:get_all_tenants "
			    "to be performed.",
			    detail ? "detail" : "index");
	}
	/* tenant_id/project_id filter only with all_tenants (lp:#1185290):
	 * without it the caller's own project is listed. */
	const char *project = NULL;
	if (all_tenants) {
		project = http_query(req, "project_id");
		if (project == NULL)
			project = http_query(req, "tenant_id");
	}
	const char *name = http_query(req, "name");
	const char *status = http_query(req, "status");
	const char *image = http_query(req, "image");
	const char *flavor = http_query(req, "flavor");
	const char *host = admin ? http_query(req, "host") : NULL;
	const char *since = http_query(req, "changes-since");
	const char *marker = http_query(req, "marker");
	const char *reservation = http_query(req, "reservation_id");
	/* ip: everyone; ip6: admins, and everyone from 2.5 on (Nova). */
	const char *ip4 = http_query(req, "ip");
	const char *ip6 = admin || compute_mv(req) >= 5 ? http_query(req, "ip6") : NULL;
	const char *q;
	long long limit = -1;
	if ((q = http_query(req, "limit"))) {
		char *end;
		limit = strtoll(q, &end, 10);
		if (*end || limit < 0)
			return api_fail(err, API_BAD_REQUEST, "limit param must be an integer");
	}
	double since_t = 0, before_t = 0;
	if (since && ids_time_parse(since, &since_t) != 0)
		return api_fail(err, API_BAD_REQUEST, "Invalid filter field: changes-since.");
	/* 2.66: changes-before, an updated_at at or before it. */
	const char *before = compute_mv(req) >= 66 ? http_query(req, "changes-before") : NULL;
	if (before && ids_time_parse(before, &before_t) != 0)
		return api_fail(err, API_BAD_REQUEST, "Invalid filter field: changes-before.");
	if (since && before && before_t < since_t)
		return api_fail(err, API_BAD_REQUEST,
		                "The value of changes-since must be less than or equal to "
		                "changes-before.");
	const char *vm = NULL;
	if (status) {
		vm = compute_status_vm_state(status);
		if (vm == NULL) {
			/* Nova: an unknown status is a 400 from 2.38 on; before,
			 * an empty list (for everyone). */
			if (compute_mv(req) >= 38)
				return api_fail(err, API_BAD_REQUEST, "Invalid status value");
			http_reply_json(resp, 200, json_pack("{s:[]}", "servers"));
			return 0;
		}
	}
	struct compute_server_sort sort;
	struct compute_server_filter extra;
	if (compute_server_query_check(req, err) != 0 ||
	    compute_server_sort_parse(req, &sort, err) != 0 ||
	    compute_server_filter_parse(req, &extra, err) != 0)
		return -1;
	sqlite3_stmt *st = db_stmt(all_tenants && !project ? SQL_LIST_ALL : SQL_LIST_PROJECT, err);
	if (st == NULL)
		return -1;
	if (!(all_tenants && !project))
		db_bind_text(st, 1, project ? project : compute_project(req));
	/* Every match (and the marker, which pages even when filtered out),
	 * newest first, then sorted. */
	struct listed *found = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW) {
		struct compute_server s;
		server_row(req->arena, st, &s);
		bool is_marker = marker != NULL && strcmp(s.id, marker) == 0;
		bool match = true;
		if (name && !match_regex(name, s.name))
			match = false;
		else if (status &&
		         (vm == NULL ||
		          strcasecmp(status, compute_status(s.vm_state, s.task_state)) != 0))
			match = false;
		else if (image && (s.image_id == NULL || strcmp(ref_id(image), s.image_id) != 0))
			match = false;
		else if (flavor && strcmp(ref_id(flavor), s.flavor_id) != 0)
			match = false;
		else if (host && (s.host == NULL || strcmp(host, s.host) != 0))
			match = false;
		else if (reservation && strcmp(reservation, s.reservation_id) != 0)
			match = false;
		else if (!compute_server_filter_match(&extra, &s))
			match = false;
		else if ((ip4 || ip6) && !match_ips(req, s.id, ip4, ip6))
			match = false;
		else if (since || before) {
			double u;
			if (ids_time_parse(s.updated_at, &u) == 0 &&
			    ((since && u < since_t) || (before && u > before_t)))
				match = false;
		}
		if (!match && !is_marker)
			continue;
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct listed *grown = arena_alloc(req->arena, ncap * sizeof(*grown));
			if (n)
				memcpy(grown, found, n * sizeof(*found));
			found = grown;
			cap = ncap;
		}
		found[n] = (struct listed){.s = s, .pos = n, .hidden = !match};
		n++;
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (n > 1)
		qsort_r(found, n, sizeof(*found), listed_cmp, &sort);
	size_t from = 0;
	if (marker != NULL) {
		while (from < n && strcmp(found[from].s.id, marker) != 0)
			from++;
		if (from == n)
			return api_fail(err, API_BAD_REQUEST, "marker [%s] not found", marker);
		from++;
	}
	json_t *list = json_array();
	bool more = false;
	const char *last = NULL;
	for (size_t i = from; i < n; i++) {
		const struct compute_server *sv = &found[i].s;
		if (found[i].hidden)
			continue;
		if (limit >= 0 && (long long)json_array_size(list) >= limit) {
			more = true;
			break;
		}
		last = sv->id;
		json_array_append_new(
		    list, detail ? compute_server_view(req, sv, true)
		                 : json_pack("{s:s,s:s,s:o}", "id", sv->id, "name", sv->name,
		                             "links", compute_links(req, "servers", sv->id)));
	}
	json_t *out = json_pack("{s:o}", "servers", list);
	if (more && last)
		json_object_set_new(
		    out, "servers_links",
		    json_pack("[{s:s,s:s}]", "rel", "next", "href",
		              arena_printf(req->arena,
		                           "%s/compute/v2.1/servers%s?limit=%lld&marker=%s",
		                           req->base_url, detail ? "/detail" : "", limit, last)));
	http_reply_json(resp, 200, out);
	return 0;
}

COMPUTE_HANDLER(compute_server_list)
{
	return server_list(req, resp, false, err);
}

COMPUTE_HANDLER(compute_server_detail)
{
	return server_list(req, resp, true, err);
}

COMPUTE_HANDLER(compute_server_show)
{
	struct compute_server s;
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0)
		return -1;
	http_reply_json(resp, 200,
	                json_pack("{s:o}", "server", compute_server_view_one(req, &s, true)));
	return 0;
}

COMPUTE_HANDLER(compute_server_update)
{
	struct compute_server s;
	json_t *body, *srv;
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0 ||
	    http_body_json(req, &body, err) != 0 ||
	    json_get_object(body, "server", true, &srv, err) != 0)
		return -1;
	const char *allowed[] = {"name",
	                         "accessIPv4",
	                         "accessIPv6",
	                         "OS-DCF:diskConfig",
	                         compute_mv(req) >= 19 ? "description" : "",
	                         "hostname", /* checked below */
	                         NULL};
	const char *hostname = NULL;
	if (json_only_keys(srv, allowed, "server", err) != 0 ||
	    compute_hostname_param(req, srv, "server", &hostname, err) != 0)
		return -1;
	const char *name = s.name, *desc = s.description, *v4 = s.access_ipv4, *v6 = s.access_ipv6;
	if (json_get_string(srv, "name", false, &name, err) != 0 ||
	    json_check_length("name", name, 255, err) != 0 ||
	    (json_object_get(srv, "accessIPv4") != NULL &&
	     compute_access_ip(req, srv, "accessIPv4", &v4, err) != 0) ||
	    (json_object_get(srv, "accessIPv6") != NULL &&
	     compute_access_ip(req, srv, "accessIPv6", &v6, err) != 0))
		return -1;
	const char *p = name;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || isspace((unsigned char)name[strlen(name) - 1]))
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Invalid input for field/attribute name. Value: %s. An invalid 'name' "
		    "value was provided.",
		    name);
	json_t *d = json_object_get(srv, "description");
	if (d != NULL) {
		if (json_is_null(d))
			desc = NULL;
		else if (json_get_string(srv, "description", false, &desc, err) != 0 ||
		         json_check_length("description", desc, 255, err) != 0)
			return -1;
	}
	int dc;
	if (compute_disk_config_arg(srv, &dc, err) != 0)
		return -1;
	if (dc == 1) {
		/* Checked against the server's image, as Nova's update. */
		struct image_info img;
		struct compute_svc *svc = req->ctx;
		if (s.image_id && image_lookup(svc->env, req->arena, NULL, s.image_id, &img,
		                               &(struct api_error){0}) == 0) {
			bool on;
			if (compute_disk_config_for_image(&img, dc, &on, err) != 0)
				return -1;
		}
	}
	if (dc >= 0 && compute_disk_config_set(s.id, dc == 1, err) != 0)
		return -1;
	char now[21];
	ids_time_iso(time(NULL), now);
	sqlite3_stmt *st = db_stmt(SQL_UPDATE, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, desc);
	db_bind_text(st, 3, v4);
	db_bind_text(st, 4, v6);
	db_bind_text(st, 5, hostname ? hostname : s.hostname);
	db_bind_text(st, 6, now);
	db_bind_text(st, 7, s.id);
	if (db_exec_stmt(st, err) != 0 || compute_server_load(req, s.id, &s, err) != 0)
		return -1;
	http_reply_json(
	    resp, 200,
	    json_pack("{s:o}", "server", compute_server_view_one(req, &s, compute_mv(req) >= 75)));
	return 0;
}

int compute_check_lock(struct http_request *req, const struct compute_server *s,
                       struct api_error *err)
{
	if (s->locked && !compute_is_admin(req))
		return api_fail(err, API_CONFLICT, "Instance %s is locked", s->id);
	return 0;
}

static const char SQL_SOFT_DELETE[] =
    "UPDATE compute_servers SET task_state = 'soft-deleting', deleted_at = ?, updated_at = ?"
    " WHERE id = ? AND task_state IS NULL";

/* With [compute] reclaim_instance_interval, Nova's DELETE soft-deletes a
 * server that was launched, is on a host and runs no task; any other is
 * deleted at once (as Nova falls back to delete). Soft-deleting again
 * restarts the interval. Returns 1 when soft-deleted. */
static int soft_delete(struct http_request *req, const struct compute_server *s,
                       struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	if (svc->reclaim_interval <= 0 || s->launched_at == NULL || s->host == NULL ||
	    s->task_state != NULL)
		return 0;
	char now[21];
	ids_time_iso(time(NULL), now);
	sqlite3_stmt *st = db_stmt(SQL_SOFT_DELETE, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, now);
	db_bind_text(st, 2, now);
	db_bind_text(st, 3, s->id);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	if (sqlite3_changes(db_conn(err)) == 0)
		return 0; /* a task came first: delete it */
	long long action_id = 0;
	if (compute_action_start(req, s->id, "delete", &action_id, err) != 0 ||
	    compute_task_submit(svc, COMPUTE_TASK_SOFT_DELETE, s->id, action_id, NULL, err) != 0)
		return -1;
	return 1;
}

static int server_delete(struct http_request *req, struct http_response *resp, bool force,
                         struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	struct compute_server s;
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0 ||
	    compute_check_lock(req, &s, err) != 0)
		return -1;
	if (force && s.task_state != NULL)
		return api_fail(err, API_CONFLICT,
		                "Cannot 'forceDelete' instance %s while it is in task_state %s",
		                s.id, s.task_state);
	int soft = force ? 0 : soft_delete(req, &s, err);
	if (soft < 0)
		return -1;
	if (soft > 0) {
		http_reply_empty(resp, 204);
		return 0;
	}
	char now[21];
	ids_time_iso(time(NULL), now);
	sqlite3_stmt *st = db_stmt(SQL_SET_TASK_IF, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, "deleting");
	db_bind_text(st, 2, now);
	db_bind_text(st, 3, s.id);
	if (db_exec_stmt(st, err) != 0)
		return -1;
	if (sqlite3_changes(db_conn(err)) > 0) {
		long long action_id = 0;
		if (compute_action_start(req, s.id, force ? "forceDelete" : "delete", &action_id,
		                         err) != 0 ||
		    compute_task_submit(svc, COMPUTE_TASK_DESTROY, s.id, action_id, NULL, err) != 0)
			return -1;
	}
	http_reply_empty(resp, force ? 202 : 204);
	return 0;
}

COMPUTE_HANDLER(compute_server_delete)
{
	return server_delete(req, resp, false, err);
}

COMPUTE_HANDLER(compute_server_force_delete)
{
	return server_delete(req, resp, true, err);
}

COMPUTE_HANDLER(compute_server_ips)
{
	struct compute_server s;
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0)
		return -1;
	http_reply_json(
	    resp, 200, json_pack("{s:o}", "addresses", compute_server_addresses(req, s.id, false)));
	return 0;
}
