"""The Neutron v2.0 API as users and clients see it: discovery, networks,
subnets (IPAM), ports, routers, floating IPs, security groups, quotas, tags,
filters/fields/sorting/pagination, If-Match, Neutron's error bodies; through
the `openstack` CLI, openstacksdk and raw HTTP."""
import json
import os
import uuid

import pytest

from conftest_network import lab, net  # noqa: F401, F811

V2 = "/network/v2.0"


def sdk(c):
    # Through the Cloud helper: setting OS_CLIENT_CONFIG_FILE here would leak
    # into every later test of the session (openstacksdk reads it first).
    return c.sdk()


def req(c, method, path, token=None, **kw):
    return c.request(method, V2 + path, token=token, **kw)


def ok(r, status=None):
    assert r.status_code < 300 if status is None else r.status_code == status, r.text
    return r.json() if r.text else None


def neutron_error(r, status, type_=None):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()["NeutronError"]
    assert set(body) == {"type", "message", "detail"}
    if type_:
        assert body["type"] == type_, body
    return body


@pytest.fixture(scope="module")
def user(net):
    """A member of a project of its own, with a token."""
    name = "netuser" + uuid.uuid4().hex[:6]
    admin = net.admin_token
    h = {"X-Auth-Token": admin}
    import requests
    p = requests.post(net.url + "/identity/v3/projects", headers=h,
                      json={"project": {"name": name, "domain_id": "default"}}).json()["project"]
    u = requests.post(net.url + "/identity/v3/users", headers=h,
                      json={"user": {"name": name, "password": "pw-" + name,
                                     "domain_id": "default"}}).json()["user"]
    roles = requests.get(net.url + "/identity/v3/roles?name=member", headers=h).json()["roles"]
    requests.put(net.url + "/identity/v3/projects/%s/users/%s/roles/%s"
                 % (p["id"], u["id"], roles[0]["id"]), headers=h)
    token, _ = net.token(name, "pw-" + name, name)
    return {"token": token, "project_id": p["id"], "name": name}


# ---- discovery ----

def test_versions_and_extensions(net):
    r = net.request("GET", "/network/", token=False)
    v = ok(r)["versions"]
    assert v[0]["id"] == "v2.0" and v[0]["status"] == "CURRENT"
    assert v[0]["links"][0]["href"].endswith("/network/v2.0/")
    res = ok(net.request("GET", V2, token=False))["resources"]
    assert {"networks", "ports", "subnets"} <= {x["collection"] for x in res}
    exts = ok(req(net, "GET", "/extensions"))["extensions"]
    aliases = {e["alias"] for e in exts}
    assert {"router", "security-group", "external-net", "quotas", "standard-attr-tag",
            "revision-if-match", "allowed-address-pairs", "port-security"} <= aliases
    assert ok(req(net, "GET", "/extensions/router"))["extension"]["alias"] == "router"
    neutron_error(req(net, "GET", "/extensions/nope"), 404)


def test_unauthenticated_is_401(net):
    r = net.request("GET", V2 + "/networks", token=False)
    assert r.status_code == 401


def test_catalog_lists_network(net):
    _, body = net.token()
    entries = [e for e in body["token"]["catalog"] if e["type"] == "network"]
    assert entries and entries[0]["name"] == "neutron"
    assert entries[0]["endpoints"][0]["url"].endswith("/network")


# ---- networks ----

def test_public_network_from_bootstrap(net):
    nets = net.cli("network", "list", "--external", "-f", "json")
    pub = [n for n in nets if n["Name"] == "public"]
    assert pub
    full = ok(req(net, "GET", "/networks/" + pub[0]["ID"]))["network"]
    assert full["router:external"] is True
    assert full["provider:network_type"] == "flat"
    sub = ok(req(net, "GET", "/subnets/" + full["subnets"][0]))["subnet"]
    assert sub["cidr"] == "172.24.4.0/24" and sub["gateway_ip"] == "172.24.4.1"
    assert sub["allocation_pools"] == [{"start": "172.24.4.2", "end": "172.24.4.254"}]
    # owned by the admin project, as DevStack's
    admin = net.cli("project", "show", "admin", "-f", "json")["id"]
    assert full["project_id"] == admin and full["tenant_id"] == admin
    assert sub["project_id"] == admin


def test_an_ownerless_public_network_is_given_to_admin_on_start(lab, net):
    """Clouds bootstrapped before the external network had an owner."""
    import sqlite3
    pub = ok(req(net, "GET", "/networks?name=public"))["networks"][0]

    def disown():
        db = sqlite3.connect(os.path.join(net.data_dir, "stackd.db"))
        db.execute("UPDATE net_objects SET project_id = '', body = json_set(body, "
                   "'$.project_id', '', '$.tenant_id', '') WHERE id = ? OR "
                   "json_extract(body, '$.network_id') = ? AND kind = 'subnet'",
                   (pub["id"], pub["id"]))
        db.commit()
        db.close()
    lab.restart(while_stopped=disown)
    admin = net.cli("project", "show", "admin", "-f", "json")["id"]
    again = ok(req(net, "GET", "/networks/" + pub["id"]))["network"]
    assert again["project_id"] == admin
    assert ok(req(net, "GET", "/subnets/" + again["subnets"][0]))["subnet"]["project_id"] == admin


