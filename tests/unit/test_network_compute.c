/* network.h as compute uses it, on a scratch database with the data plane
 * off: ports for NICs (by network, fixed IP, existing port, auto), all or
 * nothing, network_data.json, security groups of a server, the metadata
 * lookup, and release (created ports deleted, given ports unbound). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/db.h"
#include "core/ids.h"
#include "network/api.h"
#include "network/network.h"
#include "network/quota.h"
#include "network/subnet.h"

extern const struct db_migration network_migrations[];
extern const size_t network_migrations_count;

#define PROJECT "0123456789abcdef0123456789abcdef"

static json_t *put(const char *kind, const char *json)
{
	json_error_t e;
	json_t *o = json_loads(json, 0, &e);
	net_stamp_new(o, PROJECT);
	struct api_error err = {0};
	CHECK(net_obj_put(kind, o, &err) == 0);
	return o;
}

static int count_ports(void)
{
	struct arena *a = arena_new();
	json_t *all;
	struct api_error err = {0};
	net_obj_list(a, "port", &all, &err);
	int n = (int)json_array_size(all);
	arena_free(a);
	return n;
}

int main(void)
{
	char dir[] = "/tmp/test_network_compute.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[256];
	snprintf(path, sizeof(path), "%s/db", dir);
	struct api_error err = {0};
	CHECK(db_open(path, &err) == 0);
	CHECK(db_migrate("network", network_migrations, network_migrations_count, &err) == 0);

	struct net_service ns = {0};
	strcpy(ns.cfg.mac_base, "fa:16:3e:00:00:00");
	strcpy(ns.cfg.public_bridge, "br-ex");
	ns.cfg.mtu = 1500;
	for (int i = 0; i < NET_Q_COUNT; i++)
		ns.cfg.quota[i] = -1;
	pthread_mutex_init(&ns.dp_lock, NULL);
	pthread_mutex_init(&ns.md_lock, NULL);

	json_t *net = put("network", "{\"name\":\"n1\",\"mtu\":1400,\"shared\":false,"
	                             "\"port_security_enabled\":true,"
	                             "\"provider:network_type\":\"vxlan\"}");
	char sub[512];
	snprintf(
	    sub, sizeof(sub),
	    "{\"network_id\":\"%s\",\"ip_version\":4,\"cidr\":\"10.1.0.0/24\","
	    "\"gateway_ip\":\"10.1.0.1\",\"enable_dhcp\":true,\"dns_nameservers\":[\"10.1.0.1\"],"
	    "\"host_routes\":[],\"allocation_pools\":[{\"start\":\"10.1.0.2\",\"end\":\"10.1.0.9\"}"
	    "]}",
	    net_str(net, "id"));
	json_t *subnet = put("subnet", sub);
	char sgj[256];
	snprintf(sgj, sizeof(sgj), "{\"name\":\"web\",\"description\":\"\",\"shared\":false}");
	json_t *sg = put("security_group", sgj);

	struct arena *a = arena_new();
	const char *groups[] = {"web"};
	struct net_server_info srv = {
	    .server_id = "aaaaaaaa-0000-4000-8000-000000000001",
	    .project_id = PROJECT,
	    .hostname = "vm1",
	    .security_groups = groups,
	    .nsecurity_groups = 1,
	};
	struct net_nic_request nics[2] = {
	    {.network_id = net_str(net, "id")},
	    {.network_id = net_str(net, "id"), .fixed_ip = "10.1.0.7"},
	};
	struct net_vif *vifs;
	size_t n;
	CHECK(net_server_ports_allocate(&ns, &srv, nics, 2, a, &vifs, &n, &err) == 0);
	CHECK(n == 2);
	CHECK_STR(vifs[0].fixed_ips[0].ip_address, "10.1.0.2");
	CHECK_STR(vifs[1].fixed_ips[0].ip_address, "10.1.0.7");
	CHECK(vifs[0].mtu == 1400);
	CHECK(!strncmp(vifs[0].mac, "fa:16:3e:", 9));
	CHECK(!strncmp(vifs[0].tap, "tap", 3) && strlen(vifs[0].tap) == 14);
	CHECK(!strncmp(vifs[0].bridge, "brq", 3));
	CHECK(!vifs[0].plugged);
	json_t *nd = net_network_data_merge(vifs, n, a);
	CHECK(json_array_size(json_object_get(nd, "links")) == 2);
	CHECK_STR(net_str(json_array_get(json_object_get(nd, "networks"), 1), "id"), "network1");
	CHECK_STR(net_str(json_array_get(json_object_get(nd, "networks"), 0), "netmask"),
	          "255.255.255.0");
	CHECK(json_array_size(json_object_get(nd, "services")) == 1);

	/* the same fixed IP again: refused, and nothing of the request stays */
	int before = count_ports();
	struct net_server_info srv2 = srv;
	srv2.server_id = "aaaaaaaa-0000-4000-8000-000000000002";
	struct net_nic_request bad[2] = {
	    {.network_id = net_str(net, "id")},
	    {.network_id = net_str(net, "id"), .fixed_ip = "10.1.0.7"},
	};
	CHECK(net_server_ports_allocate(&ns, &srv2, bad, 2, a, &vifs, &n, &err) != 0);
	CHECK(err.status == 409);
	CHECK(count_ports() == before);
	/* an unknown group */
	const char *nogroup[] = {"nope"};
	srv2.security_groups = nogroup;
	CHECK(net_server_ports_allocate(&ns, &srv2, bad, 1, a, &vifs, &n, &err) != 0);
	CHECK(count_ports() == before);

	/* metadata: the server of an address on a network */
	char who[37];
	CHECK(net_metadata_lookup(&ns, net_str(net, "id"), "10.1.0.7", who, &err) == 0);
	CHECK_STR(who, srv.server_id);
	CHECK(net_metadata_lookup(&ns, net_str(net, "id"), "10.1.0.99", who, &err) != 0);

	/* security groups of the server */
	json_t *g;
	CHECK(net_server_security_groups(&ns, srv.server_id, a, &g, &err) == 0);
	CHECK(json_array_size(g) == 1);
	CHECK_STR(net_str(json_array_get(g, 0), "id"), net_str(sg, "id"));
	CHECK(net_server_security_group_remove(&ns, srv.server_id, PROJECT, "web", &err) == 0);
	CHECK(net_server_security_group_remove(&ns, srv.server_id, PROJECT, "web", &err) != 0);
	CHECK(err.status == 404);
	CHECK(net_server_security_group_add(&ns, srv.server_id, PROJECT, net_str(sg, "id"), &err) ==
	      0);
	CHECK(net_server_security_group_add(&ns, srv.server_id, PROJECT, "nope", &err) != 0);

	/* an existing port, then auto */
	char pj[256];
	snprintf(pj, sizeof(pj), "{\"network_id\":\"%s\"}", net_str(net, "id"));
	json_t *in = json_loads(pj, 0, NULL);
	json_t *given;
	CHECK(db_begin(&err) == 0);
	CHECK(net_port_create_doc(&ns, NULL, a, in, PROJECT, true, &given, &err) == 0);
	CHECK(db_commit(&err) == 0);
	json_decref(in);
	struct net_server_info srv3 = {.server_id = "aaaaaaaa-0000-4000-8000-000000000003",
	                               .project_id = PROJECT};
	struct net_nic_request byport[2] = {{.port_id = net_str(given, "id")},
	                                    {.autoselect = true}};
	CHECK(net_server_ports_allocate(&ns, &srv3, byport, 2, a, &vifs, &n, &err) == 0);
	CHECK(n == 2);
	CHECK_STR(vifs[0].port_id, net_str(given, "id"));
	CHECK_STR(vifs[1].network_id, net_str(net, "id"));
	/* a port already in use */
	CHECK(net_server_ports_allocate(&ns, &srv2, byport, 1, a, &vifs, &n, &err) != 0);
	CHECK(err.status == 409);
	CHECK(net_server_ports_list(&ns, srv3.server_id, a, &vifs, &n, &err) == 0 && n == 2);

	/* release: the created port goes, the given one stays unbound */
	int with = count_ports();
	CHECK(net_server_ports_release(&ns, srv3.server_id, NULL, &err) == 0);
	CHECK(count_ports() == with - 1);
	json_t *still;
	CHECK(net_obj_get(a, "port", net_str(given, "id"), &still, &err) == 0);
	CHECK_STR(net_str(still, "device_id"), "");
	CHECK(net_server_ports_release(&ns, srv.server_id, NULL, &err) == 0);
	CHECK(count_ports() == with - 3);
	CHECK(net_server_ports_release(&ns, srv.server_id, NULL, &err) == 0); /* nothing left */

	json_decref(net);
	json_decref(subnet);
	json_decref(sg);
	arena_free(a);
	db_close_thread();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return check_done("test_network_compute");
}
