#!/usr/bin/env bash
# Instructions the API executes per request, counted by valgrind's callgrind: a CPU figure that
# does not move with the machine's load (bench/cpu_split.py measures time, which does).
#
#   DATABASE_URL=<bench db> ./bench/instructions.sh BIN 'PATH?QUERY' [N]
#
# Starts BIN (`serve`) under callgrind on a free port (INSTR_PORT to choose it), sends 20
# requests to warm up, zeroes the counters, sends N (default 200) requests one after another
# with curl, dumps the counters and prints the instructions (Ir) per request. Every answer must
# be 200. Under callgrind the server runs ~50× slower; N = 200 takes a minute or two.
# INSTR_KEEP=FILE keeps the dump for `callgrind_annotate FILE`.
set -euo pipefail

BIN="$1"
TARGET="$2"
N="${3:-200}"
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install valgrind" >&2; exit 1; }
PORT="${INSTR_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
OUT="$(mktemp -d)"
GWF_BIND="127.0.0.1:$PORT" RUST_LOG=warn GWF_RATE_HEAVY_PER_MIN=0 GWF_RATE_HEAVY_TOTAL_PER_MIN=0 \
  valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" "$BIN" serve >"$OUT/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$OUT"' EXIT
for _ in $(seq 1 300); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/readyz" 2>/dev/null && break
  sleep 0.5
done
URL="http://127.0.0.1:$PORT$TARGET"
get() {
  local status
  status="$(curl -s -o /dev/null -w '%{http_code}' "$URL")"
  [[ "$status" == 200 ]] || { echo "$URL answered $status" >&2; exit 1; }
}
for _ in $(seq 1 20); do get; done
callgrind_control -z "$server" >/dev/null 2>&1
for _ in $(seq 1 "$N"); do get; done
callgrind_control -d "$server" >/dev/null 2>&1
sleep 1
# The dump after zeroing is the file with a part number; its summary line is the total.
total="$(grep -h '^summary:' "$OUT"/cg.out.* 2>/dev/null | tail -1 | awk '{print $2}')"
[[ -n "$total" ]] || { echo "no callgrind dump found" >&2; exit 1; }
if [[ -n "${INSTR_KEEP:-}" ]]; then cp "$(ls "$OUT"/cg.out.* | tail -1)" "$INSTR_KEEP"; fi
python3 -c "import sys; t, n = int(sys.argv[1]), int(sys.argv[2]); print(f'{t:,} instructions for {n} requests: {t / n:,.0f} per request')" "$total" "$N"
