"""Behaviours that microversions 2.5-2.58 add or change, with the fake
driver: the ip/ip6 filters, the proxy APIs removed at 2.36/2.43 (404),
accessIPv4/accessIPv6 and a client's adminPass, rebuilding a stopped
server, server diagnostics (2.48), trigger_crash_dump (2.17), and the
instance actions of deleted servers (2.21) with paging (2.58)."""
import os
import time

import jsonschema
from tempest.lib.api_schema.response.compute.v2_1 import servers as schema21
from tempest.lib.api_schema.response.compute.v2_48 import servers as schema248
from tempest.lib.api_schema.response.compute.v2_58 import servers as schema258

from conftest_compute import fake, image, make_project  # noqa: F401


def boot(c, image, name, token=None, networks="none", **extra):
    server = {"name": name, "imageRef": image, "flavorRef": "1", "networks": networks}
    server.update(extra)
    r = c.nova("POST", "/servers", token=token, mv="2.37", json={"server": server})
    assert r.status_code == 202, r.text
    c.wait_status(r.json()["server"]["id"], "ACTIVE", token=token)
    return r.json()["server"]


def validate(schema, r):
    assert r.status_code in schema["status_code"], r.text
    jsonschema.Draft4Validator(schema["response_body"]).validate(r.json())


def test_proxy_apis_are_404_from_the_microversion_that_removed_them(fake, image, unique):
    for path in ("/os-security-groups", "/os-floating-ips", "/os-networks", "/images",
                 "/os-floating-ip-pools", "/os-tenant-networks"):
        assert fake.nova("GET", path, mv="2.35").status_code != 404, path
        r = fake.nova("GET", path, mv="2.36")
        assert r.status_code == 404, (path, r.text)
        assert r.json()["itemNotFound"]["code"] == 404
    assert fake.nova("POST", "/os-security-groups", mv="2.36",
                     json={"security_group": {"name": "x"}}).status_code == 404
    assert fake.nova("GET", "/os-hosts", mv="2.42").status_code == 200
    assert fake.nova("GET", "/os-hosts", mv="2.43").status_code == 404
    sid = boot(fake, image, unique)["id"]
    path = "/servers/%s/os-virtual-interfaces" % sid
    # Nova Zed answers it 410 Gone at every microversion.
    assert fake.nova("GET", path, mv="2.43").status_code == 410
    assert fake.nova("GET", path, mv="2.44").status_code == 410
    fake.nova("DELETE", "/servers/" + sid)


def test_ip_and_ip6_filters_match_the_servers_addresses(fake, image, unique):
    token, pid, _ = make_project(fake, unique)
    net = fake.request("POST", "/network/v2.0/networks", token=token,
                       json={"network": {"name": unique}}).json()["network"]
    for cidr, version in (("10.78.0.0/24", 4), ("fd00:78::/64", 6)):
        r = fake.request("POST", "/network/v2.0/subnets", token=token, json={"subnet": {
            "network_id": net["id"], "cidr": cidr, "ip_version": version}})
        assert r.status_code == 201, r.text
    on_net = boot(fake, image, unique + "-a", token=token, networks=[{"uuid": net["id"]}])
    off_net = boot(fake, image, unique + "-b", token=token)
    addrs = fake.nova("GET", "/servers/" + on_net["id"], token=token).json()[
        "server"]["addresses"][unique]
    v4 = [a["addr"] for a in addrs if a["version"] == 4][0]
    v6 = [a["addr"] for a in addrs if a["version"] == 6][0]

    def listed(query, mv="2.37"):
        r = fake.nova("GET", "/servers?" + query, token=token, mv=mv)
        assert r.status_code == 200, r.text
        return {s["id"] for s in r.json()["servers"]}

    assert listed("ip=10.78.0") == {on_net["id"]}
    assert listed("ip=" + v4.replace(".", "\\.")) == {on_net["id"]}
    assert listed("ip=0.78") == set()  # matched from the start, as re.match
    assert listed("ip=fd00") == set()  # ip is IPv4 only
    assert listed("ip6=fd00:78:") == {on_net["id"]}
    assert listed("ip6=" + v6) == {on_net["id"]}
    assert listed("ip6=10.78") == set()
    # Before 2.5 ip6 is an admin filter: a member's is ignored.
    assert listed("ip6=fd00:78:", mv="2.4") == {on_net["id"], off_net["id"]}
    for s in (on_net, off_net):
        fake.nova("DELETE", "/servers/" + s["id"], token=token)


