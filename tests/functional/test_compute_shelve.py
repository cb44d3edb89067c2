"""Shelve, shelveOffload and unshelve with the fake driver: the snapshot
"<name>-shelved" in the image service, SHELVED then SHELVED_OFFLOADED
(at once, after shelved_offload_time, or on shelveOffload), the host's
resources freed while offloaded (quota kept), unshelve back to ACTIVE from
either state (the snapshot deleted), and No valid host on unshelve."""
import os
import shutil
import time

import pytest
from tempest.lib.services.compute import base_compute_client

from conftest_compute import ROOT, FakeCloud, fake, image, make_project  # noqa: F401
from test_compute_schemas import clients  # noqa: F401


@pytest.fixture
def cloud_with():
    """Starts extra fake clouds with the given [compute] options."""
    started = []

    def start(**opts):
        binary = os.environ.get("STACKD_BIN", os.path.join(ROOT, "build", "stackd"))
        args = ["--compute.driver", "fake"]
        for k, v in opts.items():
            args += ["--compute.%s" % k, str(v)]
        c = FakeCloud(binary, extra_args=args)
        started.append(c)
        return c

    yield start
    for c in started:
        c.stop()
        log = c.log()
        assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log[-5000:]
        shutil.rmtree(c.data_dir, ignore_errors=True)


