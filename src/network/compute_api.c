/* network.h for compute: ports for a server's NICs (created or bound in
 * one transaction, then wired in the kernel before returning), their
 * release, the server's security groups, network_data.json and the
 * metadata lookup. Ports network creates for a server are remembered in
 * net_meta ("nova-port:<port id>") so release deletes exactly those. */
#include <stdio.h>
#include <string.h>

#include "core/db.h"
#include "core/log.h"
#include "network/api.h"
#include "network/dataplane/dp.h"
#include "network/quota.h"
#include "network/subnet.h"

static bool usable_by(json_t *net, const char *project)
{
	const char *owner = net_str(net, "project_id");
	return (owner && !strcmp(owner, project)) || net_bool(net, "shared", false);
}

/* Nova's `auto`: the project's only network, else the only shared one. */
static int auto_network(struct arena *a, const char *project, const char **out,
                        struct api_error *err)
{
	json_t *nets;
	if (net_obj_list(a, "network", &nets, err) != 0)
		return -1;
	const char *own = NULL, *shared = NULL;
	int nown = 0, nshared = 0;
	size_t i;
	json_t *n;
	json_array_foreach(nets, i, n)
	{
		if (net_bool(n, "router:external", false))
			continue;
		const char *o = net_str(n, "project_id");
		if (o && !strcmp(o, project)) {
			own = net_str(n, "id");
			nown++;
		} else if (net_bool(n, "shared", false)) {
			shared = net_str(n, "id");
			nshared++;
		}
	}
	if (nown == 1) {
		*out = own;
		return 0;
	}
	if (nown == 0 && nshared == 1) {
		*out = shared;
		return 0;
	}
	return api_fail(err, API_BAD_REQUEST,
	                "Unable to automatically allocate a network for project %s: %s.", project,
	                nown + nshared ? "more than one network is available, choose one"
	                               : "no network is available");
}

static json_t *server_ports(struct arena *a, json_t *all, const char *server_id)
{
	json_t *out = net_own(a, json_array());
	size_t i;
	json_t *p;
	json_array_foreach(all, i, p)
	{
		const char *dev = net_str(p, "device_id"), *own = net_str(p, "device_owner");
		if (dev && own && !strcmp(dev, server_id) && !strncmp(own, "compute:", 8))
			json_array_append(out, p);
	}
	return out;
}

static const char *nova_key(struct arena *a, const char *port_id)
{
	return arena_printf(a, "nova-port:%s", port_id);
}

