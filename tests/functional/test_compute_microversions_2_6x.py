"""Microversions 2.61-2.75 with the fake driver, each against Tempest's
response schema where it has one: flavor extra_specs (2.61), action event
host/hostId (2.62), trusted image certificates (2.63), server group policy
and rules (2.64), changes-before (2.66), volume_type (2.67), no force on
evacuate/live migration (2.68), interface tags (2.70), server_groups in a
server (2.71), lock reasons and the locked filter (2.73), a requested host
(2.74), and 2.75's strict list query, full update/rebuild views and swap 0;
plus the server list's sorting and tag filters (2.26)."""
import hashlib
import time

import jsonschema
from tempest.lib.common.rest_client import FORMAT_CHECKER
from tempest.lib.api_schema.response.compute.v2_61 import flavors as flavors261
from tempest.lib.api_schema.response.compute.v2_62 import servers as servers262
from tempest.lib.api_schema.response.compute.v2_63 import servers as servers263
from tempest.lib.api_schema.response.compute.v2_64 import server_groups as groups264
from tempest.lib.api_schema.response.compute.v2_70 import interfaces as ifaces270
from tempest.lib.api_schema.response.compute.v2_71 import servers as servers271
from tempest.lib.api_schema.response.compute.v2_73 import servers as servers273
from tempest.lib.api_schema.response.compute.v2_75 import servers as servers275

from conftest_compute import fake, image, make_project  # noqa: F401


def validate(schema, r):
    assert r.status_code in schema["status_code"], r.text
    jsonschema.Draft4Validator(schema["response_body"],
                               format_checker=FORMAT_CHECKER).validate(r.json())


def boot(c, image, name, mv="2.37", token=None, wait=True, hints=None, **extra):
    server = {"name": name, "imageRef": image, "flavorRef": "1", "networks": "none"}
    server.update(extra)
    body = {"server": server}
    if hints:
        body["os:scheduler_hints"] = hints
    r = c.nova("POST", "/servers", token=token, mv=mv, json=body)
    assert r.status_code == 202, r.text
    if wait:
        c.wait_status(r.json()["server"]["id"], "ACTIVE", token=token)
    return r.json()["server"]["id"]


def test_flavor_extra_specs_in_flavor_views_from_2_61(fake, unique):
    r = fake.nova("POST", "/flavors", mv="2.61", json={"flavor": {
        "name": unique, "ram": 64, "vcpus": 1, "disk": 1}})
    validate(flavors261.create_update_get_flavor_details, r)
    fid = r.json()["flavor"]["id"]
    assert r.json()["flavor"]["extra_specs"] == {}
    fake.nova("POST", "/flavors/%s/os-extra_specs" % fid,
              json={"extra_specs": {"hw:cpu_policy": "shared"}})
    r = fake.nova("GET", "/flavors/" + fid, mv="2.61")
    validate(flavors261.create_update_get_flavor_details, r)
    assert r.json()["flavor"]["extra_specs"] == {"hw:cpu_policy": "shared"}
    r = fake.nova("GET", "/flavors/detail", mv="2.61")
    validate(flavors261.list_flavors_details, r)
    assert "extra_specs" not in fake.nova("GET", "/flavors/" + fid, mv="2.60").json()["flavor"]
    assert "extra_specs" not in fake.nova("GET", "/flavors", mv="2.61").json()["flavors"][0]
    # 2.75: a swap of 0 is 0, not ""
    assert fake.nova("GET", "/flavors/" + fid, mv="2.74").json()["flavor"]["swap"] == ""
    assert fake.nova("GET", "/flavors/" + fid, mv="2.75").json()["flavor"]["swap"] == 0
    fake.nova("DELETE", "/flavors/" + fid)


