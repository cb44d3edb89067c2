"""Nova's deprecated network proxies below 2.36 (os-security-groups,
os-security-group-rules, os-floating-ips, os-floating-ip-pools, os-networks,
os-tenant-networks), the server's security groups and the actions
add/removeSecurityGroup and add/removeFloatingIp, and the nova-network APIs
Nova answers 410 Gone: each checked against Tempest's schemas and against
what the Neutron API shows afterwards (they are the same objects)."""
import jsonschema
from tempest.lib.api_schema.response.compute.v2_1 import floating_ips as fip_schema
from tempest.lib.api_schema.response.compute.v2_1 import security_groups as sg_schema
from tempest.lib.api_schema.response.compute.v2_1 import tenant_networks as tn_schema

from conftest_compute import fake, image, make_project  # noqa: F401


def validate(schema, r):
    assert r.status_code in schema["status_code"], r.text
    if "response_body" in schema:
        jsonschema.Draft4Validator(
            schema["response_body"],
            format_checker=jsonschema.draft4_format_checker).validate(r.json())


def neutron(c, method, path, token=None, **kw):
    return c.request(method, "/network/v2.0" + path, token=token, **kw)


def nova_error(r, status):
    assert r.status_code == status, r.text
    key = {400: "badRequest", 403: "forbidden", 404: "itemNotFound",
           409: "conflictingRequest", 410: "computeFault"}[status]
    assert r.json()[key]["code"] == status, r.text
    return r.json()[key]["message"]


def project_network(c, token, name, cidr="10.91.0.0/24"):
    """A network with a subnet and a router to the public network."""
    net = neutron(c, "POST", "/networks", token=token,
                  json={"network": {"name": name}}).json()["network"]
    r = neutron(c, "POST", "/subnets", token=token, json={"subnet": {
        "network_id": net["id"], "cidr": cidr, "ip_version": 4}})
    assert r.status_code == 201, r.text
    subnet = r.json()["subnet"]
    public = neutron(c, "GET", "/networks?name=public", token=token).json()["networks"][0]
    r = neutron(c, "POST", "/routers", token=token, json={"router": {
        "name": name, "external_gateway_info": {"network_id": public["id"]}}})
    assert r.status_code == 201, r.text
    router = r.json()["router"]
    r = neutron(c, "PUT", "/routers/%s/add_router_interface" % router["id"], token=token,
                json={"subnet_id": subnet["id"]})
    assert r.status_code == 200, r.text
    return net, subnet, router


def boot(c, image, name, token, networks):
    r = c.nova("POST", "/servers", token=token, json={"server": {
        "name": name, "imageRef": image, "flavorRef": "1", "networks": networks}},
        mv="2.37")
    assert r.status_code == 202, r.text
    return c.wait_status(r.json()["server"]["id"], "ACTIVE", token=token)