def test_access_ips_and_a_client_admin_pass(fake, image, unique):
    created = boot(fake, image, unique, accessIPv4="192.0.2.7",
                   accessIPv6="2001:DB8:0:0::1", adminPass="s3cret-pass")
    assert created["adminPass"] == "s3cret-pass"
    sid = created["id"]
    shown = fake.nova("GET", "/servers/" + sid).json()["server"]
    assert shown["accessIPv4"] == "192.0.2.7" and shown["accessIPv6"] == "2001:db8::1"
    for field, bad in (("accessIPv4", "192.0.2.300"), ("accessIPv4", "2001:db8::1"),
                       ("accessIPv6", "192.0.2.1"), ("accessIPv6", 7)):
        r = fake.nova("POST", "/servers", mv="2.37", json={"server": {
            "name": unique, "imageRef": image, "flavorRef": "1", "networks": "none",
            field: bad}})
        assert r.status_code == 400 and field in r.json()["badRequest"]["message"], r.text
        r = fake.nova("PUT", "/servers/" + sid, json={"server": {field: bad}})
        assert r.status_code == 400, r.text
    r = fake.nova("PUT", "/servers/" + sid, json={"server": {"accessIPv4": "198.51.100.1"}})
    assert r.status_code == 200 and r.json()["server"]["accessIPv4"] == "198.51.100.1"
    assert r.json()["server"]["accessIPv6"] == "2001:db8::1"
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": "1", "networks": "none",
        "adminPass": 12}})
    assert r.status_code == 400, r.text
    fake.nova("DELETE", "/servers/" + sid)


def test_rebuilding_a_stopped_server_leaves_it_shutoff(fake, image, unique):
    sid = boot(fake, image, unique)["id"]
    assert fake.nova("POST", "/servers/%s/action" % sid, json={"os-stop": None}).status_code == 202
    fake.wait_status(sid, "SHUTOFF")
    r = fake.nova("POST", "/servers/%s/action" % sid, json={"rebuild": {
        "imageRef": image, "adminPass": "given-pass", "accessIPv4": "192.0.2.9"}})
    assert r.status_code == 202, r.text
    assert r.json()["server"]["adminPass"] == "given-pass"
    s = fake.wait_status(sid, "SHUTOFF")
    assert s["OS-EXT-STS:vm_state"] == "stopped" and s["OS-EXT-STS:power_state"] == 4
    assert s["accessIPv4"] == "192.0.2.9"
    actions = fake.nova("GET", "/servers/%s/os-instance-actions" % sid).json()
    assert actions["instanceActions"][0]["action"] == "rebuild"
    # An active one is rebuilt and runs again.
    assert fake.nova("POST", "/servers/%s/action" % sid, json={"os-start": None}).status_code == 202
    fake.wait_status(sid, "ACTIVE")
    r = fake.nova("POST", "/servers/%s/action" % sid, json={"rebuild": {"imageRef": image}})
    assert r.status_code == 202 and len(r.json()["server"]["adminPass"]) > 0
    assert fake.wait_status(sid, "ACTIVE")["OS-EXT-STS:power_state"] == 1
    fake.nova("DELETE", "/servers/" + sid)


