"""The Nova API with the fake driver: versions and microversions, flavors,
key pairs, the server state machine, metadata and tags, bad input that must
leave nothing behind, quotas under concurrent creates, No valid host."""
import base64
import concurrent.futures
import subprocess
import time

from conftest_compute import fake, image, make_project  # noqa: F401


def test_version_documents_and_microversion_headers(fake):
    r = fake.request("GET", "/compute/", token=False)
    assert r.status_code == 200
    legacy, v = r.json()["versions"]
    assert v["id"] == "v2.1" and v["min_version"] == "2.1" and v["version"] == "2.93"
    # Nova lists its legacy v2.0 first: the same API under /v2, microversions off
    assert legacy["id"] == "v2.0" and legacy["status"] == "SUPPORTED"
    for version in (legacy, v):
        href = version["links"][0]["href"]
        doc = fake.request("GET", href[href.index("/compute/"):], token=False).json()
        assert doc["version"]["links"][0]["href"] == href
    r = fake.request("GET", "/compute/v2/flavors/1", headers={
        "OpenStack-API-Version": "compute 2.61"})
    assert r.status_code == 200 and "extra_specs" not in r.json()["flavor"]
    assert "OpenStack-API-Version" not in r.headers
    assert fake.request("GET", "/compute/v2/os-keypairs").status_code == 200
    assert fake.request("GET", "/compute/v2/no-such-thing").status_code == 501
    r = fake.nova("GET", "/flavors", mv="2.47")
    assert r.headers["X-OpenStack-Nova-API-Version"] == "2.47"
    assert r.headers["OpenStack-API-Version"] == "compute 2.47"
    assert "X-OpenStack-Nova-API-Version" in r.headers["Vary"]
    r = fake.nova("GET", "/flavors", headers={"OpenStack-API-Version": "compute latest"})
    assert r.headers["OpenStack-API-Version"] == "compute 2.93"
    r = fake.nova("GET", "/flavors")
    assert r.headers["X-OpenStack-Nova-API-Version"] == "2.1"
    r = fake.nova("GET", "/flavors", mv="2.200")
    assert r.status_code == 406 and "maximum is 2.93" in r.json()["notAcceptable"]["message"]
    r = fake.nova("GET", "/flavors", mv="two")
    assert r.status_code == 400 and "badRequest" in r.json()
    r = fake.nova("GET", "/os-cells")
    assert r.status_code == 501 and r.json()["notImplemented"]["code"] == 501


