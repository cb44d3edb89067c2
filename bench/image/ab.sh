#!/bin/bash
# Paired A/B of two stackd binaries (e.g. main's and a branch's) on the same
# 1 GiB file, both daemons up at once (ports 6210, 6211). Each round: dd
# write (bs=1M conv=fsync), an upload to A and to B (which goes first
# alternates), stackd CPU seconds of each upload (/proc/PID/stat), the
# extent counts of the files; then (DOWN=1, the default) cold downloads of
# both, cold dd reads of dd.out and of A's image, and a page-cache download.
# Caches dropped with `echo 3 > /proc/sys/vm/drop_caches` (root). One line
# per round; take medians and per-round ratios, the machine is shared.
# usage: ROUNDS=6 bench/image/ab.sh BIN_A BIN_B   (root, project root)
set -euo pipefail
A=$1 B=$2 ROUNDS=${ROUNDS:-5}
W=$(mktemp -d /var/tmp/image-ab.XXXXXX)
SRC=$W/src.bin
head -c $((${MIB:-1024} * 1048576)) /dev/urandom >"$SRC"
BYTES=$(stat -c %s $SRC)
declare -A PIDS PORTS TOK
PORTS[A]=6210 PORTS[B]=6211
PW=abpw$RANDOM
cleanup() {
  for k in A B; do [[ -n ${PIDS[$k]:-} ]] && kill ${PIDS[$k]} 2>/dev/null; done
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
for k in A B; do
  bin=$A; [[ $k == B ]] && bin=$B
  rm -rf $W/$k; mkdir -p $W/$k
  $bin serve --data-dir $W/$k/data --listen 127.0.0.1:${PORTS[$k]} --admin-password $PW >$W/$k/log 2>&1 &
  PIDS[$k]=$!
done
for k in A B; do
  for _ in $(seq 100); do curl -fs http://127.0.0.1:${PORTS[$k]}/healthcheck >/dev/null 2>&1 && break; sleep 0.1; done
  TOK[$k]=$(curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' http://127.0.0.1:${PORTS[$k]}/identity/v3/auth/tokens -d \
	'{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"'"$PW"'"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}' | tr -d '\r' | awk 'tolower($1)=="x-subject-token:"{print $2}')
done
now() { date +%s.%N; }
cpu() { awk '{print $14+$15}' /proc/$1/stat; }   # ticks
mbps() { awk -v b=$BYTES -v s=$1 'BEGIN{printf "%.0f", b/1048576/s}'; }
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
settle() { sync; sleep ${SETTLE:-2}; }
declare -A ID
up() { local k=$1 u=http://127.0.0.1:${PORTS[$1]}
  local id=$(curl -fsS -H "X-Auth-Token: ${TOK[$k]}" -H 'Content-Type: application/json' $u/image/v2/images -d '{"name":"ab","disk_format":"raw","container_format":"bare"}' | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  local c0=$(cpu ${PIDS[$k]}) t0=$(now)
  curl -fsS -o /dev/null -X PUT -H "X-Auth-Token: ${TOK[$k]}" -H 'Content-Type: application/octet-stream' -T $SRC $u/image/v2/images/$id/file
  local t1=$(now) c1=$(cpu ${PIDS[$k]})
  echo $id > $W/id.$k; echo "up_$k=$(mbps $(echo "$t1-$t0"|bc)) cpu_$k=$(echo "scale=2;($c1-$c0)/100"|bc)"
}
down() { local k=$1 u=http://127.0.0.1:${PORTS[$1]}
  local t0=$(now); curl -fsS -o /dev/null -H "X-Auth-Token: ${TOK[$k]}" $u/image/v2/images/${ID[$k]}/file; local t1=$(now)
  echo "down_$k=$(mbps $(echo "$t1-$t0"|bc))"
}
ddr() { local t0=$(now); dd if=$1 of=/dev/null bs=1M status=none; local t1=$(now); echo "$2=$(mbps $(echo "$t1-$t0"|bc))"; }
for r in $(seq $ROUNDS); do
  line="r=$r load=$(cut -d' ' -f1 /proc/loadavg)"
  settle
  t0=$(now); dd if=$SRC of=$W/dd.out bs=1M conv=fsync status=none; t1=$(now); line+=" ddw=$(mbps $(echo "$t1-$t0"|bc))"
  order="A B"; ((r % 2 == 0)) && order="B A"
  for k in $order; do settle; line+=" $(up $k)"; done
  ID[A]=$(cat $W/id.A); ID[B]=$(cat $W/id.B)
  for k in A B; do line+=" frag_$k=$(filefrag $W/$k/data/images/${ID[$k]} | awk '{print $2}')"; done
  line+=" frag_dd=$(filefrag $W/dd.out | awk '{print $2}')"
  if [[ ${DOWN:-1} == 1 ]]; then
    for k in $order; do settle; drop; line+=" $(down $k)"; done
    settle; drop; line+=" $(ddr $W/dd.out ddr_ddout)"
    settle; drop; line+=" $(ddr $W/A/data/images/${ID[A]} ddr_imgA)"
    line+=" $(down A | sed 's/down_A/warm_A/')"
  fi
  for k in A B; do curl -fsS -X DELETE -H "X-Auth-Token: ${TOK[$k]}" http://127.0.0.1:${PORTS[$k]}/image/v2/images/${ID[$k]}; done
  rm -f $W/dd.out
  echo "$line"
done