/* Binds (or creates) the port of one NIC. */
static int bind_nic(struct net_service *ns, struct arena *a, const struct net_server_info *srv,
                    const struct net_nic_request *nic, json_t **port, struct api_error *err)
{
	const char *host = srv->host ? srv->host : "stackd";
	if (nic->port_id) {
		json_t *p;
		if (net_obj_get(a, "port", nic->port_id, &p, err) != 0)
			return -1;
		const char *owner = net_str(p, "project_id"), *dev = net_str(p, "device_id");
		if (owner && strcmp(owner, srv->project_id))
			return net_not_found("port", nic->port_id, err);
		if (dev && *dev)
			return api_fail_typed(err, API_CONFLICT, "PortInUse",
			                      "Port %s is still in use.", nic->port_id);
		json_object_set_new(p, "device_id", json_string(srv->server_id));
		json_object_set_new(p, "device_owner", json_string("compute:nova"));
		json_object_set_new(p, "binding:host_id", json_string(host));
		json_object_set_new(p, "binding:vif_type", json_string("bridge"));
		json_object_set_new(p, "status", json_string("ACTIVE"));
		net_stamp_update(p);
		if (net_obj_put("port", p, err) != 0)
			return -1;
		*port = p;
		return 0;
	}
	const char *nid = nic->network_id;
	if (nic->autoselect && auto_network(a, srv->project_id, &nid, err) != 0)
		return -1;
	if (!nid)
		return api_fail(err, API_BAD_REQUEST, "A NIC needs a port, a network or auto.");
	json_t *net;
	if (net_obj_get(a, "network", nid, &net, err) != 0)
		return -1;
	if (!usable_by(net, srv->project_id))
		return net_not_found("network", nid, err);
	json_t *in = net_own(a, json_pack("{s:s,s:s,s:s,s:s}", "network_id", nid, "device_owner",
	                                  "compute:nova", "device_id", srv->server_id,
	                                  "binding:host_id", host));
	if (nic->fixed_ip)
		json_object_set_new(in, "fixed_ips",
		                    json_pack("[{s:s}]", "ip_address", nic->fixed_ip));
	/* As Nova does with DNS integration: the guest's DHCP host name. */
	if (srv->hostname && *srv->hostname)
		json_object_set_new(in, "dns_name", json_string(srv->hostname));
	if (srv->nsecurity_groups && net_bool(net, "port_security_enabled", true)) {
		json_t *g = json_array();
		for (size_t i = 0; i < srv->nsecurity_groups; i++)
			json_array_append_new(g, json_string(srv->security_groups[i]));
		json_object_set_new(in, "security_groups", g);
	}
	/* Names of groups resolve as the API does: go through the same code. */
	if (net_port_create_doc(ns, NULL, a, in, srv->project_id, true, port, err) != 0)
		return -1;
	/* Trusted creation copies security_groups as given: resolve names. */
	json_t *sgs = json_object_get(*port, "security_groups");
	json_t *all;
	if (net_obj_list(a, "security_group", &all, err) != 0)
		return -1;
	json_t *ids = json_array();
	size_t i, j;
	json_t *g, *sg;
	json_array_foreach(sgs, i, g)
	{
		const char *want = json_string_value(g), *found = NULL;
		json_array_foreach(all, j, sg)
		{
			const char *o = net_str(sg, "project_id");
			if (!strcmp(net_str(sg, "id"), want))
				found = net_str(sg, "id");
			else if (!found && o && !strcmp(o, srv->project_id) &&
			         !strcmp(net_str(sg, "name"), want))
				found = net_str(sg, "id");
		}
		if (!found) {
			json_decref(ids);
			return api_fail_typed(err, API_BAD_REQUEST, "SecurityGroupNotFound",
			                      "Security group %s not found.", want);
		}
		json_array_append_new(ids, json_string(found));
	}
	json_object_set_new(*port, "security_groups", ids);
	if (net_obj_put("port", *port, err) != 0 ||
	    net_meta_set(nova_key(a, net_str(*port, "id")), srv->server_id, err) != 0)
		return -1;
	return 0;
}

