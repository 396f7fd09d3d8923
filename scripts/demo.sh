#!/usr/bin/env bash
# Demo: build psvault and the Password Secure simulator, serve the demo
# fixture over HTTPS on a free loopback port, check out the demo
# credential, run `psvault check`, and stop the simulator again.
#
# Usage: bash scripts/demo.sh
#
# The build uses the dev profile, which skips the release profile's thin
# LTO and single codegen unit and so builds faster on a fresh clone. The
# workspace optimises dependencies even in dev builds, so the crypto
# still runs at full speed. The API key travels to psvault in
# the PSVAULT_API_KEY environment variable, never on a command line.
set -euo pipefail
cd "$(dirname "$0")/.."

fixture=crates/psr-sim/fixtures/demo.json
identity='CORP\svc_sql'
# The demo fixture's user and key name; any other key in the fixture is
# used when it is absent.
demo_key_name='nps-svc/nps'

echo "== building psvault and psr-sim" >&2
cargo build --locked -p psvault -p psr-sim
bin="${CARGO_TARGET_DIR:-target}/debug"

work=$(mktemp -d)
sim_pid=""

stop_simulator() {
    if [[ -n "$sim_pid" ]] && kill -0 "$sim_pid" 2>/dev/null; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    sim_pid=""
    rm -rf "$work"
}
trap stop_simulator EXIT
# Turn signals into a normal exit so that the EXIT trap runs.
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== starting psr-sim with $fixture" >&2
# The simulator reads its stdin from a pipe that only this shell holds,
# and --exit-on-stdin-eof makes it exit when that pipe closes. So it
# stops with the script even if the script is killed before its trap
# can run.
coproc SIMULATOR {
    exec "$bin/psr-sim" \
        --fixture "$fixture" \
        --listen 127.0.0.1:0 \
        --port-file "$work/port" \
        --tls --cert-out "$work/cert.pem" \
        --api-keys-out "$work/api-keys.json" \
        --exit-on-stdin-eof \
        >"$work/psr-sim.log" 2>&1
}
sim_pid=$SIMULATOR_PID

# Key generation takes a moment; wait up to 60 s for the port file, the
# certificate and the API keys.
port=""
for _ in $(seq 1 600); do
    if ! kill -0 "$sim_pid" 2>/dev/null; then
        echo "demo: psr-sim exited early; its output:" >&2
        cat "$work/psr-sim.log" >&2
        exit 1
    fi
    if [[ -s "$work/port" && -s "$work/cert.pem" && -s "$work/api-keys.json" ]]; then
        port=$(tr -d '[:space:]' <"$work/port")
        [[ "$port" =~ ^[0-9]+$ ]] && break
        port=""
    fi
    sleep 0.1
done
if [[ -z "$port" ]]; then
    echo "demo: psr-sim did not write its port file within 60 s" >&2
    cat "$work/psr-sim.log" >&2
    exit 1
fi
url="https://127.0.0.1:$port/api/"
echo "== psr-sim serves $url" >&2

# The keys file maps "<user>/<key name>" to "<JWT>:<base64 key>"; neither
# part contains a double quote, so grep and sed can pick a pair out.
pairs=$(grep -oE '"[^"]+"[[:space:]]*:[[:space:]]*"[^"]+"' "$work/api-keys.json" || true)
pair=$(grep -F "\"$demo_key_name\"" <<<"$pairs" | head -n 1 || true)
if [[ -z "$pair" ]]; then
    pair=$(head -n 1 <<<"$pairs")
fi
api_key=$(sed -E 's/^"[^"]*"[[:space:]]*:[[:space:]]*"([^"]*)"$/\1/' <<<"$pair")
if [[ -z "$api_key" ]]; then
    echo "demo: no API key found in $work/api-keys.json" >&2
    exit 1
fi

psvault() {
    PSVAULT_API_KEY="$api_key" PSVAULT_URL="$url" "$bin/psvault" "$@"
}

echo "== psvault get '$identity'" >&2
psvault get "$identity" --ca-file "$work/cert.pem" --no-proxy \
    --reason "psvault demo"

echo "== psvault check" >&2
psvault check --ca-file "$work/cert.pem" --no-proxy

echo "== done; stopping psr-sim" >&2