def test_security_groups_are_neutrons(fake, unique):
    token, pid, _ = make_project(fake, unique)
    r = fake.nova("POST", "/os-security-groups", token=token, json={
        "security_group": {"name": unique, "description": "web"}})
    validate(sg_schema.create_security_group, r)
    sg = r.json()["security_group"]
    assert (sg["name"], sg["description"], sg["tenant_id"], sg["rules"]) == (
        unique, "web", pid, [])
    # Neutron shows the same group (with its egress rules, which Nova hides).
    r = neutron(fake, "GET", "/security-groups/" + sg["id"], token=token)
    assert r.status_code == 200 and r.json()["security_group"]["name"] == unique
    assert {x["direction"] for x in r.json()["security_group"]["security_group_rules"]} == {
        "egress"}
    # And a group made in Neutron is in Nova's list, with the default one.
    made = neutron(fake, "POST", "/security-groups", token=token, json={
        "security_group": {"name": unique + "-n"}}).json()["security_group"]
    r = fake.nova("GET", "/os-security-groups", token=token)
    validate(sg_schema.list_security_groups, r)
    names = [g["name"] for g in r.json()["security_groups"]]
    assert names == sorted(names) and {"default", unique, unique + "-n"} <= set(names)
    default = [g for g in r.json()["security_groups"] if g["name"] == "default"][0]
    # The default group's ingress rules come from the group itself.
    assert default["rules"] and all(
        x["group"] == {"name": "default", "tenant_id": pid} and x["ip_range"] == {}
        for x in default["rules"])
    r = fake.nova("GET", "/os-security-groups/" + made["id"], token=token)
    validate(sg_schema.get_security_group, r)
    r = fake.nova("PUT", "/os-security-groups/" + sg["id"], token=token, json={
        "security_group": {"name": unique + "-2", "description": "web 2"}})
    validate(sg_schema.update_security_group, r)
    r = neutron(fake, "GET", "/security-groups/" + sg["id"], token=token)
    assert (r.json()["security_group"]["name"],
            r.json()["security_group"]["description"]) == (unique + "-2", "web 2")
    r = fake.nova("DELETE", "/os-security-groups/" + made["id"], token=token)
    validate(sg_schema.delete_security_group, r)
    assert neutron(fake, "GET", "/security-groups/" + made["id"],
                   token=token).status_code == 404
    # Nova's answers for bad input.
    nova_error(fake.nova("GET", "/os-security-groups/not-a-uuid", token=token), 400)
    nova_error(fake.nova("GET", "/os-security-groups/" + made["id"], token=token), 404)
    nova_error(fake.nova("DELETE", "/os-security-groups/" + made["id"], token=token), 404)
    nova_error(fake.nova("DELETE", "/os-security-groups/" + default["id"], token=token), 400)
    nova_error(fake.nova("POST", "/os-security-groups", token=token, json={
        "security_group": {"name": unique}}), 400)  # no description
    nova_error(fake.nova("POST", "/os-security-groups", token=token, json={
        "security_group": {"name": "x" * 256, "description": ""}}), 400)
    nova_error(fake.nova("POST", "/os-security-groups", token=token, json={}), 400)
    nova_error(fake.nova("PUT", "/os-security-groups/" + sg["id"], token=token, json={
        "security_group": {"name": 5, "description": ""}}), 400)
    # Gone from 2.36.
    nova_error(fake.nova("GET", "/os-security-groups", token=token, mv="2.36"), 404)


def test_security_groups_all_tenants_is_for_admins(fake, unique):
    token, pid, _ = make_project(fake, unique)
    r = fake.nova("POST", "/os-security-groups", token=token, json={
        "security_group": {"name": unique, "description": ""}})
    assert r.status_code == 200, r.text
    mine = {g["id"] for g in fake.nova(
        "GET", "/os-security-groups?all_tenants=1", token=token).json()["security_groups"]}
    assert r.json()["security_group"]["id"] in mine
    r = fake.nova("GET", "/os-security-groups?all_tenants=1")
    validate(sg_schema.list_security_groups, r)
    tenants = {g["tenant_id"] for g in r.json()["security_groups"]}
    assert pid in tenants and len(tenants) > 1
    assert pid not in {g["tenant_id"] for g in fake.nova(
        "GET", "/os-security-groups").json()["security_groups"]}
    r = fake.nova("GET", "/os-security-groups?limit=1", token=token)
    assert len(r.json()["security_groups"]) == 1
    nova_error(fake.nova("GET", "/os-security-groups?limit=-1", token=token), 400)


