#!/usr/bin/env bash
# Benchmark: builds psvault and psvault-bench in release mode, then runs
# psvault-bench, which starts the Password Secure simulator over TLS in
# its own process, times `psvault get`, `psvault batch` and the request
# floor (https-floor) as child processes, and prints a Markdown table of
# every figure and target on stdout. Progress and build output go to
# stderr.
#
# Usage: bash scripts/bench.sh [psvault-bench options]
#   e.g. bash scripts/bench.sh --separate 1000
#   bash scripts/bench.sh --help lists the options and their defaults.
#
# Peak RSS needs GNU time (/usr/bin/time). When it is missing and this
# runs as root with apt-get, the script installs the Debian package
# `time`; otherwise the RSS figures read "not measured".
#
# The release build of a fresh clone takes about 10 minutes on 2 cores;
# the measurements with the default options take a few minutes more
# (see docs/benchmarks.md for a recorded run).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x /usr/bin/time ]] && command -v apt-get >/dev/null && [[ $(id -u) -eq 0 ]]; then
    echo "== installing GNU time (Debian package time)" >&2
    if ! apt-get install -y -q time >&2; then
        apt-get update -q >&2
        apt-get install -y -q time >&2
    fi
fi

echo "== building psvault and psvault-bench (release)" >&2
cargo build --release --locked -p psvault -p psvault-bench >&2
bin="${CARGO_TARGET_DIR:-target}/release"

echo "== running the benchmark" >&2
"$bin/psvault-bench" --psvault "$bin/psvault" --floor "$bin/https-floor" "$@"
