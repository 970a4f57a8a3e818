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
# answers repeated requests from memory. The cached tile is measured once more as browsers ask
# for it (`Accept-Encoding: gzip`).
#
# Both servers run with the heavy rate limit off (GWF_RATE_HEAVY_PER_MIN=0): every tile that is
# made counts against it, and at 300 a minute per client the bench measured 429s, not tiles. Any
# answer that is not 2xx (in the check before a scenario, or counted by wrk) stops the run: an
# error page served fast is not throughput.
#
# Peers (BENCH_PEERS=1, installed by bench/peers.sh; issue 20): on the same database in the same
# run, Martin 1.14 serves the bench tile through a function source whose body is the exact tile
# SQL (`search-sql --tile`), once with its tile cache and once without, next to our cached and
# uncached tile scenarios; tipg serves the bbox page (a view of the published plots) next to
# ours. A round is then ours, the peer, the floor; the table adds the peer's req/s and ours ÷ peer.
#
# Environment: BENCH_DURATION (seconds per run, default 10), BENCH_CONNECTIONS (default 8),
# BENCH_ROUNDS (API/floor pairs per scenario, default 3; the table shows medians and the spread
# of the per-round ratios), BENCH_ONLY (run only scenarios whose name contains this text, or
# one of several separated by `|`, e.g. "bbox, GeoJSON|MVT"),
# BENCH_BIN (a prebuilt binary instead of the release build, e.g. an older commit's to compare),
# BENCH_DB (database name, default gwf_bench), BENCH_PORT_BASE (servers on BASE, BASE+1, ...
# instead of free ports), BENCH_PEERS (1: the peers above), BENCH_PEERS_DIR (as bench/peers.sh).
set -euo pipefail

# shellcheck source=scripts/lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/db.sh"
cd "$GWF_ROOT"

DURATION="${BENCH_DURATION:-10}"
ROUNDS="${BENCH_ROUNDS:-3}"
ONLY="${BENCH_ONLY:-}"
CONNECTIONS="${BENCH_CONNECTIONS:-8}"
DB="${BENCH_DB:-gwf_bench}"
PEERS="${BENCH_PEERS:-0}"
PEERS_DIR="${BENCH_PEERS_DIR:-$HOME/.cache/gewerbeflaechen-bench}"
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
# Same server, database $DB.
BENCH_URL="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$ADMIN_URL" "$DB")"
MARTIN="$PEERS_DIR/martin/bin/martin"
TIPG_PY="$PEERS_DIR/tipg-venv/bin/python"
if [[ "$PEERS" == 1 ]]; then
  [[ -x "$MARTIN" && -x "$TIPG_PY" ]] || gwf_die "BENCH_PEERS=1, but Martin or tipg is not in $PEERS_DIR: run ./bench/peers.sh"
fi

if [[ -n "${BENCH_BIN:-}" ]]; then
  BIN="$BENCH_BIN"
else
  gwf_log "cargo build --release"
  cargo build --release --bin gewerbeflaechen
  BIN="${CARGO_TARGET_DIR:-$GWF_ROOT/target}/release/gewerbeflaechen"
fi

if [[ "$RELOAD" == 1 ]]; then
  gwf_psql "$ADMIN_URL" -X -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
fi
if [[ "$(gwf_psql "$ADMIN_URL" -X -At -c "select 1 from pg_database where datname = '$DB'")" != 1 ]]; then
  gwf_psql "$ADMIN_URL" -X -q -c "CREATE DATABASE $DB"
fi
DATABASE_URL="$BENCH_URL" "$BIN" migrate
count="$(gwf_psql "$BENCH_URL" -X -At -c "select count(*) from plots")"
if [[ "$count" != 100000 ]]; then
  gwf_log "loading 100,000 synthetic plots (bench/generate.sql)"
  # A fresh database rather than TRUNCATE: plot_history is append-only, even for TRUNCATE.
  gwf_psql "$ADMIN_URL" -X -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  DATABASE_URL="$BENCH_URL" "$BIN" migrate
  start=$(date +%s)
  gwf_psql "$BENCH_URL" -X -q -f bench/generate.sql
  gwf_log "loaded in $(($(date +%s) - start)) s"