def test_default_flavors_and_flavor_crud(fake, unique):
    out = fake.cli("flavor", "list", "-f", "json")
    names = {f["Name"]: f for f in out}
    assert names["m1.tiny"]["RAM"] == 512 and names["m1.tiny"]["ID"] == "1"
    assert names["m1.xlarge"]["VCPUs"] == 8 and names["m1.xlarge"]["Disk"] == 160
    f = fake.cli("flavor", "create", "--ram", "256", "--disk", "1", "--vcpus", "1",
                 "--private", "--property", "hw:cpu_policy=shared", unique, "-f", "json")
    assert f["ram"] == 256 and f["os-flavor-access:is_public"] is False
    fid = f["id"]
    # Nova's boolean parameter type takes strings too (Tempest sends "False")
    for val, public in (("False", False), ("TRUE", True), ("0", False)):
        r = fake.nova("POST", "/flavors", json={"flavor": {
            "name": "%s-%s" % (unique, val), "ram": 64, "vcpus": 1, "disk": 0,
            "os-flavor-access:is_public": val}})
        assert r.status_code == 200, r.text
        assert r.json()["flavor"]["os-flavor-access:is_public"] is public
    r = fake.nova("POST", "/flavors", json={"flavor": {
        "name": unique + "-bad", "ram": 64, "vcpus": 1, "disk": 0,
        "os-flavor-access:is_public": "maybe"}})
    assert r.status_code == 400 and "expected a boolean" in r.text
    # an id may be a number (Tempest's create_flavor sends one); it stays a string
    num = int(unique.encode().hex()[-6:], 16) % 900000 + 100000
    r = fake.nova("POST", "/flavors", json={"flavor": {
        "name": unique + "-num", "ram": 64, "vcpus": 1, "disk": 0, "id": num}})
    assert r.status_code == 200 and r.json()["flavor"]["id"] == str(num), r.text
    assert fake.nova("GET", "/flavors/%d" % num).json()["flavor"]["name"] == unique + "-num"
    for bad in (-1, 1.5, True, [], {}):
        r = fake.nova("POST", "/flavors", json={"flavor": {
            "name": unique + "-bad", "ram": 64, "vcpus": 1, "disk": 0, "id": bad}})
        assert r.status_code == 400, (bad, r.text)
    r = fake.nova("GET", "/flavors/%s/os-extra_specs" % fid)
    assert r.json()["extra_specs"] == {"hw:cpu_policy": "shared"}
    token, pid, _ = make_project(fake, unique + "p")
    assert fake.nova("GET", "/flavors/" + fid, token=token).status_code == 404
    fake.cli("flavor", "set", "--project", pid, fid)
    assert fake.nova("GET", "/flavors/" + fid, token=token).status_code == 200
    r = fake.nova("POST", "/flavors", token=token,
                  json={"flavor": {"name": "x", "ram": 1, "vcpus": 1, "disk": 0}})
    assert r.status_code == 403 and "forbidden" in r.json()
    r = fake.nova("POST", "/flavors", json={"flavor": {"name": unique, "ram": 1, "vcpus": 1,
                                                        "disk": 0}})
    assert r.status_code == 409
    r = fake.nova("POST", "/flavors", json={"flavor": {"name": "neg", "ram": -1, "vcpus": 1,
                                                        "disk": 0}})
    assert r.status_code == 400
    fake.cli("flavor", "delete", fid)
    assert fake.nova("GET", "/flavors/" + fid).status_code == 404


def test_keypairs_generate_import_fingerprint(fake, unique, tmp_path):
    out = fake.cli("keypair", "create", unique + "-gen")
    assert "PRIVATE KEY" in out
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                    str(tmp_path / "k")], check=True)
    expect = subprocess.run(["ssh-keygen", "-l", "-E", "md5", "-f", str(tmp_path / "k.pub")],
                            capture_output=True, text=True, check=True).stdout.split()[1]
    k = fake.cli("keypair", "create", "--public-key", str(tmp_path / "k.pub"), unique + "-imp",
                 "-f", "json")
    assert "MD5:" + k["fingerprint"] == expect
    shown = fake.nova("GET", "/os-keypairs/%s-imp" % unique, mv="2.2").json()["keypair"]
    assert shown["type"] == "ssh" and shown["public_key"].startswith("ssh-ed25519 ")
    # The generated key's public half is a real OpenSSH key.
    pub = fake.nova("GET", "/os-keypairs/%s-gen" % unique).json()["keypair"]["public_key"]
    (tmp_path / "g.pub").write_text(pub + "\n")
    assert subprocess.run(["ssh-keygen", "-l", "-f", str(tmp_path / "g.pub")]).returncode == 0
    r = fake.nova("POST", "/os-keypairs", mv="2.2",
                  json={"keypair": {"name": unique + "-imp", "public_key": open(
                      tmp_path / "k.pub").read()}})
    assert r.status_code == 409
    r = fake.nova("POST", "/os-keypairs", json={"keypair": {"name": "bad",
                                                           "public_key": "ssh-rsa nope"}})
    assert r.status_code == 400 and "badRequest" in r.json()
    r = fake.nova("DELETE", "/os-keypairs/%s-gen" % unique, mv="2.2")
    assert r.status_code == 204
    assert fake.nova("GET", "/os-keypairs/%s-gen" % unique).status_code == 404
    names = [k["keypair"]["name"] for k in fake.nova("GET", "/os-keypairs").json()["keypairs"]]
    assert unique + "-imp" in names and unique + "-gen" not in names


