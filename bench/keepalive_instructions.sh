#!/usr/bin/env bash
# Instructions a server executes per request over kept-alive connections, counted by valgrind's
# callgrind (stable under load, unlike time): for cached tiles, where a new connection per request
# (bench/instructions.sh uses curl) would cost more than the tile itself.
#
#   DATABASE_URL=<bench db> ./bench/keepalive_instructions.sh ours BIN '/tiles/plots/12/2164/1377.mvt'
#   DATABASE_URL=<bench db> ./bench/keepalive_instructions.sh martin MARTIN '/plots_tile/12/2164/1377'
#
# `ours` starts BIN `serve` with one worker; `martin` starts Martin 1.14 (bench/peers.sh) with one
# worker, its tile cache on, and the function source bench_peer.plots_tile that bench/run.sh
# creates with BENCH_PEERS=1 (run that once first). Either runs under callgrind on a free port;
# wrk warms up for 5 s over 2 connections, the counters are zeroed, wrk runs 20 s, and the
# instructions of the whole process are divided by the requests wrk counted. Every answer must
# be 2xx. INSTR_KEEP=FILE keeps the dump for `callgrind_annotate --inclusive=yes FILE`.
set -euo pipefail

KIND="$1"
BIN="$2"
TARGET="$3"
for tool in valgrind wrk; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install $tool" >&2; exit 1; }
done
PORT="${INSTR_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
OUT="$(mktemp -d)"
case "$KIND" in
  ours)
    ready="/readyz"
    GWF_BIND="127.0.0.1:$PORT" GWF_WORKERS=1 RUST_LOG=warn GWF_RATE_HEAVY_PER_MIN=0 \
      GWF_RATE_HEAVY_TOTAL_PER_MIN=0 \
      valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" "$BIN" serve >"$OUT/server.log" 2>&1 &
    ;;
  martin)
    ready="/health"
    cat >"$OUT/martin.yaml" <<YAML
listen_addresses: "127.0.0.1:$PORT"
cache_size_mb: 512
worker_processes: 1
postgres:
  connection_string: "$DATABASE_URL"
  pool_size: 16
  auto_publish: false
  functions:
    plots_tile:
      schema: bench_peer
      function: plots_tile
      minzoom: 0
      maxzoom: 22
YAML
    RUST_LOG=warn valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" "$BIN" \
      --config "$OUT/martin.yaml" >"$OUT/server.log" 2>&1 &
    ;;
  *) echo "usage: $0 ours|martin BIN PATH" >&2; exit 2 ;;
esac
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$OUT"' EXIT
for _ in $(seq 1 300); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT$ready" 2>/dev/null && break
  sleep 0.5
done
URL="http://127.0.0.1:$PORT$TARGET"
status="$(curl -s -o /dev/null -w '%{http_code}' "$URL")"
[[ "$status" == 2* ]] || { echo "$URL answered $status" >&2; exit 1; }
wrk -t1 -c2 -d5s "$URL" >/dev/null
callgrind_control -z "$server" >/dev/null 2>&1
out="$(wrk -t1 -c2 -d20s "$URL")"
callgrind_control -d "$server" >/dev/null 2>&1
sleep 1
if grep -q 'Non-2xx' <<<"$out"; then echo "non-2xx answers: $out" >&2; exit 1; fi
n="$(awk '/requests in/ {print $1}' <<<"$out")"
total="$(grep -h '^summary:' "$OUT"/cg.out.* 2>/dev/null | tail -1 | awk '{print $2}')"
[[ -n "$total" ]] || { echo "no callgrind dump found" >&2; exit 1; }
if [[ -n "${INSTR_KEEP:-}" ]]; then cp "$(ls "$OUT"/cg.out.* | tail -1)" "$INSTR_KEEP"; fi
python3 -c "import sys; t, n = int(sys.argv[1]), int(sys.argv[2]); print(f'{t:,} instructions for {n} requests: {t / n:,.0f} per request')" "$total" "$n"
