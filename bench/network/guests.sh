#!/bin/bash
# bench/network with real guests (the QEMU driver, TCG on these machines):
#   1. time from `openstack server add floating ip` to the first SSH answer
#      of the guest through it (the user's wait), RUNS times;
#   2. latency (ping) and throughput (busybox nc) between two guests on one
#      stackd network, with port security on and then off on both ports
#      (the cost of the security group and anti-spoofing rules).
# stackd runs in a network namespace of its own (sdnb*); every packet stays
# in it. Usage: bench/network/guests.sh [RUNS]   (project root, as root)
set -eu
runs=${1:-5}
cd "$(dirname "$0")/../.."
if [ -z "${BENCH_NETNS:-}" ]; then
	make -s all guest-image
	ns=sdnb$$
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	rc=0
	BENCH_NETNS=$ns ip netns exec "$ns" "$0" "$@" || rc=$?
	for p in $(ip netns pids "$ns"); do kill -9 "$p" 2>/dev/null || true; done
	ip netns del "$ns"
	exit $rc
fi

data=$(mktemp -d /var/tmp/network-bench.XXXXXX)
port=6690
build/stackd serve --data-dir "$data" --listen "127.0.0.1:$port" --admin-password "bench-$$" \
	--compute.driver qemu >"$data/stackd.log" 2>&1 &
spid=$!
cleanup() {
	kill "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	for f in "$data"/compute/instances/*/qemu.pid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true
	done
	build/stackd cleanup --data-dir "$data" >/dev/null 2>&1 || true
	rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthcheck" >/dev/null && break; sleep 0.1; done
export OS_CLIENT_CONFIG_FILE=$data/clouds.yaml OS_CLOUD=stackd
OS="openstack"
key=$data/key
ssh-keygen -q -t ed25519 -N "" -f "$key"
$OS keypair create --public-key "$key.pub" bk >/dev/null
$OS image create --disk-format qcow2 --container-format bare --file build/guest/tiny.qcow2 bi >/dev/null
$OS flavor create --ram 256 --disk 1 --vcpus 1 bf >/dev/null
$OS network create bn >/dev/null
$OS subnet create --network bn --subnet-range 10.91.0.0/24 bs >/dev/null
$OS router create br >/dev/null
$OS router set --external-gateway public br
$OS router add subnet br bs
$OS security group create bg >/dev/null
for proto in "tcp --dst-port 22" "tcp --dst-port 5001" "icmp"; do
	# shellcheck disable=SC2086
	$OS security group rule create --proto $proto bg >/dev/null
done
for s in 1 2; do
	$OS server create --image bi --flavor bf --network bn --security-group bg --key-name bk \
		--wait "b$s" >/dev/null
done
SSH=(ssh -i "$key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o ConnectTimeout=2 -o BatchMode=yes -o LogLevel=ERROR)
ip1=$($OS port list --server b1 -f value -c 'Fixed IP Addresses' | grep -o '10\.91\.0\.[0-9]*')
ip2=$($OS port list --server b2 -f value -c 'Fixed IP Addresses' | grep -o '10\.91\.0\.[0-9]*')
fip=$($OS floating ip create public -f value -c floating_ip_address)
now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; } # bc is not among the packages make deps installs
# every guest up (its "ready" line) before measuring
for s in b1 b2; do
	for _ in $(seq 1 240); do $OS console log show "$s" | grep -q "tiny guest ready" && break; sleep 0.5; done
done

echo "floating IP: server add floating ip -> first SSH answer ($runs runs; the CLI's own"
echo "start-up, about 1.5 s of Python, is part of the user's wait and shown apart):"
for i in $(seq 1 "$runs"); do
	t0=$(now)
	$OS server add floating ip b1 "$fip"
	t1=$(now)
	until "${SSH[@]}" "root@$fip" true 2>/dev/null; do :; done
	t2=$(now)
	printf '  run %d: %.2f s (CLI returned after %.2f s, SSH answered %.2f s later)\n' "$i" \
		"$(calc "$t2 - $t0")" "$(calc "$t1 - $t0")" "$(calc "$t2 - $t1")"
	$OS server remove floating ip b1 "$fip"
done
$OS server add floating ip b1 "$fip"
until "${SSH[@]}" "root@$fip" true 2>/dev/null; do sleep 0.2; done

g2() { # run on guest 2 through guest 1 (guest 2 has no floating IP)
	"${SSH[@]}" -o "ProxyCommand=ssh -i $key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -W %h:%p root@$fip" "root@$ip2" "$@"
}
measure() {
	local what=$1
	local lat
	lat=$("${SSH[@]}" "root@$fip" "ping -c 50 -i 0.2 $ip2" | sed -n 's#.*= [0-9.]*/\([0-9.]*\)/.*#\1#p')
	# busybox nc -l ends at its own stdin's EOF: the receiver is a program
	# on the socket instead
	g2 "rm -f /tmp/got; nc -l -p 5001 -e /bin/sh -c 'wc -c >/tmp/got'" &
	local lpid=$!
	sleep 2
	local mb=32
	# the same SSH session with and without the transfer: the difference is the transfer
	local t0 t1 t2
	t0=$(now)
	"${SSH[@]}" "root@$fip" "dd if=/dev/zero bs=65536 count=$((mb * 16)) 2>/dev/null >/dev/null"
	t1=$(now)
	"${SSH[@]}" "root@$fip" "dd if=/dev/zero bs=65536 count=$((mb * 16)) 2>/dev/null | nc $ip2 5001"
	t2=$(now)
	wait "$lpid" 2>/dev/null || true
	local got
	for _ in $(seq 1 20); do got=$(g2 "cat /tmp/got 2>/dev/null" | tr -d ' \n'); [ -n "$got" ] && break; sleep 0.5; done
	[ "$got" = $((mb * 1048576)) ] || { echo "$what: the receiver got ${got:-nothing}, not $((mb * 1048576)) bytes"; return 1; }
	printf '%s: ping avg %s ms; %d MiB with nc in %.2f s = %.1f MB/s\n' "$what" "$lat" "$mb" \
		"$(calc "($t2 - $t1) - ($t1 - $t0)")" \
		"$(calc "$mb * 1048576 / (($t2 - $t1) - ($t1 - $t0)) / 1000000")"
}
measure "two guests, port security on"
for s in b1 b2; do
	p=$($OS port list --server "$s" -f value -c ID)
	$OS port set --no-security-group --disable-port-security "$p"
done
sleep 2
measure "two guests, port security off"