def test_action_events_host_and_host_id_from_2_62(fake, image, unique):
    token, pid, _ = make_project(fake, unique)
    sid = boot(fake, image, unique, token=token)
    req_id = fake.nova("GET", "/servers/%s/os-instance-actions" % sid,
                       token=token).json()["instanceActions"][0]["request_id"]
    path = "/servers/%s/os-instance-actions/%s" % (sid, req_id)
    want = hashlib.sha224((pid + "stackd").encode()).hexdigest()
    r = fake.nova("GET", path, mv="2.62")  # admin
    validate(servers262.show_instance_action, r)
    ev = r.json()["instanceAction"]["events"][0]
    assert ev["host"] == "stackd" and ev["hostId"] == want
    r = fake.nova("GET", path, token=token, mv="2.62")
    validate(servers262.show_instance_action, r)
    ev = r.json()["instanceAction"]["events"][0]
    assert "host" not in ev and ev["hostId"] == want
    ev = fake.nova("GET", path, mv="2.61").json()["instanceAction"]["events"][0]
    assert "hostId" not in ev


def test_trusted_image_certificates_from_2_63(fake, image, unique):
    certs = ["0b5d2c72-12cc-4ba6-a8d7-3ff5cc1d8cb8", "674736e3-f25c-405c-8362-bbf991e0ce0a"]
    body = {"name": unique, "imageRef": image, "flavorRef": "1", "networks": "none",
            "trusted_image_certificates": certs}
    r = fake.nova("POST", "/servers", mv="2.62", json={"server": body})
    assert r.status_code == 400 and "trusted_image_certificates" in r.text
    for bad in ([], ["a", "a"], [""], ["x"] * 51, "abc"):
        body["trusted_image_certificates"] = bad
        r = fake.nova("POST", "/servers", mv="2.63", json={"server": body})
        assert r.status_code == 400, (bad, r.text)
    body["trusted_image_certificates"] = certs
    sid = boot(fake, image, unique, mv="2.63", trusted_image_certificates=certs)
    r = fake.nova("GET", "/servers/" + sid, mv="2.63")
    validate(servers263.get_server, r)
    assert r.json()["server"]["trusted_image_certificates"] == certs
    r = fake.nova("GET", "/servers/detail", mv="2.63")
    validate(servers263.list_servers_detail, r)
    assert "trusted_image_certificates" not in fake.nova("GET", "/servers/" + sid,
                                                         mv="2.62").json()["server"]
    other = boot(fake, image, unique + "-none", mv="2.63")
    assert fake.nova("GET", "/servers/" + other, mv="2.63").json()["server"][
        "trusted_image_certificates"] is None
    # rebuild replaces or (null) clears them
    r = fake.nova("POST", "/servers/%s/action" % sid, mv="2.63", json={"rebuild": {
        "imageRef": image, "trusted_image_certificates": certs[:1]}})
    validate(servers263.rebuild_server_with_admin_pass, r)
    assert r.json()["server"]["trusted_image_certificates"] == certs[:1]
    fake.wait_status(sid, "ACTIVE")
    r = fake.nova("POST", "/servers/%s/action" % sid, mv="2.63", json={"rebuild": {
        "imageRef": image, "trusted_image_certificates": None}})
    assert r.status_code == 202 and r.json()["server"]["trusted_image_certificates"] is None


