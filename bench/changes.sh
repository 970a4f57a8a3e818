#!/usr/bin/env bash
# Change feed benchmark (issue 18): what the change triggers cost plot writes, and a client
# paging the whole feed.
#
#   ./bench/changes.sh
#
# Database `gwf_bench_changes` (dropped and recreated) on the project's PostgreSQL, with the
# 100,000 plots of bench/generate.sql (95,088 published: the feed starts with as many changes).
#  1. Write cost, in SQL (what the triggers add, without the service's own work): changing a
#     public fact (the title) of 10,000 published plots, as one statement and as 10,000 statements in one
#     transaction (an import writes plot by plot), and inserting 10,000 published plots, each
#     with the change triggers enabled and disabled, alternating, BENCH_ROUNDS (default 5)
#     times, rolled back; medians. The other triggers (history, states, map version) stay on
#     in both, as in production.
#  2. Reading: the release build (or BENCH_BIN) serves the database; bench/changes_feed.py reads
#     the feed from the start in pages of 1,000 (total time, per-page median/p99/max).
# Appends to bench/RESULTS.md.
set -euo pipefail
# shellcheck source=scripts/lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/db.sh"
cd "$GWF_ROOT"

ROUNDS="${BENCH_ROUNDS:-5}"
ensure_database
ADMIN_URL="$DATABASE_URL"
DB=gwf_bench_changes
URL="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$ADMIN_URL" "$DB")"
if [[ -n "${BENCH_BIN:-}" ]]; then
  BIN="$BENCH_BIN"
else
  gwf_log "cargo build --release"
  cargo build --release --bin gewerbeflaechen
  BIN="${CARGO_TARGET_DIR:-$GWF_ROOT/target}/release/gewerbeflaechen"
fi

# Kept between runs (building it takes minutes): rebuilt unless it holds the 100,000 plots.
have="$(gwf_psql "$URL" -X -At -c "select count(*) from plots" 2>/dev/null || true)"
if [[ "$have" != 100000 ]]; then
  gwf_psql "$ADMIN_URL" -X -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  DATABASE_URL="$URL" "$BIN" migrate
  gwf_log "100,000 plots (bench/generate.sql)"
  gwf_psql "$URL" -X -q -f bench/generate.sql
  gwf_psql "$URL" -X -q -c "VACUUM ANALYZE"
else
  DATABASE_URL="$URL" "$BIN" migrate
fi
work="$(mktemp -d)"

# One timed transaction, rolled back; prints milliseconds.
timed() { # $1: on|off, $2: SQL
  local toggle=""
  [[ "$1" == off ]] && toggle="ALTER TABLE plots DISABLE TRIGGER plots_to_changes_insert; ALTER TABLE plots DISABLE TRIGGER plots_to_changes_update;"
  printf '%s\n' "$2" >"$work/statement.sql"
  python3 - "$URL" "$toggle" "$work/statement.sql" <<'PY'
import subprocess, sys, time
url, toggle, path = sys.argv[1:]
sql = open(path).read()
script = f"BEGIN;\n{toggle}\n\\o /dev/null\nSELECT clock_timestamp() AS t0 \\gset\n{sql}\nSELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000) AS ms \\gset\n\\o\n\\echo :ms\nROLLBACK;\n"
out = subprocess.run(["psql", url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-f", "-"], input=script, capture_output=True, text=True, check=True).stdout.split()
print(out[-1])
PY
}
median() { tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

one_statement="UPDATE plots SET title_de = title_de || '.' WHERE id <= (SELECT min(id) + 9999 FROM plots);"
per_row="$(python3 -c "q = chr(39); print(chr(10).join(f'UPDATE plots SET title_de = title_de || {q}.{q} WHERE id = (SELECT min(id) FROM plots) + {i};' for i in range(10000)))")"
insert="INSERT INTO plots (reference, title_de, municipality_id, estate_id, geom, area_geodesic_m2, status, zoning, bplan_status, servicing, price_on_request, offer, data_confirmed_on, published)
SELECT 'N' || reference, title_de, municipality_id, estate_id, geom, area_geodesic_m2, status, zoning, bplan_status, servicing, true, offer, data_confirmed_on, true
FROM plots WHERE id <= (SELECT min(id) + 9999 FROM plots);"

declare -A runs
for kind in one_statement per_row insert; do
  for mode in on off; do runs[$kind.$mode]=""; done
done
for ((r = 1; r <= ROUNDS; r++)); do
  gwf_log "write cost, round $r of $ROUNDS"
  for kind in one_statement per_row insert; do
    for mode in on off; do
      runs[$kind.$mode]+="$(timed "$mode" "${!kind}") "
    done
  done
done

gwf_log "reading the feed"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
DATABASE_URL="$URL" GWF_BIND="127.0.0.1:$port" RUST_LOG=warn "$BIN" serve >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
python3 bench/changes_feed.py "http://127.0.0.1:$port" 1000 >/dev/null # warm-up
feed="$(python3 bench/changes_feed.py "http://127.0.0.1:$port" 1000)"
echo "$feed"

row() { # $1 label, $2 kind
  local on off
  on="$(echo "${runs[$2.on]}" | median)"; off="$(echo "${runs[$2.off]}" | median)"
  echo "| $1 | $off | $on | $(python3 -c "print(f'{($on - $off) / $off * 100:+.1f} %')") | ${runs[$2.off]}/ ${runs[$2.on]}|"
}
{
  echo
  echo "## $(date -u +%Y-%m-%d) — change feed, commit $(git rev-parse --short HEAD)"
  echo
  echo "Command: \`./bench/changes.sh\` (BENCH_ROUNDS=$ROUNDS). Database: bench/generate.sql, 100,000 plots, $(gwf_psql "$URL" -X -At -c "select count(*) from plots where published") published."
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB."
  echo
  echo "Write cost of the change triggers (SQL, one transaction each, rolled back; medians in ms; all other triggers on):"
  echo
  echo "| write | triggers off | triggers on | difference | runs off / on |"
  echo "|---|---|---|---|---|"
  row "10,000 plots retitled (95 % published), one statement" one_statement
  row "10,000 plots retitled (95 % published), one statement each" per_row
  row "10,000 plots inserted (95 % published), one statement" insert
  echo
  echo "Reading the whole feed from the start, pages of 1,000, one client (bench/changes_feed.py):"
  echo
  echo '```'
  echo "$feed"
  echo '```'
} | tee -a bench/RESULTS.md
