"""Drives bench/identity/run.sh: starts build/stackd on a port of the
identity range (6100-6199) with a fresh data dir, measures, prints a
Markdown table, stops the daemon by its PID and removes the data dir."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

SECS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
BIN = os.path.abspath("build/stackd")
PW = "bench-" + os.urandom(4).hex()


def free_port():
    for port in range(6150, 6200):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise SystemExit("no free port in 6150-6199")


def start(data_dir, port):
    """Starts stackd; returns (process, seconds until /healthcheck is 200)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([BIN, "serve", "--data-dir", data_dir, "--listen",
                             "127.0.0.1:%d" % port, "--admin-password", PW],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    req = b"GET /healthcheck HTTP/1.0\r\n\r\n"
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(req)
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return proc, time.perf_counter() - t0
        except OSError:
            pass
        if proc.poll() is not None or time.perf_counter() - t0 > 10:
            raise SystemExit("stackd did not start")
        time.sleep(0.0005)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=15)


def cpu_seconds(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid):
    return int(re.search(r"VmRSS:\s+(\d+)", open("/proc/%d/status" % pid).read()).group(1))


def wrk(url, conns, headers=(), script=None):
    """(requests/s, p50 latency ms, non-2xx count, requests)."""
    cmd = ["wrk", "-t", "1" if conns == 1 else "2", "-c", str(conns), "-d", "%ds" % SECS,
           "--latency"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p50.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return rps, float(p50.group(1)) * scale, int(bad.group(1)) if bad else 0, total


def main():
    data_dir = tempfile.mkdtemp(prefix="identity-bench.", dir="/var/tmp")
    port = free_port()
    url = "http://127.0.0.1:%d" % port
    rows = []
    try:
        proc, first = start(data_dir, port)
        stop(proc)
        proc, again = start(data_dir, port)
        rows.append(("start-up to healthy /healthcheck, empty data dir (bootstrap)",
                     "%.0f ms" % (first * 1000)))
        rows.append(("start-up to healthy /healthcheck, existing data dir",
                     "%.0f ms" % (again * 1000)))
        time.sleep(1)
        rows.append(("idle RSS right after start", "%.1f MB" % (rss_kb(proc.pid) / 1024)))

        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"}, "password": PW}}},
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
        r = requests.post(url + "/identity/v3/auth/tokens", json=body, timeout=10)
        tok = r.headers["X-Subject-Token"]
        hdr = {"X-Auth-Token": tok}
        for i in range(100):
            requests.post(url + "/identity/v3/projects", headers=hdr, timeout=10,
                          json={"project": {"name": "bench-%03d" % i}})
        lua = os.path.join(data_dir, "auth.lua")
        with open(lua, "w") as f:
            f.write('wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = '
                    '"application/json"\n' % json.dumps(json.dumps(body)))
        cases = [
            ("token validation (GET /v3/auth/tokens, catalog included)",
             url + "/identity/v3/auth/tokens", ["X-Auth-Token: " + tok,
                                                "X-Subject-Token: " + tok], None),
            ("token validation (GET /v3/auth/tokens?nocatalog)",
             url + "/identity/v3/auth/tokens?nocatalog",
             ["X-Auth-Token: " + tok, "X-Subject-Token: " + tok], None),
            ("password authentication (POST /v3/auth/tokens, Argon2id)",
             url + "/identity/v3/auth/tokens", [], lua),
            ("GET /v3/projects (102 projects)", url + "/identity/v3/projects",
             ["X-Auth-Token: " + tok], None),
            ("floor: GET /healthcheck (no identity work)", url + "/healthcheck", [], None),
        ]
        for name, u, headers, script in cases:
            for conns in (1, 8):
                c0 = cpu_seconds(proc.pid)
                rps, p50, bad, total = wrk(u, conns, headers, script)
                cpu = (cpu_seconds(proc.pid) - c0) / max(total, 1) * 1e6
                rows.append(("%s, c=%d" % (name, conns),
                             "%.0f req/s, p50 %.2f ms, %.0f us CPU/req%s" % (
                                 rps, p50, cpu, ", %d non-2xx!" % bad if bad else "")))
        time.sleep(2)
        rows.append(("idle RSS after the runs", "%.1f MB" % (rss_kb(proc.pid) / 1024)))
        stop(proc)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    load = open("/proc/loadavg").read().split()[:3]
    print("| measure | result |\n|---|---|")
    for name, val in rows:
        print("| %s | %s |" % (name, val))
    print("\n%d s per wrk run; load average at the end: %s (2 cores, shared)." % (
        SECS, " ".join(load)))


if __name__ == "__main__":
    main()