def test_server_diagnostics_for_admins(fake, image, unique):
    token, _, _ = make_project(fake, unique)
    sid = boot(fake, image, unique, token=token)["id"]
    path = "/servers/%s/diagnostics" % sid
    assert fake.nova("GET", path, token=token, mv="2.48").status_code == 403
    r = fake.nova("GET", path, mv="2.48")
    validate(schema248.show_server_diagnostics, r)
    d = r.json()
    assert d["state"] == "running" and d["num_cpus"] == 1 and d["num_nics"] == 0
    assert d["memory_details"]["maximum"] == 512 and d["num_disks"] == 1
    assert d["hypervisor"] == "fake" and d["config_drive"] is False
    assert isinstance(d["uptime"], int) and d["uptime"] >= 0
    legacy = fake.nova("GET", path, mv="2.47")
    validate(schema21.show_server_diagnostics, legacy)
    assert legacy.json()["memory"] == 512 * 1024 and "state" not in legacy.json()
    fake.nova("POST", "/servers/%s/action" % sid, json={"os-stop": None})
    fake.wait_status(sid, "SHUTOFF")
    d = fake.nova("GET", path, mv="2.48").json()
    assert d["state"] == "shutdown" and d["uptime"] is None
    assert fake.nova("GET", "/servers/%s/diagnostics" % ("0" * 8 + "-0000-4000-8000-" + "0" * 12),
                     mv="2.48").status_code == 404
    fake.nova("DELETE", "/servers/" + sid)


def test_trigger_crash_dump_sends_an_nmi(fake, image, unique):
    sid = boot(fake, image, unique)["id"]
    act = "/servers/%s/action" % sid
    assert fake.nova("POST", act, mv="2.16", json={"trigger_crash_dump": None}).status_code == 404
    r = fake.nova("POST", act, mv="2.17", json={"trigger_crash_dump": {}})
    assert r.status_code == 400, r.text
    nmi = os.path.join(fake.data_dir, "compute", "fake", sid + ".nmi")
    assert not os.path.exists(nmi)
    r = fake.nova("POST", act, mv="2.17", json={"trigger_crash_dump": None})
    assert r.status_code == 202, r.text
    assert open(nmi).read().startswith("nmi ")
    actions = fake.nova("GET", "/servers/%s/os-instance-actions" % sid).json()
    first = actions["instanceActions"][0]
    assert first["action"] == "trigger_crash_dump" and first["message"] is None
    fake.nova("POST", act, json={"lock": None})
    token, _, _ = make_project(fake, unique)
    fake.nova("POST", act, json={"os-stop": None})
    fake.wait_status(sid, "SHUTOFF")
    r = fake.nova("POST", act, mv="2.17", json={"trigger_crash_dump": None})
    assert r.status_code == 409 and "vm_state stopped" in r.json()["conflictingRequest"]["message"]
    fake.nova("POST", act, json={"unlock": None})
    fake.nova("DELETE", "/servers/" + sid)
    fake.wait_status(sid, "DELETED")
    assert not os.path.exists(nmi)


def test_actions_of_a_deleted_server_from_2_21(fake, image, unique):
    token, _, _ = make_project(fake, unique)
    other, _, _ = make_project(fake, unique + "o")
    sid = boot(fake, image, unique, token=token)["id"]
    assert fake.nova("DELETE", "/servers/" + sid, token=token).status_code == 204
    fake.wait_status(sid, "DELETED", token=token)
    path = "/servers/%s/os-instance-actions" % sid
    assert fake.nova("GET", path, token=token, mv="2.20").status_code == 404
    r = fake.nova("GET", path, token=token, mv="2.21")
    validate(schema21.list_instance_actions, r)
    names = [a["action"] for a in r.json()["instanceActions"]]
    assert names == ["delete", "create"]
    rid = r.json()["instanceActions"][0]["request_id"]
    r = fake.nova("GET", path + "/" + rid, token=token, mv="2.21")
    assert r.status_code == 200 and r.json()["instanceAction"]["action"] == "delete"
    assert fake.nova("GET", path, mv="2.21").status_code == 200  # admin
    assert fake.nova("GET", path, token=other, mv="2.21").status_code == 404
    assert fake.nova("GET", "/servers/%s/os-instance-actions" % ("1" * 8 + "-1111-4111-8111-"
                     + "1" * 12), token=token, mv="2.21").status_code == 404


