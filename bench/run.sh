#!/usr/bin/env bash
# Load benchmark of the search API against its own SQL floor.
#
#   ./bench/run.sh [--reload]
#
# Loads 100,000 synthetic plots (bench/generate.sql) into database `gwf_bench` on the project's
# PostgreSQL (DATABASE_URL or the local cluster of scripts/lib/db.sh), starts the release build,
# and for each scenario measures with wrk (loopback, 8 connections) requests/s and p50/p99, then
# runs the *same SQL* (printed by `gewerbeflaechen search-sql`) with pgbench in prepared mode at
# 8 connections: the database's own floor. Appends the results to bench/RESULTS.md.
# Tiles are measured twice: on a second server started with GWF_TILE_CACHE_MB=0, which runs the
# tile SQL for every request as the floor does, and on the default server, whose tile cache
# answers repeated requests with one small query for the data version.
#
# Environment: BENCH_DURATION (seconds per run, default 10), BENCH_CONNECTIONS (default 8),
# BENCH_ROUNDS (API/floor pairs per scenario, default 3; the table shows medians and the spread
# of the per-round ratios), BENCH_ONLY (run only scenarios whose name contains this text),
# BENCH_BIN (a prebuilt binary instead of the release build, e.g. an older commit's to compare).
set -euo pipefail

# shellcheck source=scripts/lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/db.sh"
cd "$GWF_ROOT"

DURATION="${BENCH_DURATION:-10}"
ROUNDS="${BENCH_ROUNDS:-3}"
ONLY="${BENCH_ONLY:-}"
CONNECTIONS="${BENCH_CONNECTIONS:-8}"
RELOAD=0
[[ "${1:-}" == "--reload" ]] && RELOAD=1

for tool in wrk pgbench curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    pkg="$tool"
    [[ "$tool" == pgbench ]] && pkg=postgresql-contrib
    if gwf_is_root; then gwf_apt_install "$pkg"; else gwf_die "$tool is missing: sudo apt-get install $pkg"; fi
  fi
done

ensure_database
ADMIN_URL="$DATABASE_URL"
# Same server, database gwf_bench.
BENCH_URL="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/gwf_bench")))' "$ADMIN_URL")"

if [[ -n "${BENCH_BIN:-}" ]]; then
  BIN="$BENCH_BIN"
else
  gwf_log "cargo build --release"
  cargo build --release --bin gewerbeflaechen
  BIN="${CARGO_TARGET_DIR:-$GWF_ROOT/target}/release/gewerbeflaechen"
fi

if [[ "$RELOAD" == 1 ]]; then
  gwf_psql "$ADMIN_URL" -X -q -c "DROP DATABASE IF EXISTS gwf_bench WITH (FORCE)"
fi
if [[ "$(gwf_psql "$ADMIN_URL" -X -At -c "select 1 from pg_database where datname = 'gwf_bench'")" != 1 ]]; then
  gwf_psql "$ADMIN_URL" -X -q -c "CREATE DATABASE gwf_bench"
fi
DATABASE_URL="$BENCH_URL" "$BIN" migrate
count="$(gwf_psql "$BENCH_URL" -X -At -c "select count(*) from plots")"
if [[ "$count" != 100000 ]]; then
  gwf_log "loading 100,000 synthetic plots (bench/generate.sql)"
  # A fresh database rather than TRUNCATE: plot_history is append-only, even for TRUNCATE.
  gwf_psql "$ADMIN_URL" -X -q -c "DROP DATABASE IF EXISTS gwf_bench WITH (FORCE)" -c "CREATE DATABASE gwf_bench"
  DATABASE_URL="$BENCH_URL" "$BIN" migrate
  start=$(date +%s)
  gwf_psql "$BENCH_URL" -X -q -f bench/generate.sql
  gwf_log "loaded in $(($(date +%s) - start)) s"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mkdir -p "$GWF_ROOT/artifacts"
# Two servers: the default configuration, and one without the tile cache, whose tiles run the
# SQL on every request like the floor does. Request logging at `warn`: a log line per request
# would measure the terminal, not the API.
port="$(free_port)"
DATABASE_URL="$BENCH_URL" GWF_BIND="127.0.0.1:$port" GWF_DB_POOL_SIZE=16 RUST_LOG=warn \
  "$BIN" serve >"$GWF_ROOT/artifacts/bench-server.log" 2>&1 &