def test_security_group_rules(fake, unique):
    token, pid, _ = make_project(fake, unique)

    def group(name):
        r = fake.nova("POST", "/os-security-groups", token=token, json={
            "security_group": {"name": name, "description": ""}})
        assert r.status_code == 200, r.text
        return r.json()["security_group"]

    sg, peer = group(unique), group(unique + "-peer")
    rules = "/os-security-group-rules"
    r = fake.nova("POST", rules, token=token, json={"security_group_rule": {
        "parent_group_id": sg["id"], "ip_protocol": "tcp", "from_port": 22, "to_port": 22,
        "cidr": "10.0.0.0/8"}})
    validate(sg_schema.create_security_group_rule, r)
    ssh = r.json()["security_group_rule"]
    assert (ssh["ip_protocol"], ssh["from_port"], ssh["to_port"], ssh["ip_range"],
            ssh["group"], ssh["parent_group_id"]) == (
        "tcp", 22, 22, {"cidr": "10.0.0.0/8"}, {}, sg["id"])
    n = neutron(fake, "GET", "/security-group-rules/" + ssh["id"], token=token).json()[
        "security_group_rule"]
    assert (n["direction"], n["ethertype"], n["protocol"], n["port_range_min"],
            n["port_range_max"], n["remote_ip_prefix"]) == (
        "ingress", "IPv4", "tcp", 22, 22, "10.0.0.0/8")
    # ICMP -1/-1 is every type; no cidr means 0.0.0.0/0.
    r = fake.nova("POST", rules, token=token, json={"security_group_rule": {
        "parent_group_id": sg["id"], "ip_protocol": "icmp", "from_port": -1,
        "to_port": -1}})
    validate(sg_schema.create_security_group_rule, r)
    icmp = r.json()["security_group_rule"]
    assert (icmp["from_port"], icmp["to_port"], icmp["ip_range"]) == (
        -1, -1, {"cidr": "0.0.0.0/0"})
    n = neutron(fake, "GET", "/security-group-rules/" + icmp["id"], token=token).json()[
        "security_group_rule"]
    assert (n["protocol"], n["port_range_min"], n["port_range_max"]) == ("icmp", None, None)
    # From a group: no protocol needed; tcp without ports is 1-65535.
    r = fake.nova("POST", rules, token=token, json={"security_group_rule": {
        "parent_group_id": sg["id"], "ip_protocol": "tcp", "group_id": peer["id"]}})
    validate(sg_schema.create_security_group_rule, r)
    from_peer = r.json()["security_group_rule"]
    assert (from_peer["group"], from_peer["ip_range"], from_peer["from_port"],
            from_peer["to_port"]) == ({"name": peer["name"], "tenant_id": pid}, {}, 1, 65535)
    shown = fake.nova("GET", "/os-security-groups/" + sg["id"], token=token).json()[
        "security_group"]
    assert {x["id"] for x in shown["rules"]} == {ssh["id"], icmp["id"], from_peer["id"]}
    # Nova's checks, then Neutron's.
    for bad in ({"ip_protocol": "tcp", "from_port": 22, "to_port": 22,
                 "cidr": "10.0.0.0/8"},                                 # duplicate
                {"ip_protocol": "tcp", "from_port": 30, "to_port": 20},  # range
                {"ip_protocol": "tcp", "from_port": 0, "to_port": 20},
                {"ip_protocol": "udp", "from_port": 1, "to_port": 65536},
                {"ip_protocol": "icmp", "from_port": 256, "to_port": 0},
                {"ip_protocol": "gre", "from_port": 1, "to_port": 2},
                {"ip_protocol": "tcp", "from_port": "x", "to_port": 2},
                {"ip_protocol": "tcp"},                                  # no ports
                {"ip_protocol": "tcp", "from_port": 1, "to_port": 2, "cidr": "10.0.0.0/99"},
                {"ip_protocol": "tcp", "from_port": 1, "to_port": 2, "cidr": "10.0.0.0/0"},
                {"ip_protocol": "tcp", "from_port": 1, "to_port": 2, "group_id": "x"}):
        bad["parent_group_id"] = sg["id"]
        nova_error(fake.nova("POST", rules, token=token,
                             json={"security_group_rule": bad}), 400)
    nova_error(fake.nova("POST", rules, token=token, json={"security_group_rule": {
        "parent_group_id": "x", "ip_protocol": "tcp", "from_port": 1, "to_port": 2}}), 400)
    nova_error(fake.nova("POST", rules, token=token, json={"security_group_rule": {
        "parent_group_id": "7ad9cc4e-8d70-4a5b-b1a5-0d2f0b9b1d11", "ip_protocol": "tcp",
        "from_port": 1, "to_port": 2}}), 404)
    r = fake.nova("DELETE", rules + "/" + ssh["id"], token=token)
    validate(sg_schema.delete_security_group_rule, r)
    assert neutron(fake, "GET", "/security-group-rules/" + ssh["id"],
                   token=token).status_code == 404
    nova_error(fake.nova("DELETE", rules + "/" + ssh["id"], token=token), 404)
    nova_error(fake.nova("DELETE", rules + "/nope", token=token), 400)
    # Deleting a group deletes the rules naming it (Neutron's cascade).
    r = fake.nova("DELETE", "/os-security-groups/" + peer["id"], token=token)
    validate(sg_schema.delete_security_group, r)
    assert neutron(fake, "GET", "/security-group-rules/" + from_peer["id"],
                   token=token).status_code == 404
    assert [x["id"] for x in fake.nova("GET", "/os-security-groups/" + sg["id"],
                                       token=token).json()["security_group"]["rules"]] == [
        icmp["id"]]
    nova_error(fake.nova("DELETE", "/os-security-groups/", token=token), 404)
    nova_error(fake.nova("POST", rules, token=token, mv="2.36", json={
        "security_group_rule": {}}), 404)


