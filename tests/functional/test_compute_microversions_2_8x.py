"""Microversions 2.77-2.92 with the fake driver (each test is skipped while
the cloud advertises less than the microversion it needs): unshelve into
an availability zone or host (2.77, 2.91), the server topology (2.78),
migration owners (2.80), image pre-caching on an aggregate (2.81), the
list filters everyone may use (2.83), action event details (2.84),
hostnames (2.90) and key pairs that must be imported (2.92)."""
import pytest

from conftest_compute import fake, image, make_project  # noqa: F401


def max_mv(c):
    return int(c.nova("GET", "/", token=False).json()["version"]["version"].split(".")[1])


def need(c, minor):
    if max_mv(c) < minor:
        pytest.skip("the cloud advertises 2.%d, this needs 2.%d" % (max_mv(c), minor))


def boot(c, image, name, mv="2.37", token=None, **extra):
    server = {"name": name, "imageRef": image, "flavorRef": "1", "networks": "none"}
    server.update(extra)
    r = c.nova("POST", "/servers", token=token, mv=mv, json={"server": server})
    assert r.status_code == 202, r.text
    c.wait_status(r.json()["server"]["id"], "ACTIVE", token=token)
    return r.json()["server"]["id"]


def action(c, sid, body, mv, token=None, code=202):
    r = c.nova("POST", "/servers/%s/action" % sid, token=token, mv=mv, json=body)
    assert r.status_code == code, r.text
    return r


def test_unshelve_into_a_zone_or_onto_a_host(fake, image, unique):
    need(fake, 91)
    sid = boot(fake, image, unique)
    action(fake, sid, {"unshelve": {"availability_zone": "nova"}}, "2.77", code=409)
    action(fake, sid, {"shelve": None}, "2.77")
    fake.wait_status(sid, "SHELVED_OFFLOADED")
    r = action(fake, sid, {"unshelve": {"availability_zone": "elsewhere"}}, "2.77", code=400)
    assert "availability zone is not available" in r.text
    action(fake, sid, {"unshelve": {"availability_zone": "nova", "x": 1}}, "2.77", code=400)
    action(fake, sid, {"unshelve": {"host": "stackd"}}, "2.90", code=400)  # host from 2.91
    r = action(fake, sid, {"unshelve": {"host": "nowhere"}}, "2.91", code=400)
    assert "Compute host nowhere could not be found." in r.text
    action(fake, sid, {"unshelve": {"availability_zone": None, "host": "stackd"}}, "2.91")
    server = fake.wait_status(sid, "ACTIVE")
    assert server["OS-EXT-AZ:availability_zone"] == "nova"


def test_topology_from_2_78(fake, image, unique):
    need(fake, 78)
    sid = boot(fake, image, unique)
    assert fake.nova("GET", "/servers/%s/topology" % sid, mv="2.77").status_code == 404
    r = fake.nova("GET", "/servers/%s/topology" % sid, mv="2.78")
    assert r.status_code == 200 and r.json() == {"nodes": [], "pagesize_kb": None}


def test_migration_owner_from_2_80(fake, image, unique):
    need(fake, 80)
    token, pid, uid = make_project(fake, unique)
    sid = boot(fake, image, unique, token=token)
    action(fake, sid, {"resize": {"flavorRef": "2"}}, "2.1", token=token)
    fake.wait_status(sid, "VERIFY_RESIZE", token=token)
    mine = fake.nova("GET", "/os-migrations?project_id=" + pid, mv="2.80").json()["migrations"]
    assert [m["instance_uuid"] for m in mine] == [sid]
    assert mine[0]["user_id"] == uid and mine[0]["project_id"] == pid
    assert fake.nova("GET", "/os-migrations?user_id=nobody", mv="2.80").json()[
        "migrations"] == []
    assert "user_id" not in fake.nova("GET", "/os-migrations", mv="2.79").json()[
        "migrations"][0]
    action(fake, sid, {"confirmResize": None}, "2.1", token=token, code=204)


