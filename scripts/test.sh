#!/usr/bin/env bash
# Run all tests:   ./scripts/test.sh [extra cargo test args]
#
# Stages (all run; the exit status is non-zero if any of them failed):
#   1. cargo test --all-targets  against DATABASE_URL = admin (superuser)
#      connection of the project-local PostGIS cluster (scripts/lib/db.sh),
#      with moto's S3 server (pip, in .venv) on loopback for the media store's
#      S3 test (GWF_TEST_S3_ENDPOINT; stopped after the stage).
#      The Rust test harness creates its own template and per-test databases
#      on that server; it needs superuser rights for CREATE EXTENSION postgis.
#   2. browser tests (tests/browser/run.mjs runs every tests/browser/*.test.mjs): the embeddable map /embed, its
#      kiosk mode and the plot profile page in headless Chromium (Debian's
#      /usr/bin/chromium, driven by playwright-core; installed with apt-get
#      when root and missing). They run against the server of stage 3 once it
#      is up with the demo data, before schemathesis writes to its database.
#      Screenshots: artifacts/screenshots/. The offline basemap's tests run against a
#      second server with GWF_BASEMAP_PMTILES (scripts/lib/basemap.sh; tilemaker,
#      osmium-tool from apt and pmtiles from PyPI installed when missing).
#   3. schemathesis: property-based API tests of the real binary. A fresh
#      database `gwf_schemathesis` is migrated and seeded with demo data, the
#      server is started on a free port with an admin's API token, and
#      schemathesis runs all checks against /openapi.json, authenticated, so
#      write operations are exercised too. Server log:
#      artifacts/schemathesis-server.log, JUnit report: artifacts/schemathesis/.
#   3a. OGC API – Features clients (tests/clients/): GDAL (ogrinfo/ogr2ogr OAPIF),
#      OWSLib (pip, in .venv) and QGIS (Debian's python3-qgis, headless) against the
#      same server with the demo data, before schemathesis changes it. Installed
#      with apt-get/pip when missing; skipped loudly only when that is impossible.
#   3b. reminder mails: the real binary's `reminders send` against an SMTP sink
#      (aiosmtpd, pip, in .venv) on loopback, on a database of its own
#      (`gwf_mail`) with the demo data and two editors (German, English): each
#      gets their town's digest once, a second run sends nothing
#      (tests/mail/reminders_check.py; the sink stops with it). Then alert mails of
#      `serve` on the same database: a saved search confirmed by the mailed link, a
#      digest with List-Unsubscribe (RFC 8058), one-click unsubscribe
#      (tests/mail/alerts_check.py; server log: artifacts/alerts-check-server.log).
#   4. fault tests (scripts/faults.sh): PostgreSQL restarted under load, and the
#      service killed in the middle of a large import, on a cluster of their own.
#
# Environment:
#   DATABASE_URL                  use this server instead of the local cluster
#                                 (must be a superuser/CREATEDB connection)
#   GWF_PG_PORT, GWF_PG_DIR       port (default derived from the checkout path) and location (default
#                                 .pgdata) of the local cluster
#   GWF_SKIP_BROWSER=1            skip stage 2 (browser tests)
#   GWF_CHROMIUM                  Chromium binary for stage 2 (default /usr/bin/chromium)
#   GWF_BROWSER_TIMEOUT_TOTAL     hard limit for the browser tests in seconds
#                                 (default 300, safety net only)
#   GWF_SKIP_SCHEMATHESIS=1       skip stage 3
#   GWF_SKIP_CLIENTS=1            skip stage 3a (GDAL, OWSLib, QGIS)
#   GWF_SKIP_MAIL=1               skip stage 3b
#   GWF_SKIP_FAULTS=1             skip stage 4
#   GWF_SCHEMATHESIS_EXAMPLES     max examples per API operation (default 50)
#   GWF_SCHEMATHESIS_WORKERS      concurrent schemathesis workers (default 2)
#   GWF_SCHEMATHESIS_SEED         fixed seed to reproduce a run (default random)
#   GWF_SCHEMATHESIS_TIMEOUT      hard limit for the schemathesis run in
#                                 seconds (default 600, safety net only)
#   GWF_PYTHON                    Python >= 3.11 used to create .venv
#                                 (default python3)
set -euo pipefail

