#!/bin/sh
# Runs the functional suites against the plain and the sanitized builds, side
# by side (each pytest session starts its own stackd on its own port).
set -u
cd "$(dirname "$0")/.."
mkdir -p build/test-logs
# Each suite gets its own pytest temporary root: two sessions sharing
# /tmp/pytest-of-root prune each other's directories (seen as a qemu-img
# failing on a file that had just vanished).
tmp=$(mktemp -d /tmp/stackd-pytest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
STACKD_BIN=$PWD/build/stackd /usr/bin/python3 -m pytest -q -p no:cacheprovider \
	--basetemp="$tmp/plain" tests/functional \
	>build/test-logs/functional.log 2>&1 &
plain=$!
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	STACKD_BIN=$PWD/build/san/stackd /usr/bin/python3 -m pytest -q -p no:cacheprovider \
	--basetemp="$tmp/san" tests/functional \
	>build/test-logs/functional-san.log 2>&1 &
san=$!
rc=0
wait $plain || rc=1
echo "== functional (plain build)"; tail -n 25 build/test-logs/functional.log
wait $san || rc=1
echo "== functional (sanitized build)"; tail -n 25 build/test-logs/functional-san.log
exit $rc
