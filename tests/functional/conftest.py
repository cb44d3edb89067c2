"""Shared fixtures: a real stackd started for the test session.

STACKD_BIN names the binary (plain or sanitized build). Each session gets a
fresh data dir and a free port on 127.0.0.1; the daemon is stopped by its PID
at the end. Tests talk to it with the real clients: openstacksdk, the
`openstack` CLI, and plain HTTP through `requests`.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _interrupted(signum, frame):
    """SIGTERM (`timeout`, a CI job cancelled) ends the session as Ctrl-C
    does, so the fixtures' teardown still deletes the namespaces, bridges
    and daemons they made; by default it would kill pytest on the spot."""
    raise KeyboardInterrupt("SIGTERM")


signal.signal(signal.SIGTERM, _interrupted)


# Every Cloud this pytest process started: their data dirs are removed when
# the session passes (kept for a look when it fails), whichever fixture or
# test made them.
_CLOUDS = []


def pytest_sessionfinish(session, exitstatus):
    for c in _CLOUDS:
        if c.proc.poll() is None:
            c.stop()
        if exitstatus == 0:
            shutil.rmtree(c.data_dir, ignore_errors=True)
    if exitstatus != 0 and _CLOUDS:
        print("\nstackd data dirs kept:", " ".join(c.data_dir for c in _CLOUDS))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Cloud:
    """A running stackd and the ways to talk to it."""

    def __init__(self, binary, extra_args=()):
        self.data_dir = tempfile.mkdtemp(prefix="stackd-ft.", dir="/var/tmp")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.admin_password = "ft-" + os.urandom(6).hex()
        self.log_path = os.path.join(self.data_dir, "stackd.log")
        self._log = open(self.log_path, "w")
        _CLOUDS.append(self)
        self.proc = subprocess.Popen(
            [binary, "serve", "--data-dir", self.data_dir,
             "--listen", "127.0.0.1:%d" % self.port,
             "--admin-password", self.admin_password, *extra_args],
            stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while True:
            try:
                if requests.get(self.url + "/healthcheck", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("stackd did not start:\n" + open(self.log_path).read()[-3000:])
            time.sleep(0.05)
        self.clouds_yaml = os.path.join(self.data_dir, "clouds.yaml")
        self._admin_token = None

    # -- HTTP -------------------------------------------------------------
    def token(self, username="admin", password=None, project="admin", domain="Default"):
        """A project-scoped token (id, body) for a user, by password."""
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": username, "domain": {"name": domain},
                "password": password or self.admin_password}}},
            "scope": {"project": {"name": project, "domain": {"name": domain}}}}}
        r = requests.post(self.url + "/identity/v3/auth/tokens", json=body, timeout=10)
        assert r.status_code == 201, r.text
        return r.headers["X-Subject-Token"], r.json()

    @property
    def admin_token(self):
        if self._admin_token is None:
            self._admin_token = self.token()[0]
        return self._admin_token

    def request(self, method, path, token=None, **kw):
        headers = kw.pop("headers", {})
        if token is not False:
            headers.setdefault("X-Auth-Token", token or self.admin_token)
        kw.setdefault("timeout", 30)
        return requests.request(method, self.url + path, headers=headers, **kw)

    # -- CLI --------------------------------------------------------------
    def cli_env(self, **extra):
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("OS_"):
                del env[k]
        env.update(OS_CLIENT_CONFIG_FILE=self.clouds_yaml, OS_CLOUD="stackd")
        env.update(extra)
        return env

    def cli(self, *args, check=True, env=None):
        """Runs `openstack ARGS -f json` when it makes sense; returns parsed output."""
        cmd = ["openstack", *args]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env or self.cli_env(),
                           timeout=120)
        if check and p.returncode != 0:
            raise AssertionError("%s failed (%d):\n%s" % (" ".join(cmd), p.returncode, p.stderr))
        out = p.stdout.strip()
        if "-f" in args and "json" in args and out:
            return json.loads(out)
        return p if not check else out

    def sdk(self, **kw):
        """An openstacksdk Connection: the admin of clouds.yaml, or the
        credentials given as keyword arguments (username=, password=, ...)."""
        import openstack
        from openstack import config as os_config
        if kw:
            return openstack.connect(auth_url=self.url + "/identity/v3", **kw)
        # openstack.connect() ignores config_files: load clouds.yaml explicitly.
        region = os_config.OpenStackConfig(config_files=[self.clouds_yaml]).get_one(
            cloud="stackd")
        return openstack.connection.Connection(config=region)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def log(self):
        return open(self.log_path).read()


@pytest.fixture(scope="session")
def cloud():
    binary = os.environ.get("STACKD_BIN", os.path.join(ROOT, "build", "stackd"))
    c = Cloud(binary)
    yield c
    c.stop()
    rc = c.proc.returncode
    # A sanitizer report or a crash fails the session even if every test passed.
    log = c.log()
    assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log[-5000:]
    assert rc == 0, "stackd exited with %s:\n%s" % (rc, log[-3000:])
    shutil.rmtree(c.data_dir, ignore_errors=True)


@pytest.fixture
def unique():
    """A short unique name prefix for the resources of one test."""
    return "ft" + os.urandom(4).hex()