/* Fills one vif from a port and its network's subnets. */
static int fill_vif(struct net_service *ns, struct arena *a, json_t *port, size_t index,
                    struct net_vif *v, struct api_error *err)
{
	json_t *net, *subnets;
	const char *nid = net_str(port, "network_id");
	if (net_obj_get(a, "network", nid, &net, err) != 0 ||
	    net_subnets_of(a, nid, &subnets, err) != 0)
		return -1;
	memset(v, 0, sizeof(*v));
	snprintf(v->port_id, sizeof(v->port_id), "%s", net_str(port, "id"));
	snprintf(v->network_id, sizeof(v->network_id), "%s", nid);
	snprintf(v->network_name, sizeof(v->network_name), "%s",
	         net_str(net, "name") ? net_str(net, "name") : "");
	snprintf(v->mac, sizeof(v->mac), "%s", net_str(port, "mac_address"));
	snprintf(v->status, sizeof(v->status), "%s",
	         net_str(port, "status") ? net_str(port, "status") : "DOWN");
	net_dp_names(v->port_id, "tap", v->tap);
	net_dp_bridge_of(ns, net, v->bridge);
	v->mtu = (unsigned)json_integer_value(json_object_get(net, "mtu"));
	v->plugged = ns->cfg.dataplane;
	json_t *links = json_array(), *networks = json_array(), *services = json_array();
	json_array_append_new(links, json_pack("{s:s,s:s,s:s,s:i,s:s}", "id", v->tap, "vif_id",
	                                       v->port_id, "type", "bridge", "mtu", (int)v->mtu,
	                                       "ethernet_mac_address", v->mac));
	size_t i, j;
	json_t *f, *s;
	json_array_foreach(json_object_get(port, "fixed_ips"), i, f)
	{
		if (v->nfixed_ips >= NET_MAX_FIXED_IPS)
			break;
		struct net_fixed_ip *fx = &v->fixed_ips[v->nfixed_ips++];
		snprintf(fx->subnet_id, sizeof(fx->subnet_id), "%s", net_str(f, "subnet_id"));
		snprintf(fx->ip_address, sizeof(fx->ip_address), "%s", net_str(f, "ip_address"));
		json_t *subnet = NULL;
		json_array_foreach(subnets, j, s) if (!strcmp(net_str(s, "id"), fx->subnet_id))
		    subnet = s;
		if (!subnet)
			continue;
		struct net_cidr c;
		net_cidr_parse(net_str(subnet, "cidr"), false, &c);
		fx->ip_version = c.version;
		char mask[46];
		net_u128 all = c.version == 4 ? (net_u128)0xffffffffu : ~(net_u128)0;
		net_u128 m = all & ~(net_cidr_last(&c) - c.base);
		net_ip_format(c.version, m, mask, sizeof(mask));
		bool dhcp = net_bool(subnet, "enable_dhcp", true);
		json_t *routes = json_array();
		const char *gw = net_str(subnet, "gateway_ip");
		if (gw)
			json_array_append_new(
			    routes, json_pack("{s:s,s:s,s:s}", "network",
			                      c.version == 4 ? "0.0.0.0" : "::", "netmask",
			                      c.version == 4 ? "0.0.0.0" : "::", "gateway", gw));
		json_t *hr;
		size_t k;
		json_array_foreach(json_object_get(subnet, "host_routes"), k, hr)
		{
			struct net_cidr d;
			char dn[46], dm[46];
			if (net_cidr_parse(net_str(hr, "destination"), false, &d) != 0)
				continue;
			net_ip_format(d.version, d.base, dn, sizeof(dn));
			net_u128 dmask = (d.version == 4 ? (net_u128)0xffffffffu : ~(net_u128)0) &
			                 ~(net_cidr_last(&d) - d.base);
			net_ip_format(d.version, dmask, dm, sizeof(dm));
			json_array_append_new(routes,
			                      json_pack("{s:s,s:s,s:s}", "network", dn, "netmask",
			                                dm, "gateway", net_str(hr, "nexthop")));
		}
		json_t *nsvc = json_array();
		json_t *d;
		json_array_foreach(json_object_get(subnet, "dns_nameservers"), k, d)
		{
			json_array_append_new(nsvc,
			                      json_pack("{s:s,s:O}", "type", "dns", "address", d));
			json_array_append_new(services,
			                      json_pack("{s:s,s:O}", "type", "dns", "address", d));
		}
		json_t *entry = json_pack(
		    "{s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:o}", "id", arena_printf(a, "network%zu", index),
		    "type",
		    c.version == 4 ? (dhcp ? "ipv4_dhcp" : "ipv4") : (dhcp ? "ipv6_dhcp" : "ipv6"),
		    "link", v->tap, "ip_address", fx->ip_address, "netmask", mask, "routes", routes,
		    "network_id", nid, "services", nsvc);
		json_array_append_new(networks, entry);
	}
	v->network_data = net_own(a, json_pack("{s:o,s:o,s:o}", "links", links, "networks",
	                                       networks, "services", services));
	return 0;
}

