"""Fixtures of the network tests: a stackd with its data plane, running in a
network namespace of its own, and "guests" made of namespaces.

The daemon runs in netns sdn<pid> (the pytest process's thread enters that
namespace for the network test modules only, so HTTP, the CLI and the SDK
reach it on 127.0.0.1 there). A guest stand-in is a namespace sdn<pid>g<n>
whose eth0 is a veth peer of tap<port id[:11]> on the port's bridge, with the
port's MAC: exactly where a QEMU tap would be, so security groups, DHCP,
routers and metadata see it as they would see a guest. Everything is deleted
at the end (by name and PID), then `stackd cleanup` checks the data dir."""
import ctypes
import os
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import ROOT, Cloud  # noqa: E402

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
PY = "/usr/bin/python3"
# The fake compute driver: servers made through the API get ports (and
# metadata answers) but no QEMU; a guest namespace stands in for them.
LAB_ARGS = ["--compute.driver", "fake"]


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")


class Netns:
    """Enters a namespace for the calling thread; leave() restores."""

    def __init__(self, name):
        self.name = name
        self._home = None

    def enter(self):
        self._home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + self.name, os.O_RDONLY)
        try:
            _setns(fd)
        finally:
            os.close(fd)

    def leave(self):
        if self._home is not None:
            _setns(self._home)
            os.close(self._home)
            self._home = None


def sh(cmd, check=True, timeout=60):
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("%s failed (%d): %s %s" % (cmd, p.returncode, p.stdout, p.stderr))
    return p