# shellcheck source=scripts/lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/db.sh"
cd "$GWF_ROOT"

ARTIFACTS="$GWF_ROOT/artifacts"
VENV="$GWF_ROOT/.venv"
REQS="$GWF_ROOT/scripts/requirements-test.txt"
ST_DB=gwf_schemathesis
ST_EXAMPLES="${GWF_SCHEMATHESIS_EXAMPLES:-50}"
ST_WORKERS="${GWF_SCHEMATHESIS_WORKERS:-2}"
ST_TIMEOUT="${GWF_SCHEMATHESIS_TIMEOUT:-600}"
PYTHON="${GWF_PYTHON:-python3}"
BIN="${CARGO_TARGET_DIR:-$GWF_ROOT/target}/debug/gewerbeflaechen"
SERVER_PID=""
BROWSER_DIR="$GWF_ROOT/tests/browser"
CHROMIUM="${GWF_CHROMIUM:-/usr/bin/chromium}"
BR_TIMEOUT="${GWF_BROWSER_TIMEOUT_TOTAL:-300}"
# Set by start_test_server.
ST_PORT=""
ST_TOKEN=""
ST_URL=""
source "$GWF_ROOT/scripts/lib/basemap.sh"

# rustup installs into ~/.cargo/bin but only new login shells have it on PATH.
if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
  PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 ||
  gwf_die "cargo not found; install Rust: curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y"

# The Shapefile and GeoPackage tests (tests/api/gis_formats.rs) make their files with GDAL,
# the tool GIS offices use, and check the export with it.
if ! command -v ogr2ogr >/dev/null 2>&1 || ! command -v ogrinfo >/dev/null 2>&1; then
  if gwf_is_root; then
    gwf_apt_install gdal-bin
  else
    gwf_warn "ogr2ogr/ogrinfo (GDAL) missing: the Shapefile and GeoPackage tests will fail; install them with: sudo apt-get install -y gdal-bin"
  fi
fi

# Whatever happens (failure, Ctrl-C, kill), do not leave the API server
# running: it would keep the port and the gwf_schemathesis database busy.
stop_server() {
  # The S3 stand-in of stage 1 too, if the script ends while it runs.
  if [[ -n "${S3_PID:-}" ]]; then
    kill "$S3_PID" 2>/dev/null || true
  fi
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    # Graceful shutdown may wait for keep-alive connections; cap it.
    local i
    for ((i = 0; i < 50; i++)); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
  basemap_stop_server
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# HTTP status code of a GET (000 if no answer); curl if present, else Python.
http_status() {
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true
  else
    "$PYTHON" - "$1" <<'EOF' 2>/dev/null || echo 000
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=2).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print("000")
EOF
  fi
}

# Create .venv with the pinned requirements. Fast path: if the requirements
# file is unchanged since the last successful install, do nothing (a stamp
# file in the venv stores its checksum).
ensure_venv() {
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    if gwf_is_root; then
      gwf_apt_install python3 python3-venv python3-pip || return 1
    else
      echo "error: $PYTHON not found. Install it with: sudo apt-get install -y python3 python3-venv" >&2
      return 1
    fi
  fi
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "error: schemathesis (scripts/requirements-test.txt) needs Python >= 3.11, $PYTHON is $("$PYTHON" -V 2>&1). Set GWF_PYTHON=/path/to/python3.11 (and remove .venv)." >&2
    return 1
  fi
  if [[ ! -x "$VENV/bin/python" ]]; then
    gwf_log "creating Python venv $VENV"
    if ! "$PYTHON" -m venv "$VENV"; then
      # Debian/Ubuntu split venv/ensurepip into python3-venv; a failed
      # attempt leaves a half-made directory behind.
      rm -rf "$VENV"
      if gwf_is_root; then
        gwf_apt_install python3-venv python3-pip || return 1
        "$PYTHON" -m venv "$VENV" || {
          rm -rf "$VENV"
          echo "error: '$PYTHON -m venv' still fails after installing python3-venv" >&2
          return 1
        }
      else
        echo "error: '$PYTHON -m venv' failed. Install venv support with: sudo apt-get install -y python3-venv python3-pip" >&2
        return 1
      fi
    fi
  fi
  local stamp="$VENV/.gwf-requirements.sha256" want
  want="$(sha256sum "$REQS" | cut -d' ' -f1)"
  if [[ -x "$VENV/bin/schemathesis" && -f "$stamp" && "$(<"$stamp")" == "$want" ]]; then
    return 0
  fi
  gwf_log "pip install -r scripts/requirements-test.txt"
  PIP_NO_INPUT=1 "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REQS" || return 1
  printf '%s\n' "$want" >"$stamp"
}