json_t *net_network_data_merge(const struct net_vif *vifs, size_t nvifs, struct arena *a)
{
	json_t *links = json_array(), *networks = json_array(), *services = json_array();
	size_t n = 0;
	for (size_t i = 0; i < nvifs; i++) {
		json_t *nd = vifs[i].network_data;
		size_t j;
		json_t *e;
		json_array_foreach(json_object_get(nd, "links"), j, e)
		    json_array_append_new(links, json_deep_copy(e));
		json_array_foreach(json_object_get(nd, "networks"), j, e)
		{
			json_t *c = json_deep_copy(e);
			char id[32];
			snprintf(id, sizeof(id), "network%zu", n++);
			json_object_set_new(c, "id", json_string(id));
			json_array_append_new(networks, c);
		}
		json_array_foreach(json_object_get(nd, "services"), j, e)
		{
			bool dup = false;
			size_t k;
			json_t *x;
			json_array_foreach(services, k, x) if (json_equal(x, e)) dup = true;
			if (!dup)
				json_array_append_new(services, json_deep_copy(e));
		}
	}
	return net_own(a, json_pack("{s:o,s:o,s:o}", "links", links, "networks", networks,
	                            "services", services));
}

static int wire(struct net_service *ns, json_t *ports, struct api_error *err)
{
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p)
	{
		if (ns->cfg.dataplane && net_dp_plug_tap(ns, p, err) != 0)
			return -1;
		net_dp_ports_changed(ns, net_str(p, "network_id"));
	}
	net_dp_security_changed(ns);
	return 0;
}

int net_server_ports_allocate(struct net_service *ns, const struct net_server_info *server,
                              const struct net_nic_request *nics, size_t nnics, struct arena *a,
                              struct net_vif **vifs, size_t *nvifs, struct api_error *err)
{
	*vifs = arena_alloc(a, sizeof(**vifs) * (nnics + 1));
	*nvifs = 0;
	json_t *ports = net_own(a, json_array());
	if (db_begin(err) != 0)
		return -1;
	for (size_t i = 0; i < nnics; i++) {
		json_t *p;
		if (bind_nic(ns, a, server, &nics[i], &p, err) != 0)
			goto fail;
		json_array_append(ports, p);
	}
	if (db_commit(err) != 0)
		goto fail;
	if (wire(ns, ports, err) != 0) {
		struct api_error e2 = {0};
		net_server_ports_release(ns, server->server_id, NULL, &e2);
		return -1;
	}
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p)
	{
		if (fill_vif(ns, a, p, i, &(*vifs)[*nvifs], err) != 0)
			return -1;
		(*nvifs)++;
	}
	return 0;
fail:
	db_rollback();
	return -1;
}

int net_server_ports_list(struct net_service *ns, const char *server_id, struct arena *a,
                          struct net_vif **vifs, size_t *nvifs, struct api_error *err)
{
	json_t *all;
	if (net_obj_list(a, "port", &all, err) != 0)
		return -1;
	json_t *mine = server_ports(a, all, server_id);
	*vifs = arena_alloc(a, sizeof(**vifs) * (json_array_size(mine) + 1));
	*nvifs = 0;
	size_t i;
	json_t *p;
	json_array_foreach(mine, i, p)
	{
		if (fill_vif(ns, a, p, i, &(*vifs)[*nvifs], err) != 0)
			return -1;
		(*nvifs)++;
	}
	return 0;
}

int net_fips_disassociate_port(struct arena *a, const char *port_id, json_t **routers,
                               struct api_error *err);

