"""Durability of the object store on a daemon of its own: the start-up
check repairs what a crash leaves (temporary files, rows without data,
data without rows), and kill -9 at random moments under 16 writers loses
no acknowledged PUT or DELETE (STACKD_OBJECT_CRASH_ROUNDS rounds, 3 by
default)."""
import glob
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time

import requests

from conftest import ROOT, free_port

ROUNDS = int(os.environ.get("STACKD_OBJECT_CRASH_ROUNDS", "3"))


class Daemon:
    def __init__(self):
        self.binary = os.environ.get("STACKD_BIN", os.path.join(ROOT, "build", "stackd"))
        self.data_dir = tempfile.mkdtemp(prefix="stackd-obj.", dir="/var/tmp")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.password = "pw-" + os.urandom(4).hex()
        self.proc = None
        self.logs = []

    def start(self):
        log = open(os.path.join(self.data_dir, "stackd-%d.log" % len(self.logs)), "w")
        self.logs.append(log.name)
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--data-dir", self.data_dir, "--listen",
             "127.0.0.1:%d" % self.port, "--admin-password", self.password],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/healthcheck", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.05)
        else:
            raise RuntimeError(open(log.name).read()[-3000:])
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"}, "password": self.password}}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
        r = requests.post(self.url + "/identity/v3/auth/tokens", json=body, timeout=10)
        self.token = r.headers["X-Subject-Token"]
        pid = r.json()["token"]["project"]["id"]
        self.base = self.url + "/object-store/v1/AUTH_" + pid

    def req(self, method, sub, session=requests, **kw):
        headers = kw.pop("headers", {})
        headers["X-Auth-Token"] = self.token
        return session.request(method, self.base + sub, headers=headers, timeout=30, **kw)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=15)

    def cleanup(self):
        self.stop()
        for name in self.logs:
            text = open(name).read()
            assert "AddressSanitizer" not in text and "runtime error:" not in text, text[-4000:]
        shutil.rmtree(self.data_dir, ignore_errors=True)


def test_startup_repairs_the_store():
    d = Daemon()
    try:
        d.start()
        d.req("PUT", "/c")
        for n in ("keep", "lose-data", "lose-row"):
            assert d.req("PUT", "/c/" + n, data=n.encode() * 100).status_code == 201
        assert d.req("PUT", "/c/expiring", data=b"x",
                     headers={"X-Delete-After": "1"}).status_code == 201
        time.sleep(1.1)
        d.stop()
        objects = os.path.join(d.data_dir, "objects")
        db = sqlite3.connect(os.path.join(d.data_dir, "stackd.db"))
        files = dict(db.execute("SELECT name, file FROM object_objects"))
        os.unlink(os.path.join(objects, files["lose-data"]))
        db.execute("DELETE FROM object_objects WHERE name = 'lose-row'")
        db.commit()
        db.close()
        with open(os.path.join(objects, "tmp", "upload-crashed"), "wb") as f:
            f.write(b"half an upload")
        # a stale older version of "keep", as a crash between commit and unlink leaves it
        stale = files["keep"].rsplit("-", 2)[0] + "-1.00000-deadbeef"
        shutil.copy(os.path.join(objects, files["keep"]), os.path.join(objects, stale))
        os.setxattr(os.path.join(objects, stale), "user.stackd.object",
                    os.getxattr(os.path.join(objects, files["keep"]), "user.stackd.object")
                    .replace(b'"modified":', b'"modified":1.0,"x":'))
        d.start()
        assert d.req("GET", "/c/keep").content == b"keep" * 100
        assert d.req("GET", "/c/lose-data").status_code == 404
        r = d.req("GET", "/c/lose-row")
        assert r.status_code == 200 and r.content == b"lose-row" * 100
        assert r.headers["ETag"] == hashlib.md5(b"lose-row" * 100).hexdigest()
        assert sorted(d.req("GET", "/c").text.split()) == ["keep", "lose-row"]
        assert os.listdir(os.path.join(objects, "tmp")) == []
        assert not os.path.exists(os.path.join(objects, stale))
        log = open(d.logs[-1]).read()
        assert "object store repaired" in log and "expired objects removed" in log
        assert len(glob.glob(os.path.join(objects, "??", "*"))) == 2
    finally:
        d.cleanup()