def test_server_lifecycle_through_the_cli(fake, image, unique):
    nova = ["--os-compute-api-version", "2.37"]
    s = fake.cli(*nova, "server", "create", "--image", image, "--flavor", "m1.tiny",
                 "--nic", "none", "--property", "a=b", "--wait", unique, "-f", "json")
    # The CLI prints the number in JSON ("Running" only in tables).
    assert s["status"] == "ACTIVE" and s["OS-EXT-STS:power_state"] in (1, "Running")
    sid = s["id"]
    for action, status in [("stop", "SHUTOFF"), ("start", "ACTIVE"), ("pause", "PAUSED"),
                           ("unpause", "ACTIVE"), ("suspend", "SUSPENDED"),
                           ("resume", "ACTIVE")]:
        fake.cli("server", action, sid)
        got = fake.wait_status(sid, status)
        assert got["OS-EXT-STS:vm_state"] in ("active", "stopped", "paused", "suspended")
    fake.cli("server", "reboot", "--hard", "--wait", sid)
    fake.cli("server", "set", "--property", "role=web", sid)
    shown = fake.cli("server", "show", sid, "-f", "json")
    assert shown["properties"] in ({"a": "b", "role": "web"}, "a='b', role='web'")
    console = fake.nova("POST", "/servers/%s/action" % sid,
                        json={"os-getConsoleOutput": {"length": 3}}).json()["output"]
    # Nova tails the text split on "\n": the final newline is a line.
    assert console.splitlines()[-1].startswith("fake console line 10") \
        and console.count("\n") == 2 and len(console.splitlines()) == 2
    actions = fake.nova("GET", "/servers/%s/os-instance-actions" % sid).json()
    names = [a["action"] for a in actions["instanceActions"]]
    assert names[-1] == "create" and "stop" in names and "reboot" in names
    fake.cli("server", "delete", "--wait", sid)
    assert fake.nova("GET", "/servers/" + sid).status_code == 404


def test_actions_in_the_wrong_state_are_409(fake, image, unique):
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": "1", "networks": "none"}})
    assert r.status_code == 202 and r.headers["Location"].endswith(r.json()["server"]["id"])
    sid = r.json()["server"]["id"]
    fake.wait_status(sid, "ACTIVE")
    r = fake.nova("POST", "/servers/%s/action" % sid, json={"os-start": None})
    assert r.status_code == 409
    assert "Cannot 'start' instance %s while it is in vm_state active" % sid in \
        r.json()["conflictingRequest"]["message"]
    assert fake.nova("POST", "/servers/%s/action" % sid,
                     json={"unpause": None}).status_code == 409
    assert fake.nova("POST", "/servers/%s/action" % sid,
                     json={"reboot": {"type": "sideways"}}).status_code == 400
    assert fake.nova("POST", "/servers/%s/action" % sid,
                     json={"nosuchaction": {}}).status_code == 400
    # Locked: others than the admin get 409.
    token, pid, _ = make_project(fake, unique + "l")
    assert fake.nova("POST", "/servers/%s/action" % sid, json={"lock": None}).status_code == 202
    assert fake.nova("GET", "/servers/" + sid, mv="2.9").json()["server"]["locked"] is True
    assert fake.nova("GET", "/servers/" + sid, token=token).status_code == 404
    assert fake.nova("POST", "/servers/%s/action" % sid, json={"unlock": None}).status_code == 202
    assert fake.nova("DELETE", "/servers/" + sid).status_code == 204
    fake.wait_status(sid, "DELETED")


def _count_servers(fake, token=None):
    return len(fake.nova("GET", "/servers", token=token).json()["servers"])


