#!/usr/bin/env bash
# Monitoring benchmark (issue 17): `GET /monitoring` for the whole bench region (100,000 plots
# in 500 towns, bench/generate.sql) with a five-year history of 500,000 entries
# (bench/monitoring_history.sql), for today and for a date three years back.
#
#   ./bench/monitoring.sh [--reload]
#
# Database `gwf_bench_monitoring` on the project's PostgreSQL (DATABASE_URL or the local
# cluster of scripts/lib/db.sh); built once (about 5 minutes), kept for later runs. Starts the
# release build (or BENCH_BIN) with GWF_MONITORING_PUBLIC=true, times BENCH_REQUESTS (default 5)
# requests of each kind with curl (loopback, one at a time; median and maximum), prints the
# plans of the two statements (EXPLAIN ANALYZE, same SQL as src/db/monitoring.rs) and times the
# backfill of migration 000009 on this history (rolled back). Appends to bench/RESULTS.md.
set -euo pipefail

# shellcheck source=scripts/lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/db.sh"
cd "$GWF_ROOT"

REQUESTS="${BENCH_REQUESTS:-5}"
RELOAD=0
[[ "${1:-}" == "--reload" ]] && RELOAD=1

ensure_database
ADMIN_URL="$DATABASE_URL"
DB=gwf_bench_monitoring
BENCH_URL="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$ADMIN_URL" "$DB")"

if [[ -n "${BENCH_BIN:-}" ]]; then
  BIN="$BENCH_BIN"
else
  gwf_log "cargo build --release"
  cargo build --release --bin gewerbeflaechen
  BIN="${CARGO_TARGET_DIR:-$GWF_ROOT/target}/release/gewerbeflaechen"
fi

exists="$(gwf_psql "$ADMIN_URL" -X -At -c "select 1 from pg_database where datname = '$DB'")"
history=0
if [[ "$exists" == 1 && "$RELOAD" == 0 ]]; then
  DATABASE_URL="$BENCH_URL" "$BIN" migrate
  history="$(gwf_psql "$BENCH_URL" -X -At -c "select count(*) from plot_history")"
fi
if [[ "$history" != 500000 ]]; then
  gwf_log "building $DB: 100,000 plots created 2021-11-27, then 400,000 dated changes"
  gwf_psql "$ADMIN_URL" -X -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  DATABASE_URL="$BENCH_URL" "$BIN" migrate
  start=$(date +%s)
  # The plots' first states are dated like their creation entries (five years back).
  PGOPTIONS="-c gwf.effective_at=2021-11-27T08:00:00+01" gwf_psql "$BENCH_URL" -X -q -f bench/generate.sql
  gwf_psql "$BENCH_URL" -X -q -f bench/monitoring_history.sql
  gwf_log "built in $(($(date +%s) - start)) s"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mkdir -p "$GWF_ROOT/artifacts"
port="$(free_port)"
DATABASE_URL="$BENCH_URL" GWF_BIND="127.0.0.1:$port" GWF_MONITORING_PUBLIC=true RUST_LOG=warn \
  "$BIN" serve >"$GWF_ROOT/artifacts/bench-monitoring-server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

today="$(gwf_psql "$BENCH_URL" -X -At -c "select (now() AT TIME ZONE 'Europe/Berlin')::date")"
back="$(gwf_psql "$BENCH_URL" -X -At -c "select ((now() AT TIME ZONE 'Europe/Berlin')::date - interval '3 years')::date")"

