/* os-interface: the ports of a server as Nova lists them, attached and
 * detached while the server lives. Attach asks network for the port (a new
 * one on net_id, or the user's port_id), then the driver plugs it (QEMU:
 * hot-plug over QMP, or only recorded for the next boot when the guest is
 * off); if the driver fails the port is given back. Detach unplugs first,
 * then network deletes the port it made or unbinds the user's. Both run
 * in the request (Nova's attach is synchronous too; its detach answers 202
 * before the work, ours after it), under the driver's per-guest lock. */
#include <stdio.h>
#include <string.h>

#include "compute/internal.h"
#include "core/json.h"
#include "network/network.h"
#include "service.h"

/* 2.70 adds the NIC's device tag (null when untagged). */
static json_t *attachment(struct http_request *req, const char *server_id, const struct net_vif *v)
{
	json_t *ips = json_array();
	for (size_t i = 0; i < v->nfixed_ips; i++)
		json_array_append_new(ips,
		                      json_pack("{s:s,s:s}", "subnet_id", v->fixed_ips[i].subnet_id,
		                                "ip_address", v->fixed_ips[i].ip_address));
	json_t *o = json_pack("{s:s,s:o,s:s,s:s,s:s}", "port_state", v->status, "fixed_ips", ips,
	                      "port_id", v->port_id, "net_id", v->network_id, "mac_addr", v->mac);
	if (compute_mv(req) >= 70)
		json_object_set_new(
		    o, "tag",
		    json_string_or_null(compute_device_tag_of(req->arena, server_id, v->port_id)));
	return o;
}

static int server_and_network(struct http_request *req, struct compute_server *s,
                              struct net_service **ns, struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	if (compute_server_load(req, http_param(req, "server_id"), s, err) != 0)
		return -1;
	*ns = net_service_of(svc->env->http);
	if (*ns == NULL)
		return api_fail(err, API_NOT_IMPLEMENTED, "The network service is not running.");
	return 0;
}

/* The server's vif of that port, or a 404 in Nova's words. */
static int find_vif(struct net_service *ns, struct http_request *req, const char *server_id,
                    const char *port_id, const struct net_vif **out, struct api_error *err)
{
	struct net_vif *vifs;
	size_t n;
	if (net_server_ports_list(ns, server_id, req->arena, &vifs, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(vifs[i].port_id, port_id)) {
			*out = &vifs[i];
			return 0;
		}
	}
	return api_fail(err, API_NOT_FOUND, "Port %s is not attached", port_id);
}

/* Nova: attach/detach in ACTIVE, PAUSED and STOPPED, with no task running. */
static int check_state(struct http_request *req, const struct compute_server *s, const char *action,
                       struct api_error *err)
{
	if (compute_check_lock(req, s, err) != 0)
		return -1;
	if (s->task_state)
		return api_fail(err, API_CONFLICT,
		                "Cannot '%s' instance %s while it is in task_state %s", action,
		                s->id, s->task_state);
	if (strcmp(s->vm_state, "active") && strcmp(s->vm_state, "paused") &&
	    strcmp(s->vm_state, "stopped"))
		return api_fail(err, API_CONFLICT,
		                "Cannot '%s' instance %s while it is in vm_state %s", action, s->id,
		                s->vm_state);
	return 0;
}

COMPUTE_HANDLER(compute_interface_list)
{
	struct compute_server s;
	struct net_service *ns;
	struct net_vif *vifs;
	size_t n;
	if (server_and_network(req, &s, &ns, err) != 0 ||
	    net_server_ports_list(ns, s.id, req->arena, &vifs, &n, err) != 0)
		return -1;
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, attachment(req, s.id, &vifs[i]));
	http_reply_json(resp, 200, json_pack("{s:o}", "interfaceAttachments", list));
	return 0;
}

COMPUTE_HANDLER(compute_interface_show)
{
	struct compute_server s;
	struct net_service *ns;
	const struct net_vif *v;
	if (server_and_network(req, &s, &ns, err) != 0 ||
	    find_vif(ns, req, s.id, http_param(req, "port_id"), &v, err) != 0)
		return -1;
	http_reply_json(resp, 200,
	                json_pack("{s:o}", "interfaceAttachment", attachment(req, s.id, v)));
	return 0;
}

/* The body's NIC request: port_id, or net_id with at most one fixed IP, or
 * neither (network picks the project's network, as Nova does). */
