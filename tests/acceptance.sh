#!/bin/sh
# Runs the product owner's acceptance scripts (../shared/acceptance, outside
# this repository; ACCEPTANCE_DIR overrides) from the project root, one
# service after the other, and prints each one's score. Not part of
# `make check`: the scripts live outside the repository.
cd "$(dirname "$0")/.."
dir=${ACCEPTANCE_DIR:-../shared/acceptance}
[ -d "$dir" ] || { echo "no acceptance scripts at $dir"; exit 2; }
mkdir -p build/test-logs
rc=0
for svc in ${SERVICES:-identity image object compute network}; do
	[ -f "$dir/$svc.sh" ] || continue
	bash "$dir/$svc.sh" >"build/test-logs/acceptance-$svc.log" 2>&1 || rc=1
	printf '%-10s %s\n' "$svc" "$(grep -E '[0-9]+ passed, [0-9]+ failed' \
		"build/test-logs/acceptance-$svc.log" | tail -n 1)"
done
exit $rc