def test_server_group_policy_and_rules_from_2_64(fake, image, unique):
    r = fake.nova("POST", "/os-server-groups", mv="2.64", json={"server_group": {
        "name": unique, "policy": "anti-affinity", "rules": {"max_server_per_host": "2"}}})
    validate(groups264.create_show_server_group, r)
    g = r.json()["server_group"]
    assert g["policy"] == "anti-affinity" and g["rules"] == {"max_server_per_host": 2}
    assert "policies" not in g and "metadata" not in g
    old = fake.nova("GET", "/os-server-groups/" + g["id"], mv="2.63").json()["server_group"]
    assert old["policies"] == ["anti-affinity"] and old["metadata"] == {}
    validate(groups264.list_server_groups, fake.nova("GET", "/os-server-groups", mv="2.64"))
    for bad in ({"policy": "affinity", "rules": {"max_server_per_host": 2}},
                {"policy": "anti-affinity", "rules": {"max_server_per_host": 0}},
                {"policy": "anti-affinity", "rules": {"other": 1}},
                {"policy": "nope"}, {"policies": ["affinity"]}):
        bad = dict(bad, name=unique)
        r = fake.nova("POST", "/os-server-groups", mv="2.64", json={"server_group": bad})
        assert r.status_code == 400, (bad, r.text)
    assert "Only anti-affinity policy supports rules." in fake.nova(
        "POST", "/os-server-groups", mv="2.64", json={"server_group": {
            "name": unique, "policy": "affinity",
            "rules": {"max_server_per_host": 2}}}).text
    # two members fit on the one host, the third does not
    hints = {"group": g["id"]}
    ids = [boot(fake, image, "%s-%d" % (unique, i), hints=hints) for i in range(2)]
    r = fake.nova("POST", "/servers", mv="2.37", json={
        "server": {"name": unique + "-3", "imageRef": image, "flavorRef": "1",
                   "networks": "none"}, "os:scheduler_hints": hints})
    assert r.status_code == 202, r.text
    third = fake.wait_status(r.json()["server"]["id"], "ERROR")
    assert "at most 2 per host" in third["fault"]["message"], third["fault"]
    # 2.71: a server shows its groups (show, not the detail list)
    r = fake.nova("GET", "/servers/" + ids[0], mv="2.71")
    validate(servers271.get_server, r)
    assert r.json()["server"]["server_groups"] == [g["id"]]
    assert "server_groups" not in fake.nova("GET", "/servers/" + ids[0],
                                            mv="2.70").json()["server"]
    listed = fake.nova("GET", "/servers/detail", mv="2.71").json()["servers"]
    assert all("server_groups" not in s for s in listed)


def test_changes_before_from_2_66(fake, image, unique):
    token, _, _ = make_project(fake, unique)
    first = boot(fake, image, unique + "-1", token=token)
    time.sleep(1.1)
    cut = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    time.sleep(1.1)
    second = boot(fake, image, unique + "-2", token=token)

    def names(mv, query):
        r = fake.nova("GET", "/servers?" + query, token=token, mv=mv)
        assert r.status_code == 200, r.text
        return [s["id"] for s in r.json()["servers"]]
    assert names("2.66", "changes-before=" + cut) == [first]
    assert names("2.66", "changes-since=" + cut) == [second]
    assert sorted(names("2.65", "changes-before=" + cut)) == sorted([first, second])
    r = fake.nova("GET", "/servers?changes-since=%s&changes-before=2000-01-01T00:00:00Z" % cut,
                  token=token, mv="2.66")
    assert r.status_code == 400 and "less than or equal to changes-before" in r.text
    r = fake.nova("GET", "/servers/%s/os-instance-actions?changes-before=%s" % (second, cut),
                  token=token, mv="2.66")
    assert r.status_code == 200 and r.json()["instanceActions"] == []
    r = fake.nova("GET", "/servers/%s/os-instance-actions?changes-before=x" % first,
                  token=token, mv="2.66")
    assert r.status_code == 400
    assert fake.nova("GET", "/os-migrations?changes-before=" + cut, mv="2.66").status_code == 200
    assert fake.nova("GET", "/os-migrations?changes-before=" + cut, mv="2.65").status_code == 400