def test_network_lifecycle_with_the_cli(net, unique):
    n = net.cli("network", "create", unique, "--description", "d1", "-f", "json")
    assert n["name"] == unique and n["status"] == "ACTIVE" and n["admin_state_up"] is True
    assert n["mtu"] == 1500 and n["port_security_enabled"] is True
    assert n["revision_number"] == 0 and n["project_id"]
    net.cli("network", "set", "--name", unique + "x", "--disable", unique)
    shown = net.cli("network", "show", unique + "x", "-f", "json")
    assert shown["admin_state_up"] is False and shown["revision_number"] == 1
    names = [x["Name"] for x in net.cli("network", "list", "-f", "json")]
    assert unique + "x" in names
    net.cli("network", "delete", unique + "x")
    neutron_error(req(net, "GET", "/networks/" + n["id"]), 404, "NetworkNotFound")


def test_network_admin_fields_and_bad_input(net, user, unique):
    r = req(net, "POST", "/networks", json={"network": {
        "name": unique, "provider:network_type": "vlan", "provider:segmentation_id": 42}})
    n = ok(r, 201)["network"]
    assert n["provider:segmentation_id"] == 42 and n["provider:physical_network"] == "public"
    neutron_error(req(net, "POST", "/networks", json={"network": {
        "provider:network_type": "vlan", "provider:segmentation_id": 42}}), 409)
    neutron_error(req(net, "POST", "/networks", json={"network": {
        "provider:network_type": "gre"}}), 400)
    neutron_error(req(net, "POST", "/networks", json={"network": {"bogus": 1}}), 400)
    neutron_error(req(net, "POST", "/networks", json={"network": {"mtu": 9999}}), 400)
    neutron_error(req(net, "POST", "/networks", json={"nope": {}}), 400)
    neutron_error(req(net, "POST", "/networks", data="{", headers={
        "Content-Type": "application/json"}), 400)
    # a member may not set provider attributes or share
    neutron_error(req(net, "POST", "/networks", token=user["token"], json={"network": {
        "shared": True}}), 403)
    ok(req(net, "DELETE", "/networks/" + n["id"]), 204)


def test_bulk_create_is_all_or_nothing(net, unique):
    r = req(net, "POST", "/networks", json={"networks": [
        {"name": unique + "a"}, {"name": unique + "b"}]})
    made = ok(r, 201)["networks"]
    assert [x["name"] for x in made] == [unique + "a", unique + "b"]
    before = len(ok(req(net, "GET", "/networks"))["networks"])
    neutron_error(req(net, "POST", "/networks", json={"networks": [
        {"name": unique + "c"}, {"name": unique + "d", "mtu": "x"}]}), 400)
    assert len(ok(req(net, "GET", "/networks"))["networks"]) == before
    for x in made:
        ok(req(net, "DELETE", "/networks/" + x["id"]), 204)


def test_visibility_between_projects(net, user, unique):
    mine = ok(req(net, "POST", "/networks", token=user["token"],
                  json={"network": {"name": unique}}), 201)["network"]
    assert mine["project_id"] == user["project_id"]
    admin_net = ok(req(net, "POST", "/networks", json={"network": {"name": unique + "adm"}}),
                   201)["network"]
    listed = {n["id"] for n in ok(req(net, "GET", "/networks", token=user["token"]))["networks"]}
    assert mine["id"] in listed and admin_net["id"] not in listed
    neutron_error(req(net, "GET", "/networks/" + admin_net["id"], token=user["token"]), 404)
    neutron_error(req(net, "DELETE", "/networks/" + admin_net["id"], token=user["token"]), 404)
    # shared: visible, not writable
    ok(req(net, "PUT", "/networks/" + admin_net["id"], json={"network": {"shared": True}}))
    ok(req(net, "GET", "/networks/" + admin_net["id"], token=user["token"]))
    neutron_error(req(net, "PUT", "/networks/" + admin_net["id"], token=user["token"],
                      json={"network": {"name": "x"}}), 403)
    ok(req(net, "DELETE", "/networks/" + admin_net["id"]), 204)
    ok(req(net, "DELETE", "/networks/" + mine["id"], token=user["token"]), 204)