def test_image_precache_on_an_aggregate_from_2_81(fake, image, unique):
    need(fake, 81)
    agg = fake.nova("POST", "/os-aggregates", json={"aggregate": {"name": unique}}).json()[
        "aggregate"]
    path = "/os-aggregates/%d/images" % agg["id"]
    body = {"cache": [{"id": image}]}
    assert fake.nova("POST", path, mv="2.80", json=body).status_code == 404
    r = fake.nova("POST", path, mv="2.81", json=body)
    assert r.status_code == 202 and r.text == "", r.text
    for bad, text in (({"cache": []}, "too short"),
                      ({"cache": [{"id": image}, {"id": image}]}, "Duplicate images"),
                      ({"cache": [{"id": "nope"}]}, "Image nope could not be found."),
                      ({"cache": [{"id": image, "x": 1}]}, "x")):
        r = fake.nova("POST", path, mv="2.81", json=bad)
        assert r.status_code == 400 and text in r.text, (bad, r.text)
    assert fake.nova("POST", "/os-aggregates/99999/images", mv="2.81",
                     json=body).status_code == 404


def test_more_filters_for_everyone_from_2_83(fake, image, unique):
    need(fake, 83)
    token, _, uid = make_project(fake, unique)
    a = boot(fake, image, unique + "-a", token=token, config_drive=True)
    b = boot(fake, image, unique + "-b", token=token)

    def ids(query, mv):
        r = fake.nova("GET", "/servers?" + query, token=token, mv=mv)
        assert r.status_code == 200, r.text
        return sorted(s["id"] for s in r.json()["servers"])
    assert ids("config_drive=True", "2.83") == [a]
    assert ids("config_drive=True", "2.82") == sorted([a, b])  # an admin's filter before
    assert ids("user_id=" + uid, "2.83") == sorted([a, b])
    assert ids("user_id=someone", "2.83") == []
    assert ids("vm_state=active&power_state=1", "2.83") == sorted([a, b])


def test_action_event_details_from_2_84(fake, image, unique):
    need(fake, 84)
    flavor = fake.nova("POST", "/flavors", json={"flavor": {
        "name": unique, "ram": 64, "vcpus": 1, "disk": 1000000}}).json()["flavor"]["id"]
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": flavor, "networks": "none"}})
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    fake.wait_status(sid, "ERROR")
    req_id = fake.nova("GET", "/servers/%s/os-instance-actions" % sid).json()[
        "instanceActions"][0]["request_id"]
    path = "/servers/%s/os-instance-actions/%s" % (sid, req_id)
    ev = fake.nova("GET", path, mv="2.84").json()["instanceAction"]["events"][0]
    assert ev["result"] == "Error" and "No valid host" in ev["details"], ev
    assert "details" not in fake.nova("GET", path, mv="2.83").json()[
        "instanceAction"]["events"][0]


def test_hostnames_from_2_90(fake, image, unique):
    need(fake, 90)
    token, _, _ = make_project(fake, unique)
    body = {"name": unique, "imageRef": image, "flavorRef": "1", "networks": "none",
            "hostname": "web-1"}
    assert fake.nova("POST", "/servers", token=token, mv="2.89",
                     json={"server": body}).status_code == 400
    for bad in ("-web", "a", "web_1", "x" * 64):
        r = fake.nova("POST", "/servers", token=token, mv="2.90",
                      json={"server": dict(body, hostname=bad)})
        assert r.status_code == 400, (bad, r.text)
    r = fake.nova("POST", "/servers", token=token, mv="2.90",
                  json={"server": dict(body, max_count=2)})
    assert r.status_code == 400 and "single hostname" in r.text
    sid = boot(fake, image, unique, token=token, mv="2.90", hostname="web-1")
    show = fake.nova("GET", "/servers/" + sid, token=token, mv="2.90").json()["server"]
    assert show["OS-EXT-SRV-ATTR:hostname"] == "web-1"  # visible to its owner now
    assert "OS-EXT-SRV-ATTR:hostname" not in fake.nova("GET", "/servers/" + sid, token=token,
                                                       mv="2.89").json()["server"]
    r = fake.nova("PUT", "/servers/" + sid, token=token, mv="2.90",
                  json={"server": {"hostname": "web-2"}})
    assert r.status_code == 200 and r.json()["server"]["OS-EXT-SRV-ATTR:hostname"] == "web-2"
    r = action(fake, sid, {"rebuild": {"imageRef": image, "hostname": "web-3"}}, "2.90",
               token=token)
    assert r.json()["server"]["OS-EXT-SRV-ATTR:hostname"] == "web-3"