def test_server_security_groups_and_actions(fake, image, unique):
    token, pid, _ = make_project(fake, unique)
    net, _, _ = project_network(fake, token, unique, "10.92.0.0/24")
    server = boot(fake, image, unique, token, [{"uuid": net["id"]}])
    path = "/servers/%s/os-security-groups" % server["id"]
    r = fake.nova("GET", path, token=token)
    validate(sg_schema.list_security_groups, r)
    assert [g["name"] for g in r.json()["security_groups"]] == ["default"]
    sg = fake.nova("POST", "/os-security-groups", token=token, json={
        "security_group": {"name": unique, "description": ""}}).json()["security_group"]
    act = "/servers/%s/action" % server["id"]
    r = fake.nova("POST", act, token=token, json={"addSecurityGroup": {"name": unique}})
    assert r.status_code == 202, r.text
    port = neutron(fake, "GET", "/ports?device_id=" + server["id"], token=token).json()[
        "ports"][0]
    assert sg["id"] in port["security_groups"]
    assert {g["name"] for g in fake.nova("GET", path, token=token).json()[
        "security_groups"]} == {"default", unique}
    # the server's own view names its groups, and leaves them out without any
    shown = fake.nova("GET", "/servers/" + server["id"], token=token).json()["server"]
    assert sorted(g["name"] for g in shown["security_groups"]) == sorted(["default", unique])
    # Still there from 2.36: only the group collections went away.
    assert fake.nova("GET", path, token=token, mv="2.60").status_code == 200
    r = fake.nova("POST", act, token=token, mv="2.60",
                  json={"removeSecurityGroup": {"name": unique}})
    assert r.status_code == 202, r.text
    port = neutron(fake, "GET", "/ports/" + port["id"], token=token).json()["port"]
    assert sg["id"] not in port["security_groups"]
    nova_error(fake.nova("POST", act, token=token,
                         json={"removeSecurityGroup": {"name": unique}}), 404)
    r = fake.nova("POST", act, token=token, json={"removeSecurityGroup": {"name": "default"}})
    assert r.status_code == 202, r.text
    assert "security_groups" not in fake.nova("GET", "/servers/" + server["id"],
                                              token=token).json()["server"]
    fake.nova("POST", act, token=token, json={"addSecurityGroup": {"name": "default"}})
    nova_error(fake.nova("POST", act, token=token,
                         json={"addSecurityGroup": {"name": "no-such-group"}}), 404)
    nova_error(fake.nova("POST", act, token=token, json={"addSecurityGroup": {"name": " "}}),
               400)
    nova_error(fake.nova("POST", act, token=token, json={"addSecurityGroup": {}}), 400)
    nova_error(fake.nova("POST", act, token=token, json={"addSecurityGroup": "x"}), 400)
    # A server without ports has nowhere to put a group.
    bare = boot(fake, image, unique + "-bare", token, "none")
    nova_error(fake.nova("POST", "/servers/%s/action" % bare["id"], token=token,
                         json={"addSecurityGroup": {"name": unique}}), 404)
    for s in (server, bare):
        fake.nova("DELETE", "/servers/" + s["id"], token=token)


