#!/usr/bin/env bash
# Webhook benchmark (issue 18): what the change triggers cost an import, and how fast webhooks
# deliver.
#
#   ./bench/webhooks.sh
#
# Database `gwf_bench_webhooks` (dropped and recreated) with the demo towns; the release build
# (or BENCH_BIN) serves it.
#  1. An import of 10,000 plots before and after the change feed: 10,000 plots are imported
#     (new plots are drafts, which the change triggers skip) and published; then the same
#     10,000 plots are imported again with new titles, so each is an `updated` change of a
#     published plot: the case the triggers cost most. Timed with the triggers on and off
#     (`ALTER TABLE plots DISABLE TRIGGER`: the service as it was before the feed), BENCH_ROUNDS
#     (default 3) times each, alternating which goes first; medians.
#  2. Delivery: a webhook registered with `since: 0` to bench/webhook_receiver.py on loopback
#     (answers 204, verifies every signature) gets the whole feed; the time from registering to
#     the receiver seeing the last change, and the attempts' durations from the delivery log.
# Appends to bench/RESULTS.md.
set -euo pipefail
# shellcheck source=scripts/lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/db.sh"
cd "$GWF_ROOT"

ROUNDS="${BENCH_ROUNDS:-3}"
N=10000
ensure_database
ADMIN_URL="$DATABASE_URL"
DB=gwf_bench_webhooks
URL="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$ADMIN_URL" "$DB")"
if [[ -n "${BENCH_BIN:-}" ]]; then
  BIN="$BENCH_BIN"
else
  gwf_log "cargo build --release"
  cargo build --release --bin gewerbeflaechen
  BIN="${CARGO_TARGET_DIR:-$GWF_ROOT/target}/release/gewerbeflaechen"
fi

gwf_psql "$ADMIN_URL" -X -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
DATABASE_URL="$URL" "$BIN" migrate
DATABASE_URL="$URL" RUST_LOG=warn "$BIN" seed-demo
DATABASE_URL="$URL" "$BIN" user add --email bench@example.org --name Bench --role admin >/dev/null
token="$(DATABASE_URL="$URL" "$BIN" user token --email bench@example.org --name bench --days 1)"

work="$(mktemp -d)"
server=""
trap 'rm -rf "$work"; [[ -n "$server" ]] && kill "$server" 2>/dev/null || true' EXIT
python3 bench/import_data.py "$N" >"$work/a.geojson"
python3 - "$work/a.geojson" >"$work/b.geojson" <<'PY'
import json, sys
fc = json.load(open(sys.argv[1]))
for f in fc["features"]:
    f["properties"]["title_de"] += " (neu)"
json.dump(fc, sys.stdout)
PY

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
DATABASE_URL="$URL" GWF_BIND="127.0.0.1:$port" RUST_LOG=warn GWF_WEBHOOK_POLL_MS=50 \
  "$BIN" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
B="http://127.0.0.1:$port"

import() { # file → seconds
  curl -s -o "$work/out.json" -w '%{time_total}' -X POST "$B/imports" \
    -H "Authorization: Bearer $token" -H "Content-Type: application/geo+json" --data-binary "@$1"
}
triggers() { # ENABLE|DISABLE
  gwf_psql "$URL" -X -q -c "ALTER TABLE plots $1 TRIGGER plots_to_changes_insert" -c "ALTER TABLE plots $1 TRIGGER plots_to_changes_update"
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

gwf_log "import of $N new plots, then publishing them"
import "$work/a.geojson" >/dev/null
gwf_psql "$URL" -X -q -c "UPDATE plots SET published = true WHERE reference LIKE 'BENCH-%'"
on="" off=""
current=a
for ((r = 1; r <= ROUNDS; r++)); do
  order="on off"; ((r % 2 == 0)) && order="off on"
  for mode in $order; do
    next=$([[ $current == a ]] && echo b || echo a)
    [[ $mode == off ]] && triggers DISABLE
    seconds="$(import "$work/$next.geojson")"
    [[ $mode == off ]] && triggers ENABLE
    updated="$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r=r.get("report", r); print(r["updated"])' "$work/out.json")"
    [[ "$updated" == "$N" ]] || gwf_die "the re-import updated $updated plots, not $N"
    gwf_log "round $r, triggers $mode: $seconds s"
    if [[ $mode == on ]]; then on+="$seconds "; else off+="$seconds "; fi
    current=$next
  done
done
med_on="$(echo "$on" | median)"; med_off="$(echo "$off" | median)"

gwf_log "webhook delivery of the whole feed"
last="$(gwf_psql "$URL" -X -At -c "SELECT max(seq) FROM plot_changes")"
total="$(gwf_psql "$URL" -X -At -c "SELECT count(*) FROM plot_changes")"
rport="$(free_port)"
# The service makes the secret, which the receiver needs before it starts: the webhook is
# registered, paused at once (an attempt in between fails and is forgotten: log emptied,
# position reset), the receiver started, and the clock starts when it is resumed.
created="$(curl -s -X POST "$B/webhooks" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"url\": \"http://127.0.0.1:$rport/hook\", \"since\": \"0\"}")"
id="$(echo "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
secret="$(echo "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')"
curl -s -o /dev/null -X PATCH "$B/webhooks/$id" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d '{"state": "paused"}'
gwf_psql "$URL" -X -q -c "DELETE FROM webhook_deliveries; UPDATE webhooks SET cursor = 0, attempts = 0, pending_last_seq = NULL"
python3 bench/webhook_receiver.py "$rport" "$secret" "$last" >"$work/receiver.json" &
receiver=$!
sleep 0.5
start="$(python3 -c 'import time; print(time.time())')"
curl -s -o /dev/null -X PATCH "$B/webhooks/$id" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d '{"state": "active"}'
wait "$receiver"
delivery="$(python3 - "$work/receiver.json" "$start" "$total" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); start = float(sys.argv[2]); total = int(sys.argv[3])
secs = r["last"] - start
print(f"{r['changes']} changes of {total} in {r['requests']} requests, {secs:.2f} s: "
      f"{r['changes'] / secs:,.0f} changes/s, {r['requests'] / secs:,.0f} requests/s; bad signatures: {r['bad']}")
PY
)"
log="$(gwf_psql "$URL" -X -At -F ' ' -c "SELECT count(*), percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_ms), percentile_disc(0.99) WITHIN GROUP (ORDER BY duration_ms), max(duration_ms), count(*) FILTER (WHERE outcome <> 'delivered') FROM webhook_deliveries")"
echo "$delivery"; echo "log: $log"

{
  echo
  echo "## $(date -u +%Y-%m-%d) — webhooks and the import cost of the change feed, commit $(git rev-parse --short HEAD)"
  echo
  echo "Command: \`./bench/webhooks.sh\` (BENCH_ROUNDS=$ROUNDS). Demo towns, $N plots from bench/import_data.py through \`POST /imports\`, timed by curl; release build."
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "Re-import of $N published plots with new titles ($N \`updated\` changes), seconds:"
  echo
  echo "| change triggers | median | runs |"
  echo "|---|---|---|"
  echo "| off (before the feed) | $med_off | $off|"
  echo "| on | $med_on | $on|"
  echo "| difference | $(python3 -c "print(f'{($med_on - $med_off) / $med_off * 100:+.1f} %')") | |"
  echo
  echo "Webhook delivery of the whole feed (from \`since: 0\`) to bench/webhook_receiver.py on loopback, batches of 100:"
  echo
  echo "- $delivery"
  echo "- delivery log (attempts, median ms, p99 ms, max ms, not delivered): $log"
} | tee -a bench/RESULTS.md
