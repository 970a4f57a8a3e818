#!/usr/bin/env bash
# Does a failed login take as long for an address that is no account as for one that is?
#
#   ./bench/login_timing.sh          (LOGIN_ROUNDS=4 attempts per address, 6 addresses each)
#
# Release build on a fresh database `gwf_login_timing`; rate limits off. Each address gets
# LOGIN_ROUNDS wrong passwords (below the lock threshold of 5), known and unknown addresses in
# random order after one warm-up; prints the median and the quartiles of the answer times of each kind.
set -euo pipefail

# shellcheck source=scripts/lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/db.sh"
cd "$GWF_ROOT"
ROUNDS="${LOGIN_ROUNDS:-4}"
ensure_database
cargo build --release --bin gewerbeflaechen
BIN="${CARGO_TARGET_DIR:-$GWF_ROOT/target}/release/gewerbeflaechen"
gwf_psql "$DATABASE_URL" -X -q -c "DROP DATABASE IF EXISTS gwf_login_timing WITH (FORCE)" -c "CREATE DATABASE gwf_login_timing"
URL="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/gwf_login_timing")))' "$DATABASE_URL")"
DATABASE_URL="$URL" "$BIN" migrate
for i in 1 2 3 4 5 6; do
  echo "a-real-password-$i" | DATABASE_URL="$URL" "$BIN" user add --email "known$i@example.org" \
    --name "Known $i" --role viewer --password-stdin >/dev/null
done
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
DATABASE_URL="$URL" GWF_BIND="127.0.0.1:$port" GWF_RATE_LOGIN_PER_MIN=0 RUST_LOG=warn \
  "$BIN" serve >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
python3 - "http://127.0.0.1:$port" "$ROUNDS" <<'PY'
import json, statistics, sys, time, urllib.error, urllib.request
base, rounds = sys.argv[1], int(sys.argv[2])
times = {"known": [], "unknown": []}
statuses = {"known": set(), "unknown": set()}
def login(email):
    body = json.dumps({"email": email, "password": "not-the-password"}).encode()
    request = urllib.request.Request(base + "/auth/login", data=body, headers={"content-type": "application/json"})
    started = time.perf_counter()
    try:
        urllib.request.urlopen(request).read()
        status = 200
    except urllib.error.HTTPError as e:
        e.read(); status = e.code
    return status, time.perf_counter() - started
import random
attempts = [(kind, email) for r in range(rounds) for i in range(1, 7)
            for kind, email in (("known", f"known{i}@example.org"), ("unknown", f"nobody{i}@example.org"))]
random.shuffle(attempts)
login("warm-up@example.org")
for kind, email in attempts:
    status, took = login(email)
    times[kind].append(took * 1000); statuses[kind].add(status)
for kind, values in times.items():
    q = statistics.quantiles(values, n=4)
    print(f"| {kind} address | {len(values)} | {sorted(statuses[kind])} | {statistics.median(values):.1f} ms | {q[0]:.1f}–{q[2]:.1f} ms |")
PY