def test_floating_ips_are_neutrons(fake, image, unique):
    token, pid, _ = make_project(fake, unique)
    net, _, _ = project_network(fake, token, unique, "10.93.0.0/24")
    server = boot(fake, image, unique, token, [{"uuid": net["id"]}])
    r = fake.nova("GET", "/os-floating-ip-pools", token=token)
    validate(fip_schema.list_floating_ip_pools, r)
    assert {"name": "public"} in r.json()["floating_ip_pools"]
    r = fake.nova("POST", "/os-floating-ips", token=token, json={"pool": "public"})
    validate(fip_schema.create_get_floating_ip, r)
    fip = r.json()["floating_ip"]
    assert (fip["pool"], fip["fixed_ip"], fip["instance_id"]) == ("public", None, None)
    n = neutron(fake, "GET", "/floatingips/" + fip["id"], token=token).json()["floatingip"]
    assert (n["floating_ip_address"], n["project_id"]) == (fip["ip"], pid)
    # Without a body: the default pool.
    r = fake.nova("POST", "/os-floating-ips", token=token)
    validate(fip_schema.create_get_floating_ip, r)
    other = r.json()["floating_ip"]
    r = fake.nova("GET", "/os-floating-ips", token=token)
    validate(fip_schema.list_floating_ips, r)
    assert {f["id"] for f in r.json()["floating_ips"]} == {fip["id"], other["id"]}
    assert fake.nova("GET", "/os-floating-ips").json()["floating_ips"] == [] or all(
        f["id"] not in (fip["id"], other["id"])
        for f in fake.nova("GET", "/os-floating-ips").json()["floating_ips"])
    # Associate: the Neutron floating IP moves to the server's port.
    act = "/servers/%s/action" % server["id"]
    r = fake.nova("POST", act, token=token, json={"addFloatingIp": {"address": fip["ip"]}})
    assert r.status_code == 202, r.text
    port = neutron(fake, "GET", "/ports?device_id=" + server["id"], token=token).json()[
        "ports"][0]
    n = neutron(fake, "GET", "/floatingips/" + fip["id"], token=token).json()["floatingip"]
    assert (n["port_id"], n["fixed_ip_address"], n["status"]) == (
        port["id"], port["fixed_ips"][0]["ip_address"], "ACTIVE")
    assert n["router_id"]
    r = fake.nova("GET", "/os-floating-ips/" + fip["id"], token=token)
    validate(fip_schema.create_get_floating_ip, r)
    assert (r.json()["floating_ip"]["instance_id"], r.json()["floating_ip"]["fixed_ip"]) == (
        server["id"], port["fixed_ips"][0]["ip_address"])
    addrs = fake.nova("GET", "/servers/" + server["id"], token=token).json()["server"][
        "addresses"]
    assert fip["ip"] in [a["addr"] for a in addrs[unique]]
    # Nova's answers for the wrong address or server.
    nova_error(fake.nova("POST", act, token=token, json={"addFloatingIp": {
        "address": fip["ip"], "fixed_address": "10.93.0.250"}}), 400)
    nova_error(fake.nova("POST", act, token=token, json={"addFloatingIp": {
        "address": "203.0.113.9"}}), 404)
    nova_error(fake.nova("POST", act, token=token, json={"addFloatingIp": {
        "address": "not-an-ip"}}), 400)
    nova_error(fake.nova("POST", act, token=token, json={"addFloatingIp": {}}), 400)
    nova_error(fake.nova("POST", act, token=token, json={"removeFloatingIp": {
        "address": other["ip"]}}), 409)
    bare = boot(fake, image, unique + "-bare", token, "none")
    nova_error(fake.nova("POST", "/servers/%s/action" % bare["id"], token=token, json={
        "addFloatingIp": {"address": other["ip"]}}), 400)
    nova_error(fake.nova("POST", "/servers/%s/action" % bare["id"], token=token, json={
        "removeFloatingIp": {"address": fip["ip"]}}), 409)
    # Gone at 2.44.
    nova_error(fake.nova("POST", act, token=token, mv="2.44", json={"removeFloatingIp": {
        "address": fip["ip"]}}), 404)
    r = fake.nova("POST", act, token=token, mv="2.43",
                  json={"removeFloatingIp": {"address": fip["ip"]}})
    assert r.status_code == 202, r.text
    n = neutron(fake, "GET", "/floatingips/" + fip["id"], token=token).json()["floatingip"]
    assert (n["port_id"], n["fixed_ip_address"]) == (None, None)
    nova_error(fake.nova("POST", act, token=token, json={"removeFloatingIp": {
        "address": fip["ip"]}}), 409)
    # Release, even while associated.
    assert fake.nova("POST", act, token=token, json={
        "addFloatingIp": {"address": other["ip"]}}).status_code == 202
    for f in (fip, other):
        r = fake.nova("DELETE", "/os-floating-ips/" + f["id"], token=token)
        validate(fip_schema.add_remove_floating_ip, r)
        assert neutron(fake, "GET", "/floatingips/" + f["id"], token=token).status_code == 404
    nova_error(fake.nova("GET", "/os-floating-ips/" + fip["id"], token=token), 404)
    nova_error(fake.nova("DELETE", "/os-floating-ips/" + fip["id"], token=token), 404)
    nova_error(fake.nova("POST", "/os-floating-ips", token=token, json={"pool": "nope"}), 404)
    nova_error(fake.nova("GET", "/os-floating-ips", token=token, mv="2.36"), 404)
    nova_error(fake.nova("GET", "/os-floating-ip-pools", token=token, mv="2.36"), 404)
    for s in (server, bare):
        fake.nova("DELETE", "/servers/" + s["id"], token=token)