# Node.js >= 20 (playwright-core), Debian's Chromium, and tests/browser/node_modules
# (npm ci, only when it is missing or package-lock.json changed since: a stamp
# file in node_modules stores the lock's checksum).
ensure_browser_deps() {
  local major
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if gwf_is_root; then
      gwf_apt_install nodejs npm || return 1
    else
      echo "error: Node.js >= 20 and npm are needed for the browser tests. Install them with: sudo apt-get install -y nodejs npm (or skip with GWF_SKIP_BROWSER=1)" >&2
      return 1
    fi
  fi
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if ((major < 20)); then
    echo "error: the browser tests need Node.js >= 20 (playwright-core), found $(node --version 2>/dev/null). Install a newer Node.js or skip with GWF_SKIP_BROWSER=1" >&2
    return 1
  fi
  if [[ ! -x "$CHROMIUM" ]]; then
    if gwf_is_root && [[ -z "${GWF_CHROMIUM:-}" ]]; then
      gwf_apt_install chromium || return 1
    else
      echo "error: $CHROMIUM not found. Install Chromium with: sudo apt-get install -y chromium (or set GWF_CHROMIUM, or skip with GWF_SKIP_BROWSER=1)" >&2
      return 1
    fi
  fi
  local stamp="$BROWSER_DIR/node_modules/.gwf-lock.sha256" want
  want="$(sha256sum "$BROWSER_DIR/package-lock.json" | cut -d' ' -f1)"
  if [[ -d "$BROWSER_DIR/node_modules/playwright-core" && -f "$stamp" && "$(<"$stamp")" == "$want" ]]; then
    return 0
  fi
  gwf_log "npm ci --prefix tests/browser"
  # playwright-core downloads no browser: the tests use Debian's Chromium.
  npm ci --prefix "$BROWSER_DIR" --no-audit --no-fund --loglevel=error </dev/null || return 1
  printf '%s\n' "$want" >"$stamp"
}

# Stage 2, against the running test server.
stage_browser() {
  ensure_browser_deps || return 1
  # The offline basemap's archive is made meanwhile (scripts/lib/basemap.sh).
  basemap_fixture_start
  gwf_log "browser tests: node tests/browser/run.mjs against http://127.0.0.1:$ST_PORT ($("$CHROMIUM" --version 2>/dev/null | head -n 1))"
  local rc=0
  GWF_BASE_URL="http://127.0.0.1:$ST_PORT" GWF_CHROMIUM="$CHROMIUM" GWF_STAFF_TOKEN="$ST_TOKEN" \
    timeout --foreground --kill-after=15 "$BR_TIMEOUT" node "$BROWSER_DIR/run.mjs" </dev/null || rc=$?
  if ((rc == 124)); then
    echo "error: the browser tests exceeded GWF_BROWSER_TIMEOUT_TOTAL=${BR_TIMEOUT}s" >&2
  fi
  stage_offline_basemap || rc=1
  return "$rc"
}