def test_bad_input_leaves_nothing_behind(fake, image, unique):
    token, pid, _ = make_project(fake, unique + "b")
    before = _count_servers(fake, token)
    base = {"name": unique, "imageRef": image, "flavorRef": "1", "networks": "none"}
    cases = [
        ({"imageRef": "9b7b3a4e-0f2c-4f7e-9a53-000000000000"}, 400, "could not be found"),
        ({"flavorRef": "no-such-flavor"}, 400, "Flavor no-such-flavor could not be found"),
        ({"key_name": "nokey"}, 400, "Invalid key_name provided."),
        ({"availability_zone": "elsewhere"}, 400, "availability zone"),
        ({"name": "x" * 256}, 400, "name"),
        ({"name": "   "}, 400, "name"),
        ({"user_data": "not base64!"}, 400, "User data needs to be valid base 64."),
        ({"metadata": {"k": 1}}, 400, "metadata"),
        ({"min_count": 3, "max_count": 2}, 400, "min_count"),
        ({"networks": "bogus"}, 400, "networks"),
        ({"flavorRef": "5", "min_count": 3, "max_count": 3}, 403, "Quota exceeded for cores"),
    ]
    for change, status, text in cases:
        body = dict(base, **change)
        r = fake.nova("POST", "/servers", token=token, mv="2.37", json={"server": body})
        assert r.status_code == status, (change, r.text)
        key = {400: "badRequest", 403: "forbidden"}[status]
        assert text in r.json()[key]["message"], (change, r.text)
    r = fake.nova("POST", "/servers", token=token, mv="2.37", data="{not json",
                  headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert _count_servers(fake, token) == before
    usage = fake.nova("GET", "/os-quota-sets/%s/detail" % pid, token=token).json()["quota_set"]
    assert usage["instances"]["in_use"] == 0 and usage["cores"]["in_use"] == 0


def test_quota_holds_under_parallel_creates(fake, image, unique):
    token, pid, _ = make_project(fake, unique + "q")
    r = fake.nova("PUT", "/os-quota-sets/" + pid, json={"quota_set": {"instances": 5}})
    assert r.status_code == 200 and r.json()["quota_set"]["instances"] == 5

    def create(i):
        return fake.nova("POST", "/servers", token=token, mv="2.37", json={"server": {
            "name": "%s-%d" % (unique, i), "imageRef": image, "flavorRef": "1",
            "networks": "none"}}).status_code

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(create, range(24)))
    assert codes.count(202) == 5 and codes.count(403) == 19, codes
    assert _count_servers(fake, token) == 5
    r = fake.nova("POST", "/servers", token=token, mv="2.37", json={"server": {
        "name": "one-more", "imageRef": image, "flavorRef": "1", "networks": "none"}})
    assert r.status_code == 403
    assert "Quota exceeded for instances" in r.json()["forbidden"]["message"]
    limits = fake.nova("GET", "/limits", token=token).json()["limits"]["absolute"]
    assert limits["maxTotalInstances"] == 5 and limits["totalInstancesUsed"] == 5
    # min/max count: as many as fit.
    fake.nova("PUT", "/os-quota-sets/" + pid, json={"quota_set": {"instances": 8}})
    r = fake.nova("POST", "/servers", token=token, mv="2.37", json={"server": {
        "name": unique + "-m", "imageRef": image, "flavorRef": "1", "networks": "none",
        "min_count": 2, "max_count": 10, "return_reservation_id": True}})
    assert r.status_code == 202, r.text
    rid = r.json()["reservation_id"]
    mine = fake.nova("GET", "/servers/detail?reservation_id=" + rid, token=token).json()
    assert len(mine["servers"]) == 3
    assert sorted(s["name"] for s in mine["servers"]) == [
        unique + "-m-%d" % i for i in (1, 2, 3)]


