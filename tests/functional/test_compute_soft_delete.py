"""Soft delete with the fake driver and `[compute] reclaim_instance_interval`:
DELETE makes a server SOFT_DELETED (guest powered off, quota released),
`restore` brings it back (quota checked again), `forceDelete` deletes it at
once, and the periodic reclaim deletes it after the interval. Without the
option, DELETE deletes at once and restore is a state conflict."""
import os
import shutil
import time

import pytest
from tempest.lib.services.compute import base_compute_client

from conftest_compute import ROOT, FakeCloud, fake, image, make_project  # noqa: F401
from test_compute_schemas import clients  # noqa: F401


@pytest.fixture(scope="module")
def soft():
    binary = os.environ.get("STACKD_BIN", os.path.join(ROOT, "build", "stackd"))
    c = FakeCloud(binary, extra_args=["--compute.driver", "fake",
                                      "--compute.reclaim_instance_interval", "3"])
    r = c.request("POST", "/image/v2/images", json={
        "name": "base", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"})
    c.image = r.json()["id"]
    c.request("PUT", "/image/v2/images/%s/file" % c.image, data=b"\0" * 65536,
              headers={"Content-Type": "application/octet-stream"})
    yield c
    c.stop()
    log = c.log()
    assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log[-5000:]
    assert c.proc.returncode == 0, log[-3000:]
    shutil.rmtree(c.data_dir, ignore_errors=True)


def boot(c, image, name, token=None):
    r = c.nova("POST", "/servers", token=token, mv="2.37", json={"server": {
        "name": name, "imageRef": image, "flavorRef": "1", "networks": "none"}})
    assert r.status_code == 202, r.text
    return c.wait_status(r.json()["server"]["id"], "ACTIVE", token=token)["id"]


def act(c, sid, body, token=None):
    return c.nova("POST", "/servers/%s/action" % sid, token=token, json=body)


def guest_power(c, sid):
    path = os.path.join(c.data_dir, "compute", "fake", sid)
    return open(path).read().strip() if os.path.exists(path) else None


def in_use(c, pid, token):
    return c.nova("GET", "/os-quota-sets/%s/detail" % pid, token=token).json()[
        "quota_set"]["instances"]["in_use"]


def test_delete_soft_deletes_and_restore_brings_back(soft, unique):
    token, pid, _ = make_project(soft, unique + "r")
    sid = boot(soft, soft.image, unique, token)
    assert in_use(soft, pid, token) == 1
    assert soft.nova("DELETE", "/servers/" + sid, token=token).status_code == 204
    s = soft.wait_status(sid, "SOFT_DELETED", token=token)
    assert s["OS-EXT-STS:vm_state"] == "soft-delete" and s["OS-EXT-STS:power_state"] == 4
    assert guest_power(soft, sid) == "4"
    assert in_use(soft, pid, token) == 0
    listed = soft.nova("GET", "/servers/detail?status=SOFT_DELETED", token=token).json()
    assert [x["id"] for x in listed["servers"]] == [sid]
    # Only restore, forceDelete and delete apply now.
    assert act(soft, sid, {"os-start": None}, token=token).status_code == 409
    base_compute_client.COMPUTE_MICROVERSION = "2.60"
    try:
        sc = clients(soft, "2.60")["servers"]
        assert sc.restore_soft_deleted_server(sid).response.status == 202
    finally:
        base_compute_client.COMPUTE_MICROVERSION = None
    s = soft.wait_status(sid, "ACTIVE", token=token)
    assert s["OS-EXT-STS:power_state"] == 1 and guest_power(soft, sid) == "1"
    assert in_use(soft, pid, token) == 1
    # Restored before the interval: the reclaim leaves it alone.
    time.sleep(4)
    soft.wait_status(sid, "ACTIVE", token=token)
    assert act(soft, sid, {"restore": None}, token=token).status_code == 409
    names = [a["action"] for a in soft.nova(
        "GET", "/servers/%s/os-instance-actions" % sid, token=token).json()["instanceActions"]]
    assert names[:2] == ["restore", "delete"]
    soft.nova("DELETE", "/servers/" + sid, token=token)
    soft.wait_status(sid, "SOFT_DELETED", token=token)
    assert act(soft, sid, {"forceDelete": None}, token=token).status_code == 202
    soft.wait_status(sid, "DELETED", token=token)
    assert guest_power(soft, sid) is None


def test_reclaim_after_the_interval(soft, unique):
    sid = boot(soft, soft.image, unique)
    soft.nova("DELETE", "/servers/" + sid)
    soft.wait_status(sid, "SOFT_DELETED")
    t0 = time.time()
    soft.wait_status(sid, "DELETED", timeout=15)
    assert time.time() - t0 >= 1.5  # the interval is 3 s
    assert guest_power(soft, sid) is None
    assert "deleting " + sid + " (periodic)" in soft.log()


def test_restore_checks_quota_and_unlaunched_servers_go_at_once(soft, unique):
    token, pid, _ = make_project(soft, unique + "q")
    soft.nova("PUT", "/os-quota-sets/" + pid, json={"quota_set": {"instances": 1}})
    a = boot(soft, soft.image, unique + "-a", token)
    soft.nova("DELETE", "/servers/" + a, token=token)
    soft.wait_status(a, "SOFT_DELETED", token=token)
    # Its quota is free: another server fits, and then a cannot come back.
    b = boot(soft, soft.image, unique + "-b", token)
    r = act(soft, a, {"restore": None}, token=token)
    assert r.status_code == 403 and "Quota exceeded for instances" in r.text
    soft.wait_status(a, "SOFT_DELETED", token=token)
    # A server that never ran (No valid host) is deleted at once.
    f = soft.nova("POST", "/flavors", json={"flavor": {
        "name": unique, "ram": 10 ** 8, "vcpus": 1, "disk": 1}}).json()["flavor"]
    soft.nova("PUT", "/os-quota-sets/" + pid, json={"quota_set": {
        "instances": -1, "ram": -1}})
    r = soft.nova("POST", "/servers", token=token, mv="2.37", json={"server": {
        "name": unique + "-big", "imageRef": soft.image, "flavorRef": f["id"],
        "networks": "none"}})
    big = soft.wait_status(r.json()["server"]["id"], "ERROR", token=token)["id"]
    assert soft.nova("DELETE", "/servers/" + big, token=token).status_code == 204
    soft.wait_status(big, "DELETED", token=token)
    for sid in (a, b):
        act(soft, sid, {"forceDelete": None}, token=token)
    for sid in (a, b):
        soft.wait_status(sid, "DELETED", token=token)


def test_without_the_interval_delete_is_at_once(fake, image, unique):
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": "1", "networks": "none"}})
    sid = fake.wait_status(r.json()["server"]["id"], "ACTIVE")["id"]
    r = act(fake, sid, {"restore": None})
    assert r.status_code == 409 and "vm_state active" in r.text
    assert fake.nova("DELETE", "/servers/" + sid).status_code == 204
    fake.wait_status(sid, "DELETED")