int net_server_ports_release(struct net_service *ns, const char *server_id, const char *port_id,
                             struct api_error *err)
{
	struct arena *a = arena_new();
	json_t *all, *routers = net_own(a, json_array()), *gone = net_own(a, json_array());
	json_t *nets = net_own(a, json_array());
	int rc = -1;
	if (db_begin(err) != 0)
		goto out;
	if (net_obj_list(a, "port", &all, err) != 0)
		goto fail;
	json_t *mine = server_ports(a, all, server_id);
	size_t i;
	json_t *p;
	json_array_foreach(mine, i, p)
	{
		const char *pid = net_str(p, "id");
		if (port_id && strcmp(port_id, pid))
			continue;
		const char *created;
		json_t *r;
		if (net_meta_get(a, nova_key(a, pid), &created, err) != 0 ||
		    net_fips_disassociate_port(a, pid, &r, err) != 0)
			goto fail;
		json_array_extend(routers, r);
		json_array_append(nets, json_object_get(p, "network_id"));
		json_array_append(gone, p);
		if (created) {
			if (net_port_delete_doc(a, p, err) != 0 ||
			    net_meta_set(nova_key(a, pid), "", err) != 0)
				goto fail;
		} else {
			json_object_set_new(p, "device_id", json_string(""));
			json_object_set_new(p, "device_owner", json_string(""));
			json_object_set_new(p, "binding:host_id", json_string(""));
			json_object_set_new(p, "binding:vif_type", json_string("unbound"));
			json_object_set_new(p, "binding:vif_details", json_object());
			json_object_set_new(p, "status", json_string("DOWN"));
			net_stamp_update(p);
			if (net_obj_put("port", p, err) != 0)
				goto fail;
		}
	}
	if (port_id && !json_array_size(gone)) {
		net_not_found("port", port_id, err);
		goto fail;
	}
	if (db_commit(err) != 0)
		goto fail;
	json_array_foreach(gone, i, p) net_dp_port_deleted(ns, p);
	json_array_foreach(routers, i, p) net_dp_router_changed(ns, json_string_value(p));
	rc = 0;
	goto out;
fail:
	db_rollback();
out:
	arena_free(a);
	return rc;
}

static int find_group(struct arena *a, const char *project, const char *group, json_t **out,
                      struct api_error *err)
{
	json_t *all;
	if (net_obj_list(a, "security_group", &all, err) != 0)
		return -1;
	*out = NULL;
	size_t i;
	json_t *sg;
	int named = 0;
	json_array_foreach(all, i, sg)
	{
		const char *o = net_str(sg, "project_id");
		if (!strcmp(net_str(sg, "id"), group) && o && !strcmp(o, project)) {
			*out = sg;
			return 0;
		}
		if (o && !strcmp(o, project) && !strcmp(net_str(sg, "name"), group)) {
			*out = sg;
			named++;
		}
	}
	if (named > 1)
		return api_fail_typed(err, API_CONFLICT, "NoUniqueMatch",
		                      "Multiple security groups named %s.", group);
	if (!*out)
		return api_fail_typed(err, API_NOT_FOUND, "SecurityGroupNotFound",
		                      "Security group %s not found.", group);
	return 0;
}

static int change_group(struct net_service *ns, const char *server_id, const char *project,
                        const char *group, bool add, struct api_error *err)
{
	struct arena *a = arena_new();
	json_t *all, *sg;
	int rc = -1;
	if (db_begin(err) != 0)
		goto out;
	if (find_group(a, project, group, &sg, err) != 0 || net_obj_list(a, "port", &all, err) != 0)
		goto fail;
	const char *sgid = net_str(sg, "id");
	json_t *mine = server_ports(a, all, server_id);
	size_t i, j;
	json_t *p, *g;
	bool had_any = false;
	/* Nova's answers: a server without ports is not found, and a group
	 * cannot go on a port without port security or addresses. */
	if (!json_array_size(mine)) {
		api_fail_typed(err, API_NOT_FOUND, "SecurityGroupNotFound",
		               "instance_id %s could not be found as device id on any ports",
		               server_id);
		goto fail;
	}
	json_array_foreach(mine, i, p)
	{
		if (add && (!net_bool(p, "port_security_enabled", true) ||
		            !json_array_size(json_object_get(p, "fixed_ips")))) {
			api_fail_typed(err, API_BAD_REQUEST, "SecurityGroupCannotBeApplied",
			               "Network requires port_security_enabled and subnet "
			               "associated in order to apply security groups.");
			goto fail;
		}
		json_t *groups = json_object_get(p, "security_groups");
		bool has = false;
		size_t at = 0;
		json_array_foreach(groups, j, g) if (!strcmp(json_string_value(g), sgid))
		{
			has = true;
			at = j;
		}
		if (has)
			had_any = true;
		if (add && !has)
			json_array_append_new(groups, json_string(sgid));
		else if (!add && has)
			json_array_remove(groups, at);
		else
			continue;
		net_stamp_update(p);
		if (net_obj_put("port", p, err) != 0)
			goto fail;
	}
	if (!add && !had_any) {
		api_fail_typed(err, API_NOT_FOUND, "SecurityGroupNotFound",
		               "Security group %s not associated with the instance %s", group,
		               server_id);
		goto fail;
	}
	if (db_commit(err) != 0)
		goto fail;
	net_dp_security_changed(ns);
	rc = 0;
	goto out;
fail:
	db_rollback();
out:
	arena_free(a);
	return rc;
}

