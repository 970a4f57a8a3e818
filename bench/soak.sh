#!/usr/bin/env bash
# Bounded soak: mixed load at a fixed rate against the release build, on loopback; stops by
# itself.
#
#   ./bench/soak.sh            (SOAK_SECONDS=600, SOAK_RATE=60 requests/s)
#
# Data: a copy (`gwf_soak`) of the benchmark's 100,000 plots (`gwf_bench`, loaded from
# bench/generate.sql if missing, as bench/run.sh does). The server trusts 127.0.0.1 as its reverse
# proxy, and bench/soak.py sends each request from one of 500 client addresses, so the rate
# limits apply per client as in production. Passes when there was no 5xx, no 4xx at all (every
# request is a valid one) and the server's RSS stayed flat (the second half no higher than 5 %
# above the first half's peak). Results: artifacts/soak.json; the summary is printed for
# bench/RESULTS.md.
set -euo pipefail

# shellcheck source=scripts/lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/db.sh"
cd "$GWF_ROOT"
SECONDS_="${SOAK_SECONDS:-600}"
RATE="${SOAK_RATE:-60}"

ensure_database
ADMIN_URL="$DATABASE_URL"
url_of() { python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$ADMIN_URL" "$1"; }
gwf_log "cargo build --release"
cargo build --release --bin gewerbeflaechen
BIN="${CARGO_TARGET_DIR:-$GWF_ROOT/target}/release/gewerbeflaechen"

if [[ "$(gwf_psql "$(url_of gwf_bench)" -X -At -c "select count(*) from plots" 2>/dev/null || true)" != 100000 ]]; then
  gwf_log "loading 100,000 synthetic plots into gwf_bench (bench/generate.sql, as bench/run.sh does)"
  gwf_psql "$ADMIN_URL" -X -q -c "DROP DATABASE IF EXISTS gwf_bench WITH (FORCE)" -c "CREATE DATABASE gwf_bench"
  DATABASE_URL="$(url_of gwf_bench)" "$BIN" migrate
  gwf_psql "$(url_of gwf_bench)" -X -q -f bench/generate.sql
fi
gwf_psql "$ADMIN_URL" -X -q -c "DROP DATABASE IF EXISTS gwf_soak WITH (FORCE)" -c "CREATE DATABASE gwf_soak TEMPLATE gwf_bench"
SOAK_URL="$(url_of gwf_soak)"
DATABASE_URL="$SOAK_URL" "$BIN" migrate
DATABASE_URL="$SOAK_URL" "$BIN" user add --email soak@example.org --name Soak --role admin >/dev/null
TOKEN="$(DATABASE_URL="$SOAK_URL" "$BIN" user token --email soak@example.org --name soak --days 1)"

mkdir -p artifacts
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
DATABASE_URL="$SOAK_URL" GWF_BIND="127.0.0.1:$port" GWF_TRUSTED_PROXIES=127.0.0.1 RUST_LOG=warn \
  "$BIN" serve >artifacts/soak-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
gwf_log "soak: $SECONDS_ s at $RATE requests/s against $(basename "$BIN") (pid $server)"
python3 bench/soak.py "http://127.0.0.1:$port" "$TOKEN" "$SECONDS_" "$RATE" "$server" artifacts/soak.json
