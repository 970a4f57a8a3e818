#!/usr/bin/env bash
# Fault tests of the real binary (run by ./scripts/test.sh as its last stage):
#
#   scripts/faults.sh [BINARY]          (default: target/debug/gewerbeflaechen)
#
#   1. PostgreSQL restarted under load: while it is down, /readyz answers 503 and requests get
#      503 fast (no other status, none slower than 5 s); once it is back, /readyz turns 200 and
#      every request succeeds again, without restarting the service.
#   2. The service killed with SIGKILL while a large import is writing: afterwards the database
#      holds all of that import or none of it (plots and their history alike).
#   (The pool exhausted by slow statements is in the cargo suite: tests/api/abuse/database.rs.)
#
# Both run against a PostgreSQL cluster of their own (scripts/lib/db.sh with GWF_PG_DIR =
# <the project cluster's directory>-faults, on a free port), so stopping it disturbs nothing
# else; it is stopped again at the end. Logs: artifacts/faults/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
BIN="${1:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/gewerbeflaechen}"
[[ -x "$BIN" ]] || { echo "error: $BIN not found (cargo build first)" >&2; exit 1; }
OUT="$ROOT/artifacts/faults"
mkdir -p "$OUT"
PY="$ROOT/scripts/lib/faults.py"

# The project cluster's directory, as scripts/lib/db.sh decides it, with a suffix.
main_dir="$(unset DATABASE_URL; bash -c "source '$ROOT/scripts/lib/db.sh'; printf '%s' \"\$GWF_PGDIR\"")"
export GWF_PG_DIR="${main_dir}-faults"
GWF_PG_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export GWF_PG_PORT
unset DATABASE_URL
# shellcheck source=scripts/lib/db.sh
source "$ROOT/scripts/lib/db.sh"

SERVER_PID=""
LOAD_PID=""
stop_all() {
  [[ -n "$LOAD_PID" ]] && kill "$LOAD_PID" 2>/dev/null || true
  [[ -n "$SERVER_PID" ]] && kill -KILL "$SERVER_PID" 2>/dev/null || true
  stop_local_database >/dev/null 2>&1 || true
}
trap stop_all EXIT

ensure_database
ADMIN_URL="$DATABASE_URL"
gwf_psql "$ADMIN_URL" -X -q -c "DROP DATABASE IF EXISTS gwf_faults WITH (FORCE)"
APP_URL="$(gwf_local_app_url gwf_faults)"
SUPER_APP_DB="${ADMIN_URL%/*}/gwf_faults"
DATABASE_URL="$APP_URL" "$BIN" migrate >"$OUT/setup.log" 2>&1
DATABASE_URL="$APP_URL" "$BIN" seed-demo >>"$OUT/setup.log" 2>&1
# (Its password is printed once; nobody needs it here, and it stays out of the log.)
DATABASE_URL="$APP_URL" "$BIN" user add --email faults@example.org --name Faults --role admin >/dev/null 2>>"$OUT/setup.log"
TOKEN="$(DATABASE_URL="$APP_URL" "$BIN" user token --email faults@example.org --name faults --days 1 2>>"$OUT/setup.log")"
CLUSTER_USER="$(_gwf_cluster_user)"

start_server() {
  PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  DATABASE_URL="$APP_URL" GWF_BIND="127.0.0.1:$PORT" GWF_DB_POOL_WAIT_MS=1000 \
    GWF_STATEMENT_TIMEOUT_MS=3000 RUST_LOG=warn "$BIN" serve >>"$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 200); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" == 200 ]] && return 0
    sleep 0.1
  done
  echo "error: the server did not get ready; see $OUT/server.log" >&2
  return 1
}
now() { date +%s.%N; }
failed=0

# ---- 1. PostgreSQL restarted under load ------------------------------------------------
start_server
gwf_log "faults 1/2: PostgreSQL stopped for 4 s under load"
rm -f "$OUT/restart.stop"
python3 "$PY" load "http://127.0.0.1:$PORT" "$OUT/restart.stop" "$OUT/restart.jsonl" &
LOAD_PID=$!
sleep 3
down_at="$(now)"
_gwf_as_cluster_user "$CLUSTER_USER" "$GWF_PG_BIN/pg_ctl" -D "$GWF_PGDATA" stop -m fast -w >/dev/null
sleep 4
up_at="$(now)"
# In a subshell: a failure to start (gwf_die) ends it, not this script, and is reported.
if ! (_gwf_start_local_cluster) >"$OUT/pg-restart.log" 2>&1; then
  echo "FAILED: PostgreSQL did not start again; $OUT/pg-restart.log:" >&2
  cat "$OUT/pg-restart.log" >&2
  exit 1
fi
# The load goes on until the service has been ready again for 3 s (at most a minute).
for _ in $(seq 600); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" == 200 ]] && break
  sleep 0.1
done
sleep 3
touch "$OUT/restart.stop"
wait "$LOAD_PID" || echo "warning: the load generator ended with status $?" >&2
LOAD_PID=""
python3 "$PY" check-restart "$OUT/restart.jsonl" "$down_at" "$up_at" || failed=1

# ---- 2. SIGKILL in the middle of a large import ----------------------------------------
N=3000
gwf_log "faults 2/2: SIGKILL while an import of $N plots writes"
count() { gwf_psql "$SUPER_APP_DB" -X -At -c "$1"; }
plots_before="$(count "select count(*) from plots")"
history_before="$(count "select count(*) from plot_history")"
python3 "$PY" import "http://127.0.0.1:$PORT" "$TOKEN" "$N" >"$OUT/import-status.txt" 2>&1 &
import_pid=$!
writing=""
for _ in $(seq 3000); do # 3000 x 0.02 s = 60 s
  writing="$(count "select count(*) from pg_locks l join pg_stat_activity a using (pid)
    where a.datname = 'gwf_faults' and l.relation = 'plots'::regclass
      and l.mode = 'RowExclusiveLock' and a.backend_xid is not null")"
  [[ "$writing" != 0 ]] && break
  sleep 0.02
done
if [[ "$writing" == 0 ]]; then
  echo "FAILED: the import never started writing within 60 s" >&2
  failed=1
else
  sleep 0.3 # well inside the writing
  kill -KILL "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  wait "$import_pid" || true
  # PostgreSQL ends the orphaned transaction when it notices the closed connection.
  for _ in $(seq 300); do
    [[ "$(count "select count(*) from pg_stat_activity where datname = 'gwf_faults' and pid <> pg_backend_pid()")" == 0 ]] && break
    sleep 0.1
  done
  plots_after="$(count "select count(*) from plots")"
  history_after="$(count "select count(*) from plot_history")"
  added=$((plots_after - plots_before))
  added_history=$((history_after - history_before))
  echo "kill: the import client saw '$(tr -d '\n' <"$OUT/import-status.txt")'; plots $plots_before -> $plots_after, history $history_before -> $history_after"
  if ! { ((added == 0 && added_history == 0)) || ((added == N && added_history == N)); }; then
    echo "FAILED: a partial import survived: $added plots, $added_history history rows of $N" >&2
    failed=1
  fi
  start_server
  status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/plots?limit=1")"
  [[ "$status" == 200 ]] || { echo "FAILED: after the kill, GET /plots answers $status" >&2; failed=1; }
fi

((failed == 0)) && gwf_log "faults: passed"
exit "$failed"