def test_filters_fields_sorting_pagination(net, unique):
    ids = []
    for i in range(5):
        n = ok(req(net, "POST", "/networks", json={"network": {
            "name": "%s-%d" % (unique, i), "admin_state_up": i % 2 == 0}}), 201)["network"]
        ids.append(n["id"])
    got = ok(req(net, "GET", "/networks?name=%s-1&name=%s-3" % (unique, unique)))["networks"]
    assert sorted(x["name"] for x in got) == ["%s-1" % unique, "%s-3" % unique]
    got = ok(req(net, "GET", "/networks?admin_state_up=False&fields=id&fields=name"))["networks"]
    assert all(set(x) == {"id", "name"} for x in got)
    assert {"%s-1" % unique, "%s-3" % unique} <= {x["name"] for x in got}
    got = ok(req(net, "GET", "/networks?sort_key=name&sort_dir=desc"))["networks"]
    names = [x["name"] for x in got]
    assert names == sorted(names, reverse=True)
    page = ok(req(net, "GET", "/networks?sort_key=name&sort_dir=asc&limit=2"))
    assert len(page["networks"]) == 2
    nxt = [link for link in page["networks_links"] if link["rel"] == "next"][0]["href"]
    rest = ok(net.request("GET", nxt[nxt.index("/network/"):]))
    assert rest["networks"][0]["name"] > page["networks"][1]["name"]
    neutron_error(req(net, "GET", "/networks?sort_dir=sideways"), 400)
    neutron_error(req(net, "GET", "/networks?no_such_attribute=1"), 400)  # filter-validation
    # the SDK pages through everything
    conn = sdk(net)
    assert set(ids) <= {n.id for n in conn.network.networks(limit=2)}
    for i in ids:
        ok(req(net, "DELETE", "/networks/" + i), 204)


def test_if_match_revision(net, unique):
    n = ok(req(net, "POST", "/networks", json={"network": {"name": unique}}), 201)["network"]
    neutron_error(req(net, "PUT", "/networks/" + n["id"], headers={
        "If-Match": "revision_number=7"}, json={"network": {"name": "x"}}), 412)
    ok(req(net, "PUT", "/networks/" + n["id"], headers={"If-Match": "revision_number=0"},
           json={"network": {"name": "y"}}))
    ok(req(net, "DELETE", "/networks/" + n["id"]), 204)


def test_tags_on_networks(net, unique):
    n = ok(req(net, "POST", "/networks", json={"network": {"name": unique}}), 201)["network"]
    base = "/networks/%s/tags" % n["id"]
    assert req(net, "PUT", base + "/red").status_code == 201
    ok(req(net, "PUT", base, json={"tags": ["a", "b", "a"]}))
    assert sorted(ok(req(net, "GET", base))["tags"]) == ["a", "b"]
    assert req(net, "GET", base + "/a").status_code == 204
    neutron_error(req(net, "GET", base + "/zzz"), 404)
    assert n["id"] in {x["id"] for x in ok(req(net, "GET", "/networks?tags=a,b"))["networks"]}
    assert n["id"] not in {x["id"] for x in
                           ok(req(net, "GET", "/networks?not-tags-any=a"))["networks"]}
    assert req(net, "DELETE", base + "/a").status_code == 204
    assert req(net, "DELETE", base).status_code == 204
    assert ok(req(net, "GET", base))["tags"] == []
    net.cli("network", "set", "--tag", "cli-tag", unique)
    assert "cli-tag" in net.cli("network", "show", unique, "-f", "json")["tags"]
    ok(req(net, "DELETE", "/networks/" + n["id"]), 204)


# ---- subnets and IPAM ----

@pytest.fixture
def network(net, unique):
    n = ok(req(net, "POST", "/networks", json={"network": {"name": unique}}), 201)["network"]
    yield n
    for p in ok(req(net, "GET", "/ports?network_id=" + n["id"]))["ports"]:
        if not p["device_owner"].startswith("network:"):
            req(net, "DELETE", "/ports/" + p["id"])
    req(net, "DELETE", "/networks/" + n["id"])


def subnet(net, network, cidr, **kw):
    body = {"network_id": network["id"], "ip_version": 6 if ":" in cidr else 4, "cidr": cidr}
    body.update(kw)
    return req(net, "POST", "/subnets", json={"subnet": body})


def test_subnet_defaults_and_cli(net, network, unique):
    s = net.cli("subnet", "create", "--network", network["id"], "--subnet-range", "10.5.0.0/24",
                "--dns-nameserver", "10.5.0.1", "--host-route",
                "destination=10.6.0.0/24,gateway=10.5.0.9", unique, "-f", "json")
    assert s["gateway_ip"] == "10.5.0.1" and s["enable_dhcp"] is True
    assert s["allocation_pools"] == [{"start": "10.5.0.2", "end": "10.5.0.254"}]
    assert s["dns_nameservers"] == ["10.5.0.1"]
    assert s["host_routes"] == [{"destination": "10.6.0.0/24", "nexthop": "10.5.0.9"}]
    net.cli("subnet", "set", "--name", unique + "r", "--no-dhcp", unique)
    assert net.cli("subnet", "show", unique + "r", "-f", "json")["enable_dhcp"] is False
    assert ok(req(net, "GET", "/networks/" + network["id"]))["network"]["subnets"] == [s["id"]]
    net.cli("subnet", "delete", unique + "r")


