#!/bin/bash
# bench/compute (a): time from the API's server create to ACTIVE and to the
# "ready" line on the console (os-getConsoleOutput) for the tiny guest under
# the QEMU driver, next to the same image booted by a bare QEMU command line
# (boot_bare.sh). Runs stackd inside a network namespace of its own (sdqb*).
# Usage: bench/compute/boot.sh [RUNS]     (from the project root, as root)
set -eu
runs=${1:-5}
cd "$(dirname "$0")/../.."
if [ -z "${BENCH_NETNS:-}" ]; then
	make -s all guest-image
	ns=sdqb$$
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	rc=0
	BENCH_NETNS=$ns ip netns exec "$ns" "$0" "$@" || rc=$?
	for p in $(ip netns pids "$ns"); do kill -9 "$p" 2>/dev/null || true; done
	ip netns del "$ns"
	exit $rc
fi

data=$(mktemp -d /var/tmp/qemu-bench.XXXXXX)
port=6590
password=bench-$RANDOM$RANDOM
build/stackd serve --data-dir "$data" --listen "127.0.0.1:$port" --admin-password "$password" \
	--compute.driver qemu >"$data/stackd.log" 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthcheck" >/dev/null && break; sleep 0.1; done

echo "bare QEMU (exec to ready), $runs runs:"
bare=$(bench/compute/boot_bare.sh "$runs")
echo "$bare" | sed 's/^/  /'

/usr/bin/python3 - "$port" "$password" "$runs" "$bare" <<'PY'
import statistics, sys, time
import requests

port, password, runs, bare = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
url = "http://127.0.0.1:%s" % port
auth = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
    "name": "admin", "domain": {"name": "Default"}, "password": password}}},
    "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
r = requests.post(url + "/identity/v3/auth/tokens", json=auth)
r.raise_for_status()
h = {"X-Auth-Token": r.headers["X-Subject-Token"], "OpenStack-API-Version": "compute 2.37"}
img = requests.post(url + "/image/v2/images", headers=h, json={
    "name": "bench-tiny", "disk_format": "qcow2", "container_format": "bare"}).json()
with open("build/guest/tiny.qcow2", "rb") as f:
    requests.put(url + "/image/v2/images/%s/file" % img["id"], data=f,
                 headers=dict(h, **{"Content-Type": "application/octet-stream"})).raise_for_status()
flv = requests.post(url + "/compute/v2.1/flavors", headers=h, json={"flavor": {
    "name": "bench", "ram": 256, "vcpus": 1, "disk": 1}}).json()["flavor"]

active, ready = [], []
for i in range(runs):
    t0 = time.time()
    r = requests.post(url + "/compute/v2.1/servers", headers=h, json={"server": {
        "name": "bench-%d" % i, "imageRef": img["id"], "flavorRef": flv["id"],
        "networks": "none"}})
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    t_active = None
    while True:
        if t_active is None:
            s = requests.get(url + "/compute/v2.1/servers/" + sid, headers=h).json()["server"]
            if s["status"] == "ERROR":
                sys.exit("server went to ERROR: %s" % s.get("fault"))
            if s["status"] == "ACTIVE":
                t_active = time.time() - t0
        else:
            out = requests.post(url + "/compute/v2.1/servers/%s/action" % sid, headers=h,
                                json={"os-getConsoleOutput": {"length": 5}}).json()
            if "ready" in out.get("output", ""):
                break
        if time.time() - t0 > 300:
            sys.exit("server %s did not boot in 300 s" % sid)
        time.sleep(0.05)
    active.append(t_active)
    ready.append(time.time() - t0)
    requests.delete(url + "/compute/v2.1/servers/" + sid, headers=h)
    while requests.get(url + "/compute/v2.1/servers/" + sid, headers=h).status_code != 404:
        time.sleep(0.1)
    print("  run %d: ACTIVE %.2f s, ready %.2f s" % (i + 1, t_active, ready[-1]))

bare_t = [float(x) for x in bare.split()]
mb, ma, mr = statistics.median(bare_t), statistics.median(active), statistics.median(ready)
print("median: bare QEMU to ready %.2f s; stackd create to ACTIVE %.2f s, to ready %.2f s"
      % (mb, ma, mr))
print("overhead over bare QEMU: %+.1f %% (target <= 30 %%)" % (100 * (mr - mb) / mb))
PY
