"""Compute fixtures: a stackd with the fake driver (servers go ACTIVE with no
process, fast), helpers to make a project with a member user, upload a tiny
image, and wait for a server's status."""
import os
import shutil
import subprocess
import time

import pytest

from conftest import ROOT, Cloud


class FakeCloud(Cloud):
    def __init__(self, binary, extra_args=()):
        self.binary, self.extra_args = binary, list(extra_args)
        super().__init__(binary, extra_args)

    def restart(self):
        """Stops stackd and starts it again on the same data dir and port."""
        self.stop()
        self._log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--data-dir", self.data_dir,
             "--listen", "127.0.0.1:%d" % self.port,
             "--admin-password", self.admin_password, *self.extra_args],
            stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while True:
            try:
                if self.request("GET", "/healthcheck", token=False).status_code == 200:
                    break
            except Exception:
                pass
            assert self.proc.poll() is None and time.time() < deadline, self.log()[-3000:]
            time.sleep(0.05)
        self._admin_token = None

    def nova(self, method, path, token=None, mv=None, **kw):
        headers = kw.pop("headers", {})
        if mv:
            headers["X-OpenStack-Nova-API-Version"] = mv
        return self.request(method, "/compute/v2.1" + path, token=token, headers=headers, **kw)

    def wait_status(self, server_id, status, token=None, timeout=20):
        deadline = time.time() + timeout
        while True:
            r = self.nova("GET", "/servers/" + server_id, token=token)
            if r.status_code == 200 and r.json()["server"]["status"] == status \
                    and r.json()["server"]["OS-EXT-STS:task_state"] is None:
                return r.json()["server"]
            if status == "DELETED" and r.status_code == 404:
                return None
            assert time.time() < deadline, "server %s: %s, wanted %s" % (
                server_id, r.text[:300], status)
            time.sleep(0.05)


@pytest.fixture(scope="module")
def fake():
    binary = os.environ.get("STACKD_BIN", os.path.join(ROOT, "build", "stackd"))
    c = FakeCloud(binary, extra_args=["--compute.driver", "fake",
                                      "--compute.fake_ram_mb", "65536"])
    yield c
    c.stop()
    log = c.log()
    assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log[-5000:]
    assert c.proc.returncode == 0, log[-3000:]
    shutil.rmtree(c.data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def image(fake):
    """An active raw image of 1 MiB (public)."""
    r = fake.request("POST", "/image/v2/images", json={
        "name": "tiny", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"})
    assert r.status_code == 201, r.text
    iid = r.json()["id"]
    r = fake.request("PUT", "/image/v2/images/%s/file" % iid, data=b"\0" * (1 << 20),
                     headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 204, r.text
    return iid


def make_project(cloud, name):
    """A project with a member user; returns (token, project_id, user_id)."""
    r = cloud.request("POST", "/identity/v3/projects",
                      json={"project": {"name": name, "domain_id": "default"}})
    assert r.status_code == 201, r.text
    pid = r.json()["project"]["id"]
    r = cloud.request("POST", "/identity/v3/users", json={"user": {
        "name": name + "-u", "password": "pw-" + name, "domain_id": "default",
        "default_project_id": pid}})
    assert r.status_code == 201, r.text
    uid = r.json()["user"]["id"]
    role = cloud.request("GET", "/identity/v3/roles?name=member").json()["roles"][0]["id"]
    r = cloud.request("PUT", "/identity/v3/projects/%s/users/%s/roles/%s" % (pid, uid, role))
    assert r.status_code == 204, r.text
    return cloud.token(name + "-u", "pw-" + name, name)[0], pid, uid
