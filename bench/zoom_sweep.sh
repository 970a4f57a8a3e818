#!/usr/bin/env bash
# Worst tile per zoom, 0–16, on the 100,000-plot bench data: bytes and uncached render time.
#
#   ./bench/zoom_sweep.sh
#
# Uses database `gwf_bench` as bench/run.sh leaves it (run that first, or its loading part), the
# release build (or BENCH_BIN), and a server with GWF_TILE_CACHE_MB=0, so every request makes
# its tile. For each zoom the candidates are the SWEEP_CANDIDATES tiles (default 3) holding the
# most published plots (by their point, `plots.tile_x/tile_y`): a tile's bytes and work grow with
# its plots. Each candidate is fetched SWEEP_REPEAT times (default 5) after one warm-up; its time
# is the median (curl's time_total over loopback). Prints a Markdown table (worst bytes and worst
# median time per zoom, with the tile) and appends it to bench/RESULTS.md.
set -euo pipefail

# shellcheck source=scripts/lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/db.sh"
cd "$GWF_ROOT"

CANDIDATES="${SWEEP_CANDIDATES:-3}"
REPEAT="${SWEEP_REPEAT:-5}"

ensure_database
BENCH_URL="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/gwf_bench")))' "$DATABASE_URL")"
if [[ -n "${BENCH_BIN:-}" ]]; then
  BIN="$BENCH_BIN"
else
  cargo build --release --bin gewerbeflaechen
  BIN="${CARGO_TARGET_DIR:-$GWF_ROOT/target}/release/gewerbeflaechen"
fi
DATABASE_URL="$BENCH_URL" "$BIN" migrate
[[ "$(gwf_psql "$BENCH_URL" -X -At -c 'select count(*) from plots')" == 100000 ]] ||
  gwf_die "gwf_bench does not hold the 100,000 bench plots: run ./bench/run.sh first"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p artifacts
DATABASE_URL="$BENCH_URL" GWF_BIND="127.0.0.1:$port" GWF_TILE_CACHE_MB=0 RUST_LOG=warn \
  "$BIN" serve >artifacts/bench-zoom-sweep-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done

rows="$(for z in $(seq 0 16); do
  # Tile column and row of each plot's point (Web Mercator metres -> XYZ, y from the north).
  gwf_psql "$BENCH_URL" -X -At -F ' ' -c "
    SELECT $z, tx, ty FROM (
      SELECT floor((tile_x + 20037508.342789244) / (40075016.68557849 / 2 ^ $z))::bigint AS tx,
             floor((20037508.342789244 - tile_y) / (40075016.68557849 / 2 ^ $z))::bigint AS ty
      FROM plots WHERE published) p
    GROUP BY tx, ty ORDER BY count(*) DESC LIMIT $CANDIDATES"
done)"

table="$(python3 - "$port" "$REPEAT" <<PY
import statistics, subprocess, sys
port, repeat = sys.argv[1], int(sys.argv[2])
worst = {}
for line in """$rows""".split("\n"):
    z, x, y = map(int, line.split())
    url = f"http://127.0.0.1:{port}/tiles/plots/{z}/{x}/{y}.mvt"
    def fetch():
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{size_download} %{time_total} %{http_code}", url],
                             capture_output=True, text=True, check=True).stdout.split()
        assert out[2] in ("200", "204"), f"{url}: HTTP {out[2]}"
        return int(out[0]), float(out[1]) * 1000
    fetch()
    runs = [fetch() for _ in range(repeat)]
    size, ms = runs[0][0], statistics.median(r[1] for r in runs)
    w = worst.setdefault(z, {"bytes": (-1, ""), "ms": (-1.0, "")})
    if size > w["bytes"][0]: w["bytes"] = (size, f"{z}/{x}/{y}")
    if ms > w["ms"][0]: w["ms"] = (ms, f"{z}/{x}/{y}")
print("| zoom | layer | worst bytes (tile) | worst median ms (tile) | ≤ 500 kB and ≤ 300 ms |")
print("|---|---|---|---|---|")
for z in sorted(worst):
    b, m = worst[z]["bytes"], worst[z]["ms"]
    ok = "yes" if b[0] <= 500 * 1024 and m[0] <= 300 else "**no**"
    layer = "clusters" if z <= 9 else "plots"
    print(f"| {z} | {layer} | {b[0]:,} ({b[1]}) | {m[0]:.1f} ({m[1]}) | {ok} |")
PY
)"

{
  echo
  echo "## $(date -u +%Y-%m-%d) — zoom sweep, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo
  echo "Command: \`./bench/zoom_sweep.sh\` (SWEEP_CANDIDATES=$CANDIDATES, SWEEP_REPEAT=$REPEAT${BENCH_BIN:+, BENCH_BIN=$BENCH_BIN})."
  echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; ${BENCH_BIN:+binary $BENCH_BIN}$([[ -n "${BENCH_BIN:-}" ]] || echo release build), GWF_TILE_CACHE_MB=0; curl over loopback, one request at a time."
  echo
  printf '%s\n' "$table"
} | tee -a bench/RESULTS.md