# The server for stages 2 and 3: a fresh database `gwf_schemathesis` with the
# demo data, on a free port with an admin's API token (sets ST_PORT,
# ST_TOKEN). Runs in the main shell (so stop_server sees SERVER_PID) and is
# called as `start_test_server ... || rc=$?`, where `set -e` is suspended --
# hence the explicit `|| return 1` after every step that can fail.
start_test_server() {
  local admin_url="$1" st_url port token status i
  command -v "$PYTHON" >/dev/null 2>&1 || ensure_venv || return 1
  gwf_require_psql || return 1

  # --all-targets: the features cargo test built with (dev-dependencies unify some), so the
  # binary cargo test made is reused instead of rebuilding the dependencies.
  gwf_log "cargo build --all-targets (no-op after cargo test)"
  cargo build --all-targets || return 1
  [[ -x "$BIN" ]] || {
    echo "error: $BIN not found after cargo build" >&2
    return 1
  }

  if [[ "$GWF_DB_SOURCE" == local ]]; then
    # The service connects as gwf_app, which owns only this database (as in production).
    PGOPTIONS="-c client_min_messages=warning" gwf_psql "$admin_url" -X -w -q -v ON_ERROR_STOP=1 \
      -c "drop database if exists $ST_DB with (force)" || return 1
    st_url="$(gwf_local_app_url "$ST_DB")" || return 1
  else
    # Same server and credentials as the admin URL, other database name.
    st_url="$("$PYTHON" - "$admin_url" "$ST_DB" <<'EOF'
import sys
from urllib.parse import urlsplit, urlunsplit
parts = urlsplit(sys.argv[1])
print(urlunsplit(parts._replace(path="/" + sys.argv[2])))
EOF
    )" || return 1

    gwf_log "recreating database $ST_DB"
    # WITH (FORCE) kicks out sessions left over from an aborted earlier run;
    # client_min_messages hides the "does not exist, skipping" notice.
    PGOPTIONS="-c client_min_messages=warning" gwf_psql "$admin_url" -X -w -q -v ON_ERROR_STOP=1 \
      -c "drop database if exists $ST_DB with (force)" \
      -c "create database $ST_DB" || return 1
  fi

  gwf_log "migrate + seed-demo ($ST_DB)"
  DATABASE_URL="$st_url" "$BIN" migrate || return 1
  DATABASE_URL="$st_url" "$BIN" seed-demo || return 1

  # A free port chosen by the kernel (bind to port 0). There is a tiny race
  # until the server binds it; acceptable for a test run.
  port="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" || return 1
  # An admin account and an API token for it, made with the CLI as an operator would.
  DATABASE_URL="$st_url" "$BIN" user add --email schemathesis@example.org \
    --name "Schemathesis" --role admin >/dev/null || return 1
  token="$(DATABASE_URL="$st_url" "$BIN" user token --email schemathesis@example.org \
    --name schemathesis --days 1)" || return 1

  mkdir -p "$ARTIFACTS/schemathesis"
  gwf_log "starting server on 127.0.0.1:$port (log: artifacts/schemathesis-server.log)"
  # Writes and heavy reads come from one address here at machine speed: their rate limits are
  # raised far above what the tests send (the limits themselves are tested in tests/api/abuse/),
  # so schemathesis explores the operations instead of collecting 429s. Logins keep the default.
  DATABASE_URL="$st_url" GWF_BIND="127.0.0.1:$port" \
    GWF_RATE_WRITE_PER_MIN=100000 GWF_RATE_WRITE_TOTAL_PER_MIN=100000 \
    GWF_RATE_HEAVY_PER_MIN=100000 GWF_RATE_HEAVY_TOTAL_PER_MIN=100000 \
    GWF_RATE_INQUIRY_PER_MIN=100000 GWF_RATE_INQUIRY_TOTAL_PER_MIN=100000 \
    GWF_RATE_ALERT_PER_MIN=100000 GWF_RATE_ALERT_TOTAL_PER_MIN=100000 \
    GWF_RATE_SHORTLIST_PER_MIN=100000 GWF_RATE_SHORTLIST_TOTAL_PER_MIN=100000 \
    "$BIN" serve >"$ARTIFACTS/schemathesis-server.log" 2>&1 </dev/null &
  SERVER_PID=$!

  status=000
  for ((i = 0; i < 240; i++)); do # 240 x 0.25 s = 60 s
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "error: server exited during startup; last lines of artifacts/schemathesis-server.log:" >&2
      tail -n 30 "$ARTIFACTS/schemathesis-server.log" >&2 || true
      SERVER_PID=""
      return 1
    fi
    status="$(http_status "http://127.0.0.1:$port/readyz")"
    [[ "$status" == 200 ]] && break
    sleep 0.25
  done
  if [[ "$status" != 200 ]]; then
    echo "error: /readyz did not answer 200 within 60 s (last status: $status); see artifacts/schemathesis-server.log" >&2
    return 1
  fi
  ST_PORT="$port"
  ST_TOKEN="$token"
  ST_URL="$st_url"
}

