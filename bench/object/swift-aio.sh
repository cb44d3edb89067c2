#!/bin/bash
# Debian's OpenStack Swift (2.30, packages swift-proxy, swift-account,
# swift-container, swift-object and memcached) as an all-in-one on this
# machine, for bench/object/run.sh to load next to stackd.
#
#   swift-aio.sh install     apt-get install the packages (services are not
#                            started: Debian's policy-rc.d, and we never use
#                            their init scripts or /etc/swift)
#   swift-aio.sh start DIR   write configs and rings under DIR (a fresh
#                            /var/tmp/objbench-* dir), start memcached and the
#                            four servers, wait for the proxy, print
#                            "STORAGE_URL TOKEN" (tempauth user bench:tester)
#   swift-aio.sh stop DIR    stop what start started, by the PIDs it recorded
#
# Layout: one ring per server type, part power 10, 1 replica, one device
# (DIR/srv/d1, a plain directory on the same disk stackd's data uses),
# mount_check = false. Ports (all on 127.0.0.1): proxy SWIFT_PORT (6710),
# account +1, container +2, object +3, memcached +4. Each server runs
# `workers = auto` (one worker process per core, Swift's own default advice).
# The proxy pipeline is Swift's usual one with tempauth and the memcache
# middleware, so tokens, account and container info are cached in memcached
# as in a real deployment.
#
# Swift reads /etc/swift/swift.conf whatever its configs say: every server is
# started in a mount namespace of its own where DIR/etc is bind-mounted on
# /etc/swift, so the machine's /etc/swift is neither read nor changed.
set -euo pipefail

PKGS="swift swift-proxy swift-account swift-container swift-object memcached"
BASE=${SWIFT_PORT:-6710}

die() {
	echo "swift-aio: $*" >&2
	exit 1
}

install_pkgs() {
	local missing=""
	for p in $PKGS; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing="$missing $p"
	done
	[[ -z $missing ]] && return 0
	echo "swift-aio: installing$missing" >&2
	apt-get update -q >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2
}

write_conf() {
	local d=$1 ps=$BASE as=$((BASE + 1)) cs=$((BASE + 2)) os=$((BASE + 3)) ms=$((BASE + 4))
	cat >"$d/etc/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = objbench-suffix
swift_hash_path_prefix = objbench-prefix

[storage-policy:0]
name = Policy-0
default = yes
EOF
	local common="bind_ip = 127.0.0.1
user = swift
swift_dir = /etc/swift
devices = $d/srv
mount_check = false
workers = auto
recon_cache_path = $d/cache
log_name = objbench-swift"
	local s port
	for s in account container object; do
		case $s in
		account) port=$as ;;
		container) port=$cs ;;
		object) port=$os ;;
		esac
		cat >"$d/etc/$s-server.conf" <<EOF
[DEFAULT]
bind_port = $port
$common

[pipeline:main]
pipeline = $s-server

[app:$s-server]
use = egg:swift#$s

[$s-replicator]
[$s-auditor]
EOF
	done
	cat >"$d/etc/proxy-server.conf" <<EOF
[DEFAULT]
bind_port = $ps
bind_ip = 127.0.0.1
user = swift
swift_dir = /etc/swift
workers = auto
log_name = objbench-swift

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats tempauth proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
user_bench_tester = testing .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$ms

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats
EOF
}

make_rings() {
	local d=$1 s port
	for s in account container object; do
		case $s in
		account) port=$((BASE + 1)) ;;
		container) port=$((BASE + 2)) ;;
		object) port=$((BASE + 3)) ;;
		esac
		swift-ring-builder "$d/etc/$s.builder" create 10 1 1 >/dev/null
		swift-ring-builder "$d/etc/$s.builder" add "r1z1-127.0.0.1:$port/d1" 100 >/dev/null
		swift-ring-builder "$d/etc/$s.builder" rebalance >/dev/null
	done
}

# run_server DIR NAME CMD...: CMD in a private mount namespace with DIR/etc
# on /etc/swift; unshare and sh exec, so the recorded PID is the server's.
run_server() {
	local d=$1 name=$2
	shift 2
	unshare --mount --propagation private -- sh -c \
		'mount --bind "$0/etc" /etc/swift && exec "$@"' "$d" "$@" \
		>"$d/log/$name.log" 2>&1 &
	echo "$! $name" >>"$d/pids"
}

start() {
	local d=$1
	[[ $d == /var/tmp/objbench-* ]] || die "DIR must be under /var/tmp/objbench-*"
	command -v swift-proxy-server >/dev/null || die "not installed: run '$0 install'"
	mkdir -p "$d/etc" "$d/srv/d1" "$d/cache" "$d/log"
	: >"$d/pids"
	write_conf "$d"
	make_rings "$d"
	chown -R swift:swift "$d/srv" "$d/cache"
	chmod 755 "$d"
	memcached -u memcache -l 127.0.0.1 -p $((BASE + 4)) -U 0 -m 64 \
		>"$d/log/memcached.log" 2>&1 &
	echo "$! memcached" >>"$d/pids"
	local s
	for s in account container object proxy; do
		run_server "$d" "$s" "swift-$s-server" "$d/etc/$s-server.conf"
	done
	local url="http://127.0.0.1:$BASE" resp=""
	for _ in $(seq 1 150); do
		resp=$(curl -fsS -D - -o /dev/null -H 'X-Auth-User: bench:tester' \
			-H 'X-Auth-Key: testing' "$url/auth/v1.0" 2>/dev/null) && break
		resp=""
		sleep 0.2
	done
	[[ -n $resp ]] || {
		tail -n 20 "$d"/log/*.log >&2
		die "the proxy did not answer on $url"
	}
	local storage token
	storage=$(printf '%s' "$resp" | tr -d '\r' | awk 'tolower($1)=="x-storage-url:"{print $2}')
	token=$(printf '%s' "$resp" | tr -d '\r' | awk 'tolower($1)=="x-auth-token:"{print $2}')
	echo "$storage $token"
}

stop() {
	local d=$1 pid name
	[[ -f $d/pids ]] || return 0
	while read -r pid name; do
		kill "$pid" 2>/dev/null || true
	done <"$d/pids"
	# Swift's parent processes stop their workers on SIGTERM; wait for them.
	for _ in $(seq 1 50); do
		local alive=0
		while read -r pid name; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done <"$d/pids"
		[[ $alive == 0 ]] && break
		sleep 0.1
	done
	while read -r pid name; do
		kill -9 "$pid" 2>/dev/null || true
	done <"$d/pids"
	rm -f "$d/pids"
}

case ${1:-} in
install) install_pkgs ;;
start) start "${2:?DIR}" ;;
stop) stop "${2:?DIR}" ;;
*) die "usage: $0 install | start DIR | stop DIR" ;;
esac
