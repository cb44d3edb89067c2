/* os-hosts (admin, microversions below 2.43; 404 from there on): the hosts
 * of the service records, a host's resources (total, used now, the
 * servers' sum and per project), and the host updates and power actions,
 * which Nova's libvirt driver does not implement (501, as Nova answers). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"

static const char SQL_HOST_SERVERS[] =
    "SELECT id, name, project_id, json_extract(flavor, '$.vcpus'), json_extract(flavor, '$.ram'),"
    " json_extract(flavor, '$.disk') + json_extract(flavor, '$.ephemeral')"
    " FROM compute_servers WHERE host = ? ORDER BY seq";

int compute_host_servers(struct http_request *req, const char *host, json_t **out,
                         struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_HOST_SERVERS, err);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, host);
	json_t *list = json_array();
	int rc;
	while ((rc = db_step(st, err)) == SQLITE_ROW)
		json_array_append_new(
		    list,
		    json_pack("{s:s,s:s,s:s,s:I,s:I,s:I}", "id", db_column_text(st, 0), "name",
		              db_column_text(st, 1), "project_id", db_column_text(st, 2), "vcpus",
		              (json_int_t)sqlite3_column_int64(st, 3), "ram",
		              (json_int_t)sqlite3_column_int64(st, 4), "disk",
		              (json_int_t)sqlite3_column_int64(st, 5)));
	sqlite3_reset(st);
	if (rc < 0) {
		json_decref(list);
		return -1;
	}
	(void)req;
	*out = list;
	return 0;
}

/* 404 from 2.43 for everyone (Nova's router decides before the policy),
 * below it admins only. */
static int removed(struct http_request *req, struct api_error *err)
{
	if (compute_removed_api(req, "os-hosts"))
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	if (!compute_is_admin(req))
		return api_fail(err, API_FORBIDDEN, "Policy doesn't allow %s %s to be performed.",
		                req->method, req->subpath);
	return 0;
}

/* Only a compute host is mapped to a cell in Nova: the scheduler's and
 * conductor's hosts are not "hosts" for show, update or power actions. */
static int compute_host(struct http_request *req, const char *name, struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	if (strcmp(name, svc->host.name) != 0 || !compute_service_exists(req))
		return api_fail(err, API_NOT_FOUND, "Host '%s' is not mapped to any cell", name);
	return 0;
}

COMPUTE_HANDLER(compute_os_hosts_list)
{
	if (removed(req, err) != 0)
		return -1;
	const char *zone = http_query(req, "zone");
	json_t *services;
	if (compute_services(req, &services, err) != 0)
		return -1;
	/* Enabled services only, by their topic (binary without "nova-"). */
	json_t *hosts = json_array();
	size_t i;
	json_t *s;
	json_array_foreach(services, i, s)
	{
		const char *binary = json_string_value(json_object_get(s, "binary"));
		const char *szone = json_string_value(json_object_get(s, "zone"));
		if (strcmp(json_string_value(json_object_get(s, "status")), "enabled") != 0)
			continue;
		if (zone && *zone && strcmp(zone, szone) != 0)
			continue;
		json_array_append_new(hosts, json_pack("{s:O,s:s,s:s}", "host_name",
		                                       json_object_get(s, "host"), "service",
		                                       binary + 5, "zone", szone));
	}
	json_decref(services);
	http_reply_json(resp, 200, json_pack("{s:o}", "hosts", hosts));
	return 0;
}

static json_t *resource(const char *host, const char *project, json_int_t cpu, json_int_t mem,
                        json_int_t disk)
{
	return json_pack("{s:{s:s,s:s,s:I,s:I,s:I}}", "resource", "host", host, "project", project,
	                 "cpu", cpu, "memory_mb", mem, "disk_gb", disk);
}

