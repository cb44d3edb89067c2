"""Restarting stackd: servers keep their states (the fake driver keeps its
guests in files, as QEMU guests outlive the daemon), and a guest that
vanished while stackd was down is found SHUTOFF by the re-sync."""
import os
import shutil

import pytest

from conftest_compute import ROOT, FakeCloud


@pytest.fixture
def cloud2():
    binary = os.environ.get("STACKD_BIN", os.path.join(ROOT, "build", "stackd"))
    c = FakeCloud(binary, extra_args=["--compute.driver", "fake"])
    yield c
    c.stop()
    log = c.log()
    assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log[-5000:]
    shutil.rmtree(c.data_dir, ignore_errors=True)


def test_states_survive_a_restart_and_vanished_guests_are_shutoff(cloud2):
    c = cloud2
    r = c.request("POST", "/image/v2/images", json={
        "name": "r", "disk_format": "raw", "container_format": "bare"})
    image = r.json()["id"]
    c.request("PUT", "/image/v2/images/%s/file" % image, data=b"\0" * 4096,
              headers={"Content-Type": "application/octet-stream"})
    ids = []
    for i in range(3):
        r = c.nova("POST", "/servers", mv="2.37", json={"server": {
            "name": "r%d" % i, "imageRef": image, "flavorRef": "1", "networks": "none"}})
        assert r.status_code == 202, r.text
        ids.append(r.json()["server"]["id"])
    for sid in ids:
        c.wait_status(sid, "ACTIVE")
    c.nova("POST", "/servers/%s/action" % ids[1], json={"os-stop": None})
    c.wait_status(ids[1], "SHUTOFF")
    c.nova("POST", "/servers/%s/action" % ids[2], json={"pause": None})
    c.wait_status(ids[2], "PAUSED")
    c.stop()
    # The first guest disappears while stackd is down ("killed from outside").
    os.unlink(os.path.join(c.data_dir, "compute", "fake", ids[0]))
    c.restart()
    s0 = c.wait_status(ids[0], "SHUTOFF")
    assert s0["OS-EXT-STS:power_state"] == 4
    c.wait_status(ids[1], "SHUTOFF")
    assert c.wait_status(ids[2], "PAUSED")["OS-EXT-STS:power_state"] == 3
    # And it can be started again.
    assert c.nova("POST", "/servers/%s/action" % ids[1],
                  json={"os-start": None}).status_code == 202
    c.wait_status(ids[1], "ACTIVE")
    assert "re-synced" in c.log()