def test_no_valid_host_fault_says_why(fake, image, unique):
    token, pid, _ = make_project(fake, unique + "n")
    fake.nova("PUT", "/os-quota-sets/" + pid,
              json={"quota_set": {"ram": -1, "cores": -1}})
    f = fake.nova("POST", "/flavors", json={"flavor": {
        "name": unique, "ram": 200000, "vcpus": 1, "disk": 1}}).json()["flavor"]
    r = fake.nova("POST", "/servers", token=token, mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": f["id"], "networks": "none"}})
    assert r.status_code == 202, r.text
    s = fake.wait_status(r.json()["server"]["id"], "ERROR", token=token)
    assert s["fault"]["code"] == 500
    msg = s["fault"]["message"]
    assert msg.startswith("No valid host was found.") and "RamFilter" in msg and \
        "200000" in msg, msg
    # An ERROR server claims nothing on the host.
    stats = fake.nova("GET", "/os-hypervisors/statistics").json()["hypervisor_statistics"]
    assert stats["memory_mb_used"] < 200000
    assert fake.nova("DELETE", "/servers/" + s["id"], token=token).status_code == 204
    fake.wait_status(s["id"], "DELETED", token=token)


def test_list_filters_and_paging(fake, image, unique):
    ids = []
    for i in range(4):
        r = fake.nova("POST", "/servers", mv="2.52", json={"server": {
            "name": "%s-%s" % (unique, "ab"[i % 2]), "imageRef": image, "flavorRef": "1",
            "networks": "none", "tags": ["t%d" % i]}})
        assert r.status_code == 202, r.text
        ids.append(r.json()["server"]["id"])
    for sid in ids:
        fake.wait_status(sid, "ACTIVE")
    got = fake.nova("GET", "/servers?name=^%s-a$" % unique).json()["servers"]
    assert sorted(s["id"] for s in got) == sorted(ids[0::2])
    fake.nova("POST", "/servers/%s/action" % ids[1], json={"os-stop": None})
    fake.wait_status(ids[1], "SHUTOFF")
    got = fake.nova("GET", "/servers/detail?status=SHUTOFF&name=%s" % unique).json()["servers"]
    assert [s["id"] for s in got] == [ids[1]]
    page = fake.nova("GET", "/servers?name=%s&limit=2" % unique).json()
    assert len(page["servers"]) == 2 and "servers_links" in page
    rest = fake.nova("GET", "/servers?name=%s&limit=2&marker=%s" % (
        unique, page["servers"][-1]["id"])).json()
    assert len(rest["servers"]) == 2
    assert {s["id"] for s in page["servers"] + rest["servers"]} == set(ids)
    assert fake.nova("GET", "/servers?marker=nope").status_code == 400
    tags = fake.nova("GET", "/servers/%s/tags" % ids[0], mv="2.26").json()["tags"]
    assert tags == ["t0"]
    assert fake.nova("PUT", "/servers/%s/tags/extra" % ids[0], mv="2.26").status_code == 201
    assert fake.nova("GET", "/servers/%s/tags/extra" % ids[0], mv="2.26").status_code == 204
    for sid in ids:
        fake.nova("DELETE", "/servers/" + sid)
    for sid in ids:
        fake.wait_status(sid, "DELETED")


def test_other_projects_cannot_see_servers(fake, image, unique):
    token, pid, _ = make_project(fake, unique + "o")
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": "1", "networks": "none",
        "user_data": base64.b64encode(b"#!/bin/sh\necho hi\n").decode()}})
    sid = r.json()["server"]["id"]
    assert fake.nova("GET", "/servers/" + sid, token=token).status_code == 404
    assert fake.nova("DELETE", "/servers/" + sid, token=token).status_code == 404
    assert sid not in [s["id"] for s in fake.nova("GET", "/servers", token=token).json()[
        "servers"]]
    assert sid in [s["id"] for s in fake.nova("GET", "/servers?all_tenants=1").json()[
        "servers"]]
    s = fake.nova("GET", "/servers/" + sid, mv="2.3").json()["server"]
    assert base64.b64decode(s["OS-EXT-SRV-ATTR:user_data"]).startswith(b"#!/bin/sh")
    fake.nova("DELETE", "/servers/" + sid)
    fake.wait_status(sid, "DELETED")


def test_openstacksdk(fake, image, unique):
    conn = fake.sdk()
    flavors = {f.name for f in conn.compute.flavors()}
    assert "m1.small" in flavors
    srv = conn.compute.create_server(name=unique, image_id=image, flavor_id="1",
                                     networks="none")
    srv = conn.compute.wait_for_server(srv, status="ACTIVE", wait=30, interval=0.2)
    assert srv.status == "ACTIVE"
    assert unique in [s.name for s in conn.compute.servers()]
    conn.compute.delete_server(srv)
    conn.compute.wait_for_delete(srv, wait=30, interval=0.2)
    time.sleep(0)


