#!/bin/bash
# Paired A/B of two stackd binaries on the object PUT path (run as root from
# the project root): ROUNDS rounds, each running, for A then B (the order
# alternates every round), 4 KiB PUTs with wrk at concurrency 1 and 16
# (small.lua, DUR seconds each) and, with BIG_MIB > 0, one PUT of BIG_MIB MiB
# by curl -T from the page cache next to dd writing as many bytes with
# conv=fdatasync, then GETs of it from the page cache and cold (caches
# dropped). Prints every round and the medians of B/A per measure.
# usage: bench/object/ab.sh BIN_A BIN_B
#   env: ROUNDS (5), DUR (5), BIG_MIB (0), CONCS ("1 16")
# Ports 6715-6716, data under /var/tmp/objbench-ab.*.
set -euo pipefail
A=$1
B=$2
ROUNDS=${ROUNDS:-5}
DUR=${DUR:-5}
BIG_MIB=${BIG_MIB:-0}
CONCS=${CONCS:-1 16}
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$(mktemp -d /var/tmp/objbench-ab.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	rm -rf "$DIR"
}
trap cleanup EXIT
PW=bench-$RANDOM$RANDOM
declare -A URL TOKEN
start() { # name binary port
	"$2" serve --data-dir "$DIR/$1" --listen "127.0.0.1:$3" --admin-password "$PW" >"$DIR/$1.log" 2>&1 &
	PIDS+=($!)
	local u=http://127.0.0.1:$3 resp
	for _ in $(seq 1 100); do curl -fs "$u/healthcheck" >/dev/null 2>&1 && break; sleep 0.1; done
	resp=$(curl -fsS -D - -o "$DIR/$1.json" -H 'Content-Type: application/json' "$u/identity/v3/auth/tokens" -d \
		'{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"'"$PW"'"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}')
	TOKEN[$1]=$(printf '%s' "$resp" | tr -d '\r' | awk 'tolower($1)=="x-subject-token:"{print $2}')
	URL[$1]=$u/object-store/v1/AUTH_$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"]["project"]["id"])' "$DIR/$1.json")
}
start A "$A" 6715
start B "$B" 6716
[[ $BIG_MIB -gt 0 ]] && head -c $((BIG_MIB << 20)) /dev/urandom >"$DIR/src"
: >"$DIR/res.txt"
small() { # name conc round
	local c=$2 out n secs p99 errs
	curl -fsS -o /dev/null -X PUT -H "X-Auth-Token: ${TOKEN[$1]}" "${URL[$1]}/p$c-$3"
	out=$(wrk -t$((c > 1 ? 2 : 1)) -c"$c" -d"${DUR}s" -H "X-Auth-Token: ${TOKEN[$1]}" -s "$HERE/small.lua" \
		"${URL[$1]}/p$c-$3" -- PUT | awk '$1=="RESULT"')
	read -r _ n secs p99 errs <<<"$out"
	[[ $errs == 0 ]] || { echo "$1 c=$c: $errs errors" >&2; exit 1; }
	echo "$1 put$c $3 $(awk -v n="$n" -v s="$secs" 'BEGIN{printf "%.1f", n / s}') $p99" | tee -a "$DIR/res.txt"
}
big() { # name round
	local put ddw
	curl -fsS -o /dev/null -X PUT -H "X-Auth-Token: ${TOKEN[$1]}" "${URL[$1]}/big"
	cat "$DIR/src" >/dev/null
	put=$(curl -fsS -o /dev/null -w '%{speed_upload}' -H "X-Auth-Token: ${TOKEN[$1]}" -T "$DIR/src" \
		"${URL[$1]}/big/o$2" | awk '{printf "%.0f", $1 / 1e6}')
	ddw=$(dd if="$DIR/src" of="$DIR/dd" bs=1M conv=fdatasync 2>&1 | awk '/copied/{printf "%.0f", $1 / $(NF-3) / 1e6}')
	rm -f "$DIR/dd"
	local warm cold
	warm=$(curl -fsS -o /dev/null -w '%{speed_download}' -H "X-Auth-Token: ${TOKEN[$1]}" \
		"${URL[$1]}/big/o$2" | awk '{printf "%.0f", $1 / 1e6}')
	sync
	echo 3 >/proc/sys/vm/drop_caches
	cold=$(curl -fsS -o /dev/null -w '%{speed_download}' -H "X-Auth-Token: ${TOKEN[$1]}" \
		"${URL[$1]}/big/o$2" | awk '{printf "%.0f", $1 / 1e6}')
	echo "$1 getwarm $2 $warm 0" | tee -a "$DIR/res.txt"
	echo "$1 getcold $2 $cold 0" | tee -a "$DIR/res.txt"
	curl -fsS -o /dev/null -X DELETE -H "X-Auth-Token: ${TOKEN[$1]}" "${URL[$1]}/big/o$2"
	echo "$1 big $2 $put $ddw" | tee -a "$DIR/res.txt"
}
for r in $(seq 1 "$ROUNDS"); do
	order="A B"
	((r % 2 == 0)) && order="B A"
	for c in $CONCS; do for s in $order; do small "$s" "$c" "$r"; done; done
	if [[ $BIG_MIB -gt 0 ]]; then for s in $order; do big "$s" "$r"; done; fi
done
/usr/bin/python3 - "$DIR/res.txt" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, what, rnd, v, extra = line.split()
    rows.setdefault(what, {}).setdefault(rnd, {})[name] = (float(v), float(extra))
for what, rounds in rows.items():
    ok = [r for r in rounds.values() if "A" in r and "B" in r]
    a = [r["A"][0] for r in ok]
    b = [r["B"][0] for r in ok]
    ratio = [r["B"][0] / r["A"][0] for r in ok]
    line = "%-6s A median %7.0f  B median %7.0f  B/A median %.2f (%.2f-%.2f)" % (
        what, statistics.median(a), statistics.median(b), statistics.median(ratio), min(ratio), max(ratio))
    if what == "big":
        pa = [r["A"][0] / r["A"][1] for r in ok]
        pb = [r["B"][0] / r["B"][1] for r in ok]
        line += "  PUT/dd: A %.0f %%, B %.0f %%" % (100 * statistics.median(pa), 100 * statistics.median(pb))
    elif what.startswith("put"):
        line += "  p99 ms A %.1f B %.1f" % (statistics.median([r["A"][1] for r in ok]),
                                           statistics.median([r["B"][1] for r in ok]))
    print(line)
PY