measure() { # $1 = query string; prints "median max" in ms and keeps the last answer
  local times=()
  for _ in $(seq 1 "$REQUESTS"); do
    times+=("$(curl -fs -o "$GWF_ROOT/artifacts/bench-monitoring.json" -w '%{time_total}' \
      "http://127.0.0.1:$port/monitoring?region=bench&$1")")
  done
  printf '%s\n' "${times[@]}" | python3 -c 'import sys,statistics as s; t=[float(x)*1000 for x in sys.stdin]; print(f"{s.median(t):.0f} {max(t):.0f}")'
}
figures() { python3 bench/monitoring_figures.py "$GWF_ROOT/artifacts/bench-monitoring.json"; }

read -r today_median today_max < <(measure "as_of=$today")
today_figures="$(figures)"
read -r back_median back_max < <(measure "as_of=$back")
back_figures="$(figures)"
read -r estate_median estate_max < <(measure "as_of=$back&group_by=estate")

plan() { # $1 = date
  gwf_psql "$BENCH_URL" -X -At <<SQL | grep -E 'Scan|Join|Aggregate|Execution Time|Rows Removed' | sed 's/^/    /' | head -24
EXPLAIN (ANALYZE, COSTS OFF)
SELECT s.municipality_id, m.name, s.estate_id, e.name, s.zoning, s.status, s.servicing, s.bplan_status,
       s.owner_type, s.available_from, s.area_m2, s.price_on_request, s.price_min_ct, s.price_max_ct
FROM plot_states s JOIN municipalities m ON m.id = s.municipality_id LEFT JOIN estates e ON e.id = s.estate_id
WHERE m.region_id = (SELECT id FROM regions WHERE slug = 'bench')
  AND s.valid_from < (('$1'::date + 1)::timestamp AT TIME ZONE 'Europe/Berlin')
  AND (s.valid_to IS NULL OR s.valid_to >= (('$1'::date + 1)::timestamp AT TIME ZONE 'Europe/Berlin'))
  AND s.published AND NOT s.deleted AND s.status IN ('available', 'under_negotiation', 'planned', 'reserved');
EXPLAIN (ANALYZE, COSTS OFF)
SELECT s.municipality_id, min(m.name),
       extract(year FROM s.valid_from AT TIME ZONE 'Europe/Berlin')::int AS year, s.status, count(*), sum(s.area_m2)
FROM plot_states s JOIN municipalities m ON m.id = s.municipality_id LEFT JOIN estates e ON e.id = s.estate_id
WHERE m.region_id = (SELECT id FROM regions WHERE slug = 'bench')
  AND s.status IN ('sold', 'reserved') AND s.prev_listed AND s.prev_status IS DISTINCT FROM s.status
  AND s.valid_from < (('$1'::date + 1)::timestamp AT TIME ZONE 'Europe/Berlin')
  AND s.valid_from >= (make_date(extract(year FROM '$1'::date)::int - 13, 1, 1)::timestamp AT TIME ZONE 'Europe/Berlin')
  AND NOT EXISTS (SELECT 1 FROM plot_states d WHERE d.plot_id = s.plot_id AND d.deleted
                  AND d.valid_from < (('$1'::date + 1)::timestamp AT TIME ZONE 'Europe/Berlin')
                  AND (d.valid_to IS NULL OR d.valid_to >= (('$1'::date + 1)::timestamp AT TIME ZONE 'Europe/Berlin')))
GROUP BY s.municipality_id, year, s.status;
SQL
}
plan_today="$(plan "$today")"
plan_back="$(plan "$back")"

states="$(gwf_psql "$BENCH_URL" -X -At -c "select count(*) from plot_states")"
backfill_ms="$(gwf_psql "$BENCH_URL" -X -At <<'SQL' | grep -Eo 'Time: [0-9.]+' | tail -1 | cut -d' ' -f2
BEGIN;
DELETE FROM plot_states;
\timing on
SELECT gwf_backfill_plot_states();
\timing off
ROLLBACK;
SQL
)"

commit="$(git rev-parse --short HEAD)"
[[ -n "${BENCH_BIN:-}" ]] && commit="$commit, binary $BENCH_BIN"
{
  echo
  echo "## $(date -u +%Y-%m-%d) — monitoring, commit $commit"
  echo
  echo "\`./bench/monitoring.sh\` (release build; $REQUESTS requests each, one at a time, loopback;"
  echo "100,000 plots in 500 towns, $(gwf_psql "$BENCH_URL" -X -At -c "select count(*) from plot_history") history rows over five years, $states states)."
  echo
  echo "| request | median | max |"
  echo "|---|---|---|"
  echo "| \`/monitoring?region=bench&as_of=$today\` (today, by municipality) | $today_median ms | $today_max ms |"
  echo "| \`/monitoring?region=bench&as_of=$back\` (three years back) | $back_median ms | $back_max ms |"
  echo "| \`…&as_of=$back&group_by=estate\` (5,000 groups) | $estate_median ms | $estate_max ms |"
  echo
  echo "Figures today: $today_figures."
  echo "Three years back: $back_figures."
  echo
  echo "Backfill of migration 000009 on this history (\`gwf_backfill_plot_states()\`, rolled back): $backfill_ms ms."
  echo
  echo "Plans (EXPLAIN ANALYZE; supply at the date, then the take-ups), today:"
  echo
  echo '```'
  echo "$plan_today"
  echo '```'
  echo
  echo "Three years back:"
  echo
  echo '```'
  echo "$plan_back"
  echo '```'
} | tee -a bench/RESULTS.md
