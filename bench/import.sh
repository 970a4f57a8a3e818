#!/usr/bin/env bash
# Import benchmark: N plots through POST /imports, as an admin would send them.
#
#   ./bench/import.sh [N]          # issue 14's target: ./bench/import.sh 100000
#
# Builds the release binary, creates database `gwf_bench_import` (dropped and recreated each
# run) on the project's PostgreSQL, loads the demo municipalities, creates an admin with an API
# token through the CLI, generates N (default 10,000) plots (bench/import_data.py) and times:
# a dry run, the real import, the same file again (all unchanged), the same plots as CSV with
# WKT, the GeoJSON once more in EPSG:25833 (new plots), and the same plots again as a
# GeoPackage written by ogr2ogr (new plots; skipped without GDAL). The server's import limits
# are raised to fit N. Reports the server's peak memory (VmHWM).
# Appends the results to bench/RESULTS.md.
set -euo pipefail

# shellcheck source=scripts/lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/db.sh"
cd "$GWF_ROOT"
N="${1:-10000}"

command -v curl >/dev/null 2>&1 || gwf_die "curl is missing: sudo apt-get install curl"
ensure_database
ADMIN_URL="$DATABASE_URL"
URL="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/gwf_bench_import")))' "$ADMIN_URL")"

gwf_log "cargo build --release"
cargo build --release --bin gewerbeflaechen
BIN="${CARGO_TARGET_DIR:-$GWF_ROOT/target}/release/gewerbeflaechen"

gwf_psql "$ADMIN_URL" -X -q -c "DROP DATABASE IF EXISTS gwf_bench_import WITH (FORCE)" -c "CREATE DATABASE gwf_bench_import"
DATABASE_URL="$URL" "$BIN" migrate
DATABASE_URL="$URL" RUST_LOG=warn "$BIN" seed-demo
DATABASE_URL="$URL" "$BIN" user add --email bench@example.org --name Bench --role admin >/dev/null
token="$(DATABASE_URL="$URL" "$BIN" user token --email bench@example.org --name bench --days 1)"

work="$(mktemp -d)"
server=""
trap 'rm -rf "$work"; [[ -n "$server" ]] && kill "$server" 2>/dev/null || true' EXIT
gwf_log "generating $N plots"
python3 bench/import_data.py "$N" >"$work/plots.geojson"
python3 bench/import_data.py "$N" --csv >"$work/plots.csv"
# The same plots in ETRS89/UTM 33N, transformed by PostGIS, with the file's crs member.
python3 - "$work/plots.geojson" "$URL" >"$work/plots-25833.geojson" <<'PY'
import json, subprocess, sys
fc = json.load(open(sys.argv[1]))
rings = [json.dumps(f["geometry"]) for f in fc["features"]]
sql = "select ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(g), 4326), 25833), 3) from unnest(%s::text[]) with ordinality t(g, o) order by o"
arr = "'{" + ",".join('"' + r.replace('"', '\\"') + '"' for r in rings) + "}'"
out = subprocess.run(["psql", sys.argv[2], "-X", "-At", "-f", "-"], input=sql % arr, capture_output=True, text=True, check=True).stdout.splitlines()
for f, g in zip(fc["features"], out):
    f["geometry"] = json.loads(g)
    f["properties"]["reference"] = f["properties"]["reference"].replace("BENCH", "UTM")
fc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}}
json.dump(fc, sys.stdout)
PY

# The same plots as a GeoPackage, written by GDAL as a GIS would (new references).
gpkg=""
if command -v ogr2ogr >/dev/null 2>&1; then
  sed 's/"BENCH-/"GPKG-/g' "$work/plots.geojson" >"$work/plots-gpkg.geojson"
  ogr2ogr -f GPKG -nln plots "$work/plots.gpkg" "$work/plots-gpkg.geojson"
  gpkg="$work/plots.gpkg"
else
  gwf_warn "ogr2ogr (gdal-bin) missing: the GeoPackage run is skipped"
fi

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p artifacts
DATABASE_URL="$URL" GWF_BIND="127.0.0.1:$port" RUST_LOG=warn \
  GWF_IMPORT_MAX_FEATURES="$((N > 50000 ? N : 50000))" GWF_IMPORT_MAX_BYTES=$((1024 * 1024 * 1024)) \
  "$BIN" serve >artifacts/bench-import-server.log 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done

results=()
run() { # name, query, content type, file
  local name="$1" query="$2" type="$3" file="$4" out time summary
  gwf_log "$name"
  out="$work/out.json"
  # Resets the server's peak memory (VmHWM), so each run reports its own.
  echo 5 >"/proc/$server/clear_refs" 2>/dev/null || true
  time="$(curl -s -o "$out" -w '%{time_total}' -X POST "http://127.0.0.1:$port/imports$query" \
    -H "Authorization: Bearer $token" -H "Content-Type: $type" --data-binary "@$file")"
  summary="$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
r = r.get("report", r)
print("valid=%s created=%s updated=%s unchanged=%s problems=%s" % (r["valid"], r["created"], r["updated"], r["unchanged"], len(r["problems"])))
' "$out" 2>/dev/null || head -c 300 "$out")"
  peak="$(awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/$server/status")"
  results+=("| $name | $(du -h "$file" | cut -f1) | $time | $peak | $summary |")
}
run "GeoJSON, dry run" "?dry_run=true" application/geo+json "$work/plots.geojson"
run "GeoJSON, import" "" application/geo+json "$work/plots.geojson"
run "GeoJSON, same file again" "" application/geo+json "$work/plots.geojson"
run "CSV with WKT, same plots" "" text/csv "$work/plots.csv"
run "GeoJSON in EPSG:25833, new plots" "" application/geo+json "$work/plots-25833.geojson"
[[ -n "$gpkg" ]] && run "GeoPackage (ogr2ogr), new plots" "" application/geopackage+sqlite3 "$gpkg"

{
  echo
  echo "## $(date -u +%Y-%m-%d) — import, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo
  echo "Command: \`./bench/import.sh $N\` ($N plots from bench/import_data.py, one request each, timed by curl)."
  echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB; release build, RUST_LOG=warn."
  echo "Server peak memory: VmHWM of each run (reset before it through /proc/PID/clear_refs)."
  echo
  echo "| run | file | seconds | server peak MiB | result |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${results[@]}"
} | tee -a bench/RESULTS.md
