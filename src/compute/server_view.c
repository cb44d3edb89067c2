/* The Nova representation of a server for a request's microversion: the
 * basic view (update, rebuild before 2.75), the detail view (show, list
 * detail) with OS-EXT-* fields (OS-EXT-SRV-ATTR only for admins), the
 * embedded flavor from 2.47, and faults on ERROR. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/json.h"
#include "network/network.h"
#include "service.h"

const char *compute_host_id(struct http_request *req, const char *project_id, const char *host)
{
	if (host == NULL || project_id == NULL)
		return "";
	/* Nova: sha224(project_id + host), hex. */
	char in[512];
	snprintf(in, sizeof(in), "%s%s", project_id, host);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_Digest(in, strlen(in), md, &n, EVP_sha224(), NULL);
	char *hex = arena_alloc(req->arena, 2 * n + 1);
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return hex;
}

static json_t *flavor_embedded(struct http_request *req, const struct compute_server *s)
{
	if (compute_mv(req) >= 47) {
		json_t *f = s->flavor;
		json_t *o = json_pack(
		    "{s:O,s:O,s:O,s:O,s:O,s:O}", "original_name", json_object_get(f, "name"),
		    "vcpus", json_object_get(f, "vcpus"), "ram", json_object_get(f, "ram"), "disk",
		    json_object_get(f, "disk"), "ephemeral", json_object_get(f, "ephemeral"),
		    "swap", json_object_get(f, "swap"));
		json_t *specs = json_object_get(f, "extra_specs");
		json_object_set_new(o, "extra_specs", specs ? json_incref(specs) : json_object());
		return o;
	}
	json_t *links = compute_links(req, "flavors", s->flavor_id);
	json_t *o = json_pack("{s:s,s:[O]}", "id", s->flavor_id, "links", json_array_get(links, 1));
	json_decref(links);
	return o;
}

static json_t *image_ref(struct http_request *req, const struct compute_server *s)
{
	if (s->image_id == NULL || s->image_id[0] == '\0')
		return json_string("");
	json_t *links = compute_links(req, "images", s->image_id);
	json_t *o = json_pack("{s:s,s:[O]}", "id", s->image_id, "links", json_array_get(links, 1));
	json_decref(links);
	return o;
}

json_t *compute_server_addresses(struct http_request *req, const char *id, bool detail)
{
	struct compute_svc *svc = req->ctx;
	struct net_service *ns = net_service_of(svc->env->http);
	json_t *out = json_object();
	struct net_vif *vifs = NULL;
	size_t n = 0;
	struct api_error err;
	if (ns == NULL || net_server_ports_list(ns, id, req->arena, &vifs, &n, &err) != 0)
		return out;
	for (size_t i = 0; i < n; i++) {
		const char *net =
		    vifs[i].network_name[0] ? vifs[i].network_name : vifs[i].network_id;
		json_t *list = json_object_get(out, net);
		if (list == NULL) {
			list = json_array();
			json_object_set_new(out, net, list);
		}
		for (size_t k = 0; k < vifs[i].nfixed_ips; k++) {
			json_t *a = json_pack("{s:s,s:i}", "addr", vifs[i].fixed_ips[k].ip_address,
			                      "version", vifs[i].fixed_ips[k].ip_version);
			if (detail) {
				json_object_set_new(a, "OS-EXT-IPS:type", json_string("fixed"));
				json_object_set_new(a, "OS-EXT-IPS-MAC:mac_addr",
				                    json_string(vifs[i].mac));
			}
			json_array_append_new(list, a);
			/* Nova lists a fixed address's floating IPs right after it. */
			json_t *fips, *f;
			size_t j;
			if (net_port_floating_ips(ns, vifs[i].port_id, req->arena, &fips, &err) !=
			    0)
				continue;
			json_array_foreach(fips, j, f)
			{
				if (strcmp(
				        json_string_value(json_object_get(f, "fixed_ip_address")),
				        vifs[i].fixed_ips[k].ip_address))
					continue;
				a = json_pack("{s:O,s:i}", "addr",
				              json_object_get(f, "floating_ip_address"), "version",
				              4);
				if (detail) {
					json_object_set_new(a, "OS-EXT-IPS:type",
					                    json_string("floating"));
					json_object_set_new(a, "OS-EXT-IPS-MAC:mac_addr",
					                    json_string(vifs[i].mac));
				}
				json_array_append_new(list, a);
			}
		}
	}
	return out;
}

json_t *compute_server_view_one(struct http_request *req, const struct compute_server *s,
                                bool detail)
{
	json_t *o = compute_server_view(req, s, detail);
	if (compute_mv(req) >= 71)
		json_object_set_new(o, "server_groups", compute_server_groups_of(s->id));
	return o;
}

