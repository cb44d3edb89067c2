"""Fixtures of the QEMU driver tests: a stackd with `[compute] driver = qemu`
running inside a network namespace the test made (sdq*), so that every guest
and kernel object of the test stays there.

The pytest process itself enters the namespace (setns on its main thread)
while the fixture lives, so requests, the `openstack` CLI and stackd all see
the namespace's loopback; it returns to its own namespace at the end, after
stopping stackd, ending every QEMU the test left (by pid file, checked
against the command line) and deleting the namespace.
"""
import ctypes
import glob
import os
import shutil
import signal
import subprocess
import time

import pytest
import requests

from conftest import ROOT, Cloud

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns failed")


class QemuCloud(Cloud):
    """A Cloud that can be restarted on the same data dir and port."""

    def __init__(self, binary, extra_args=()):
        self.binary = binary
        self.extra_args = list(extra_args)
        super().__init__(binary, extra_args)

    def restart(self):
        """Stops stackd (guests keep running) and starts it again."""
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
                if requests.get(self.url + "/healthcheck", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("stackd did not restart:\n" + self.log()[-3000:])
            time.sleep(0.05)
        self._admin_token = None

    # -- guests on this host ------------------------------------------------
    def instance_dir(self, server_id):
        return os.path.join(self.data_dir, "compute", "instances", server_id)

    def qemu_pid(self, server_id):
        """The pid of the server's QEMU, or None."""
        try:
            pid = int(open(os.path.join(self.instance_dir(server_id), "qemu.pid")).read())
            cmd = open("/proc/%d/cmdline" % pid, "rb").read().decode(errors="replace")
            stat = open("/proc/%d/stat" % pid).read()
        except (OSError, ValueError):
            return None
        if server_id not in cmd or stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return None
        return pid

    def qemu_cmdline(self, server_id):
        pid = self.qemu_pid(server_id)
        if not pid:
            return None
        return open("/proc/%d/cmdline" % pid, "rb").read().split(b"\0")

    def kill_guests(self):
        for pidfile in glob.glob(os.path.join(self.data_dir, "compute", "instances", "*",
                                              "qemu.pid")):
            server_id = os.path.basename(os.path.dirname(pidfile))
            pid = self.qemu_pid(server_id)
            if pid:
                os.kill(pid, signal.SIGKILL)


def wait_until(fn, timeout, interval=0.5, what="condition"):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)


def guest_image():
    img = os.environ.get("STACKD_GUEST_IMAGE")
    if img:
        return img
    # always asked: make rebuilds an image older than tools/guest (a stale
    # one once booted guests without the metadata fix), else returns at once
    subprocess.run(["make", "-s", "-C", ROOT, "guest-image"], check=True)
    return os.path.join(ROOT, "build", "guest", "tiny.qcow2")


@pytest.fixture(scope="module")
def qcloud():
    binary = os.environ.get("STACKD_BIN", os.path.join(ROOT, "build", "stackd"))
    # Built (apt-get download) before this process enters the namespace,
    # where there is no route to the Debian mirror.
    guest_image()
    ns = "sdq%d%s" % (os.getpid() % 100000, os.urandom(2).hex())
    subprocess.run(["ip", "netns", "add", ns], check=True)
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    cloud = None
    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        target = os.open("/run/netns/" + ns, os.O_RDONLY)
        _setns(target)
        os.close(target)
        cloud = QemuCloud(binary, ["--compute.driver", "qemu"])
        yield cloud
    finally:
        rc = None
        if cloud:
            cloud.stop()
            rc = cloud.proc.returncode
            cloud.kill_guests()
            # stackd's own namespaces (qrouter-*, qdhcp-*), bridges and
            # dnsmasq outlive it by design; deleting only the test's
            # namespace would leave them as dead /run/netns entries
            subprocess.run([binary, "cleanup", "--data-dir", cloud.data_dir], check=False)
        _setns(own)
        os.close(own)
        # whatever still runs in the namespace is this test's: end it
        pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
        for pid in pids.stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        subprocess.run(["ip", "netns", "del", ns], check=False)
    log = cloud.log()
    assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log[-5000:]
    assert rc == 0, "stackd exited with %s:\n%s" % (rc, log[-3000:])
    shutil.rmtree(cloud.data_dir, ignore_errors=True)