server=$!
uncached_port="$(free_port)"
DATABASE_URL="$BENCH_URL" GWF_BIND="127.0.0.1:$uncached_port" GWF_DB_POOL_SIZE=16 RUST_LOG=warn \
  GWF_TILE_CACHE_MB=0 "$BIN" serve >"$GWF_ROOT/artifacts/bench-server-uncached.log" 2>&1 &
uncached_server=$!
trap 'kill $server $uncached_server 2>/dev/null || true' EXIT
for p in "$port" "$uncached_port"; do
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$p/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
done

# Scenario inputs from the data: an estate's centre and a published plot's id.
read -r lon lat < <(gwf_psql "$BENCH_URL" -X -At -F ' ' -c \
  "select round(st_x(c)::numeric, 5), round(st_y(c)::numeric, 5) from (select st_centroid(st_collect(geom)) c from plots where estate_id = (select min(id) from estates)) s")
plot_id="$(gwf_psql "$BENCH_URL" -X -At -c "select id from plots where published order by id offset 50000 limit 1")"
bbox="$(python3 -c "print(f'{$lon-0.01:.5f},{$lat-0.006:.5f},{$lon+0.01:.5f},{$lat+0.006:.5f}')")"

tile="$(python3 -c "
import math
lon, lat, z = $lon, $lat, 12
n = 2 ** z
x = int((lon + 180) / 360 * n)
y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
print(f'{z}/{x}/{y}')")"

scenarios=(
  "bbox, GeoJSON|bbox=$bbox&f=geojson&limit=100"
  # The same bbox and page through OGC API – Features (issue 15: within 10 % of the row above).
  "OGC items, bbox, 100|OGC:bbox=$bbox&limit=100"
  "one plot by id|PLOT:$plot_id"
  "attribute filter, 50 rows|zoning=GI&status=available&servicing=full&area_min=5000&limit=50"
  "near + radius (3 km), GeoJSON|near=$lon,$lat&radius_m=3000&f=geojson"
  "text search|q=Logistikfl%C3%A4che&limit=50"
  "MVT tile z12, no tile cache|TILE-UNCACHED:$tile"
  "MVT tile z12, cached|TILE:$tile"
)

parse_latency() { # wrk value like 1.23ms / 900.00us / 1.01s -> ms
  python3 -c "
import re,sys
v=sys.argv[1]; m=re.match(r'([0-9.]+)(us|ms|s)',v)
n=float(m.group(1)); u=m.group(2)
print(round(n/1000 if u=='us' else n*1000 if u=='s' else n, 2))" "$1"
}

