#!/usr/bin/python3
"""Object store benchmark against a running stackd: 1 GiB PUT and GET MB/s
with the daemon's peak RSS, and the listing of a 10,000-object container
(filled by 16 client processes). The 4 KiB PUT/GET load is wrk's (run.sh).
usage: bench.py BASE_URL TOKEN PID [BIG_MIB]"""
import hashlib
import http.client
import multiprocessing
import os
import subprocess
import sys
import threading
import time
import urllib.parse

BASE, TOKEN, PID = sys.argv[1], sys.argv[2], int(sys.argv[3])
BIG_MIB = int(sys.argv[4]) if len(sys.argv) > 4 else 1024
U = urllib.parse.urlparse(BASE)


def conn():
    return http.client.HTTPConnection(U.hostname, U.port, timeout=120)


def call(c, method, path, body=None, headers=None):
    h = {"X-Auth-Token": TOKEN}
    h.update(headers or {})
    c.request(method, U.path + path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    return r.status, data


def client(args):
    method, container, idx, n, payload = args
    c = conn()
    lat = []
    for k in range(n):
        t = time.perf_counter()
        st, _ = call(c, method, "/%s/o-%d-%d" % (container, idx, k),
                     payload if method == "PUT" else None)
        assert st in (200, 201), st
        lat.append(time.perf_counter() - t)
    return lat


class Peak:
    def __init__(self):
        self.peak = 0
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def rss(self):
        for line in open("/proc/%d/status" % PID):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def run(self):
        while not self.stop:
            self.peak = max(self.peak, self.rss())
            time.sleep(0.02)

    def done(self):
        self.stop = True
        self.t.join()
        return self.peak


def big(container):
    size = BIG_MIB << 20
    block = os.urandom(1 << 20)
    base = Peak().rss()
    c = conn()
    peak = Peak()
    t = time.perf_counter()
    c.putrequest("PUT", U.path + "/%s/big" % container)
    c.putheader("X-Auth-Token", TOKEN)
    c.putheader("Content-Length", str(size))
    c.endheaders()
    for _ in range(BIG_MIB):
        c.send(block)
    r = c.getresponse()
    r.read()
    assert r.status == 201, r.status
    wall = time.perf_counter() - t
    p = peak.done()
    print("%d MiB PUT     %7.0f MB/s  peak RSS %d MB (+%d MB over idle)"
          % (BIG_MIB, size / wall / 1e6, p // 1024, (p - base) // 1024))
    os.system("sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null")
    # curl reads: a Python reader would be the bottleneck at these rates
    peak = Peak()
    t = time.perf_counter()
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{size_download}",
                          "-H", "X-Auth-Token: " + TOKEN, BASE + "/%s/big" % container],
                         capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - t
    p = peak.done()
    assert int(out) == size
    print("%d MiB GET     %7.0f MB/s  peak RSS %d MB (+%d MB over idle), cold cache"
          % (BIG_MIB, size / wall / 1e6, p // 1024, (p - base) // 1024))


def listing(container):
    c = conn()
    call(c, "PUT", "/" + container)
    with multiprocessing.Pool(16) as pool:
        pool.map(client, [("PUT", container, i, 625, b"x") for i in range(16)])
    t = time.perf_counter()
    st, data = call(c, "GET", "/%s?format=json" % container)
    wall = time.perf_counter() - t
    assert st == 200 and data.count(b'"name"') == 10000
    t = time.perf_counter()
    st, data = call(c, "GET", "/%s" % container)
    plain = time.perf_counter() - t
    print("listing of 10,000 objects: json %.1f ms, plain %.1f ms" % (wall * 1000, plain * 1000))


if __name__ == "__main__":
    c = conn()
    for name in ("big", "list"):
        call(c, "PUT", "/" + name)
    if os.environ.get("BENCH_ONLY") == "big":
        big("big")
        sys.exit(0)
    listing("list")
    big("big")