def test_subnet_validation_errors(net, network):
    neutron_error(subnet(net, network, "10.7.0.1/24"), 400)  # host bits set
    neutron_error(subnet(net, network, "10.7.0.0/24", ip_version=6), 400)
    neutron_error(subnet(net, network, "10.7.0.0/24", gateway_ip="10.8.0.1"), 400)
    neutron_error(subnet(net, network, "10.7.0.0/24", allocation_pools=[
        {"start": "10.7.1.2", "end": "10.7.1.9"}]), 400, "OutOfBoundsAllocationPool")
    neutron_error(subnet(net, network, "10.7.0.0/24", allocation_pools=[
        {"start": "10.7.0.1", "end": "10.7.0.9"}]), 409, "GatewayConflictWithAllocationPools")
    neutron_error(subnet(net, network, "10.7.0.0/24", allocation_pools=[
        {"start": "10.7.0.2", "end": "10.7.0.9"}, {"start": "10.7.0.5", "end": "10.7.0.20"}]),
        400, "OverlappingAllocationPools")
    neutron_error(subnet(net, network, "10.7.0.0/24", dns_nameservers=["x"]), 400)
    neutron_error(subnet(net, network, "10.7.0.0/24", ipv6_ra_mode="slaac"), 400)
    neutron_error(subnet(net, network, "bogus"), 400)
    ok(subnet(net, network, "10.7.0.0/24"), 201)
    body = neutron_error(subnet(net, network, "10.7.0.128/25"), 400)
    assert "overlaps" in body["message"]
    neutron_error(req(net, "POST", "/subnets", json={"subnet": {
        "network_id": str(uuid.uuid4()), "ip_version": 4, "cidr": "10.9.0.0/24"}}), 404)


def test_subnet_null_gateway_ipv6_and_pools(net, network):
    s = ok(subnet(net, network, "10.10.0.0/29", gateway_ip=None), 201)["subnet"]
    assert s["gateway_ip"] is None
    assert s["allocation_pools"] == [{"start": "10.10.0.1", "end": "10.10.0.6"}]
    s6 = ok(subnet(net, network, "fd00:10::/64", ipv6_address_mode="slaac",
                   ipv6_ra_mode="slaac"), 201)["subnet"]
    assert s6["gateway_ip"] == "fd00:10::1" and s6["ipv6_ra_mode"] == "slaac"
    p = ok(req(net, "POST", "/ports", json={"port": {"network_id": network["id"]}}), 201)["port"]
    versions = sorted(4 if "." in f["ip_address"] else 6 for f in p["fixed_ips"])
    assert versions == [4, 6]


def test_ipam_exhaustion_and_release(net, network):
    s = ok(subnet(net, network, "10.11.0.0/29", enable_dhcp=False), 201)["subnet"]
    ports = []
    for _ in range(5):  # .2 - .6
        ports.append(ok(req(net, "POST", "/ports", json={"port": {
            "network_id": network["id"]}}), 201)["port"])
    addrs = sorted(p["fixed_ips"][0]["ip_address"] for p in ports)
    assert addrs == ["10.11.0.%d" % i for i in range(2, 7)]
    neutron_error(req(net, "POST", "/ports", json={"port": {"network_id": network["id"]}}), 409,
                  "IpAddressGenerationFailure")
    ok(req(net, "DELETE", "/ports/" + ports[0]["id"]), 204)
    again = ok(req(net, "POST", "/ports", json={"port": {"network_id": network["id"]}}),
               201)["port"]
    assert again["fixed_ips"][0]["ip_address"] == ports[0]["fixed_ips"][0]["ip_address"]
    avail = ok(req(net, "GET", "/network-ip-availabilities/" + network["id"]))[
        "network_ip_availability"]
    assert avail["total_ips"] == 5 and avail["used_ips"] == 5
    assert avail["subnet_ip_availability"][0]["subnet_id"] == s["id"]