def test_kill_9_loses_no_acknowledged_write():
    d = Daemon()
    try:
        d.start()
        d.req("PUT", "/crash")
        # name -> the set of states a reader may see: None (absent) or an md5
        possible = {}
        lock = threading.Lock()
        for rnd in range(ROUNDS):
            stop = threading.Event()

            def worker(i):
                s = requests.Session()
                rng = random.Random(i * 1000 + rnd)
                while not stop.is_set():
                    name = "t%02d-%d" % (i, rng.randrange(6))
                    with lock:
                        before = possible.get(name, {None})
                    if rng.random() < 0.7:
                        data = os.urandom(rng.randrange(1, 200000))
                        new = hashlib.md5(data).hexdigest()
                        with lock:
                            possible[name] = before | {new}
                        try:
                            r = d.req("PUT", "/crash/" + name, session=s, data=data)
                        except requests.RequestException:
                            return
                        if r.status_code == 201:
                            assert r.headers["ETag"] == new
                            with lock:
                                possible[name] = {new}
                    else:
                        with lock:
                            possible[name] = before | {None}
                        try:
                            r = d.req("DELETE", "/crash/" + name, session=s)
                        except requests.RequestException:
                            return
                        if r.status_code in (204, 404):
                            with lock:
                                possible[name] = {None}

            threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
            for t in threads:
                t.start()
            time.sleep(random.uniform(0.3, 1.5))
            d.kill()
            stop.set()
            for t in threads:
                t.join()
            d.start()
            listed = set(d.req("GET", "/crash").text.split())
            present = set()
            for name, states in possible.items():
                r = d.req("GET", "/crash/" + name)
                if r.status_code == 404:
                    assert None in states, (rnd, name, states)
                    continue
                assert r.status_code == 200
                got = hashlib.md5(r.content).hexdigest()
                assert got == r.headers["ETag"] and got in states, (rnd, name)
                present.add(name)
                with lock:
                    possible[name] = {got}
            for name in list(possible):
                if name not in present:
                    possible[name] = {None}
            assert listed == present, rnd
            h = d.req("HEAD", "/crash")
            assert int(h.headers["X-Container-Object-Count"]) == len(present)
            leftovers = [p for p in glob.glob(os.path.join(d.data_dir, "objects", "??", "*"))]
            assert len(leftovers) == len(present)
    finally:
        d.cleanup()


def test_expirer_removes_expired_data():
    d = Daemon()
    try:
        d.start()
        d.req("PUT", "/c")
        assert d.req("PUT", "/c/brief", data=b"x" * 1000,
                     headers={"X-Delete-After": "1"}).status_code == 201
        assert d.req("PUT", "/c/stays", data=b"y").status_code == 201
        files = os.path.join(d.data_dir, "objects", "??", "*")
        assert len(glob.glob(files)) == 2
        deadline = time.time() + 15
        while len(glob.glob(files)) == 2 and time.time() < deadline:
            time.sleep(0.5)
        assert len(glob.glob(files)) == 1
        assert d.req("GET", "/c/brief").status_code == 404
        assert d.req("GET", "/c/stays").content == b"y"
    finally:
        d.cleanup()


def upload_fds(d):
    """The daemon's open unnamed (O_TMPFILE) files under its objects dir."""
    objects = os.path.join(d.data_dir, "objects") + "/#"
    fds = []
    for fd in os.listdir("/proc/%d/fd" % d.proc.pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (d.proc.pid, fd))
        except OSError:
            continue
        if target.startswith(objects):
            fds.append(target)
    return fds


def test_abandoned_upload_leaves_nothing():
    import socket
    d = Daemon()
    try:
        d.start()
        d.req("PUT", "/c")
        path = d.base[len(d.url):] + "/c/partial"
        s = socket.create_connection(("127.0.0.1", d.port))
        s.sendall(("PUT %s HTTP/1.1\r\nHost: x\r\nX-Auth-Token: %s\r\n"
                   "Content-Length: 10000000\r\n\r\n" % (path, d.token)).encode())
        s.sendall(b"x" * 1000000)
        time.sleep(0.5)
        tmp = os.path.join(d.data_dir, "objects", "tmp")
        # the upload's file: unnamed (O_TMPFILE, open in the daemon) or in tmp/
        assert len(os.listdir(tmp)) + len(upload_fds(d)) == 1
        s.close()
        deadline = time.time() + 10
        while (os.listdir(tmp) or upload_fds(d)) and time.time() < deadline:
            time.sleep(0.2)
        assert os.listdir(tmp) == [] and upload_fds(d) == []
        assert d.req("GET", "/c/partial").status_code == 404
        assert glob.glob(os.path.join(d.data_dir, "objects", "??", "*")) == []
    finally:
        d.cleanup()