fi

# Ports: BENCH_PORT_BASE, BASE+1, ... when given (a machine whose engineers share out port
# ranges), else free ones.
next_port=${BENCH_PORT_BASE:-}
port_to() { # VAR: sets VAR to the next port (not in a subshell, so the count goes on)
  if [[ -n "$next_port" ]]; then
    printf -v "$1" '%s' "$next_port"
    next_port=$((next_port + 1))
  else
    printf -v "$1" '%s' "$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  fi
}
mkdir -p "$GWF_ROOT/artifacts"
# Two servers: the default configuration, and one without the tile cache, whose tiles run the
# SQL on every request like the floor does. Request logging at `warn`: a log line per request
# would measure the terminal, not the API. The heavy rate limit is off (see the top).
port_to port
port_to uncached_port
export GWF_RATE_HEAVY_PER_MIN=0 GWF_RATE_HEAVY_TOTAL_PER_MIN=0
DATABASE_URL="$BENCH_URL" GWF_BIND="127.0.0.1:$port" GWF_DB_POOL_SIZE=16 RUST_LOG=warn \
  "$BIN" serve >"$GWF_ROOT/artifacts/bench-server.log" 2>&1 &
servers=($!)
trap 'kill "${servers[@]}" 2>/dev/null || true' EXIT
DATABASE_URL="$BENCH_URL" GWF_BIND="127.0.0.1:$uncached_port" GWF_DB_POOL_SIZE=16 RUST_LOG=warn \
  GWF_TILE_CACHE_MB=0 "$BIN" serve >"$GWF_ROOT/artifacts/bench-server-uncached.log" 2>&1 &
servers+=($!)
wait_ready() { # URL NAME
  for _ in $(seq 1 150); do
    curl -fs -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  gwf_die "$2 did not answer $1 within 30 s (log in artifacts/)"
}
wait_ready "http://127.0.0.1:$port/readyz" "the API"
wait_ready "http://127.0.0.1:$uncached_port/readyz" "the API without tile cache"

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

# Peers on the same database: Martin twice (with and without its cache) and tipg.
martin_port="" martin_uncached_port="" tipg_port=""
if [[ "$PEERS" == 1 ]]; then
  # Martin's function source: the tile SQL of `search-sql --tile`, its literal tile address
  # replaced by the function's arguments (plpgsql: Martin's documented form; its plan is cached
  # per connection as our prepared statement is).
  tile_body="$("$BIN" search-sql --tile "$tile" | python3 -c "
import re, sys
sql = sys.stdin.read().strip().rstrip(';')
z, x, y = sys.argv[1].split('/')
pattern = r'ST_TileEnvelope\(%s(?:::bigint)?::int, %s(?:::bigint)?::int, %s(?:::bigint)?::int' % (z, x, y)
sql, n = re.subn(pattern, 'ST_TileEnvelope(z, x, y', sql)
if n == 0:
    sys.exit('no ST_TileEnvelope(%s) in the tile SQL' % sys.argv[1])
print(sql)" "$tile")"
  gwf_psql "$BENCH_URL" -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE SCHEMA IF NOT EXISTS bench_peer;
CREATE OR REPLACE FUNCTION bench_peer.plots_tile(z integer, x integer, y integer) RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE AS \$fn\$
DECLARE mvt bytea;
BEGIN
  $tile_body INTO mvt;
  RETURN mvt;
END
\$fn\$;
-- tipg publishes tables and views: the published plots with the attributes of a search row.
CREATE OR REPLACE VIEW bench_peer.plots AS
  SELECT id, reference, status, zoning, area_m2, price_min_ct, price_max_ct, price_on_request,
         title_de, title_en, municipality_id, estate_id, available_from, data_confirmed_on, geom
  FROM public.plots WHERE published;
SQL
  peers_tmp="$(mktemp -d)"
  trap 'kill "${servers[@]}" 2>/dev/null || true; rm -rf "$peers_tmp"' EXIT
  port_to martin_port
  port_to martin_uncached_port
  port_to tipg_port
  for variant in cached uncached; do
    if [[ "$variant" == cached ]]; then p="$martin_port" cache=512; else p="$martin_uncached_port" cache=0; fi
    cat >"$peers_tmp/martin-$variant.yaml" <<YAML
