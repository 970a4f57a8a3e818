#!/usr/bin/env bash
# How long the largest admitted geometries take to check, and what the 20,000-position circle
# of issue 12 costs before and after the limits:
#
#   ./bench/geometry_limits.sh [OLD_BINARY]
#
# Starts the release build (and OLD_BINARY, e.g. a build of commit d0dd0a1, if given) on a small
# database `gwf_geometry` of the project's PostgreSQL and runs bench/geometry_limits.py against
# each. Prints Markdown rows for bench/RESULTS.md.
set -euo pipefail

# shellcheck source=scripts/lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/db.sh"
cd "$GWF_ROOT"

ensure_database
gwf_log "cargo build --release"
cargo build --release --bin gewerbeflaechen
BIN="${CARGO_TARGET_DIR:-$GWF_ROOT/target}/release/gewerbeflaechen"
gwf_psql "$DATABASE_URL" -X -q -c "DROP DATABASE IF EXISTS gwf_geometry WITH (FORCE)" -c "CREATE DATABASE gwf_geometry"
URL="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/gwf_geometry")))' "$DATABASE_URL")"
DATABASE_URL="$URL" "$BIN" migrate
DATABASE_URL="$URL" "$BIN" seed-demo

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
run() {
  local bin="$1" label="$2" port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  DATABASE_URL="$URL" GWF_BIND="127.0.0.1:$port" GWF_BODY_LIMIT_BYTES=10485760 RUST_LOG=warn \
    "$bin" serve >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  python3 bench/geometry_limits.py "http://127.0.0.1:$port" "$label"
}
echo "| build | geometry | body | status | median |"
echo "|---|---|---|---|---|"
[[ -n "${1:-}" ]] && run "$1" "before ($(basename "$1"))"
run "$BIN" "after"