# Stage 3, against the running test server; called as `stage_schemathesis || st_rc=$?`.
stage_schemathesis() {
  local port="$ST_PORT" token="$ST_TOKEN"
  [[ "$ST_EXAMPLES" =~ ^[1-9][0-9]*$ ]] || {
    echo "error: GWF_SCHEMATHESIS_EXAMPLES must be a positive integer, got '$ST_EXAMPLES'" >&2
    return 1
  }
  ensure_venv || return 1

  local args=(
    run "http://127.0.0.1:$port/openapi.json"
    # Keep the schema's base path, but always talk to this server/port even
    # if the schema lists another server URL.
    --origin "http://127.0.0.1:$port"
    --checks all
    --max-examples "$ST_EXAMPLES"
    --workers "$ST_WORKERS"
    # Authenticated, so the write operations get past the auth layer.
    --header "Authorization: Bearer $token"
    # Operations that can end the run's own authority: logging out or revoking
    # its token, deactivating or re-passwording its admin. Covered by cargo test.
    --exclude-operation-id logout
    --exclude-operation-id revoke_token
    --exclude-operation-id update_user
    --report junit
    --report-junit-path "$ARTIFACTS/schemathesis/junit.xml"
    # Hypothesis example DB outside the source tree; it replays earlier
    # failures first on local re-runs.
    --generation-database "$ARTIFACTS/schemathesis/examples-db"
  )
  if [[ -n "${GWF_SCHEMATHESIS_SEED:-}" ]]; then
    args+=(--seed "$GWF_SCHEMATHESIS_SEED")
  fi
  gwf_log "schemathesis $("$VENV/bin/schemathesis" --version 2>/dev/null | tr -d '\n'): max $ST_EXAMPLES examples/operation, all checks"
  local rc=0
  # Run from artifacts/schemathesis: schemathesis and hypothesis keep their
  # caches (.schemathesis/, .hypothesis/; used by `st replay ID`) in the
  # working directory, and this keeps them out of the source tree. A
  # schemathesis.toml in the repo root is still found (searched upwards).
  # --foreground: otherwise timeout moves schemathesis into its own process
  # group and Ctrl-C in the terminal would not reach it.
  (cd "$ARTIFACTS/schemathesis" &&
    timeout --foreground --kill-after=15 "$ST_TIMEOUT" "$VENV/bin/schemathesis" "${args[@]}") || rc=$?
  stop_server
  if ((rc == 124)); then
    echo "error: schemathesis exceeded GWF_SCHEMATHESIS_TIMEOUT=${ST_TIMEOUT}s" >&2
  fi
  return "$rc"
}

# Stage 3a, against the running test server. Prints SKIP (and returns 0) only when a client
# cannot be installed; a client that runs and disagrees fails the stage.
stage_clients() {
  local base="http://127.0.0.1:$ST_PORT" work rc=0 expected
  work="$(mktemp -d)"
  gwf_log "OGC API clients against $base"
  if command -v ogr2ogr >/dev/null 2>&1; then
    "$PYTHON" "$GWF_ROOT/tests/clients/gdal_check.py" "$base" "$work" </dev/null || rc=1
  else
    echo "SKIP: GDAL client test: ogr2ogr missing and not installable here (sudo apt-get install -y gdal-bin)" >&2
  fi
  if ensure_venv && "$VENV/bin/python" -c 'import owslib' 2>/dev/null; then
    "$VENV/bin/python" "$GWF_ROOT/tests/clients/owslib_check.py" "$base" </dev/null || rc=1
  else
    echo "SKIP: OWSLib client test: owslib could not be installed into .venv" >&2
  fi
  if ! /usr/bin/python3 -c 'import qgis.core' >/dev/null 2>&1 && gwf_is_root; then
    gwf_apt_install python3-qgis || true
  fi
  if /usr/bin/python3 -c 'import qgis.core' >/dev/null 2>&1; then
    expected="$("$PYTHON" -c 'import json, sys, urllib.request; print(len(json.load(urllib.request.urlopen(sys.argv[1] + "/plots?limit=1000"))["items"]))' "$base")"
    QT_QPA_PLATFORM=offscreen timeout 300 /usr/bin/python3 "$GWF_ROOT/tests/clients/qgis_check.py" "$base" "$expected" </dev/null || rc=1
  else
    echo "SKIP: QGIS client test: python3-qgis missing and not installable here (sudo apt-get install -y python3-qgis)" >&2
  fi
  rm -rf "$work"
  return "$rc"
}