def test_volume_type_and_force_by_microversion(fake, image, unique):
    bdm = [{"source_type": "image", "uuid": image, "destination_type": "local",
            "boot_index": 0, "volume_type": "fast"}]
    body = {"server": {"name": unique, "imageRef": image, "flavorRef": "1",
                       "networks": "none", "block_device_mapping_v2": bdm}}
    r = fake.nova("POST", "/servers", mv="2.66", json=body)
    assert r.status_code == 400 and "volume_type" in r.text
    r = fake.nova("POST", "/servers", mv="2.67", json=body)
    assert r.status_code == 400 and "destination_type=local is not supported" in r.text
    sid = boot(fake, image, unique)
    for action, body in (("os-migrateLive", {"host": None, "block_migration": "auto",
                                             "force": False}),
                         ("evacuate", {"force": False})):
        r = fake.nova("POST", "/servers/%s/action" % sid, mv="2.68", json={action: body})
        assert r.status_code == 400 and "force" in r.text, (action, r.text)


def test_interface_tags_from_2_70(fake, image, unique):
    net = fake.request("POST", "/network/v2.0/networks",
                       json={"network": {"name": unique}}).json()["network"]
    fake.request("POST", "/network/v2.0/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "10.91.0.0/24", "ip_version": 4}})
    sid = boot(fake, image, unique, mv="2.42", networks=[{"uuid": net["id"], "tag": "one"}])
    r = fake.nova("GET", "/servers/%s/os-interface" % sid, mv="2.70")
    validate(ifaces270.list_interfaces, r)
    assert [a["tag"] for a in r.json()["interfaceAttachments"]] == ["one"]
    port = r.json()["interfaceAttachments"][0]["port_id"]
    r = fake.nova("GET", "/servers/%s/os-interface/%s" % (sid, port), mv="2.70")
    validate(ifaces270.get_create_interfaces, r)
    assert r.json()["interfaceAttachment"]["tag"] == "one"
    r = fake.nova("POST", "/servers/%s/os-interface" % sid, mv="2.70",
                  json={"interfaceAttachment": {"net_id": net["id"]}})
    validate(ifaces270.get_create_interfaces, r)
    assert r.json()["interfaceAttachment"]["tag"] is None
    assert "tag" not in fake.nova("GET", "/servers/%s/os-interface/%s" % (sid, port),
                                  mv="2.69").json()["interfaceAttachment"]


def test_lock_reason_and_locked_filter_from_2_73(fake, image, unique):
    token, _, _ = make_project(fake, unique)
    locked = boot(fake, image, unique + "-l", token=token)
    free = boot(fake, image, unique + "-f", token=token)
    r = fake.nova("POST", "/servers/%s/action" % locked, token=token, mv="2.73",
                  json={"lock": {"locked_reason": "maintenance"}})
    assert r.status_code == 202, r.text
    r = fake.nova("GET", "/servers/" + locked, token=token, mv="2.73")
    validate(servers273.get_server, r)
    assert r.json()["server"]["locked_reason"] == "maintenance"
    assert fake.nova("GET", "/servers/" + free, token=token,
                     mv="2.73").json()["server"]["locked_reason"] is None
    r = fake.nova("POST", "/servers/%s/action" % free, token=token, mv="2.73",
                  json={"lock": {"reason": "x"}})
    assert r.status_code == 400

    def ids(query, mv="2.73"):
        r = fake.nova("GET", "/servers/detail?" + query, token=token, mv=mv)
        assert r.status_code == 200, r.text
        return [s["id"] for s in r.json()["servers"]]
    assert ids("locked=true") == [locked] and ids("locked=False") == [free]
    assert sorted(ids("locked=true", mv="2.72")) == sorted([locked, free])
    r = fake.nova("GET", "/servers?locked=maybe", token=token, mv="2.73")
    assert r.status_code == 400 and "Unrecognized value 'maybe'" in r.text
    assert ids("sort_key=locked&sort_dir=asc") == [free, locked]
    assert ids("sort_key=locked&sort_dir=desc") == [locked, free]
    fake.nova("POST", "/servers/%s/action" % locked, token=token, json={"unlock": None})
    assert fake.nova("GET", "/servers/" + locked, token=token,
                     mv="2.73").json()["server"]["locked_reason"] is None


def test_requested_host_from_2_74(fake, image, unique):
    token, _, _ = make_project(fake, unique)
    body = {"name": unique, "imageRef": image, "flavorRef": "1", "networks": "none",
            "host": "stackd"}
    assert fake.nova("POST", "/servers", mv="2.73", json={"server": body}).status_code == 400
    r = fake.nova("POST", "/servers", token=token, mv="2.74", json={"server": body})
    assert r.status_code == 403 and "requested_destination" in r.text
    r = fake.nova("POST", "/servers", mv="2.74", json={"server": dict(body, host="elsewhere")})
    assert r.status_code == 400 and "Compute host elsewhere could not be found." in r.text
    r = fake.nova("POST", "/servers", mv="2.74", json={"server": dict(
        body, availability_zone="nova:stackd")})
    assert r.status_code == 400 and "mutually exclusive" in r.text
    sid = boot(fake, image, unique, mv="2.74", host="stackd", hypervisor_hostname="stackd")
    assert fake.nova("GET", "/servers/" + sid).json()["server"]["OS-EXT-SRV-ATTR:host"] == \
        "stackd"


def test_2_75_strict_query_and_full_views(fake, image, unique):
    token, _, _ = make_project(fake, unique)
    sid = boot(fake, image, unique, token=token, user_data="IyEvYmluL3NoCg==")
    r = fake.nova("GET", "/servers?nonsense=1", token=token, mv="2.75")
    assert r.status_code == 400 and "'nonsense' was unexpected" in r.text
    assert fake.nova("GET", "/servers?nonsense=1", token=token, mv="2.74").status_code == 200
    assert fake.nova("GET", "/servers?sort_key=vcpus", token=token, mv="2.74").status_code == 200
    assert fake.nova("GET", "/servers?sort_key=vcpus", token=token, mv="2.75").status_code == 400
    r = fake.nova("PUT", "/servers/" + sid, token=token, mv="2.75",
                  json={"server": {"name": unique + "-x"}})
    validate(servers275.update_server, r)
    assert r.json()["server"]["OS-EXT-STS:vm_state"] == "active"
    r = fake.nova("POST", "/servers/%s/action" % sid, token=token, mv="2.75",
                  json={"rebuild": {"imageRef": image}})
    validate(servers275.rebuild_server_with_admin_pass, r)
    assert r.json()["server"]["user_data"] == "IyEvYmluL3NoCg=="


def test_sorting_and_tag_filters(fake, image, unique):
    token, _, _ = make_project(fake, unique)
    a = boot(fake, image, unique + "-b", token=token, mv="2.52", tags=["red", "big"])
    b = boot(fake, image, unique + "-a", token=token, mv="2.52", tags=["red"])
    c = boot(fake, image, unique + "-c", token=token)

    def ids(query, mv="2.26"):
        r = fake.nova("GET", "/servers?" + query, token=token, mv=mv)
        assert r.status_code == 200, r.text
        return [s["id"] for s in r.json()["servers"]]
    assert ids("") == [c, b, a]  # newest first
    assert ids("sort_key=display_name&sort_dir=asc") == [b, a, c]
    assert ids("sort_key=display_name") == [c, a, b]  # desc by default
    assert ids("sort_key=display_name&sort_dir=asc&limit=1&marker=" + b) == [a]
    assert ids("sort_key=vcpus") == [c, b, a]  # a key Nova ignores
    r = fake.nova("GET", "/servers?sort_key=nope", token=token)
    assert r.status_code == 400
    r = fake.nova("GET", "/servers?sort_key=host", token=token)
    assert r.status_code == 403
    assert ids("tags=red") == [b, a] and ids("tags=red,big") == [a]
    assert ids("tags-any=big,none") == [a]
    assert ids("not-tags=red,big") == [c, b] and ids("not-tags-any=big,red") == [c]
    assert sorted(ids("tags=red", mv="2.25")) == sorted([a, b, c])  # before 2.26: ignored