def test_port_fixed_ips_and_errors(net, network, unique):
    s = ok(subnet(net, network, "10.12.0.0/24"), 201)["subnet"]
    p = net.cli("port", "create", "--network", network["id"], "--fixed-ip",
                "subnet=%s,ip-address=10.12.0.200" % s["id"], unique, "-f", "json")
    assert p["fixed_ips"][0]["ip_address"] == "10.12.0.200"
    r = net.cli("port", "create", "--network", network["id"], "--fixed-ip",
                "subnet=%s,ip-address=10.12.0.200" % s["id"], unique + "2", check=False)
    assert r.returncode != 0
    neutron_error(req(net, "POST", "/ports", json={"port": {
        "network_id": network["id"], "fixed_ips": [{"ip_address": "10.12.0.200"}]}}), 409,
        "IpAddressInUse")
    neutron_error(req(net, "POST", "/ports", json={"port": {
        "network_id": network["id"], "fixed_ips": [{"ip_address": "10.99.0.5"}]}}), 400)
    neutron_error(req(net, "POST", "/ports", json={"port": {
        "network_id": network["id"], "fixed_ips": [{"subnet_id": s["id"],
                                                    "ip_address": "10.12.0.255"}]}}), 400)
    neutron_error(req(net, "POST", "/ports", json={"port": {
        "network_id": network["id"], "mac_address": p["mac_address"]}}), 409, "MacAddressInUse")
    neutron_error(req(net, "POST", "/ports", json={"port": {
        "network_id": network["id"], "mac_address": "01:00:00:00:00:01"}}), 400)
    # update: change the address, the old one is free again
    q = ok(req(net, "PUT", "/ports/" + p["id"], json={"port": {
        "fixed_ips": [{"subnet_id": s["id"], "ip_address": "10.12.0.201"}]}}))["port"]
    assert q["fixed_ips"] == [{"subnet_id": s["id"], "ip_address": "10.12.0.201"}]
    ok(req(net, "POST", "/ports", json={"port": {
        "network_id": network["id"], "fixed_ips": [{"ip_address": "10.12.0.200"}]}}), 201)
    found = ok(req(net, "GET", "/ports?fixed_ips=ip_address%3D10.12.0.201"))["ports"]
    assert [x["id"] for x in found] == [p["id"]]
    neutron_error(req(net, "DELETE", "/networks/" + network["id"]), 409, "NetworkInUse")
    neutron_error(req(net, "DELETE", "/subnets/" + s["id"]), 409, "SubnetInUse")


def test_port_security_groups_pairs_and_binding(net, network, unique):
    ok(subnet(net, network, "10.13.0.0/24"), 201)
    sg = net.cli("security", "group", "create", unique, "-f", "json")
    p = ok(req(net, "POST", "/ports", json={"port": {
        "network_id": network["id"], "security_groups": [sg["id"]],
        "allowed_address_pairs": [{"ip_address": "10.13.0.128/25"}],
        "binding:host_id": "stackd"}}), 201)["port"]
    assert p["security_groups"] == [sg["id"]]
    assert p["allowed_address_pairs"] == [{"ip_address": "10.13.0.128/25",
                                           "mac_address": p["mac_address"]}]
    assert p["binding:vif_type"] == "bridge"
    assert p["binding:vif_details"]["bridge_name"] == "brq" + network["id"][:11]
    neutron_error(req(net, "PUT", "/ports/" + p["id"], json={"port": {
        "port_security_enabled": False}}), 409)
    q = ok(req(net, "PUT", "/ports/" + p["id"], json={"port": {
        "port_security_enabled": False, "security_groups": [], "allowed_address_pairs": []}}))
    assert q["port"]["security_groups"] == []
    d = ok(req(net, "POST", "/ports", json={"port": {"network_id": network["id"]}}), 201)["port"]
    default = ok(req(net, "GET", "/security-groups?name=default&project_id=" +
                     d["project_id"]))["security_groups"]
    assert d["security_groups"] == [default[0]["id"]]
    neutron_error(req(net, "POST", "/ports", json={"port": {
        "network_id": network["id"], "security_groups": [str(uuid.uuid4())]}}), 404)


# ---- security groups ----

def test_security_groups_and_rules_with_the_cli(net, unique):
    sg = net.cli("security", "group", "create", unique, "--description", "web", "-f", "json")
    body = ok(req(net, "GET", "/security-groups/" + sg["id"]))["security_group"]
    assert sorted(r["ethertype"] for r in body["security_group_rules"]) == ["IPv4", "IPv6"]
    assert all(r["direction"] == "egress" for r in body["security_group_rules"])
    r1 = net.cli("security", "group", "rule", "create", "--proto", "tcp", "--dst-port", "22",
                 unique, "-f", "json")
    assert r1["port_range_min"] == 22 and r1["port_range_max"] == 22
    assert r1["direction"] == "ingress" and r1["protocol"] == "tcp"
    r2 = net.cli("security", "group", "rule", "create", "--proto", "icmp", "--icmp-type", "8",
                 "--icmp-code", "0", "--remote-ip", "10.0.0.0/8", unique, "-f", "json")
    assert r2["port_range_min"] == 8 and r2["remote_ip_prefix"] == "10.0.0.0/8"
    rows = net.cli("security", "group", "rule", "list", unique, "-f", "json")
    assert {r1["id"], r2["id"]} <= {r["ID"] for r in rows}
    dup = req(net, "POST", "/security-group-rules", json={"security_group_rule": {
        "security_group_id": sg["id"], "direction": "ingress", "protocol": "tcp",
        "port_range_min": 22, "port_range_max": 22}})
    neutron_error(dup, 409, "SecurityGroupRuleExists")
    net.cli("security", "group", "rule", "delete", r1["id"])
    neutron_error(req(net, "GET", "/security-group-rules/" + r1["id"]), 404,
                  "SecurityGroupRuleNotFound")
    net.cli("security", "group", "set", "--name", unique + "2", unique)
    net.cli("security", "group", "delete", unique + "2")
    neutron_error(req(net, "GET", "/security-groups/" + sg["id"]), 404, "SecurityGroupNotFound")