# Stage 3b: reminder mails of the real binary, on a database of its own.
stage_mail() {
  local admin_url="$1" db=gwf_mail url
  ensure_venv || return 1
  gwf_require_psql || return 1
  cargo build --all-targets || return 1
  if [[ "$GWF_DB_SOURCE" == local ]]; then
    PGOPTIONS="-c client_min_messages=warning" gwf_psql "$admin_url" -X -w -q -v ON_ERROR_STOP=1 \
      -c "drop database if exists $db with (force)" || return 1
    url="$(gwf_local_app_url "$db")" || return 1
  else
    url="$("$PYTHON" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$admin_url" "$db")" || return 1
    PGOPTIONS="-c client_min_messages=warning" gwf_psql "$admin_url" -X -w -q -v ON_ERROR_STOP=1 \
      -c "drop database if exists $db with (force)" -c "create database $db" || return 1
  fi
  gwf_log "reminder mails: migrate + seed-demo ($db), two editors, reminders send against aiosmtpd"
  DATABASE_URL="$url" RUST_LOG=warn "$BIN" migrate || return 1
  DATABASE_URL="$url" RUST_LOG=warn "$BIN" seed-demo || return 1
  # Grabow 13076050, Ludwigslust 13076090 (data/demo/a14.json).
  DATABASE_URL="$url" "$BIN" user add --email editor-de@mail-check.example --name "WiFö Grabow" \
    --role editor --municipality 13076050 >/dev/null || return 1
  DATABASE_URL="$url" "$BIN" user add --email editor-en@mail-check.example --name "Invest Ludwigslust" \
    --role editor --municipality 13076090 --language en >/dev/null || return 1
  timeout --foreground --kill-after=10 300 \
    "$VENV/bin/python" "$GWF_ROOT/tests/mail/reminders_check.py" "$BIN" "$url" </dev/null || return 1
  gwf_log "alert mails: serve against aiosmtpd, double opt-in, digest, one-click unsubscribe"
  GWF_ARTIFACTS="$ARTIFACTS" timeout --foreground --kill-after=10 300 \
    "$VENV/bin/python" "$GWF_ROOT/tests/mail/alerts_check.py" "$BIN" "$url" </dev/null
}

ensure_database
ADMIN_URL="$DATABASE_URL"

# ---- stage 1: cargo test ---------------------------------------------------
# The media store's S3 test (tests/api/media_s3.rs) runs against moto's S3 server (PyPI
# `moto[server]`, in .venv) on loopback, started here and stopped after the stage; without it
# the test says SKIP.
S3_PID=""
start_s3_server() {
  ensure_venv || return 1
  local port
  port="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" || return 1
  mkdir -p "$GWF_ROOT/artifacts"
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$GWF_ROOT/artifacts/moto-s3.log" 2>&1 &
  S3_PID=$!
  for _ in $(seq 1 100); do
    if "$VENV/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
      "http://127.0.0.1:$port/" 2>/dev/null; then
      export GWF_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
      gwf_log "S3 stand-in (moto) on $GWF_TEST_S3_ENDPOINT"
      return 0
    fi
    sleep 0.2
  done
  echo "error: moto_server did not answer on port $port (artifacts/moto-s3.log)" >&2
  return 1
}
stop_s3_server() {
  if [[ -n "$S3_PID" ]]; then
    kill "$S3_PID" 2>/dev/null || true
    wait "$S3_PID" 2>/dev/null || true
    S3_PID=""
  fi
  unset GWF_TEST_S3_ENDPOINT
}
start_s3_server || echo "WARNING: no S3 stand-in: tests/api/media_s3.rs will SKIP" >&2
gwf_log "cargo test --all-targets $*"
cargo_result=passed
cargo_rc=0
cargo test --all-targets "$@" || cargo_rc=$?
((cargo_rc == 0)) || cargo_result="FAILED (exit $cargo_rc)"
stop_s3_server