def test_instance_actions_paging_and_updated_at_from_2_58(fake, image, unique):
    sid = boot(fake, image, unique)["id"]
    act = "/servers/%s/action" % sid
    for body in ({"lock": None}, {"unlock": None}, {"lock": None}, {"unlock": None}):
        assert fake.nova("POST", act, json=body).status_code == 202
    path = "/servers/%s/os-instance-actions" % sid
    everything = fake.nova("GET", path, mv="2.58").json()
    assert [a["action"] for a in everything["instanceActions"]] == [
        "unlock", "lock", "unlock", "lock", "create"]
    assert "links" not in everything
    assert all("updated_at" in a for a in everything["instanceActions"])
    assert "updated_at" not in fake.nova("GET", path, mv="2.57").json()["instanceActions"][0]
    r = fake.nova("GET", path + "?limit=2", mv="2.58")
    page = r.json()
    assert [a["action"] for a in page["instanceActions"]] == ["unlock", "lock"]
    nxt = page["links"][0]
    assert nxt["rel"] == "next" and "marker=" + page["instanceActions"][1]["request_id"] \
        in nxt["href"]
    marker = page["instanceActions"][1]["request_id"]
    rest = fake.nova("GET", path + "?marker=" + marker, mv="2.58").json()
    assert [a["action"] for a in rest["instanceActions"]] == ["unlock", "lock", "create"]
    assert fake.nova("GET", path + "?marker=req-nope", mv="2.58").status_code == 400
    assert fake.nova("GET", path + "?limit=x", mv="2.58").status_code == 400
    future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    assert fake.nova("GET", path + "?changes-since=" + future,
                     mv="2.58").json()["instanceActions"] == []
    past = "2000-01-01T00:00:00Z"
    assert len(fake.nova("GET", path + "?changes-since=" + past,
                         mv="2.58").json()["instanceActions"]) == 5
    # Before 2.58 the parameters are not there: everything comes back.
    assert len(fake.nova("GET", path + "?limit=1", mv="2.57").json()["instanceActions"]) == 5
    rid = everything["instanceActions"][0]["request_id"]
    validate(schema258.show_instance_action,
             fake.nova("GET", path + "/" + rid, mv="2.58"))
    fake.nova("DELETE", "/servers/" + sid)


def test_rebuild_changes_key_pair_and_user_data(fake, image, unique):
    """2.54: rebuild's key_name replaces the key pair (null removes it);
    2.57: its user_data replaces the server's (null removes it). Both are
    what the rebuilt guest's metadata and config drive are made from."""
    import base64
    for name in ("a", "b"):
        r = fake.nova("POST", "/os-keypairs", mv="2.2",
                      json={"keypair": {"name": "%s-%s" % (unique, name)}})
        assert r.status_code == 201, r.text
    old_ud = base64.b64encode(b"#!/bin/sh\necho old\n").decode()
    new_ud = base64.b64encode(b"#!/bin/sh\necho new\n").decode()
    sid = boot(fake, image, unique, key_name=unique + "-a", user_data=old_ud)["id"]
    act = "/servers/%s/action" % sid
    r = fake.nova("POST", act, mv="2.53", json={"rebuild": {
        "imageRef": image, "key_name": unique + "-b"}})
    assert r.status_code == 400, r.text  # not before 2.54
    r = fake.nova("POST", act, mv="2.57", json={"rebuild": {
        "imageRef": image, "key_name": unique + "-b", "user_data": new_ud}})
    assert r.status_code == 202, r.text
    assert r.json()["server"]["key_name"] == unique + "-b"
    assert r.json()["server"]["user_data"] == new_ud
    s = fake.wait_status(sid, "ACTIVE")
    shown = fake.nova("GET", "/servers/" + sid, mv="2.57").json()["server"]
    assert shown["key_name"] == unique + "-b"
    assert shown["OS-EXT-SRV-ATTR:user_data"] == new_ud
    r = fake.nova("POST", act, mv="2.57", json={"rebuild": {
        "imageRef": image, "key_name": None, "user_data": None}})
    assert r.status_code == 202, r.text
    fake.wait_status(sid, "ACTIVE")
    shown = fake.nova("GET", "/servers/" + sid, mv="2.57").json()["server"]
    assert shown["key_name"] is None and shown["OS-EXT-SRV-ATTR:user_data"] is None
    r = fake.nova("POST", act, mv="2.54", json={"rebuild": {
        "imageRef": image, "key_name": unique + "-nope"}})
    assert r.status_code == 400, r.text
    assert s["status"] == "ACTIVE"
    fake.nova("DELETE", "/servers/" + sid)