static int parse_nic(struct http_request *req, struct net_nic_request *nic, struct api_error *err)
{
	json_t *body, *att, *ips = NULL;
	if (http_body_json(req, &body, err) != 0 ||
	    json_get_object(body, "interfaceAttachment", true, &att, err) != 0)
		return -1;
	const char *allowed[] = {"port_id", "net_id", "fixed_ips",
	                         compute_mv(req) >= 49 ? "tag" : NULL, NULL};
	memset(nic, 0, sizeof(*nic));
	if (json_only_keys(att, allowed, "interfaceAttachment", err) != 0 ||
	    json_get_string(att, "port_id", false, &nic->port_id, err) != 0 ||
	    json_get_string(att, "net_id", false, &nic->network_id, err) != 0 ||
	    json_get_array(att, "fixed_ips", false, &ips, err) != 0 ||
	    json_get_string(att, "tag", false, &nic->tag, err) != 0)
		return -1;
	if (nic->port_id && nic->network_id)
		return api_fail(err, API_BAD_REQUEST, "Must not input both network_id and port_id");
	if (ips && json_array_size(ips) > 0) {
		json_t *ip = json_array_get(ips, 0);
		const char *addr = NULL;
		if (json_array_size(ips) > 1 || !json_is_object(ip) ||
		    json_get_string(ip, "ip_address", true, &addr, err) != 0)
			return api_fail(err, API_BAD_REQUEST,
			                "fixed_ips must be one object with an ip_address");
		if (!nic->network_id)
			return api_fail(err, API_BAD_REQUEST,
			                "fixed_ips requires net_id (Nova: Invalid input)");
		nic->fixed_ip = addr;
	}
	nic->autoselect = !nic->port_id && !nic->network_id;
	return 0;
}

static struct compute_nic driver_nic(struct arena *a, const struct net_vif *v)
{
	const char **ips = arena_alloc(a, (v->nfixed_ips + 1) * sizeof(char *));
	for (size_t k = 0; k < v->nfixed_ips; k++)
		ips[k] = v->fixed_ips[k].ip_address;
	return (struct compute_nic){
	    .port_id = v->port_id,
	    .mac = v->mac,
	    .tap = v->tap,
	    .bridge = v->plugged ? v->bridge : NULL,
	    .mtu = (int)v->mtu,
	    .fixed_ips = ips,
	    .nfixed_ips = v->nfixed_ips,
	};
}

COMPUTE_HANDLER(compute_interface_attach)
{
	struct compute_svc *svc = req->ctx;
	struct compute_server s;
	struct net_service *ns;
	struct net_nic_request nic;
	struct net_vif *vifs;
	size_t n;
	long long action_id = 0;
	if (server_and_network(req, &s, &ns, err) != 0 || parse_nic(req, &nic, err) != 0 ||
	    check_state(req, &s, "attach_interface", err) != 0)
		return -1;
	if (svc->drv->attach_nic == NULL)
		return api_fail(err, API_NOT_IMPLEMENTED, "The %s driver cannot attach interfaces.",
		                svc->drv->name);
	struct net_server_info info = {
	    .server_id = s.id, .project_id = s.project_id, .hostname = s.hostname};
	if (net_server_ports_allocate(ns, &info, &nic, 1, req->arena, &vifs, &n, err) != 0) {
		if (err->kind == API_NOT_FOUND && !nic.port_id) {
			/* an unknown net_id is the request's fault, as in create */
			char msg[sizeof(err->message)];
			snprintf(msg, sizeof(msg), "%s", err->message);
			api_fail(err, API_BAD_REQUEST, "%s", msg);
		}
		return -1;
	}
	if (compute_device_tags_save(s.id, &nic, vifs, 1, err) != 0 ||
	    compute_action_start(req, s.id, "attach_interface", &action_id, err) != 0)
		goto give_back;
	struct compute_nic dn = driver_nic(req->arena, &vifs[0]);
	if (svc->drv->attach_nic(svc->drv_state, s.id, &dn, err) != 0) {
		compute_action_finish(action_id, false, err->message);
		goto give_back;
	}
	compute_action_finish(action_id, true, NULL);
	http_reply_json(resp, 200,
	                json_pack("{s:o}", "interfaceAttachment", attachment(req, s.id, &vifs[0])));
	return 0;
give_back:;
	struct api_error e2 = {0};
	net_server_ports_release(ns, s.id, vifs[0].port_id, &e2);
	return -1;
}

COMPUTE_HANDLER(compute_interface_detach)
{
	struct compute_svc *svc = req->ctx;
	struct compute_server s;
	struct net_service *ns;
	const struct net_vif *v;
	long long action_id = 0;
	if (server_and_network(req, &s, &ns, err) != 0 ||
	    find_vif(ns, req, s.id, http_param(req, "port_id"), &v, err) != 0 ||
	    check_state(req, &s, "detach_interface", err) != 0)
		return -1;
	if (svc->drv->detach_nic == NULL)
		return api_fail(err, API_NOT_IMPLEMENTED, "The %s driver cannot detach interfaces.",
		                svc->drv->name);
	if (compute_action_start(req, s.id, "detach_interface", &action_id, err) != 0)
		return -1;
	if (svc->drv->detach_nic(svc->drv_state, s.id, v->port_id, err) != 0 ||
	    net_server_ports_release(ns, s.id, v->port_id, err) != 0) {
		compute_action_finish(action_id, false, err->message);
		return -1;
	}
	compute_action_finish(action_id, true, NULL);
	compute_device_tag_forget(s.id, v->port_id);
	http_reply_empty(resp, 202);
	return 0;
}