def test_concurrent_puts_survive_kill_9_after_their_201s():
    """16 writers, small and large (past 1 MiB: MD5 on the hash thread)
    bodies; kill -9 the moment the 40th 201 arrives, others still in flight:
    every acknowledged object comes back whole, nothing unacknowledged is
    left half-written."""
    d = Daemon()
    try:
        d.start()
        d.req("PUT", "/burst")
        acked = {}
        tried = {}
        lock = threading.Lock()
        enough = threading.Event()

        def worker(i):
            s = requests.Session()
            rng = random.Random(i)
            for k in range(1000):
                if enough.is_set():
                    return
                size = rng.choice([1, 4096, 70000, (1 << 20) + rng.randrange(1 << 20)])
                data = os.urandom(size)
                name = "w%02d-%d" % (i, k)
                md5 = hashlib.md5(data).hexdigest()
                with lock:
                    tried[name] = md5
                try:
                    r = d.req("PUT", "/burst/" + name, session=s, data=data)
                except requests.RequestException:
                    return
                if r.status_code == 201:
                    assert r.headers["ETag"] == md5
                    with lock:
                        acked[name] = md5
                        if len(acked) >= 40:
                            enough.set()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        enough.wait(120)
        d.kill()
        for t in threads:
            t.join()
        assert len(acked) >= 40
        d.start()
        listed = set(d.req("GET", "/burst").text.split())
        assert set(acked) <= listed
        for name in listed:
            r = d.req("GET", "/burst/" + name)
            assert r.status_code == 200
            got = hashlib.md5(r.content).hexdigest()
            assert got == r.headers["ETag"] == tried[name], name
        files = glob.glob(os.path.join(d.data_dir, "objects", "??", "*"))
        assert len(files) == len(listed)
    finally:
        d.cleanup()


def test_startup_drops_a_named_file_whose_bytes_are_not_all_there():
    """A PUT names its file while the file's own fsync may still run: a
    crash then can leave the name with wrong bytes. The start-up check must
    not adopt such a file over the acknowledged version."""
    d = Daemon()
    try:
        d.start()
        d.req("PUT", "/c")
        assert d.req("PUT", "/c/keep", data=b"old" * 1000).status_code == 201
        d.stop()
        objects = os.path.join(d.data_dir, "objects")
        db = sqlite3.connect(os.path.join(d.data_dir, "stackd.db"))
        (kept,) = db.execute("SELECT file FROM object_objects WHERE name = 'keep'").fetchone()
        db.close()
        rec = os.getxattr(os.path.join(objects, kept), "user.stackd.object")
        assert b'"md5":"%s"' % hashlib.md5(b"old" * 1000).hexdigest().encode() in rec
        newer = b"new" * 1000
        torn = os.path.join(objects, kept.split("/")[0], "f" * 64 + "-9999999999.00000-torn0000")
        with open(torn, "wb") as f:
            f.write(newer[:1000] + b"\0" * 2000)  # the name made it, not all the data
        rec = rec.replace(hashlib.md5(b"old" * 1000).hexdigest().encode(),
                          hashlib.md5(newer).hexdigest().encode())
        rec = rec.replace(b'"modified":', b'"modified":9999999999.0,"x":')
        os.setxattr(torn, "user.stackd.object", rec)
        d.start()
        r = d.req("GET", "/c/keep")
        assert r.status_code == 200 and r.content == b"old" * 1000
        assert not os.path.exists(torn)
        assert "does not match its MD5" in open(d.logs[-1]).read()
    finally:
        d.cleanup()


def test_large_bodies_hash_and_fail_cleanly():
    """Bodies past 1 MiB are hashed on a second thread: ETags of sized and
    chunked uploads, a wrong ETag refused with nothing left behind."""
    d = Daemon()
    try:
        d.start()
        d.req("PUT", "/c")
        data = os.urandom((5 << 20) + 3)
        md5 = hashlib.md5(data).hexdigest()
        r = d.req("PUT", "/c/sized", data=data)
        assert r.status_code == 201 and r.headers["ETag"] == md5
        r = d.req("PUT", "/c/chunked", data=(data[i:i + 100000]
                                             for i in range(0, len(data), 100000)))
        assert r.status_code == 201 and r.headers["ETag"] == md5
        for name in ("sized", "chunked"):
            r = d.req("GET", "/c/" + name)
            assert r.content == data and r.headers["ETag"] == md5
        r = d.req("PUT", "/c/wrong", data=data, headers={"ETag": "0" * 32})
        assert r.status_code == 422
        assert d.req("GET", "/c/wrong").status_code == 404
        assert len(glob.glob(os.path.join(d.data_dir, "objects", "??", "*"))) == 2
        assert upload_fds(d) == []
    finally:
        d.cleanup()