results=()
for entry in "${scenarios[@]}"; do
  name="${entry%%|*}"
  query="${entry#*|}"
  [[ -n "$ONLY" && "$name" != *"$ONLY"* ]] && continue
  if [[ "$query" == PLOT:* ]]; then
    url="http://127.0.0.1:$port/plots/${query#PLOT:}"
    sql="$("$BIN" search-sql --plot "${query#PLOT:}")"
  elif [[ "$query" == OGC:* ]]; then
    # Same SQL as GET /plots with these parameters (api::ogc::items reuses the search).
    url="http://127.0.0.1:$port/collections/plots/items?${query#OGC:}"
    sql="$("$BIN" search-sql "${query#OGC:}&f=geojson")"
  elif [[ "$query" == TILE-UNCACHED:* ]]; then
    url="http://127.0.0.1:$uncached_port/tiles/plots/${query#TILE-UNCACHED:}.mvt"
    sql="$("$BIN" search-sql --tile "${query#TILE-UNCACHED:}")"
  elif [[ "$query" == TILE:* ]]; then
    url="http://127.0.0.1:$port/tiles/plots/${query#TILE:}.mvt"
    sql="$("$BIN" search-sql --tile "${query#TILE:}")"
  else
    url="http://127.0.0.1:$port/plots?$query"
    sql="$("$BIN" search-sql "$query")"
  fi
  if [[ "$query" == TILE* ]]; then
    rows="$(curl -fs "$url" | wc -c) bytes"
  else
    rows="$(curl -fs "$url" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d.get("features", d.get("items", [d]))))')"
  fi
  sqlfile="$(mktemp)"
  printf '%s\n' "$sql" | tr '\n' ' ' >"$sqlfile"
  echo >>"$sqlfile"
  # Warm-up: connections, prepared statements, caches.
  wrk -t2 -c"$CONNECTIONS" -d3s "$url" >/dev/null
  if ! pg_out="$(pgbench -n -M prepared -c "$CONNECTIONS" -j 2 -T 3 -f "$sqlfile" "$BENCH_URL" 2>&1)"; then
    gwf_die "pgbench cannot run the SQL of \"$name\": $(tail -3 <<<"$pg_out")"
  fi
  # API and floor alternate, ROUNDS times: the host's speed drifts (±40 % between runs on a
  # shared 2-core machine), and a pair measured back to back sees the same drift.
  rounds=()
  for round in $(seq 1 "$ROUNDS"); do
    gwf_log "$name: $rows; round $round/$ROUNDS: wrk ${DURATION}s, pgbench ${DURATION}s"
    wrk_out="$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url")"
    rps="$(awk '/Requests\/sec/ {print $2}' <<<"$wrk_out")"
    p50="$(parse_latency "$(awk '$1 == "50%" {print $2}' <<<"$wrk_out")")"
    p99="$(parse_latency "$(awk '$1 == "99%" {print $2}' <<<"$wrk_out")")"
    non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$wrk_out")"
    [[ -n "$non2xx" ]] && gwf_log "$name: $non2xx non-2xx answers"
    pg_out="$(pgbench -n -M prepared -c "$CONNECTIONS" -j 2 -T "$DURATION" -f "$sqlfile" "$BENCH_URL" 2>&1)"
    tps="$(awk '/^tps/ {print $3; exit}' <<<"$pg_out")"
    rounds+=("$rps $p50 $p99 $tps ${non2xx:-0}")
  done
  rm -f "$sqlfile"
  results+=("$(python3 - "$name" "$rows" "${rounds[@]}" <<'PY'
import statistics as st, sys
name, rows, *rounds = sys.argv[1:]
r = [list(map(float, x.split())) for x in rounds]
med = lambda i: st.median(x[i] for x in r)
ratios = sorted(100 * x[0] / x[3] for x in r)
spread = f"{ratios[0]:.0f}–{ratios[-1]:.0f} %" if len(r) > 1 else ""
bad = sum(x[4] for x in r)
print(f"| {name} | {rows} | {med(0):.0f} | {med(1)} | {med(2)} | {med(3):.0f} | "
      f"**{st.median(ratios):.0f} %** | {spread} |" + (f" non-2xx: {bad:.0f}" if bad else ""))
PY
)")
done

{
  echo
  if [[ -n "${BENCH_BIN:-}" ]]; then
    # The script's commit says nothing about another build's code.
    echo "## $(date -u +%Y-%m-%d) — binary ${BENCH_BIN} (BENCH_BIN; name its commit here)"
  else
    echo "## $(date -u +%Y-%m-%d) — commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  fi
  echo
  echo "Command: \`./bench/run.sh\` (BENCH_DURATION=$DURATION, BENCH_CONNECTIONS=$CONNECTIONS, BENCH_ROUNDS=$ROUNDS${ONLY:+, BENCH_ONLY=$ONLY})."
  echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB;"
  echo "$(gwf_psql "$BENCH_URL" -X -At -c 'select version()' | cut -d, -f1), PostGIS $(gwf_psql "$BENCH_URL" -X -At -c 'select postgis_lib_version()');"
  echo "API: release build, 2 workers, pool 16, RUST_LOG=warn; wrk -t2 -c$CONNECTIONS; pgbench -M prepared -c$CONNECTIONS -j2, same SQL."
  echo
  echo "Each figure is the median of $ROUNDS rounds; a round is wrk then pgbench, ${DURATION} s each; the last column is the range of the per-round ratios."
  echo
  echo "| scenario | rows | API req/s | p50 ms | p99 ms | pgbench tps (floor) | API / floor | range |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${results[@]}"
} | tee -a bench/RESULTS.md