def test_security_group_rule_validation(net, unique):
    sg = ok(req(net, "POST", "/security-groups", json={"security_group": {"name": unique}}),
            201)["security_group"]

    def rule(**kw):
        body = {"security_group_id": sg["id"], "direction": "ingress"}
        body.update(kw)
        return req(net, "POST", "/security-group-rules", json={"security_group_rule": body})

    neutron_error(rule(direction="sideways"), 400)
    neutron_error(rule(ethertype="IPv5"), 400)
    neutron_error(rule(protocol="bogus"), 400)
    neutron_error(rule(port_range_min=22, port_range_max=22), 400)
    neutron_error(rule(protocol="tcp", port_range_min=30, port_range_max=20), 400)
    neutron_error(rule(protocol="tcp", port_range_min=0, port_range_max=70000), 400)
    neutron_error(rule(protocol="icmp", port_range_min=300), 400)
    neutron_error(rule(protocol="tcp", remote_ip_prefix="fd00::/8"), 400)
    neutron_error(rule(remote_ip_prefix="10.0.0.0/8", remote_group_id=sg["id"]), 400)
    neutron_error(rule(remote_group_id=str(uuid.uuid4())), 404)
    r = ok(rule(protocol="6", port_range_min=80, port_range_max=90), 201)["security_group_rule"]
    assert r["protocol"] == "6" and r["ethertype"] == "IPv4"
    r = ok(rule(protocol="icmp", ethertype="IPv6"), 201)["security_group_rule"]
    assert r["protocol"] == "ipv6-icmp"
    ok(rule(protocol=None, remote_group_id=sg["id"]), 201)
    neutron_error(req(net, "POST", "/security-groups", json={"security_group": {
        "name": "default"}}), 409)


def test_default_group_created_on_first_use(net, user):
    groups = ok(req(net, "GET", "/security-groups", token=user["token"]))["security_groups"]
    default = [g for g in groups if g["name"] == "default"]
    assert len(default) == 1 and default[0]["project_id"] == user["project_id"]
    rules = default[0]["security_group_rules"]
    ingress = [r for r in rules if r["direction"] == "ingress"]
    assert len(rules) == 4 and len(ingress) == 2
    assert all(r["remote_group_id"] == default[0]["id"] for r in ingress)
    neutron_error(req(net, "DELETE", "/security-groups/" + default[0]["id"],
                      token=user["token"]), 409)
    neutron_error(req(net, "PUT", "/security-groups/" + default[0]["id"], token=user["token"],
                      json={"security_group": {"name": "other"}}), 409)


def test_security_group_in_use_cannot_be_deleted(net, network, unique):
    sg = ok(req(net, "POST", "/security-groups", json={"security_group": {"name": unique}}),
            201)["security_group"]
    p = ok(req(net, "POST", "/ports", json={"port": {
        "network_id": network["id"], "security_groups": [sg["id"]]}}), 201)["port"]
    neutron_error(req(net, "DELETE", "/security-groups/" + sg["id"]), 409, "SecurityGroupInUse")
    ok(req(net, "DELETE", "/ports/" + p["id"]), 204)
    ok(req(net, "DELETE", "/security-groups/" + sg["id"]), 204)


# ---- routers and floating IPs ----