# ---- stages 2 and 3: browser tests and schemathesis, on one test server -----
skip_browser=0
skip_st=0
[[ "${GWF_SKIP_BROWSER:-0}" == 1 ]] && skip_browser=1
[[ "${GWF_SKIP_SCHEMATHESIS:-0}" == 1 ]] && skip_st=1
server_rc=0
if ((!skip_browser || !skip_st)); then
  start_test_server "$ADMIN_URL" || server_rc=$?
fi

br_result=passed
br_rc=0
if ((skip_browser)); then
  br_result="skipped (GWF_SKIP_BROWSER=1)"
elif ((server_rc != 0)); then
  br_rc=$server_rc
  br_result="FAILED (test server did not start)"
else
  stage_browser || br_rc=$?
  ((br_rc == 0)) || br_result="FAILED (exit $br_rc)"
fi

cl_result=passed
cl_rc=0
if [[ "${GWF_SKIP_CLIENTS:-0}" == 1 ]]; then
  cl_result="skipped (GWF_SKIP_CLIENTS=1)"
elif ((skip_browser && skip_st)); then
  cl_result="skipped (no test server: browser tests and schemathesis skipped)"
elif ((server_rc != 0)); then
  cl_rc=$server_rc
  cl_result="FAILED (test server did not start)"
else
  stage_clients || cl_rc=$?
  ((cl_rc == 0)) || cl_result="FAILED (exit $cl_rc)"
fi

st_result=passed
st_rc=0
if ((skip_st)); then
  st_result="skipped (GWF_SKIP_SCHEMATHESIS=1)"
elif ((server_rc != 0)); then
  st_rc=$server_rc
  st_result="FAILED (test server did not start)"
else
  stage_schemathesis || st_rc=$?
  ((st_rc == 0)) || st_result="FAILED (exit $st_rc)"
fi
stop_server

# ---- stage 3b: reminder mails ------------------------------------------------
mail_result=passed
mail_rc=0
if [[ "${GWF_SKIP_MAIL:-0}" == 1 ]]; then
  mail_result="skipped (GWF_SKIP_MAIL=1)"
else
  stage_mail "$ADMIN_URL" || mail_rc=$?
  ((mail_rc == 0)) || mail_result="FAILED (exit $mail_rc)"
fi

# ---- stage 4: fault tests ----------------------------------------------------
faults_result=passed
faults_rc=0
if [[ "${GWF_SKIP_FAULTS:-0}" == 1 ]]; then
  faults_result="skipped (GWF_SKIP_FAULTS=1)"
elif [[ "$GWF_DB_SOURCE" != local ]]; then
  # They stop and start PostgreSQL: a cluster of their own, made from local server binaries.
  faults_result="skipped (DATABASE_URL names an external server; run scripts/faults.sh on a machine with PostgreSQL installed)"
else
  gwf_log "fault tests: scripts/faults.sh"
  cargo build --all-targets && "$GWF_ROOT/scripts/faults.sh" "$BIN" </dev/null || faults_rc=$?
  ((faults_rc == 0)) || faults_result="FAILED (exit $faults_rc)"
fi

echo
echo "test summary: cargo test: $cargo_result; browser tests: $br_result; OGC clients: $cl_result; schemathesis: $st_result; reminder mails: $mail_result; fault tests: $faults_result"
((cargo_rc == 0 && br_rc == 0 && cl_rc == 0 && st_rc == 0 && mail_rc == 0 && faults_rc == 0))