def test_networks_and_tenant_networks(fake, unique):
    token, pid, _ = make_project(fake, unique)
    net = neutron(fake, "POST", "/networks", token=token,
                  json={"network": {"name": unique}}).json()["network"]
    r = fake.nova("GET", "/os-networks", token=token)
    assert r.status_code == 200, r.text
    mine = [n for n in r.json()["networks"] if n["id"] == net["id"]]
    assert mine == [{"id": net["id"], "label": unique, "cidr": None, "netmask": None,
                     "gateway": None, "broadcast": None, "dns1": None, "dns2": None,
                     "cidr_v6": None, "gateway_v6": None, "netmask_v6": None}]
    assert "public" in [n["label"] for n in r.json()["networks"]]
    r = fake.nova("GET", "/os-networks/" + net["id"])
    assert r.status_code == 200 and r.json()["network"]["label"] == unique
    assert r.json()["network"]["project_id"] is None and len(r.json()["network"]) == 32
    nova_error(fake.nova("GET", "/os-networks/nope", token=token), 404)
    r = fake.nova("GET", "/os-tenant-networks", token=token)
    validate(tn_schema.list_tenant_networks, r)
    assert {"id": net["id"], "cidr": "None", "label": unique} in r.json()["networks"]
    r = fake.nova("GET", "/os-tenant-networks/" + net["id"], token=token)
    validate(tn_schema.get_tenant_network, r)
    nova_error(fake.nova("GET", "/os-tenant-networks/nope", token=token), 404)
    # Changes answer 410 Gone, at every microversion.
    for method, path in (("POST", "/os-networks"), ("POST", "/os-networks/add"),
                         ("DELETE", "/os-networks/" + net["id"]),
                         ("POST", "/os-networks/%s/action" % net["id"]),
                         ("POST", "/os-tenant-networks"),
                         ("DELETE", "/os-tenant-networks/" + net["id"])):
        for mv in ("2.1", "2.60"):
            nova_error(fake.nova(method, path, token=token, mv=mv, json={}), 410)
    nova_error(fake.nova("GET", "/os-networks", token=token, mv="2.36"), 404)
    nova_error(fake.nova("GET", "/os-tenant-networks", token=token, mv="2.36"), 404)
    assert neutron(fake, "GET", "/networks/" + net["id"], token=token).status_code == 200