COMPUTE_HANDLER(compute_os_hosts_show)
{
	struct compute_svc *svc = req->ctx;
	const struct compute_host *h = &svc->host;
	const char *name = http_param(req, "host_name");
	if (removed(req, err) != 0 || compute_host(req, name, err) != 0)
		return -1;
	struct compute_usage u = {0};
	json_t *servers;
	if (compute_host_usage(h->name, &u, err) != 0 ||
	    compute_host_servers(req, h->name, &servers, err) != 0)
		return -1;
	json_t *list = json_array();
	json_array_append_new(list, resource(name, "(total)", h->vcpus, h->ram_mb, h->disk_gb));
	json_array_append_new(
	    list, resource(name, "(used_now)", u.vcpus, u.ram_mb + h->reserved_ram_mb, u.disk_gb));
	/* The servers' flavors, in sum and per project (Nova's used_max). */
	json_int_t cpu = 0, mem = 0, disk = 0;
	json_t *projects = json_object(), *order = json_array();
	size_t i;
	json_t *s;
	json_array_foreach(servers, i, s)
	{
		json_int_t c = json_integer_value(json_object_get(s, "vcpus"));
		json_int_t m = json_integer_value(json_object_get(s, "ram"));
		json_int_t d = json_integer_value(json_object_get(s, "disk"));
		cpu += c, mem += m, disk += d;
		const char *p = json_string_value(json_object_get(s, "project_id"));
		json_t *r = json_object_get(projects, p);
		if (r == NULL) {
			r = json_pack("{s:I,s:I,s:I}", "cpu", (json_int_t)0, "memory_mb",
			              (json_int_t)0, "disk_gb", (json_int_t)0);
			json_object_set_new(projects, p, r);
			json_array_append_new(order, json_string(p));
		}
		json_object_set_new(
		    r, "cpu", json_integer(json_integer_value(json_object_get(r, "cpu")) + c));
		json_object_set_new(
		    r, "memory_mb",
		    json_integer(json_integer_value(json_object_get(r, "memory_mb")) + m));
		json_object_set_new(
		    r, "disk_gb",
		    json_integer(json_integer_value(json_object_get(r, "disk_gb")) + d));
	}
	json_array_append_new(list, resource(name, "(used_max)", cpu, mem, disk));
	json_t *p;
	json_array_foreach(order, i, p)
	{
		json_t *r = json_object_get(projects, json_string_value(p));
		json_array_append_new(list,
		                      resource(name, json_string_value(p),
		                               json_integer_value(json_object_get(r, "cpu")),
		                               json_integer_value(json_object_get(r, "memory_mb")),
		                               json_integer_value(json_object_get(r, "disk_gb"))));
	}
	json_decref(projects);
	json_decref(order);
	json_decref(servers);
	http_reply_json(resp, 200, json_pack("{s:o}", "host", list));
	return 0;
}

/* Nova's schema: status and maintenance_mode, each enable or disable (in
 * lower, Capitalised or UPPER case), nothing else. */
static int check_mode(json_t *body, const char *field, const char **out, struct api_error *err)
{
	static const char *const ok[] = {"enable",  "disable", "Enable",
	                                 "Disable", "ENABLE",  "DISABLE"};
	json_t *v = json_object_get(body, field);
	*out = NULL;
	if (v == NULL)
		return 0;
	for (size_t i = 0; json_is_string(v) && i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(json_string_value(v), ok[i]) == 0) {
			*out = ok[i];
			return 0;
		}
	return api_fail(err, API_BAD_REQUEST,
	                "Invalid input for field/attribute %s. Value: %s. It is not one of "
	                "['enable', 'disable', 'Enable', 'Disable', 'ENABLE', 'DISABLE']",
	                field, json_is_string(v) ? json_string_value(v) : "None");
}

COMPUTE_HANDLER(compute_os_hosts_update)
{
	const char *name = http_param(req, "host_name");
	json_t *body;
	if (removed(req, err) != 0 || http_body_json(req, &body, err) != 0)
		return -1;
	if (!json_is_object(body))
		return api_fail(err, API_BAD_REQUEST, "The request body must be an object.");
	static const char *const allowed[] = {"status", "maintenance_mode", NULL};
	const char *status, *maint;
	if (json_only_keys(body, allowed, "body", err) != 0 ||
	    check_mode(body, "status", &status, err) != 0 ||
	    check_mode(body, "maintenance_mode", &maint, err) != 0)
		return -1;
	/* Nothing asked: Nova answers the host name alone. */
	if (status == NULL && maint == NULL) {
		http_reply_json(resp, 200, json_pack("{s:s}", "host", name));
		return 0;
	}
	if (compute_host(req, name, err) != 0)
		return -1;
	/* Nova asks the compute service, whose libvirt driver implements
	 * neither set_host_enabled nor host_maintenance_mode (os-services
	 * PUT is the way to disable a host). */
	return api_fail(err, API_NOT_IMPLEMENTED, "The requested functionality is not supported.");
}

static int power_action(struct http_request *req, struct api_error *err)
{
	if (removed(req, err) != 0 || compute_host(req, http_param(req, "host_name"), err) != 0)
		return -1;
	/* libvirt's host_power_action is not implemented in Nova either. */
	return api_fail(err, API_NOT_IMPLEMENTED, "The requested functionality is not supported.");
}

COMPUTE_HANDLER(compute_os_hosts_reboot)
{
	(void)resp;
	return power_action(req, err);
}

COMPUTE_HANDLER(compute_os_hosts_shutdown)
{
	(void)resp;
	return power_action(req, err);
}

COMPUTE_HANDLER(compute_os_hosts_startup)
{
	(void)resp;
	return power_action(req, err);
}