def test_hypervisors_limit_and_marker_from_2_33(fake):
    from tempest.lib.api_schema.response.compute.v2_33 import hypervisors as h233
    r = fake.nova("GET", "/os-hypervisors?limit=1", mv="2.33")
    validate(h233.list_search_hypervisors, r)
    hid = r.json()["hypervisors"][0]["id"]
    assert "marker=%s" % hid in r.json()["hypervisors_links"][0]["href"]
    r = fake.nova("GET", "/os-hypervisors/detail?marker=%s" % hid, mv="2.33")
    validate(h233.list_hypervisors_detail, r)
    assert r.json()["hypervisors"] == [] and "hypervisors_links" not in r.json()
    assert fake.nova("GET", "/os-hypervisors?limit=0", mv="2.33").json()["hypervisors"] == []
    assert fake.nova("GET", "/os-hypervisors?marker=999999", mv="2.33").status_code == 400
    assert fake.nova("GET", "/os-hypervisors?limit=-1", mv="2.33").status_code == 400
    # Before 2.33 the parameters are not there.
    assert len(fake.nova("GET", "/os-hypervisors?limit=0", mv="2.32").json()["hypervisors"]) == 1
    # From 2.53 the id (and so the marker) is a uuid.
    r = fake.nova("GET", "/os-hypervisors?limit=1", mv="2.53")
    uid = r.json()["hypervisors"][0]["id"]
    assert fake.nova("GET", "/os-hypervisors?marker=" + uid,
                     mv="2.53").json()["hypervisors"] == []


def test_request_id_headers_events_and_strict_migration_queries(fake, image, unique):
    """2.46: X-Compute-Request-ID beside X-OpenStack-Request-ID (both, as
    Nova always sends them); 2.51: a member sees an action's events (admins
    always did); 2.59: os-migrations takes no unknown query parameters."""
    r = fake.nova("GET", "/flavors", mv="2.46")
    assert r.headers["X-Compute-Request-Id"] == r.headers["X-OpenStack-Request-Id"]
    assert r.headers["X-Compute-Request-Id"].startswith("req-")
    token, _, _ = make_project(fake, unique)
    sid = boot(fake, image, unique, token=token)["id"]
    path = "/servers/%s/os-instance-actions" % sid
    rid = fake.nova("GET", path, token=token).json()["instanceActions"][0]["request_id"]
    assert "events" not in fake.nova("GET", path + "/" + rid, token=token,
                                     mv="2.50").json()["instanceAction"]
    assert "events" in fake.nova("GET", path + "/" + rid, mv="2.50").json()["instanceAction"]
    ev = fake.nova("GET", path + "/" + rid, token=token, mv="2.51").json()["instanceAction"]
    assert ev["events"][0]["result"] == "Success" and "traceback" not in ev["events"][0]
    assert fake.nova("GET", "/os-migrations?bogus=1", mv="2.59").status_code == 400
    assert fake.nova("GET", "/os-migrations?bogus=1", mv="2.58").status_code == 200
    assert fake.nova("GET", "/os-migrations?status=error&limit=1", mv="2.59").status_code == 200
    fake.nova("DELETE", "/servers/" + sid, token=token)