def test_nova_network_apis_are_gone(fake, image, unique):
    token, _, _ = make_project(fake, unique)
    server = boot(fake, image, unique, token, "none")
    for mv in ("2.1", "2.43", "2.44", "2.60"):
        for method, path in (
                ("GET", "/servers/%s/os-virtual-interfaces" % server["id"]),
                ("GET", "/os-fixed-ips/10.0.0.1"),
                ("POST", "/os-fixed-ips/10.0.0.1/action"),
                ("GET", "/os-floating-ips-bulk"), ("POST", "/os-floating-ips-bulk"),
                ("GET", "/os-floating-ip-dns"), ("DELETE", "/os-floating-ip-dns/d"),
                ("GET", "/os-floating-ip-dns/d/entries/e"),
                ("GET", "/os-fping"), ("GET", "/os-fping/x"),
                ("GET", "/os-security-group-default-rules"),
                ("DELETE", "/os-security-group-default-rules/1")):
            nova_error(fake.nova(method, path, token=token, mv=mv, json={}), 410)
    fake.nova("DELETE", "/servers/" + server["id"], token=token)


def test_neutron_deletes_the_rules_naming_a_deleted_group(fake, unique):
    token, _, _ = make_project(fake, unique)
    a, b = (neutron(fake, "POST", "/security-groups", token=token, json={
        "security_group": {"name": unique + n}}).json()["security_group"] for n in "ab")
    r = neutron(fake, "POST", "/security-group-rules", token=token, json={
        "security_group_rule": {"security_group_id": a["id"], "direction": "ingress",
                                "remote_group_id": b["id"]}})
    assert r.status_code == 201, r.text
    assert neutron(fake, "DELETE", "/security-groups/" + b["id"], token=token).status_code == 204
    assert neutron(fake, "GET", "/security-group-rules/" + r.json()["security_group_rule"]["id"],
                   token=token).status_code == 404


def test_add_and_remove_fixed_ip(fake, image, unique):
    token, _, _ = make_project(fake, unique)
    net, subnet, _ = project_network(fake, token, unique, "10.94.0.0/24")
    server = boot(fake, image, unique, token, [{"uuid": net["id"]}])
    act = "/servers/%s/action" % server["id"]
    r = fake.nova("POST", act, token=token, json={"addFixedIp": {"networkId": net["id"]}})
    assert r.status_code == 202, r.text
    port = neutron(fake, "GET", "/ports?device_id=" + server["id"], token=token).json()[
        "ports"][0]
    ips = [f["ip_address"] for f in port["fixed_ips"]]
    assert len(ips) == 2 and all(f["subnet_id"] == subnet["id"] for f in port["fixed_ips"])
    addrs = fake.nova("GET", "/servers/" + server["id"], token=token).json()["server"][
        "addresses"][unique]
    assert sorted(a["addr"] for a in addrs) == sorted(ips)
    r = fake.nova("POST", act, token=token, json={"removeFixedIp": {"address": ips[0]}})
    assert r.status_code == 202, r.text
    port = neutron(fake, "GET", "/ports/" + port["id"], token=token).json()["port"]
    assert [f["ip_address"] for f in port["fixed_ips"]] == ips[1:]
    # The address is free again: Neutron can hand it out.
    r = neutron(fake, "POST", "/ports", token=token, json={"port": {
        "network_id": net["id"], "fixed_ips": [{"ip_address": ips[0]}]}})
    assert r.status_code == 201, r.text
    # As Nova's cast: what fails past the checks is only logged.
    assert fake.nova("POST", act, token=token, json={
        "removeFixedIp": {"address": "10.94.0.250"}}).status_code == 202
    nova_error(fake.nova("POST", act, token=token, json={"removeFixedIp": {"address": "x"}}),
               400)
    nova_error(fake.nova("POST", act, token=token, json={"addFixedIp": {}}), 400)
    nova_error(fake.nova("POST", act, token=token,
                         json={"addFixedIp": {"networkId": net["id"], "x": 1}}), 400)
    nova_error(fake.nova("POST", act, token=token, mv="2.44",
                         json={"addFixedIp": {"networkId": net["id"]}}), 404)
    assert fake.nova("POST", act, token=token, json={"lock": None}).status_code == 202
    nova_error(fake.nova("POST", act, token=token, json={
        "addFixedIp": {"networkId": net["id"]}}), 409)
    fake.nova("POST", act, token=token, json={"unlock": None})
    fake.nova("DELETE", "/servers/" + server["id"], token=token)
