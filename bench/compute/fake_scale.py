"""bench/compute part (b): 1,000 servers with the fake driver.

Starts build/stackd (or $STACKD_BIN) with `--compute.driver fake` on a fresh
data dir (port 6450-6499), lifts the admin project's quotas, creates N
servers (default 1000) with C concurrent single-server POSTs, and measures:
  - time from the first POST to every server ACTIVE (polling /servers/detail),
  - requests/s of GET /servers/detail with all N servers (wrk, 10 s, 4 conns),
  - stackd's RSS (VmRSS, VmHWM) after that.
Run from the project root:  /usr/bin/python3 bench/compute/fake_scale.py [N] [C]
"""
import concurrent.futures
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import requests

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
C = int(sys.argv[2]) if len(sys.argv) > 2 else 16


def free_port():
    for port in range(6450, 6500):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise SystemExit("no free port in 6450-6499")


def rss(pid):
    out = {}
    for line in open("/proc/%d/status" % pid):
        if line.startswith(("VmRSS", "VmHWM")):
            k, v = line.split(":")
            out[k] = int(v.split()[0]) / 1024.0
    return out


def main():
    binary = os.environ.get("STACKD_BIN", "build/stackd")
    data = tempfile.mkdtemp(prefix="compute-bench.", dir="/var/tmp")
    port = free_port()
    url = "http://127.0.0.1:%d" % port
    log = open(os.path.join(data, "stackd.log"), "w")
    proc = subprocess.Popen([binary, "serve", "--data-dir", data, "--listen",
                             "127.0.0.1:%d" % port, "--admin-password", "bench",
                             "--compute.driver", "fake", "--log-level", "warn"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            try:
                if requests.get(url + "/healthcheck", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.05)
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"}, "password": "bench"}}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
        r = requests.post(url + "/identity/v3/auth/tokens", json=body)
        token = r.headers["X-Subject-Token"]
        project = r.json()["token"]["project"]["id"]
        h = {"X-Auth-Token": token, "X-OpenStack-Nova-API-Version": "2.37"}
        nova = url + "/compute/v2.1"
        r = requests.put(nova + "/os-quota-sets/" + project, headers=h, json={
            "quota_set": {"instances": -1, "cores": -1, "ram": -1}})
        assert r.status_code == 200, r.text
        r = requests.post(url + "/image/v2/images", headers=h, json={
            "name": "bench", "disk_format": "raw", "container_format": "bare"})
        image = r.json()["id"]
        requests.put(url + "/image/v2/images/%s/file" % image, data=b"\0" * 65536,
                     headers=dict(h, **{"Content-Type": "application/octet-stream"}))
        sessions = {}

        def create(i):
            s = sessions.setdefault(os.getpid() * 1000 + (i % C), requests.Session())
            r = s.post(nova + "/servers", headers=h, json={"server": {
                "name": "b%d" % i, "imageRef": image, "flavorRef": "1",
                "networks": "none"}})
            assert r.status_code == 202, r.text

        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(C) as pool:
            list(pool.map(create, range(N)))
        t_posted = time.time() - t0
        while True:
            servers = requests.get(nova + "/servers/detail", headers=h).json()["servers"]
            active = sum(1 for s in servers if s["status"] == "ACTIVE")
            if active == N:
                break
            time.sleep(0.05)
        t_active = time.time() - t0
        wrk = subprocess.run(["wrk", "-t2", "-c4", "-d10s", "-H", "X-Auth-Token: " + token,
                              nova + "/servers/detail"], capture_output=True, text=True).stdout
        rps = [l for l in wrk.splitlines() if l.startswith("Requests/sec")]
        lat = [l for l in wrk.splitlines() if l.strip().startswith("Latency")]
        size = len(requests.get(nova + "/servers/detail", headers=h).content)
        mem = rss(proc.pid)
        print("servers: %d, concurrency %d" % (N, C))
        print("all POSTs answered (202): %.2f s (%.0f creates/s)" % (t_posted, N / t_posted))
        print("all ACTIVE: %.2f s" % t_active)
        print("GET /servers/detail with %d servers (%d KB): %s; %s" % (
            N, size // 1024, rps[0].split()[-1] if rps else "?",
            lat[0].split()[1] if lat else "?"))
        print("stackd RSS: %.1f MB (peak %.1f MB)" % (mem["VmRSS"], mem["VmHWM"]))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
