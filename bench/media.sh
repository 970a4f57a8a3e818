#!/usr/bin/env bash
# Media benchmark (issue 19): upload of 12-megapixel JPEGs with all stored sizes (time, and the
# server's peak memory from /proc/PID/status VmHWM before and after), then serving a thumbnail
# against serving a static asset of about the same size from the same process (wrk, loopback).
#
#   DATABASE_URL=postgres://…/gwf_media_bench ./bench/media.sh
#
# The database is migrated and seeded here (demo data, an admin token). Needs a release build
# (cargo build --release), wrk, and Python with Pillow (bench/media_input.py; installed into
# .venv when missing). Env: GWF_BENCH_PORT (default 18300), GWF_BENCH_UPLOADS (default 3).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/gewerbeflaechen}"
PORT="${GWF_BENCH_PORT:-18300}"
UPLOADS="${GWF_BENCH_UPLOADS:-3}"
WORK="$(mktemp -d)"
PY="$ROOT/.venv/bin/python"
[[ -x "$PY" ]] || { python3 -m venv "$ROOT/.venv"; }
"$PY" -c 'import PIL' 2>/dev/null || "$ROOT/.venv/bin/pip" install -q pillow
export GWF_MEDIA_DIR="$WORK/media" GWF_BIND="127.0.0.1:$PORT" GWF_WORKERS=2 RUST_LOG=warn
"$BIN" migrate
"$BIN" seed-demo
"$BIN" user add --email bench@media.example --name Bench --role admin >/dev/null 2>&1 || true
TOKEN="$("$BIN" user token --email bench@media.example --name media-bench | grep -o 'gwf_[A-Za-z0-9_-]*' | head -1)"
"$PY" "$ROOT/bench/media_input.py" "$WORK" "$UPLOADS"
"$BIN" serve >"$WORK/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
hwm() { awk '/VmHWM/ {print $2}' "/proc/$PID/status"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }
PLOT="$(curl -s "http://127.0.0.1:$PORT/plots?limit=1&fields=reference" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')"
echo "server RSS before uploads: $(( $(rss) / 1024 )) MiB, peak so far $(( $(hwm) / 1024 )) MiB"
THUMB=""
for i in $(seq 0 $((UPLOADS - 1))); do
  before="$(hwm)"
  out="$(curl -s -o "$WORK/up.json" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: image/jpeg' --data-binary "@$WORK/photo-$i.jpg" \
    "http://127.0.0.1:$PORT/plots/$PLOT/media?credit=Bench&licence=CC0")"
  echo "upload $i ($(stat -c %s "$WORK/photo-$i.jpg") bytes, 4000x3000): HTTP ${out% *}, ${out#* } s; peak RSS $((before / 1024)) -> $(( $(hwm) / 1024 )) MiB"
  THUMB="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["links"]["thumb"])' "$WORK/up.json")"
done
size="$(curl -s "$THUMB" | wc -c)"
echo "thumbnail: $size bytes"
# The static asset nearest in size to the thumbnail (compiled-in, served from memory).
best=""; bestd=999999999
for a in profile.js embed-media.js inquiry.css profile-locator.js portal-state.js basemap.js; do
  s="$(curl -s "http://127.0.0.1:$PORT/assets/$a" | wc -c)"
  d=$(( s > size ? s - size : size - s ))
  if (( d < bestd )); then best="$a"; bestd=$d; fi
done
echo "static asset: /assets/$best, $(curl -s "http://127.0.0.1:$PORT/assets/$best" | wc -c) bytes"
for round in 1 2; do
  for url in "$THUMB" "http://127.0.0.1:$PORT/assets/$best"; do
    r="$(wrk -t2 -c8 -d8s "$url" | awk '/Requests\/sec/ {print $2}')"
    echo "round $round: $r req/s  $url"
  done
done