def upload_image(c):
    r = c.request("POST", "/image/v2/images", json={
        "name": "base", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"})
    iid = r.json()["id"]
    c.request("PUT", "/image/v2/images/%s/file" % iid, data=b"\0" * 65536,
              headers={"Content-Type": "application/octet-stream"})
    return iid


def boot(c, image, name, token=None, flavor="1"):
    r = c.nova("POST", "/servers", token=token, mv="2.37", json={"server": {
        "name": name, "imageRef": image, "flavorRef": flavor, "networks": "none"}})
    assert r.status_code == 202, r.text
    return c.wait_status(r.json()["server"]["id"], "ACTIVE", token=token)


def act(c, sid, body, token=None, mv=None):
    return c.nova("POST", "/servers/%s/action" % sid, token=token, mv=mv, json=body)


def images_named(c, name):
    return [i for i in c.request("GET", "/image/v2/images?name=" + name).json()["images"]]


def ram_used(c):
    return c.nova("GET", "/os-hypervisors/statistics").json()[
        "hypervisor_statistics"]["memory_mb_used"]


def test_shelve_offloads_at_once_and_unshelve_spawns_again(fake, image, unique):
    token, pid, _ = make_project(fake, unique + "s")
    s = boot(fake, image, unique, token, flavor="2")
    sid = s["id"]
    before = ram_used(fake)
    # Tempest's client: the codes and the echoed microversion.
    base_compute_client.COMPUTE_MICROVERSION = "2.60"
    try:
        sc = clients(fake, "2.60")["servers"]
        assert sc.shelve_server(sid).response.status == 202
        shelved = fake.wait_status(sid, "SHELVED_OFFLOADED", token=token)
        # Already offloaded: shelveOffload is a state conflict.
        r = act(fake, sid, {"shelveOffload": None})
        assert r.status_code == 409
        # Offloaded: off the host, its RAM free, its quota still used.
        assert shelved["OS-EXT-STS:power_state"] == 4
        admin_view = fake.nova("GET", "/servers/" + sid).json()["server"]
        assert admin_view["OS-EXT-SRV-ATTR:host"] is None
        assert ram_used(fake) == before - 2048
        assert not os.path.exists(os.path.join(fake.data_dir, "compute", "fake", sid))
        usage = fake.nova("GET", "/os-quota-sets/%s/detail" % pid, token=token).json()
        assert usage["quota_set"]["instances"]["in_use"] == 1
        imgs = images_named(fake, unique + "-shelved")
        assert len(imgs) == 1 and imgs[0]["status"] == "active", imgs
        assert imgs[0]["image_type"] == "snapshot" and imgs[0]["instance_uuid"] == sid
        assert imgs[0]["owner"] == pid
        r = act(fake, sid, {"os-start": None}, token=token)
        assert r.status_code == 409 and "shelved_offloaded" in r.text
        assert act(fake, sid, {"shelve": None}, token=token).status_code == 409
        assert sc.unshelve_server(sid).response.status == 202
    finally:
        base_compute_client.COMPUTE_MICROVERSION = None
    s = fake.wait_status(sid, "ACTIVE", token=token)
    assert s["OS-EXT-STS:power_state"] == 1 and s["image"]["id"] == image
    assert fake.nova("GET", "/servers/" + sid).json()["server"]["OS-EXT-SRV-ATTR:host"]
    assert ram_used(fake) == before
    assert images_named(fake, unique + "-shelved") == []
    assert os.path.exists(os.path.join(fake.data_dir, "compute", "fake", sid))
    names = [a["action"] for a in fake.nova(
        "GET", "/servers/%s/os-instance-actions" % sid, token=token).json()["instanceActions"]]
    assert names[:2] == ["unshelve", "shelve"]
    # A stopped server shelves too, and comes back running (Nova).
    act(fake, sid, {"os-stop": None}, token=token)
    fake.wait_status(sid, "SHUTOFF", token=token)
    assert act(fake, sid, {"shelve": None}, token=token).status_code == 202
    fake.wait_status(sid, "SHELVED_OFFLOADED", token=token)
    # shelveOffload is an admin's (Nova's default policy).
    assert act(fake, sid, {"shelveOffload": None}, token=token).status_code == 403
    # Deleting a shelved server deletes its snapshot.
    assert fake.nova("DELETE", "/servers/" + sid, token=token).status_code == 204
    fake.wait_status(sid, "DELETED", token=token)
    assert images_named(fake, unique + "-shelved") == []


def test_shelved_until_shelve_offload(cloud_with, unique):
    c = cloud_with(shelved_offload_time=-1)
    image = upload_image(c)
    sid = boot(c, image, unique)["id"]
    guest = os.path.join(c.data_dir, "compute", "fake", sid)
    assert act(c, sid, {"shelve": None}).status_code == 202
    s = c.wait_status(sid, "SHELVED")
    assert s["OS-EXT-STS:power_state"] == 4 and s["OS-EXT-SRV-ATTR:host"]
    assert open(guest).read().strip() == "4"  # powered off, still on the host
    time.sleep(1.5)
    assert c.wait_status(sid, "SHELVED")
    # Unshelve from SHELVED powers the same guest on and drops the snapshot.
    assert act(c, sid, {"unshelve": None}).status_code == 202
    c.wait_status(sid, "ACTIVE")
    assert open(guest).read().strip() == "1"
    assert images_named(c, unique + "-shelved") == []
    assert act(c, sid, {"shelve": None}).status_code == 202
    c.wait_status(sid, "SHELVED")
    assert act(c, sid, {"shelveOffload": {}}).status_code == 202
    s = c.wait_status(sid, "SHELVED_OFFLOADED")
    assert s["OS-EXT-SRV-ATTR:host"] is None and not os.path.exists(guest)
    assert len(images_named(c, unique + "-shelved")) == 1
    assert c.nova("DELETE", "/servers/" + sid).status_code == 204
    c.wait_status(sid, "DELETED")
    assert images_named(c, unique + "-shelved") == []


def test_periodic_offload_after_shelved_offload_time(cloud_with, unique):
    c = cloud_with(shelved_offload_time=2)
    image = upload_image(c)
    sid = boot(c, image, unique)["id"]
    act(c, sid, {"shelve": None})
    c.wait_status(sid, "SHELVED")
    t0 = time.time()
    s = c.wait_status(sid, "SHELVED_OFFLOADED", timeout=10)
    assert time.time() - t0 >= 0.5 and s["OS-EXT-SRV-ATTR:host"] is None
    assert act(c, sid, {"unshelve": None}).status_code == 202
    c.wait_status(sid, "ACTIVE")


def test_unshelve_without_room_stays_offloaded(cloud_with, unique):
    # 2048 MB * 1.5 - 512 reserved: one m1.small (2048 MB) fits, not two.
    c = cloud_with(fake_ram_mb=2048)
    image = upload_image(c)
    a = boot(c, image, unique + "-a", flavor="2")["id"]
    act(c, a, {"shelve": None})
    c.wait_status(a, "SHELVED_OFFLOADED")
    b = boot(c, image, unique + "-b", flavor="2")["id"]
    assert act(c, a, {"unshelve": None}).status_code == 202
    s = c.wait_status(a, "SHELVED_OFFLOADED")
    assert s["OS-EXT-SRV-ATTR:host"] is None
    acts = c.nova("GET", "/servers/%s/os-instance-actions" % a).json()["instanceActions"]
    assert acts[0]["action"] == "unshelve"
    ev = c.nova("GET", "/servers/%s/os-instance-actions/%s" % (a, acts[0]["request_id"])
                ).json()["instanceAction"]
    assert "No valid host" in (ev.get("message") or "") and "RamFilter" in ev["message"]
    c.nova("DELETE", "/servers/" + b)
    c.wait_status(b, "DELETED")
    assert act(c, a, {"unshelve": None}).status_code == 202
    c.wait_status(a, "ACTIVE")