int net_server_security_group_add(struct net_service *ns, const char *server_id,
                                  const char *project_id, const char *group, struct api_error *err)
{
	return change_group(ns, server_id, project_id, group, true, err);
}

int net_server_security_group_remove(struct net_service *ns, const char *server_id,
                                     const char *project_id, const char *group,
                                     struct api_error *err)
{
	return change_group(ns, server_id, project_id, group, false, err);
}

int net_server_security_groups(struct net_service *ns, const char *server_id, struct arena *a,
                               json_t **groups, struct api_error *err)
{
	(void)ns;
	json_t *all, *sgs;
	if (net_obj_list(a, "port", &all, err) != 0 ||
	    net_obj_list(a, "security_group", &sgs, err) != 0)
		return -1;
	json_t *mine = server_ports(a, all, server_id);
	*groups = net_own(a, json_array());
	size_t i, j, k;
	json_t *p, *g, *sg;
	json_array_foreach(mine, i, p)
	    json_array_foreach(json_object_get(p, "security_groups"), j, g)
	{
		bool dup = false;
		json_t *x;
		json_array_foreach(
		    *groups, k, x) if (!strcmp(net_str(x, "id"), json_string_value(g))) dup = true;
		if (dup)
			continue;
		json_array_foreach(sgs, k, sg) if (!strcmp(net_str(sg, "id"), json_string_value(g)))
		    json_array_append_new(
		        *groups,
		        json_pack("{s:s,s:s,s:s,s:s,s:[]}", "id", net_str(sg, "id"), "name",
		                  net_str(sg, "name"), "description",
		                  net_str(sg, "description") ? net_str(sg, "description") : "",
		                  "tenant_id", net_str(sg, "project_id"), "rules"));
	}
	return 0;
}

int net_metadata_lookup(struct net_service *ns, const char *network_id, const char *address,
                        char server_id[37], struct api_error *err)
{
	(void)ns;
	struct arena *a = arena_new();
	json_t *all;
	int rc = -1;
	if (net_obj_list(a, "port", &all, err) != 0)
		goto out;
	size_t i, j;
	json_t *p, *f;
	json_array_foreach(all, i, p)
	{
		const char *own = net_str(p, "device_owner"), *dev = net_str(p, "device_id");
		if (strcmp(net_str(p, "network_id"), network_id) || !own ||
		    strncmp(own, "compute:", 8) || !dev || !*dev)
			continue;
		json_array_foreach(json_object_get(p, "fixed_ips"), j,
		                   f) if (!strcmp(net_str(f, "ip_address"), address))
		{
			snprintf(server_id, 37, "%s", dev);
			rc = 0;
			goto out;
		}
	}
	api_fail(err, API_NOT_FOUND, "No instance on network %s has address %s.", network_id,
	         address);
out:
	arena_free(a);
	return rc;
}

