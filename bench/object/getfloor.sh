#!/bin/bash
# Where a large object GET's time goes (run as root from the project root;
# `make` first). Puts one MIB object into a fresh stackd (port 6701), then
# over ROUNDS rounds, in a new random order each round and with the page
# cache dropped before each cold read, reads it:
#   stackd       curl GET through stackd (http_reply_fd: MHD's sendfile)
#   sf-128K      sendfile_floor.c on the object's file: sendfile 128 KiB calls
#   sf-willneed  the same plus POSIX_FADV_WILLNEED 32 MiB ahead
#   sf-2M        sendfile 2 MiB calls
#   copy-1M      pread 1 MiB + write
#   dd-1M, dd-100K  dd of the object's file (100 KiB: curl's read size)
# and, from the page cache, stackd-warm plus iperf3 -Z over loopback (the TCP
# ceiling). Prints median, quartiles and range of each, in MB/s.
# usage: bench/object/getfloor.sh [MIB]   env: ROUNDS (12), BENCH_PORT (6701)
# Ports BENCH_PORT..+19 and /var/tmp/objbench-* only.
set -euo pipefail
MIB=${1:-1024}
ROUNDS=${ROUNDS:-12}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${STACKD_BIN:-build/stackd}
[[ -x $BIN ]] || make -s
DIR=$(mktemp -d /var/tmp/objbench-floor.XXXXXX)
PORT=${BENCH_PORT:-6701}
PW=bench-$RANDOM$RANDOM
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$DIR"
}
trap cleanup EXIT
drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

cc -O2 -Wall -Wextra -Werror -o "$DIR/sendfile_floor" "$HERE/sendfile_floor.c"
"$BIN" serve --data-dir "$DIR/data" --listen "127.0.0.1:$PORT" --admin-password "$PW" \
	>"$DIR/stackd.log" 2>&1 &
PIDS+=($!)
URL=http://127.0.0.1:$PORT
for _ in $(seq 1 100); do curl -fs "$URL/healthcheck" >/dev/null 2>&1 && break; sleep 0.1; done
RESP=$(curl -fsS -D - -o "$DIR/token.json" -H 'Content-Type: application/json' "$URL/identity/v3/auth/tokens" -d \
	'{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"'"$PW"'"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}')
TOKEN=$(printf '%s' "$RESP" | tr -d '\r' | awk 'tolower($1)=="x-subject-token:"{print $2}')
PROJECT=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"]["project"]["id"])' "$DIR/token.json")
SURL=$URL/object-store/v1/AUTH_$PROJECT
H="X-Auth-Token: $TOKEN"
head -c $((MIB << 20)) /dev/urandom >"$DIR/src"
curl -fsS -o /dev/null -X PUT -H "$H" "$SURL/big"
curl -fsS -o /dev/null -X PUT -H "$H" -T "$DIR/src" "$SURL/big/big"
rm -f "$DIR/src"
OBJ=$(find "$DIR/data" -type f -size +$((MIB / 2))M | head -1)

"$DIR/sendfile_floor" "$OBJ" $((PORT + 1)) 131072 sendfile 100000 & PIDS+=($!)
"$DIR/sendfile_floor" "$OBJ" $((PORT + 2)) 131072 willneed 100000 & PIDS+=($!)
"$DIR/sendfile_floor" "$OBJ" $((PORT + 3)) 2097152 sendfile 100000 & PIDS+=($!)
"$DIR/sendfile_floor" "$OBJ" $((PORT + 4)) 1048576 copy 100000 & PIDS+=($!)
iperf3 -s -p $((PORT + 19)) >/dev/null 2>&1 & PIDS+=($!)
sleep 0.5

get() { curl -fsS -o /dev/null -w '%{speed_download}' "$@" | awk '{printf "%.0f", $1 / 1e6}'; }
dd_mbs() { dd if="$OBJ" of=/dev/null bs="$1" 2>&1 | awk '/copied/{printf "%.0f", $1 / $(NF-3) / 1e6}'; }
measure() {
	case $1 in
	stackd) get -H "$H" "$SURL/big/big" ;;
	sf-128K) get "http://127.0.0.1:$((PORT + 1))/" ;;
	sf-willneed) get "http://127.0.0.1:$((PORT + 2))/" ;;
	sf-2M) get "http://127.0.0.1:$((PORT + 3))/" ;;
	copy-1M) get "http://127.0.0.1:$((PORT + 4))/" ;;
	dd-1M) dd_mbs 1M ;;
	dd-100K) dd_mbs 100K ;;
	esac
}
echo "-- $MIB MiB, $ROUNDS rounds, MB/s (load average at start: $(cut -d' ' -f1-3 /proc/loadavg))"
: >"$DIR/out"
for _ in $(seq 1 "$ROUNDS"); do
	for m in $(shuf -e stackd sf-128K sf-willneed sf-2M copy-1M dd-1M dd-100K); do
		drop_caches
		echo "$m $(measure "$m")" >>"$DIR/out"
	done
	echo "stackd-warm $(get -H "$H" "$SURL/big/big")" >>"$DIR/out"
	iperf3 -c 127.0.0.1 -p $((PORT + 19)) -t 1 -Z -J | /usr/bin/python3 -c \
		'import json,sys; print("iperf3-Z %.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 8e6))' \
		>>"$DIR/out"
done
/usr/bin/python3 - "$DIR/out" <<'EOF'
import collections, statistics, sys
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    k, v = line.split()
    d[k].append(float(v))
order = ["stackd", "sf-128K", "sf-willneed", "sf-2M", "copy-1M", "dd-1M", "dd-100K",
         "stackd-warm", "iperf3-Z"]
print("| read | median | quartiles | range |")
print("|---|---|---|---|")
for k in order:
    v = sorted(d[k])
    print("| %s | %.0f | %.0f-%.0f | %.0f-%.0f |" % (k, statistics.median(v), v[len(v) // 4],
                                                   v[(3 * len(v)) // 4], v[0], v[-1]))
EOF
echo "-- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