json_t *compute_server_view(struct http_request *req, const struct compute_server *s, bool detail)
{
	int mv = compute_mv(req);
	const char *status = compute_status(s->vm_state, s->task_state);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(s->id));
	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "tenant_id", json_string(s->project_id));
	json_object_set_new(o, "user_id", json_string(s->user_id));
	json_object_set_new(o, "metadata", json_incref(s->metadata));
	json_object_set_new(o, "hostId", json_string(compute_host_id(req, s->project_id, s->host)));
	json_object_set_new(o, "image", image_ref(req, s));
	json_t *fl = flavor_embedded(req, s);
	json_object_set_new(o, "flavor", fl);
	json_object_set_new(o, "created", json_string(s->created_at));
	json_object_set_new(o, "updated", json_string(s->updated_at));
	json_object_set_new(o, "addresses", compute_server_addresses(req, s->id, detail));
	json_object_set_new(o, "accessIPv4", json_string(s->access_ipv4));
	json_object_set_new(o, "accessIPv6", json_string(s->access_ipv6));
	json_object_set_new(o, "links", compute_links(req, "servers", s->id));
	json_object_set_new(o, "OS-DCF:diskConfig",
	                    json_string(s->auto_disk_config ? "AUTO" : "MANUAL"));
	if (strcmp(status, "ACTIVE") == 0 || strcmp(status, "BUILD") == 0 ||
	    strcmp(status, "REBUILD") == 0 || strcmp(status, "RESIZE") == 0 ||
	    strcmp(status, "VERIFY_RESIZE") == 0 || strcmp(status, "MIGRATING") == 0)
		json_object_set_new(o, "progress",
		                    json_integer(strcmp(status, "ACTIVE") == 0 ? 100 : 0));
	if (s->fault && (strcmp(status, "ERROR") == 0 || strcmp(status, "DELETED") == 0)) {
		json_t *f = json_deep_copy(s->fault);
		/* details (the traceback in Nova) only for admins. */
		if (!compute_is_admin(req))
			json_object_del(f, "details");
		json_object_set_new(o, "fault", f);
	}
	if (mv >= 9)
		json_object_set_new(o, "locked", json_boolean(s->locked));
	if (mv >= 19)
		json_object_set_new(o, "description", json_string_or_null(s->description));
	if (mv >= 26)
		json_object_set_new(o, "tags", json_incref(s->tags));
	if (mv >= 63)
		json_object_set_new(o, "trusted_image_certificates",
		                    compute_trusted_certs_view(s->id));
	if (mv >= 73)
		json_object_set_new(o, "locked_reason",
		                    json_string_or_null(s->locked ? s->locked_reason : NULL));
	if (!detail)
		return o;
	json_object_set_new(o, "key_name", json_string_or_null(s->key_name));
	json_object_set_new(o, "config_drive", json_string(s->config_drive ? "True" : ""));
	json_object_set_new(o, "OS-EXT-AZ:availability_zone",
	                    json_string(s->availability_zone ? s->availability_zone : ""));
	json_object_set_new(o, "OS-SRV-USG:launched_at", json_string_or_null(s->launched_at));
	json_object_set_new(o, "OS-SRV-USG:terminated_at", json_null());
	json_object_set_new(o, "OS-EXT-STS:vm_state", json_string(s->vm_state));
	json_object_set_new(o, "OS-EXT-STS:task_state", json_string_or_null(s->task_state));
	json_object_set_new(o, "OS-EXT-STS:power_state", json_integer(s->power_state));
	json_object_set_new(o, "os-extended-volumes:volumes_attached", json_array());
	/* The groups of its ports by name, left out when it has none (Nova). */
	struct net_service *ns = net_service_of(((struct compute_svc *)req->ctx)->env->http);
	json_t *groups = NULL;
	struct api_error ignored = {0};
	if (ns != NULL &&
	    net_server_security_groups(ns, s->id, req->arena, &groups, &ignored) == 0 &&
	    json_array_size(groups) > 0) {
		json_t *names = json_array();
		size_t i;
		json_t *g;
		json_array_foreach(groups, i, g) json_array_append_new(
		    names, json_pack("{s:O}", "name", json_object_get(g, "name")));
		json_object_set_new(o, "security_groups", names);
	}
	if (compute_is_admin(req)) {
		struct compute_svc *svc = req->ctx;
		json_object_set_new(o, "OS-EXT-SRV-ATTR:host", json_string_or_null(s->host));
		json_object_set_new(o, "OS-EXT-SRV-ATTR:hypervisor_hostname",
		                    json_string_or_null(s->host ? svc->host.name : NULL));
		json_object_set_new(o, "OS-EXT-SRV-ATTR:instance_name",
		                    json_string(arena_printf(req->arena, "instance-%s", s->id)));
		if (mv >= 3) {
			json_object_set_new(o, "OS-EXT-SRV-ATTR:reservation_id",
			                    json_string(s->reservation_id));
			json_object_set_new(o, "OS-EXT-SRV-ATTR:launch_index",
			                    json_integer(s->launch_index));
			json_object_set_new(o, "OS-EXT-SRV-ATTR:kernel_id", json_string(""));
			json_object_set_new(o, "OS-EXT-SRV-ATTR:ramdisk_id", json_string(""));
			json_object_set_new(o, "OS-EXT-SRV-ATTR:hostname",
			                    json_string(s->hostname));
			json_object_set_new(o, "OS-EXT-SRV-ATTR:root_device_name",
			                    json_string("/dev/vda"));
			json_object_set_new(o, "OS-EXT-SRV-ATTR:user_data",
			                    json_string_or_null(s->user_data));
		}
		if (mv >= 16)
			json_object_set_new(o, "host_status", json_string(s->host ? "UP" : ""));
	} else if (mv >= 90) {
		/* 2.90 shows everyone the hostname. */
		json_object_set_new(o, "OS-EXT-SRV-ATTR:hostname", json_string(s->hostname));
	}
	return o;
}