int net_port_floating_ips(struct net_service *ns, const char *port_id, struct arena *a,
                          json_t **fips, struct api_error *err)
{
	(void)ns;
	json_t *all;
	if (net_obj_list(a, "floatingip", &all, err) != 0)
		return -1;
	*fips = net_own(a, json_array());
	size_t i;
	json_t *f;
	json_array_foreach(all, i, f)
	{
		const char *p = net_str(f, "port_id");
		if (p && !strcmp(p, port_id) && net_str(f, "fixed_ip_address"))
			json_array_append(*fips, f);
	}
	return 0;
}

/* Nova's add_fixed_ip_to_instance: the first of the server's ports on the
 * network gets one more address, from the first subnet with room. */
int net_server_fixed_ip_add(struct net_service *ns, const char *server_id, const char *network_id,
                            struct api_error *err)
{
	struct arena *a = arena_new();
	json_t *subnets, *all;
	int rc = -1;
	if (db_begin(err) != 0)
		goto out;
	if (net_subnets_of(a, network_id, &subnets, err) != 0 ||
	    net_obj_list(a, "port", &all, err) != 0)
		goto fail;
	json_t *mine = server_ports(a, all, server_id);
	size_t i, j;
	json_t *p, *s;
	json_array_foreach(mine, i, p)
	{
		if (strcmp(net_str(p, "network_id"), network_id))
			continue;
		json_array_foreach(subnets, j, s)
		{
			char ip[46];
			struct api_error e2 = {0};
			if (net_subnet_take_ip(a, s, NULL, net_str(p, "id"),
			                       net_str(p, "mac_address"), ip, &e2) != 0) {
				if (e2.status == 409)
					continue;
				*err = e2;
				goto fail;
			}
			json_array_append_new(json_object_get(p, "fixed_ips"),
			                      json_pack("{s:s,s:s}", "subnet_id", net_str(s, "id"),
			                                "ip_address", ip));
			net_stamp_update(p);
			if (net_obj_put("port", p, err) != 0 || db_commit(err) != 0)
				goto fail;
			net_dp_ports_changed(ns, network_id);
			net_dp_security_changed(ns);
			rc = 0;
			goto out;
		}
	}
	api_fail_typed(err, API_BAD_REQUEST, "NetworkNotFoundForInstance",
	               "Network could not be found for instance %s.", server_id);
fail:
	db_rollback();
out:
	arena_free(a);
	return rc;
}

/* Nova's remove_fixed_ip_from_instance: the address leaves the server's
 * port that has it. */
int net_server_fixed_ip_remove(struct net_service *ns, const char *server_id, const char *address,
                               struct api_error *err)
{
	struct arena *a = arena_new();
	json_t *all;
	int rc = -1;
	if (db_begin(err) != 0)
		goto out;
	if (net_obj_list(a, "port", &all, err) != 0)
		goto fail;
	json_t *mine = server_ports(a, all, server_id);
	size_t i, j;
	json_t *p, *f;
	json_array_foreach(mine, i, p)
	{
		json_t *ips = json_object_get(p, "fixed_ips");
		json_array_foreach(ips, j, f)
		{
			if (strcmp(net_str(f, "ip_address"), address))
				continue;
			if (net_ip_release(net_str(p, "network_id"), address, err) != 0)
				goto fail;
			json_array_remove(ips, j);
			net_stamp_update(p);
			if (net_obj_put("port", p, err) != 0 || db_commit(err) != 0)
				goto fail;
			net_dp_ports_changed(ns, net_str(p, "network_id"));
			net_dp_security_changed(ns);
			rc = 0;
			goto out;
		}
	}
	api_fail_typed(err, API_BAD_REQUEST, "FixedIpNotFoundForInstance",
	               "Instance %s doesn't have fixed IP '%s'.", server_id, address);
fail:
	db_rollback();
out:
	arena_free(a);
	return rc;
}
