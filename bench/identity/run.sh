#!/bin/sh
# Identity benchmarks: token validation, password authentication and
# GET /v3/projects with 100 projects (wrk, concurrency 1 and 8), idle RSS,
# start-up time to a healthy /healthcheck (fresh data dir and restart), and
# the daemon's CPU time per request. Run from the project root after `make`:
#   sh bench/identity/run.sh [SECONDS_PER_RUN]
set -eu
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 bench/identity/bench.py "$@"