class Guest:
    """A namespace standing in for a guest on one port."""

    def __init__(self, lab, port, network, subnet):
        self.lab = lab
        lab.nguests += 1
        self.ns = "%sg%d" % (lab.ns, lab.nguests)
        self.port = port
        self.ip = port["fixed_ips"][0]["ip_address"]
        self.mac = port["mac_address"]
        self.tap = "tap" + port["id"][:11]
        bridge = "brq" + network["id"][:11]
        sh("ip netns add %s" % self.ns)
        lab.guests.append(self)
        sh("ip -n %s link set lo up" % self.ns)
        # the host end lives in the daemon's namespace (this thread's)
        sh("ip link add %s type veth peer name eth0 netns %s" % (self.tap, self.ns))
        sh("ip link set %s master %s up" % (self.tap, bridge))
        sh("ip -n %s link set eth0 address %s up" % (self.ns, self.mac))
        if subnet is not None and self.ip:
            prefix = subnet["cidr"].split("/")[1]
            sh("ip -n %s addr add %s/%s dev eth0" % (self.ns, self.ip, prefix))
            if subnet.get("gateway_ip"):
                sh("ip -n %s route add default via %s" % (self.ns, subnet["gateway_ip"]))

    def run(self, cmd, check=False, timeout=30):
        return sh("ip netns exec %s %s" % (self.ns, cmd), check=check, timeout=timeout)

    def ping(self, ip, count=1, wait=2):
        return self.run("ping -c %d -W %d %s" % (count, wait, ip)).returncode == 0

    def py(self, code, *args, timeout=30):
        return subprocess.run(["ip", "netns", "exec", self.ns, PY, "-c", code, *args],
                              capture_output=True, text=True, timeout=timeout)

    def tcp_ok(self, ip, port, timeout=2):
        code = ("import socket,sys\ns=socket.socket();s.settimeout(%d)\n"
                "try:\n s.connect((%r,%d));d=s.recv(64);sys.exit(0 if d else 1)\n"
                "except Exception: sys.exit(1)\n" % (timeout, ip, port))
        return self.py(code, timeout=timeout + 10).returncode == 0

    def serve_tcp(self, port):
        """A server answering 'hi' to every connection, until the guest goes."""
        code = ("import socket\ns=socket.socket();s.setsockopt(1,2,1);s.bind(('0.0.0.0',%d))\n"
                "s.listen(8)\nwhile True:\n c,a=s.accept();c.sendall(b'hi');c.close()\n" % port)
        p = subprocess.Popen(["ip", "netns", "exec", self.ns, PY, "-c", code],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.lab.procs.append(p)
        time.sleep(0.3)
        return p

    def serve_echo(self, port):
        """A server echoing on every connection it keeps open, until the guest goes."""
        code = ("import socket,threading\ns=socket.socket();s.setsockopt(1,2,1)\n"
                "s.bind(('0.0.0.0',%d));s.listen(8)\n"
                "def echo(c):\n while True:\n  d=c.recv(64)\n  if not d: break\n  c.sendall(d)\n"
                "while True:\n c,a=s.accept()\n threading.Thread(target=echo,args=(c,),"
                "daemon=True).start()\n" % port)
        p = subprocess.Popen(["ip", "netns", "exec", self.ns, PY, "-c", code],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.lab.procs.append(p)
        time.sleep(0.3)
        return p

    def http_get(self, url, timeout=5):
        code = ("import urllib.request,sys\ntry:\n r=urllib.request.urlopen(%r,timeout=%d)\n"
                " sys.stdout.write(str(r.status)+'\\n'+r.read().decode())\n"
                "except urllib.error.HTTPError as e:\n sys.stdout.write(str(e.code)+'\\n')\n"
                % (url, timeout))
        p = self.py(code, timeout=timeout + 10)
        lines = p.stdout.split("\n", 1)
        return (int(lines[0]) if lines[0].strip().isdigit() else 0,
                lines[1] if len(lines) > 1 else "")

    def dhcp_offer(self):
        """Sends a DHCPDISCOVER from eth0; returns the offer's fields."""
        return self.lab.dhcp_probe(self)

    def delete(self):
        sh("ip netns del %s" % self.ns, check=False)


DHCP_PROBE = r'''
import socket, struct, sys, os, json
mac = bytes(int(x, 16) for x in sys.argv[1].split(":"))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, 25, b"eth0\0")
s.bind(("0.0.0.0", 68))
s.settimeout(5)
xid = os.urandom(4)
pkt = struct.pack("!BBBB4sHH4s4s4s4s16s64s128s4s", 1, 1, 6, 0, xid, 0, 0x8000, b"\0"*4,
                  b"\0"*4, b"\0"*4, b"\0"*4, mac + b"\0"*10, b"\0"*64, b"\0"*128,
                  bytes([99, 130, 83, 99]))
pkt += bytes([53, 1, 1, 55, 5, 1, 3, 6, 26, 121, 255])
s.sendto(pkt, ("255.255.255.255", 67))
while True:
    data, _ = s.recvfrom(4096)
    if data[4:8] != xid:
        continue
    out = {"yiaddr": socket.inet_ntoa(data[16:20])}
    opts = data[240:]
    i = 0
    while i < len(opts) and opts[i] != 255:
        if opts[i] == 0:
            i += 1
            continue
        code, ln = opts[i], opts[i + 1]
        val = opts[i + 2:i + 2 + ln]
        if code == 3:
            out["router"] = socket.inet_ntoa(val[:4])
        elif code == 26:
            out["mtu"] = struct.unpack("!H", val)[0]
        elif code == 6:
            out["dns"] = [socket.inet_ntoa(val[k:k + 4]) for k in range(0, len(val), 4)]
        elif code == 121:
            out["classless"] = list(val)
        i += 2 + ln
    print(json.dumps(out))
    break
'''


class Lab:
    """The daemon's namespace, its cloud and the guests of the tests."""

    def __init__(self, binary):
        self.ns = "sdn%d" % os.getpid()
        self.guests = []
        self.procs = []
        self.nguests = 0
        self.binary = binary
        sh("ip netns add %s" % self.ns)
        try:
            sh("ip -n %s link set lo up" % self.ns)
            self.netns = Netns(self.ns)
            self.netns.enter()
            try:
                self.cloud = Cloud(binary, LAB_ARGS)
            finally:
                self.netns.leave()
        except BaseException:
            # no lab, no close(): the namespace goes now
            sh("ip netns del %s" % self.ns, check=False)
            raise

    def guest(self, port, network, subnet):
        return Guest(self, port, network, subnet)

    def dhcp_probe(self, guest):
        import json
        p = guest.py(DHCP_PROBE, guest.mac, timeout=20)
        return json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else None

    def restart(self, while_stopped=None):
        """Stops stackd and starts it again on the same data dir and port;
        while_stopped() runs in between (e.g. to edit the database)."""
        self.cloud.stop()
        if while_stopped:
            while_stopped()
        data_dir, port = self.cloud.data_dir, self.cloud.port
        self.cloud.proc = subprocess.Popen(
            [self.binary, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:%d" % port,
             "--admin-password", self.cloud.admin_password, *LAB_ARGS],
            stdout=open(self.cloud.log_path, "a"), stderr=subprocess.STDOUT)
        self.cloud._log = open(self.cloud.log_path, "a")
        import requests
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(self.cloud.url + "/healthcheck", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("stackd did not restart")

    def close(self):
        for p in self.procs:
            p.kill()
            p.wait()
        for g in self.guests:
            g.delete()
        self.netns.enter()
        try:
            self.cloud.stop()
        finally:
            # stackd's own namespaces (qdhcp-*, qrouter-*) outlive it by
            # design: cleanup removes them even when the stop failed
            sh("%s cleanup --data-dir %s" % (self.binary, self.cloud.data_dir), check=False)
            self.netns.leave()
            sh("ip netns del %s" % self.ns, check=False)


_LAB = []  # one lab per session, whichever test module asks first


@pytest.fixture(scope="session")
def lab(request):
    # Each test module imports this fixture, which makes one session
    # fixture per module for pytest: they share one Lab.
    if _LAB:
        yield _LAB[0]
        return
    binary = os.environ.get("STACKD_BIN", os.path.join(ROOT, "build", "stackd"))
    the_lab = Lab(binary)
    _LAB.append(the_lab)
    yield the_lab
    the_lab.close()
    log = the_lab.cloud.log()
    assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log[-5000:]
    assert the_lab.cloud.proc.returncode == 0, log[-3000:]
    import shutil
    shutil.rmtree(the_lab.cloud.data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def net(lab):
    """The lab's cloud, with this thread inside the daemon's namespace."""
    lab.netns.enter()
    yield lab.cloud
    lab.netns.leave()