listen_addresses: "127.0.0.1:$p"
cache_size_mb: $cache
postgres:
  connection_string: "$BENCH_URL"
  pool_size: 16
  auto_publish: false
  functions:
    plots_tile:
      schema: bench_peer
      function: plots_tile
      minzoom: 0
      maxzoom: 22
YAML
    RUST_LOG=warn "$MARTIN" --config "$peers_tmp/martin-$variant.yaml" \
      >"$GWF_ROOT/artifacts/bench-martin-$variant.log" 2>&1 &
    servers+=($!)
  done
  # tipg: 2 uvicorn workers, as our API has 2; only the view above.
  DATABASE_URL="$BENCH_URL" TIPG_DB_SCHEMAS='["bench_peer"]' TIPG_DB_TABLES='["bench_peer.plots"]' \
    TIPG_DB_FUNCTIONS='[]' "$TIPG_PY" -m uvicorn tipg.main:app --host 127.0.0.1 --port "$tipg_port" \
    --workers 2 --log-level warning >"$GWF_ROOT/artifacts/bench-tipg.log" 2>&1 &
  servers+=($!)
  wait_ready "http://127.0.0.1:$martin_port/health" "Martin (cached)"
  wait_ready "http://127.0.0.1:$martin_uncached_port/health" "Martin (uncached)"
  wait_ready "http://127.0.0.1:$tipg_port/collections" "tipg"
fi

# The peer of a scenario (empty: none).
peer_of() { # NAME -> "LABEL|URL"
  [[ "$PEERS" == 1 ]] || return 0
  case "$1" in
    "bbox, GeoJSON") echo "tipg 1.6|http://127.0.0.1:$tipg_port/collections/bench_peer.plots/items?bbox=$bbox&limit=100" ;;
    "MVT tile z12, no tile cache") echo "Martin 1.14, no cache|http://127.0.0.1:$martin_uncached_port/plots_tile/$tile" ;;
    "MVT tile z12, cached"*) echo "Martin 1.14, cache|http://127.0.0.1:$martin_port/plots_tile/$tile" ;;
  esac
}

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
  # As browsers ask (Accept-Encoding: gzip): the form a map on a stand's Wi-Fi receives.
  "MVT tile z12, cached, gzip|TILE-GZIP:$tile"
)

parse_latency() { # wrk value like 1.23ms / 900.00us / 1.01s -> ms
  python3 -c "
import re,sys
v=sys.argv[1]; m=re.match(r'([0-9.]+)(us|ms|s)',v)
n=float(m.group(1)); u=m.group(2)
print(round(n/1000 if u=='us' else n*1000 if u=='s' else n, 2))" "$1"
}

# One request; stops the run unless the answer is 2xx.
must_answer() { # URL NAME [HEADER]
  local status
  status="$(curl -s -o /dev/null -w '%{http_code}' ${3:+-H "$3"} "$1")"
  [[ "$status" == 2* ]] || gwf_die "$2: $1 answered $status, not 2xx: $(curl -s "$1" | head -c 300)"
}

