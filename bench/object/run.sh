#!/bin/bash
# Object store benchmark (run as root from the project root; `make` first):
#  1. 4 KiB PUT and GET ops/s and p99 at concurrency 1 and 16 (wrk, keep-alive,
#     small.lua), against stackd and against Debian's Swift 2.30 all-in-one
#     (swift-aio.sh: tempauth + memcached, 1 replica, same disk), ROUNDS rounds
#     with the two interleaved; medians and spread.
#  2. bench.py: listing of a 10,000-object container, 1 GiB PUT and GET MB/s
#     with stackd's peak RSS.
#  3. large GET and PUT next to dd, GET_ROUNDS rounds: page cache dropped the
#     same way before each cold read, dd reading the object's own file with
#     curl's read size (100 KiB) and with 1 MiB, a GET from the page cache (no
#     disk), iperf3 -Z (sendfile) over loopback: the TCP ceiling of this
#     machine; a PUT by curl -T of a file in the page cache next to dd writing
#     as many bytes with conv=fdatasync.
#  4. a one-writer fsync loop on the same disk.
# usage: bench/object/run.sh [BIG_MIB]
#   env: ROUNDS (3), DUR (10 s per wrk run), GET_ROUNDS (5), SWIFT (1; 0 skips
#   Swift), BENCH_PORT (6701; Swift uses 6710-6714)
# Ports 6700-6799 and /var/tmp/objbench-* only.
set -euo pipefail
MIB=${1:-1024}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-10}
GET_ROUNDS=${GET_ROUNDS:-5}
SWIFT=${SWIFT:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${STACKD_BIN:-build/stackd}
[[ -x $BIN ]] || make -s
command -v wrk >/dev/null || { echo "wrk missing: make deps" >&2; exit 1; }
DIR=$(mktemp -d /var/tmp/objbench-run.XXXXXX)
chmod 711 "$DIR" # Swift runs as user swift under $DIR/swift
PORT=${BENCH_PORT:-6701}
PW=bench-$RANDOM$RANDOM
PID=""
IPERF=""
cleanup() {
	if [[ -n $PID ]]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
	if [[ -n $IPERF ]]; then kill "$IPERF" 2>/dev/null || true; wait "$IPERF" 2>/dev/null || true; fi
	[[ $SWIFT == 1 ]] && "$HERE/swift-aio.sh" stop "$DIR/swift" || true
	rm -rf "$DIR"
}
trap cleanup EXIT
drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

"$BIN" serve --data-dir "$DIR/data" --listen "127.0.0.1:$PORT" --admin-password "$PW" \
	>"$DIR/stackd.log" 2>&1 &
PID=$!
URL=http://127.0.0.1:$PORT
for _ in $(seq 1 100); do curl -fs "$URL/healthcheck" >/dev/null 2>&1 && break; sleep 0.1; done
RESP=$(curl -fsS -D - -o "$DIR/token.json" -H 'Content-Type: application/json' "$URL/identity/v3/auth/tokens" -d \
	'{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"'"$PW"'"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}')
TOKEN=$(printf '%s' "$RESP" | tr -d '\r' | awk 'tolower($1)=="x-subject-token:"{print $2}')
PROJECT=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"]["project"]["id"])' "$DIR/token.json")
SURL=$URL/object-store/v1/AUTH_$PROJECT

if [[ $SWIFT == 1 ]]; then
	"$HERE/swift-aio.sh" install
	mkdir -p "$DIR/swift"
	read -r SWURL SWTOKEN < <("$HERE/swift-aio.sh" start "$DIR/swift")
fi

# ---- 1. 4 KiB PUT/GET, stackd and Swift interleaved ----
head -c 4096 /dev/urandom >"$DIR/4k"
# prepare URL TOKEN ROUND: the round's containers and its 100 objects to GET
prepare() {
	local h="X-Auth-Token: $2" c
	for c in g$3 p1-$3 p16-$3; do curl -fsS -o /dev/null -X PUT -H "$h" "$1/$c"; done
	curl -fsS -o /dev/null -H "$h" -T "$DIR/4k" "$1/g$3/g-[0-99]"
}
# one NAME URL TOKEN METHOD CONC CONTAINER: one wrk run, a line
# "NAME METHOD CONC ROUND OPS P99_MS" appended to $DIR/small.txt
one() {
	local out n secs p99 errs
	out=$(wrk -t$(($5 > 1 ? 2 : 1)) -c"$5" -d"${DUR}s" -H "X-Auth-Token: $3" -s "$HERE/small.lua" \
		"$2/$6" -- "$4" 100 | awk '$1=="RESULT"')
	read -r _ n secs p99 errs <<<"$out"
	[[ $errs == 0 ]] || { echo "$1 $4 c=$5: $errs errors" >&2; exit 1; }
	printf '%s %s %s %s %s %s\n' "$1" "$4" "$5" "$r" "$(awk -v n="$n" -v s="$secs" 'BEGIN{printf "%.1f", n / s}')" "$p99" |
		tee -a "$DIR/small.txt"
}
echo "-- 4 KiB objects, wrk ${DUR}s per run, $ROUNDS rounds, stackd and Swift back to back per measure"
echo "-- (stackd: Keystone token; Swift: tempauth + memcached)"
echo "server method conc round ops/s p99_ms"
for r in $(seq 1 "$ROUNDS"); do
	prepare "$SURL" "$TOKEN" "$r"
	[[ $SWIFT == 1 ]] && prepare "$SWURL" "$SWTOKEN" "$r"
	for spec in PUT:1:p1-$r GET:1:g$r PUT:16:p16-$r GET:16:g$r; do
		IFS=: read -r method conc cont <<<"$spec"
		one stackd "$SURL" "$TOKEN" "$method" "$conc" "$cont"
		[[ $SWIFT == 1 ]] && one swift "$SWURL" "$SWTOKEN" "$method" "$conc" "$cont"
	done
done
/usr/bin/python3 - "$DIR/small.txt" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, method, conc, rnd, ops, p99 = line.split()
    rows.setdefault((name, method, int(conc)), {})[rnd] = (float(ops), float(p99))
def fmt(v, f):
    return (f + " (" + f + "-" + f + ")") % (statistics.median(v), min(v), max(v))
print("| measure | stackd ops/s | stackd p99 ms | Swift ops/s | Swift p99 ms | stackd/Swift ops, per round |")
print("|---|---|---|---|---|---|")
for method in ("PUT", "GET"):
    for conc in (1, 16):
        s = rows.get(("stackd", method, conc), {})
        w = rows.get(("swift", method, conc), {})
        line = "| 4 KiB %s c=%d | %s | %s |" % (method, conc, fmt([x[0] for x in s.values()], "%.0f"),
                                               fmt([x[1] for x in s.values()], "%.1f"))
        if w:
            ratios = [s[r][0] / w[r][0] for r in s if r in w]
            line += " %s | %s | %s |" % (fmt([x[0] for x in w.values()], "%.0f"),
                                         fmt([x[1] for x in w.values()], "%.1f"),
                                         fmt(ratios, "%.1fx"))
        else:
            line += " - | - | - |"
        print(line)
EOF
if [[ $SWIFT == 1 ]]; then
	"$HERE/swift-aio.sh" stop "$DIR/swift"
	rm -rf "$DIR/swift/srv"
fi

# ---- 2. listing, 1 GiB PUT and GET with peak RSS ----
/usr/bin/python3 "$HERE/bench.py" "$SURL" "$TOKEN" "$PID" "$MIB"

# ---- 3. large GET next to dd on the object's own file ----
OBJ=$(find "$DIR/data" -type f -size +$((MIB / 2))M | head -1)
mbs() { awk '{printf "%.0f", $1 / 1e6}'; }
dd_mbs() { dd if="$OBJ" of=/dev/null bs="$1" 2>&1 | awk '/copied/{print $1, $(NF-3)}' | awk '{printf "%.0f", $1 / $2 / 1e6}'; }
echo "-- $MIB MiB GET and PUT next to dd on the same disk ($GET_ROUNDS rounds, MB/s)"
echo "round | GET cold | GET cold, 4 MiB reads | dd bs=100K cold | dd bs=1M cold | GET page cache | iperf3 -Z loopback | PUT | dd write fdatasync"
head -c $((MIB << 20)) /dev/urandom >"$DIR/src"
iperf3 -s -p $((PORT + 19)) >/dev/null 2>&1 &
IPERF=$!
sleep 0.5
: >"$DIR/get.txt"
for r in $(seq 1 "$GET_ROUNDS"); do
	drop_caches
	g=$(curl -fsS -o /dev/null -w '%{speed_download}' -H "X-Auth-Token: $TOKEN" "$SURL/big/big" | mbs)
	drop_caches
	graw=$(/usr/bin/python3 "$HERE/getraw.py" "$SURL/big/big" "$TOKEN")
	drop_caches
	d100=$(dd_mbs 100K)
	drop_caches
	d1m=$(dd_mbs 1M)
	w=$(curl -fsS -o /dev/null -w '%{speed_download}' -H "X-Auth-Token: $TOKEN" "$SURL/big/big" | mbs)
	ip=$(iperf3 -c 127.0.0.1 -p $((PORT + 19)) -t 2 -Z -J | /usr/bin/python3 -c \
		'import json,sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 8e6))')
	cat "$DIR/src" >/dev/null
	put=$(curl -fsS -o /dev/null -w '%{speed_upload}' -H "X-Auth-Token: $TOKEN" -T "$DIR/src" \
		"$SURL/big/put" | mbs)
	ddw=$(dd if="$DIR/src" of="$DIR/dd" bs=1M conv=fdatasync 2>&1 |
		awk '/copied/{printf "%.0f", $1 / $(NF-3) / 1e6}')
	rm -f "$DIR/dd"
	echo "$r | $g | $graw | $d100 | $d1m | $w | $ip | $put | $ddw" | tee -a "$DIR/get.txt"
done
/usr/bin/python3 - "$DIR/get.txt" <<'EOF'
import statistics, sys
cols = list(zip(*[[float(x) for x in l.split("|")[1:]] for l in open(sys.argv[1])]))
names = ["GET cold", "GET cold raw 4M", "dd bs=100K cold", "dd bs=1M cold", "GET page cache", "iperf3 loopback",
         "PUT", "dd write fdatasync"]
for n, c in zip(names, cols):
    print("%-16s median %5.0f MB/s (%.0f-%.0f)" % (n, statistics.median(c), min(c), max(c)))
for i, what in ((0, "GET cold (curl)"), (1, "GET cold (4 MiB reads)")):
    print("%s / dd bs=1M cold, medians: %.0f %%; per round: %s" % (
        what, 100 * statistics.median(cols[i]) / statistics.median(cols[3]),
        " ".join("%.0f%%" % (100 * g / d) for g, d in zip(cols[i], cols[3]))))
print("GET cold (4 MiB reads) / iperf3 loopback, medians: %.0f %%" % (
    100 * statistics.median(cols[1]) / statistics.median(cols[5])))
print("PUT / dd write fdatasync, medians: %.0f %%; per round: %s" % (
    100 * statistics.median(cols[6]) / statistics.median(cols[7]),
    " ".join("%.0f%%" % (100 * p / d) for p, d in zip(cols[6], cols[7]))))
EOF

rm -f "$DIR/src"

# ---- 4. the disk's small-write side ----
echo "-- fsync loop on the same disk ($DIR)"
/usr/bin/python3 - "$DIR" <<'EOF'
import os, sys, time
d = sys.argv[1]
buf = os.urandom(4096)
n = 2000
t = time.perf_counter()
for i in range(n):
    fd = os.open(os.path.join(d, "s%d" % i), os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, buf)
    os.fsync(fd)
    os.close(fd)
print("fsync'ed 4 KiB file writes, one writer: %.0f/s" % (n / (time.perf_counter() - t)))
EOF