def test_key_pairs_are_imported_from_2_92(fake, unique, tmp_path):
    need(fake, 92)
    import subprocess
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "k")],
                   check=True)
    pub = (tmp_path / "k.pub").read_text()
    r = fake.nova("POST", "/os-keypairs", mv="2.92", json={"keypair": {"name": unique}})
    assert r.status_code == 400 and "public_key" in r.text
    name = unique + "@host.example"
    r = fake.nova("POST", "/os-keypairs", mv="2.91",
                  json={"keypair": {"name": name, "public_key": pub}})
    assert r.status_code == 400
    r = fake.nova("POST", "/os-keypairs", mv="2.92",
                  json={"keypair": {"name": name, "public_key": pub}})
    assert r.status_code == 201 and "private_key" not in r.json()["keypair"], r.text
    assert fake.nova("DELETE", "/os-keypairs/" + name, mv="2.92").status_code == 204


def test_power_update_and_accelerator_events(fake, image, unique):
    need(fake, 82)
    sid = boot(fake, image, unique)

    def send(mv, **event):
        event.setdefault("server_uuid", sid)
        r = fake.nova("POST", "/os-server-external-events", mv=mv, json={"events": [event]})
        return r
    assert send("2.75", name="power-update", tag="POWER_OFF").status_code == 400
    r = send("2.76", name="power-update")
    assert r.status_code == 207 and r.json()["events"][0]["code"] == 400  # tag required
    r = send("2.76", name="power-update", tag="POWER_OFF")
    assert r.status_code == 200 and r.json()["events"][0]["code"] == 200, r.text
    # recorded as Nova's stop action, failed: the QEMU-like drivers report power themselves
    acts = fake.nova("GET", "/servers/%s/os-instance-actions" % sid).json()["instanceActions"]
    assert acts[0]["action"] == "stop"
    assert fake.wait_status(sid, "ACTIVE")["OS-EXT-STS:power_state"] == 1
    assert send("2.81", name="accelerator-request-bound", tag="x").status_code == 400
    r = send("2.82", name="accelerator-request-bound", tag="arq-1", status="completed")
    assert r.status_code == 200


def test_hypervisors_from_2_88(fake):
    need(fake, 88)
    h = fake.nova("GET", "/os-hypervisors/detail", mv="2.88").json()["hypervisors"][0]
    assert "uptime" in h and "vcpus" not in h and "cpu_info" not in h and "running_vms" not in h
    assert "vcpus" in fake.nova("GET", "/os-hypervisors/detail", mv="2.87").json()[
        "hypervisors"][0]
    shown = fake.nova("GET", "/os-hypervisors/%s" % h["id"], mv="2.88").json()["hypervisor"]
    assert "load average" in shown["uptime"] and "memory_mb" not in shown
    assert fake.nova("GET", "/os-hypervisors/statistics", mv="2.88").status_code == 404
    assert fake.nova("GET", "/os-hypervisors/statistics", mv="2.87").status_code == 200
    assert fake.nova("GET", "/os-hypervisors/%s/uptime" % h["id"], mv="2.88").status_code == 404
