#!/bin/sh
# Network benchmarks: see bench/network/bench.py and bench/README.md. Run as
# root from the project root after `make`.
set -e
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 bench/network/bench.py "${1:-build/stackd}"