def test_router_interfaces_overlap_and_floating_ips(net, unique):
    public = ok(req(net, "GET", "/networks?name=public"))["networks"][0]
    n1 = net.cli("network", "create", unique + "1", "-f", "json")
    n2 = net.cli("network", "create", unique + "2", "-f", "json")
    s1 = net.cli("subnet", "create", "--network", n1["id"], "--subnet-range", "10.20.0.0/24",
                 unique + "s1", "-f", "json")
    s2 = net.cli("subnet", "create", "--network", n2["id"], "--subnet-range", "10.20.0.0/25",
                 unique + "s2", "-f", "json")
    r = net.cli("router", "create", unique, "-f", "json")
    assert r["external_gateway_info"] is None
    net.cli("router", "set", "--external-gateway", "public", unique)
    info = net.cli("router", "show", unique, "-f", "json")["external_gateway_info"]
    assert info["network_id"] == public["id"] and info["enable_snat"] is True
    assert info["external_fixed_ips"][0]["ip_address"].startswith("172.24.4.")
    net.cli("router", "add", "subnet", unique, unique + "s1")
    iface = [p for p in ok(req(net, "GET", "/ports?device_id=" + r["id"]))["ports"]
             if p["device_owner"] == "network:router_interface"]
    assert iface[0]["fixed_ips"][0]["ip_address"] == "10.20.0.1"
    body = neutron_error(req(net, "PUT", "/routers/%s/add_router_interface" % r["id"],
                             json={"subnet_id": s2["id"]}), 400)
    assert "overlaps" in body["message"]
    neutron_error(req(net, "PUT", "/routers/%s/add_router_interface" % r["id"],
                      json={"subnet_id": s1["id"]}), 400)
    # a port of the network, then a floating IP on it
    port = net.cli("port", "create", "--network", n1["id"], unique + "p", "-f", "json")
    fip = net.cli("floating", "ip", "create", "public", "-f", "json")
    assert fip["floating_ip_address"].startswith("172.24.4.") and fip["port_id"] is None
    assert fip["status"] == "DOWN"
    net.cli("floating", "ip", "set", "--port", port["id"], fip["id"])
    f = ok(req(net, "GET", "/floatingips/" + fip["id"]))["floatingip"]
    assert f["port_id"] == port["id"] and f["router_id"] == r["id"]
    assert f["fixed_ip_address"] == port["fixed_ips"][0]["ip_address"]
    assert f["status"] == "ACTIVE" and f["port_details"]["network_id"] == n1["id"]
    # the interface a floating IP depends on stays
    neutron_error(req(net, "PUT", "/routers/%s/remove_router_interface" % r["id"],
                      json={"subnet_id": s1["id"]}), 409, "RouterInterfaceInUseByFloatingIP")
    neutron_error(req(net, "PUT", "/routers/" + r["id"], json={"router": {
        "external_gateway_info": {}}}), 409, "RouterExternalGatewayInUseByFloatingIp")
    neutron_error(req(net, "DELETE", "/routers/" + r["id"]), 409, "RouterInUse")
    neutron_error(req(net, "DELETE", "/ports/" + iface[0]["id"]), 409)
    # static routes must go through an attached subnet
    neutron_error(req(net, "PUT", "/routers/" + r["id"], json={"router": {"routes": [
        {"destination": "10.50.0.0/24", "nexthop": "10.99.0.5"}]}}), 400)
    ok(req(net, "PUT", "/routers/" + r["id"], json={"router": {"routes": [
        {"destination": "10.50.0.0/24", "nexthop": "10.20.0.5"}]}}))
    # a floating IP on a network without a router to it
    lone = ok(req(net, "POST", "/ports", json={"port": {"network_id": n2["id"]}}), 201)["port"]
    neutron_error(req(net, "PUT", "/floatingips/" + fip["id"], json={"floatingip": {
        "port_id": lone["id"]}}), 404, "ExternalGatewayForFloatingIPNotFound")
    # a chosen address, twice
    f2 = ok(req(net, "POST", "/floatingips", json={"floatingip": {
        "floating_network_id": public["id"], "floating_ip_address": "172.24.4.200"}}), 201)
    assert f2["floatingip"]["floating_ip_address"] == "172.24.4.200"
    neutron_error(req(net, "POST", "/floatingips", json={"floatingip": {
        "floating_network_id": public["id"], "floating_ip_address": "172.24.4.200"}}), 409)
    neutron_error(req(net, "POST", "/floatingips", json={"floatingip": {
        "floating_network_id": n1["id"]}}), 400)
    # teardown in the order a user would
    net.cli("floating", "ip", "unset", "--port", fip["id"])
    net.cli("floating", "ip", "delete", fip["id"], f2["floatingip"]["id"])
    ok(req(net, "PUT", "/routers/" + r["id"], json={"router": {"routes": []}}))
    net.cli("router", "remove", "subnet", unique, unique + "s1")
    net.cli("router", "unset", "--external-gateway", unique)
    net.cli("router", "delete", unique)
    for p in (port["id"], lone["id"]):
        ok(req(net, "DELETE", "/ports/" + p), 204)
    net.cli("network", "delete", unique + "1", unique + "2")


def test_router_interface_by_port_and_member_policy(net, user, unique):
    t = user["token"]
    n = ok(req(net, "POST", "/networks", token=t, json={"network": {"name": unique}}),
           201)["network"]
    s = ok(req(net, "POST", "/subnets", token=t, json={"subnet": {
        "network_id": n["id"], "ip_version": 4, "cidr": "10.30.0.0/24"}}), 201)["subnet"]
    r = ok(req(net, "POST", "/routers", token=t, json={"router": {"name": unique}}),
           201)["router"]
    p = ok(req(net, "POST", "/ports", token=t, json={"port": {
        "network_id": n["id"], "fixed_ips": [{"ip_address": "10.30.0.50"}]}}), 201)["port"]
    info = ok(req(net, "PUT", "/routers/%s/add_router_interface" % r["id"], token=t,
                  json={"port_id": p["id"]}))
    assert info["port_id"] == p["id"] and info["subnet_id"] == s["id"]
    neutron_error(req(net, "PUT", "/routers/%s/add_router_interface" % r["id"], token=t,
                      json={"port_id": p["id"]}), 409)
    # members may set a gateway but not its SNAT mode
    public = ok(req(net, "GET", "/networks?name=public", token=t))["networks"][0]
    neutron_error(req(net, "PUT", "/routers/" + r["id"], token=t, json={"router": {
        "external_gateway_info": {"network_id": public["id"], "enable_snat": False}}}), 403)
    ok(req(net, "PUT", "/routers/" + r["id"], token=t, json={"router": {
        "external_gateway_info": {"network_id": public["id"]}}}))
    neutron_error(req(net, "PUT", "/routers/" + r["id"], token=t, json={"router": {
        "external_gateway_info": {"network_id": n["id"]}}}), 400)
    ok(req(net, "PUT", "/routers/%s/remove_router_interface" % r["id"], token=t,
           json={"port_id": p["id"]}))
    neutron_error(req(net, "PUT", "/routers/%s/remove_router_interface" % r["id"], token=t,
                      json={"subnet_id": s["id"]}), 404)
    # removing an interface deletes its port, as Neutron does
    neutron_error(req(net, "GET", "/ports/" + p["id"], token=t), 404)
    ok(req(net, "DELETE", "/routers/" + r["id"], token=t), 204)
    ok(req(net, "DELETE", "/networks/" + n["id"], token=t), 204)