# wrk for DURATION; prints "req/s p50 p99", stops the run on any non-2xx answer or socket error.
measure() { # URL NAME [HEADER]
  local out rps p50 p99 non2xx errors
  # A 10 s timeout: a slow peer (tipg) must not be cut off at wrk's default 2 s.
  out="$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency ${3:+-H "$3"} "$1")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  [[ -z "$non2xx" ]] || gwf_die "$2: $non2xx non-2xx answers from $1 (e.g. $(curl -s -o /dev/null -w '%{http_code}' "$1")): not a throughput"
  # Failed connections, reads or writes stop the run; timeouts (no answer within 10 s) are
  # counted by wrk as unanswered, so they lower the req/s, and are logged.
  errors="$(grep 'Socket errors' <<<"$out" || true)"
  if [[ -n "$errors" ]]; then
    if grep -qE 'connect [1-9]|read [1-9]|write [1-9]' <<<"$errors"; then gwf_die "$2: $errors"; fi
    gwf_log "$2: $errors"
  fi
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(parse_latency "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
  p99="$(parse_latency "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
  echo "$rps $p50 $p99"
}

results=()
peer_notes=()
for entry in "${scenarios[@]}"; do
  name="${entry%%|*}"
  query="${entry#*|}"
  header=""
  if [[ -n "$ONLY" ]]; then
    wanted=0
    IFS='|' read -r -a only_parts <<<"$ONLY"
    for part in "${only_parts[@]}"; do [[ "$name" == *"$part"* ]] && wanted=1; done
    [[ "$wanted" == 1 ]] || continue
  fi
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
  elif [[ "$query" == TILE-GZIP:* ]]; then
    url="http://127.0.0.1:$port/tiles/plots/${query#TILE-GZIP:}.mvt"
    sql="$("$BIN" search-sql --tile "${query#TILE-GZIP:}")"
    header="Accept-Encoding: gzip"
  elif [[ "$query" == TILE:* ]]; then
    url="http://127.0.0.1:$port/tiles/plots/${query#TILE:}.mvt"
    sql="$("$BIN" search-sql --tile "${query#TILE:}")"
  else
    url="http://127.0.0.1:$port/plots?$query"
    sql="$("$BIN" search-sql "$query")"
  fi
  must_answer "$url" "$name" "$header"
  peer="$(peer_of "$name")"
  peer_label="${peer%%|*}"
  peer_url="${peer#*|}"
  count_rows() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d.get("features", d.get("items", [d]))))'; }
  if [[ "$query" == TILE* ]]; then
    rows="$(curl -fs ${header:+-H "$header"} "$url" | wc -c) bytes"
  else
    rows="$(curl -fs "$url" | count_rows)"
  fi
  if [[ -n "$peer" ]]; then
    must_answer "$peer_url" "$name ($peer_label)" "$header"
    # The peer must answer the same question: the same tile bytes, the same number of features.
    # (Compressed tiles are compared unpacked: two gzip writers need not write the same bytes.)
    if [[ "$query" == TILE* ]]; then
      if cmp -s <(curl -fs --compressed ${header:+-H "$header"} "$url") <(curl -fs --compressed ${header:+-H "$header"} "$peer_url"); then same="same bytes"; else same="DIFFERENT bytes ($(curl -fs "$peer_url" | wc -c))"; fi
      if [[ -n "$header" ]]; then
        same="$same unpacked; sent as $(curl -fs -o /dev/null -w '%{size_download}' -H "$header" "$url") bytes by ours, $(curl -fs -o /dev/null -w '%{size_download}' -H "$header" "$peer_url") by $peer_label ($header)"
      fi
    else
      peer_rows="$(curl -fs "$peer_url" | count_rows)"
      if [[ "$peer_rows" == "$rows" ]]; then same="same $rows features"; else same="DIFFERENT: $peer_rows features"; fi
    fi
    peer_notes+=("- $name: $peer_label, \`/${peer_url#http://*/}\`: $same")
    wrk -t2 -c"$CONNECTIONS" -d3s ${header:+-H "$header"} "$peer_url" >/dev/null
  fi
  sqlfile="$(mktemp)"
  printf '%s\n' "$sql" | tr '\n' ' ' >"$sqlfile"
  echo >>"$sqlfile"
  # Warm-up: connections, prepared statements, caches.
  wrk -t2 -c"$CONNECTIONS" -d3s ${header:+-H "$header"} "$url" >/dev/null
  if ! pg_out="$(pgbench -n -M prepared -c "$CONNECTIONS" -j 2 -T 3 -f "$sqlfile" "$BENCH_URL" 2>&1)"; then
    gwf_die "pgbench cannot run the SQL of \"$name\": $(tail -3 <<<"$pg_out")"
  fi
  # API, peer and floor alternate, ROUNDS times: the host's speed drifts (±40 % between runs
  # on a shared 2-core machine), and measurements back to back see the same drift.
  rounds=()
  for round in $(seq 1 "$ROUNDS"); do
    gwf_log "$name: $rows; round $round/$ROUNDS: wrk ${DURATION}s${peer:+, $peer_label ${DURATION}s}, pgbench ${DURATION}s"
    read -r rps p50 p99 < <(measure "$url" "$name" "$header") || exit 1
    [[ -n "$rps" ]] || exit 1
    peer_rps=0
    if [[ -n "$peer" ]]; then
      read -r peer_rps _ _ < <(measure "$peer_url" "$name ($peer_label)" "$header") || exit 1
      [[ -n "$peer_rps" ]] || exit 1
    fi
    pg_out="$(pgbench -n -M prepared -c "$CONNECTIONS" -j 2 -T "$DURATION" -f "$sqlfile" "$BENCH_URL" 2>&1)"
    tps="$(awk '/^tps/ {print $3; exit}' <<<"$pg_out")"
    rounds+=("$rps $p50 $p99 $tps $peer_rps")
  done
  rm -f "$sqlfile"
  results+=("$(python3 - "$name" "$rows" "$PEERS" "$peer_label" "${rounds[@]}" <<'PY'
import statistics as st, sys
name, rows, peers, peer, *rounds = sys.argv[1:]
r = [list(map(float, x.split())) for x in rounds]
med = lambda i: st.median(x[i] for x in r)
def ratio(i, j):
    v = sorted(100 * x[i] / x[j] for x in r)
    spread = f"{v[0]:.0f}–{v[-1]:.0f} %" if len(r) > 1 else ""
    return f"**{st.median(v):.0f} %**", spread
floor, floor_spread = ratio(0, 3)
row = f"| {name} | {rows} | {med(0):.0f} | {med(1)} | {med(2)} | {med(3):.0f} | {floor} | {floor_spread} |"
if peers == "1":
    if peer:
        p, p_spread = ratio(0, 4)
        row += f" {peer} | {med(4):.0f} | {p} | {p_spread} |"
    else:
        row += " – | | | |"
print(row)
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
  echo "Command: \`./bench/run.sh\` (BENCH_DURATION=$DURATION, BENCH_CONNECTIONS=$CONNECTIONS, BENCH_ROUNDS=$ROUNDS${ONLY:+, BENCH_ONLY=$ONLY}${DB:+, BENCH_DB=$DB}${PEERS:+, BENCH_PEERS=$PEERS})."
  echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB; load average at the end $(cut -d' ' -f1-3 /proc/loadavg);"
  echo "$(gwf_psql "$BENCH_URL" -X -At -c 'select version()' | cut -d, -f1), PostGIS $(gwf_psql "$BENCH_URL" -X -At -c 'select postgis_lib_version()');"
  echo "API: release build, 2 workers, pool 16, RUST_LOG=warn, heavy rate limit off; wrk -t2 -c$CONNECTIONS; pgbench -M prepared -c$CONNECTIONS -j2, same SQL."
  if [[ "$PEERS" == 1 ]]; then
    echo "Peers: $("$MARTIN" --version) (pool 16; function source with the tile SQL; \`cache_size_mb\` 512, of which its tile cache takes 256 MB, or 0: \"Tile caching is disabled\"), tipg $("$TIPG_PY" -c 'import tipg; print(tipg.__version__)') (uvicorn, 2 workers; view bench_peer.plots of the published plots). Same wrk settings."
  fi
  echo
  round_parts="wrk"
  [[ "$PEERS" == 1 ]] && round_parts="wrk, the peer's wrk (where there is a peer)"
  echo "Each figure is the median of $ROUNDS rounds; a round is $round_parts then pgbench, ${DURATION} s each; the range columns are those of the per-round ratios."
  echo
  if [[ "$PEERS" == 1 ]]; then
    echo "| scenario | rows | API req/s | p50 ms | p99 ms | pgbench tps (floor) | API / floor | range | peer | peer req/s | API / peer | range |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  else
    echo "| scenario | rows | API req/s | p50 ms | p99 ms | pgbench tps (floor) | API / floor | range |"
    echo "|---|---|---|---|---|---|---|---|"
  fi
  printf '%s\n' "${results[@]}"
  if [[ "${#peer_notes[@]}" -gt 0 ]]; then
    echo
    echo "The peers' answers, compared with ours before the rounds:"
    printf '%s\n' "${peer_notes[@]}"
  fi
} | tee -a bench/RESULTS.md
