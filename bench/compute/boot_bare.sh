#!/bin/bash
# Floor for bench/compute/boot.sh: the tiny guest booted by a bare
# qemu-system-x86_64 command line (the same machine, accelerator, RAM, disk
# and console options as Stackd's QEMU driver uses), timed from exec to the
# "ready" line on the serial console. Prints one time in seconds per run.
# Usage: bench/compute/boot_bare.sh [RUNS] [IMAGE]
set -eu
runs=${1:-5}
img=${2:-build/guest/tiny.qcow2}
[ -f "$img" ] || make -s guest-image
img=$(readlink -f "$img")
work=$(mktemp -d /var/tmp/qemu-bench.XXXXXX)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
for i in $(seq 1 "$runs"); do
	rm -f "$work/disk" "$work/console.log"
	qemu-img create -q -f qcow2 -F qcow2 -b "$img" "$work/disk" 1G
	start=$(date +%s.%N)
	qemu-system-x86_64 -machine pc -accel tcg,tb-size=32 -m 256 -smp 1 -nodefaults \
		-no-user-config -display none \
		-chardev "file,id=console,path=$work/console.log" -serial chardev:console \
		-drive "file=$work/disk,if=none,id=root,format=qcow2" \
		-device virtio-blk-pci,drive=root,bootindex=0 >/dev/null 2>&1 &
	pid=$!
	until grep -q ready "$work/console.log" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || { echo "qemu died" >&2; exit 1; }
		sleep 0.05
	done
	end=$(date +%s.%N)
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=""
	echo "$end - $start" | bc
done