# ---- quotas, subnet pools, misc ----

def test_quotas(net, user, unique):
    pid = user["project_id"]
    q = ok(req(net, "GET", "/quotas/" + pid))["quota"]
    assert q["network"] == 100 and q["port"] == 500
    ok(req(net, "PUT", "/quotas/" + pid, json={"quota": {"network": 1}}))
    t = user["token"]
    existing = len([n for n in ok(req(net, "GET", "/networks", token=t))["networks"]
                    if n["project_id"] == pid])
    made = []
    for i in range(2 - existing):
        r = req(net, "POST", "/networks", token=t, json={"network": {"name": unique}})
        if r.status_code == 201:
            made.append(r.json()["network"]["id"])
        else:
            neutron_error(r, 409, "OverQuota")
    neutron_error(req(net, "POST", "/networks", token=t, json={"network": {}}), 409, "OverQuota")
    d = ok(req(net, "GET", "/quotas/%s/details.json" % pid))["quota"]
    assert d["network"]["limit"] == 1 and d["network"]["used"] >= 1
    assert pid in {x["project_id"] for x in ok(req(net, "GET", "/quotas"))["quotas"]}
    neutron_error(req(net, "PUT", "/quotas/" + pid, token=t,
                      json={"quota": {"network": 50}}), 403)
    assert req(net, "DELETE", "/quotas/" + pid).status_code == 204
    assert ok(req(net, "GET", "/quotas/" + pid))["quota"]["network"] == 100
    for i in made:
        ok(req(net, "DELETE", "/networks/" + i, token=t), 204)


def test_subnet_pools(net, network, unique):
    pool = ok(req(net, "POST", "/subnetpools", json={"subnetpool": {
        "name": unique, "prefixes": ["10.100.0.0/16"], "default_prefixlen": 26}}),
        201)["subnetpool"]
    assert pool["ip_version"] == 4 and pool["min_prefixlen"] == 8
    a = ok(req(net, "POST", "/subnets", json={"subnet": {
        "network_id": network["id"], "ip_version": 4, "subnetpool_id": pool["id"]}}),
        201)["subnet"]
    b = ok(req(net, "POST", "/subnets", json={"subnet": {
        "network_id": network["id"], "ip_version": 4, "subnetpool_id": pool["id"],
        "prefixlen": 28}}), 201)["subnet"]
    assert a["cidr"] == "10.100.0.0/26" and b["cidr"] == "10.100.0.64/28"
    neutron_error(req(net, "DELETE", "/subnetpools/" + pool["id"]), 409)
    for s in (a, b):
        ok(req(net, "DELETE", "/subnets/" + s["id"]), 204)
    ok(req(net, "DELETE", "/subnetpools/" + pool["id"]), 204)


def test_unknown_routes_and_methods(net):
    assert req(net, "GET", "/nothing-here").status_code == 404
    assert req(net, "PATCH", "/networks").status_code == 405


def test_openstacksdk_round_trip(net, unique):
    conn = sdk(net)
    n = conn.network.create_network(name=unique)
    s = conn.network.create_subnet(network_id=n.id, ip_version=4, cidr="10.40.0.0/24")
    p = conn.network.create_port(network_id=n.id)
    assert p.fixed_ips[0]["subnet_id"] == s.id
    assert conn.network.find_network(unique).id == n.id
    sg = conn.network.create_security_group(name=unique)
    conn.network.create_security_group_rule(security_group_id=sg.id, direction="ingress",
                                           protocol="udp", port_range_min=53,
                                           port_range_max=53)
    assert len(list(conn.network.security_group_rules(security_group_id=sg.id))) == 3
    conn.network.delete_port(p)
    conn.network.delete_security_group(sg)
    conn.network.delete_network(n)
    assert conn.network.find_network(unique) is None
