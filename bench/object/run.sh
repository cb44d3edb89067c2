#!/bin/bash
# Object store benchmark: starts stackd on a fresh data dir (port 6301),
# runs bench.py (4 KiB PUT/GET at c=1 and c=16, listing of 10,000 objects,
# 1 GiB PUT/GET with peak RSS), then dd on the same disk for comparison.
# usage: bench/object/run.sh [BIG_MIB]   (run from the project root)
set -euo pipefail
MIB=${1:-1024}
BIN=${STACKD_BIN:-build/stackd}
[[ -x $BIN ]] || make -s
DIR=$(mktemp -d /var/tmp/object-bench.XXXXXX)
PORT=${BENCH_PORT:-6301}
PW=bench-$RANDOM$RANDOM
PID=""
cleanup() {
	if [[ -n $PID ]]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
	rm -rf "$DIR"
}
trap cleanup EXIT

"$BIN" serve --data-dir "$DIR/data" --listen "127.0.0.1:$PORT" --admin-password "$PW" \
	>"$DIR/stackd.log" 2>&1 &
PID=$!
URL=http://127.0.0.1:$PORT
for _ in $(seq 1 100); do curl -fs "$URL/healthcheck" >/dev/null 2>&1 && break; sleep 0.1; done
RESP=$(curl -fsS -D - -o "$DIR/token.json" -H 'Content-Type: application/json' "$URL/identity/v3/auth/tokens" -d \
	'{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"'"$PW"'"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}')
TOKEN=$(printf '%s' "$RESP" | tr -d '\r' | awk 'tolower($1)=="x-subject-token:"{print $2}')
PROJECT=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"]["project"]["id"])' "$DIR/token.json")

/usr/bin/python3 "$(dirname "$0")/bench.py" "$URL/object-store/v1/AUTH_$PROJECT" "$TOKEN" "$PID" "$MIB"

echo "-- dd on the same disk ($DIR)"
dd if=/dev/urandom of="$DIR/rand" bs=1M count=256 status=none
dd if=/dev/zero of="$DIR/dd" bs=1M count="$MIB" conv=fdatasync 2>&1 | tail -1 | sed 's/^/dd write (fdatasync): /'
sync
echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
dd if="$DIR/dd" of=/dev/null bs=1M 2>&1 | tail -1 | sed 's/^/dd read (cold): /'
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