def test_create_image_snapshots_into_the_image_service(fake, image, unique):
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": "1", "networks": "none"}})
    sid = r.json()["server"]["id"]
    fake.wait_status(sid, "ACTIVE")
    r = fake.nova("POST", "/servers/%s/action" % sid, mv="2.45",
                  json={"createImage": {"name": unique + "-snap", "metadata": {"k": "v"}}})
    assert r.status_code == 202, r.text
    iid = r.json()["image_id"]
    deadline = time.time() + 30
    while True:
        img = fake.request("GET", "/image/v2/images/" + iid).json()
        if img["status"] == "active":
            break
        assert img["status"] in ("queued", "saving") and time.time() < deadline, img
        time.sleep(0.1)
    assert img["disk_format"] == "qcow2" and img["instance_uuid"] == sid
    assert img["image_type"] == "snapshot" and img["k"] == "v" and img["min_disk"] == 1
    s = fake.wait_status(sid, "ACTIVE")
    assert s["OS-EXT-STS:power_state"] == 1
    # Before 2.45 the image is named by a Location header.
    r = fake.nova("POST", "/servers/%s/action" % sid,
                  json={"createImage": {"name": unique + "-snap2"}})
    assert r.status_code == 202 and "/images/" in r.headers["Location"]
    fake.wait_status(sid, "ACTIVE")
    assert fake.nova("POST", "/servers/%s/action" % sid,
                     json={"createImage": {}}).status_code == 400
    fake.nova("DELETE", "/servers/" + sid)
    fake.wait_status(sid, "DELETED")


def test_resize_confirm_and_revert(fake, image, unique):
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": "1", "networks": "none"}})
    sid = r.json()["server"]["id"]
    fake.wait_status(sid, "ACTIVE")
    act = "/servers/%s/action" % sid
    assert fake.nova("POST", act, json={"resize": {"flavorRef": "1"}}).status_code == 400
    assert fake.nova("POST", act, json={"resize": {"flavorRef": "nope"}}).status_code == 400
    assert fake.nova("POST", act, json={"confirmResize": None}).status_code == 409
    fake.cli("server", "resize", "--flavor", "m1.small", "--wait", sid)
    s = fake.wait_status(sid, "VERIFY_RESIZE")
    assert s["flavor"]["id"] == "2" and s["OS-EXT-STS:power_state"] == 1
    assert fake.nova("POST", act, json={"confirmResize": None}).status_code == 204
    s = fake.wait_status(sid, "ACTIVE")
    assert s["flavor"]["id"] == "2"
    # Stopped, resized to tiny, then reverted: small again, still stopped.
    fake.nova("POST", act, json={"os-stop": None})
    fake.wait_status(sid, "SHUTOFF")
    assert fake.nova("POST", act, json={"resize": {"flavorRef": "1"}}).status_code == 202
    s = fake.wait_status(sid, "VERIFY_RESIZE")
    assert s["flavor"]["id"] == "1" and s["OS-EXT-STS:power_state"] == 4
    assert fake.nova("POST", act, json={"revertResize": None}).status_code == 202
    s = fake.wait_status(sid, "SHUTOFF")
    assert s["flavor"]["id"] == "2"
    names = [a["action"] for a in fake.nova(
        "GET", "/servers/%s/os-instance-actions" % sid).json()["instanceActions"]]
    assert names[:3] == ["revertResize", "resize", "stop"]
    fake.nova("DELETE", "/servers/" + sid)
    fake.wait_status(sid, "DELETED")


def test_extensions_list_what_the_cloud_serves(fake):
    exts = fake.nova("GET", "/extensions").json()["extensions"]
    aliases = {e["alias"] for e in exts}
    assert {"os-hosts", "os-keypairs", "OS-DCF", "os-server-groups"} <= aliases
    assert not aliases & {"os-cells", "os-cloudpipe", "os-volumes", "os-fping"}
    e = fake.nova("GET", "/extensions/os-keypairs").json()["extension"]
    assert e["name"] == "Keypairs" and e["links"] == []
    assert fake.nova("GET", "/extensions/os-cells").status_code == 404
