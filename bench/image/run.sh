#!/bin/bash
# Image service throughput: upload and download of a 1 GiB image with curl
# through stackd, next to plain dd writing (with fsync) and reading the same
# bytes on the same disk, and stackd's peak RSS growth during each transfer.
# Targets: >= 80 % of dd's MB/s, RSS growth < 16 MB.
# usage: bench/image/run.sh [SIZE_MIB]   (run from the project root; 1024 by default)
set -euo pipefail
MIB=${1:-1024}
BIN=${STACKD_BIN:-build/stackd}
[[ -x $BIN ]] || make -s
DIR=$(mktemp -d /var/tmp/image-bench.XXXXXX)
PORT=${BENCH_PORT:-6201}
PW=bench-$RANDOM$RANDOM
PID=""
SAMPLER=""
cleanup() {
	[[ -n $SAMPLER ]] && kill "$SAMPLER" 2>/dev/null || true
	if [[ -n $PID ]]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
	rm -rf "$DIR"
}
trap cleanup EXIT

"$BIN" serve --data-dir "$DIR/data" --listen "127.0.0.1:$PORT" --admin-password "$PW" \
	>"$DIR/stackd.log" 2>&1 &
PID=$!
URL=http://127.0.0.1:$PORT
for _ in $(seq 1 100); do curl -fs "$URL/healthcheck" >/dev/null 2>&1 && break; sleep 0.1; done
TOKEN=$(curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' "$URL/identity/v3/auth/tokens" -d \
	'{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"'"$PW"'"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}' |
	tr -d '\r' | awk 'tolower($1)=="x-subject-token:"{print $2}')

rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$PID/status"; }
# peak RSS sampler: writes the highest VmRSS seen (kB) to $1 every 20 ms
# (one python process: a shell loop forking awk would steal CPU from the
# transfer it measures)
start_sampler() {
	/usr/bin/python3 -c '
import sys, time
pid, out, peak = sys.argv[1], sys.argv[2], 0
while True:
    try:
        for line in open("/proc/%s/status" % pid):
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
                if rss > peak:
                    peak = rss
                    open(out, "w").write("%d\n" % peak)
    except OSError:
        break
    time.sleep(0.02)
' "$PID" "$1" &
	SAMPLER=$!
}
stop_sampler() { kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true; SAMPLER=""; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN{printf "%.0f", b / 1048576 / s}'; }
now() { date +%s.%N; }

SRC=$DIR/src.bin
head -c $((MIB * 1048576)) /dev/urandom >"$SRC"
BYTES=$((MIB * 1048576))
SRC_MD5=$(md5sum <"$SRC" | cut -d' ' -f1)
# Each phase starts with no dirty pages of an earlier one pending.
settle() { sync; sleep 2; }
settle

# Reads are measured cold: the file's pages are dropped from the page cache
# first (after settle's sync), so both dd and the download read the disk.
drop_cache() { dd if="$1" iflag=nocache count=0 status=none; }

# Rounds interleave dd and stackd so that the disk's mood (this machine's
# disk is shared) weighs on both alike; medians are reported.
ROUNDS=${ROUNDS:-3}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
DDW=() DDR=() UPS=() DOWNS=() WARMS=() UP_RSS=0 DOWN_RSS=0
settle
# a small request first, so the baseline includes a warmed-up server
curl -fsS -o /dev/null -H "X-Auth-Token: $TOKEN" "$URL/image/v2/images"
for round in $(seq 1 "$ROUNDS"); do
	# dd: write with fsync (what an upload must do), then read back cold.
	t0=$(now); dd if="$SRC" of="$DIR/dd.out" bs=1M conv=fsync status=none; t1=$(now)
	DDW+=("$(mbps $BYTES "$(echo "$t1 - $t0" | bc)")")
	settle
	drop_cache "$DIR/dd.out"
	t0=$(now); dd if="$DIR/dd.out" of=/dev/null bs=1M status=none; t1=$(now)
	DDR+=("$(mbps $BYTES "$(echo "$t1 - $t0" | bc)")")
	rm -f "$DIR/dd.out"
	settle

	ID=$(curl -fsS -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' \
		"$URL/image/v2/images" -d '{"name":"bench","disk_format":"raw","container_format":"bare"}' |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	BASE=$(rss_kb)
	start_sampler "$DIR/peak.up"
	t0=$(now)
	code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H "X-Auth-Token: $TOKEN" \
		-H 'Content-Type: application/octet-stream' -T "$SRC" "$URL/image/v2/images/$ID/file")
	t1=$(now)
	stop_sampler
	[[ $code == 204 ]] || { echo "upload failed: $code"; tail "$DIR/stackd.log"; exit 1; }
	UPS+=("$(mbps $BYTES "$(echo "$t1 - $t0" | bc)")")
	g=$(($(cat "$DIR/peak.up" 2>/dev/null || echo "$BASE") - BASE))
	((g > UP_RSS)) && UP_RSS=$g

	settle
	drop_cache "$DIR/data/images/$ID"
	BASE=$(rss_kb)
	start_sampler "$DIR/peak.down"
	t0=$(now)
	curl -fsS -o /dev/null -H "X-Auth-Token: $TOKEN" "$URL/image/v2/images/$ID/file"
	t1=$(now)
	stop_sampler
	DOWNS+=("$(mbps $BYTES "$(echo "$t1 - $t0" | bc)")")
	g=$(($(cat "$DIR/peak.down" 2>/dev/null || echo "$BASE") - BASE))
	((g > DOWN_RSS)) && DOWN_RSS=$g
	# the same download again, now from the page cache: what HTTP over
	# loopback carries on this machine, whatever the disk
	t0=$(now)
	curl -fsS -o /dev/null -H "X-Auth-Token: $TOKEN" "$URL/image/v2/images/$ID/file"
	t1=$(now)
	WARMS+=("$(mbps $BYTES "$(echo "$t1 - $t0" | bc)")")
	# the bytes that come back are the bytes that went in
	GOT_MD5=$(curl -fsS -H "X-Auth-Token: $TOKEN" "$URL/image/v2/images/$ID/file" | md5sum | cut -d' ' -f1)
	[[ $GOT_MD5 == "$SRC_MD5" ]] || { echo "downloaded bytes differ"; exit 1; }
	curl -fsS -X DELETE -H "X-Auth-Token: $TOKEN" "$URL/image/v2/images/$ID"
	echo "round $round: dd_write=${DDW[-1]} upload=${UPS[-1]} dd_read=${DDR[-1]} download=${DOWNS[-1]} warm_download=${WARMS[-1]} MB/s" >&2
	settle
done
DD_W=$(median "${DDW[@]}") DD_R=$(median "${DDR[@]}") UP=$(median "${UPS[@]}") DOWN=$(median "${DOWNS[@]}")
WARM=$(median "${WARMS[@]}")

pct() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.0f", 100 * a / b}'; }
echo "size_mib=$MIB rounds=$ROUNDS (medians)"
echo "dd_write_fsync_mbps=$DD_W dd_read_mbps=$DD_R"
echo "upload_mbps=$UP ($(pct "$UP" "$DD_W")% of dd write) peak_rss_growth_kb=$UP_RSS"
echo "download_mbps=$DOWN ($(pct "$DOWN" "$DD_R")% of dd read) peak_rss_growth_kb=$DOWN_RSS"
echo "warm_download_mbps=$WARM (page cache: the loopback HTTP ceiling here)"
ok=1
(($(pct "$UP" "$DD_W") >= 80)) || ok=0
(($(pct "$DOWN" "$DD_R") >= 80)) || ok=0
((UP_RSS < 16384 && DOWN_RSS < 16384)) || ok=0
((ok)) && echo "targets: met" || { echo "targets: NOT met"; exit 1; }
