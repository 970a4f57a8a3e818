# The offline basemap's browser tests (sourced by scripts/test.sh, stage 2): a tiny PMTiles
# archive made as docs/basemap.md tells an operator (OSM XML -> osmium -> tilemaker ->
# `pmtiles convert`, tests/basemap/fixture.py), a second server on the stage's database with
# GWF_BASEMAP_PMTILES set, and tests/browser/basemap.test.mjs against it.
#
# The archive is made in the background while the other browser tests run (about 5 s, plus
# the apt/pip installs the first time). Skipped loudly when the tools cannot be installed.

BASEMAP_DIR="$ARTIFACTS/basemap"
BASEMAP_BUILD_PID=""
BASEMAP_SERVER_PID=""

# Installs what is missing and makes the archive; exit 3 = tools not to be had (skip).
_basemap_build() {
  if ! command -v tilemaker >/dev/null 2>&1 || ! command -v osmium >/dev/null 2>&1; then
    if gwf_is_root && command -v apt-get >/dev/null 2>&1; then
      gwf_apt_install tilemaker osmium-tool >/dev/null 2>&1 || true
    fi
  fi
  command -v tilemaker >/dev/null 2>&1 && command -v osmium >/dev/null 2>&1 || {
    echo "tilemaker/osmium missing and not installable here (sudo apt-get install -y tilemaker osmium-tool)"
    return 3
  }
  ensure_venv >/dev/null && [[ -x "$VENV/bin/pmtiles-convert" ]] || {
    echo "pmtiles (PyPI, scripts/requirements-test.txt) could not be installed into .venv"
    return 3
  }
  "$PYTHON" "$GWF_ROOT/tests/basemap/fixture.py" "$BASEMAP_DIR" "$VENV/bin/pmtiles-convert"
}

basemap_fixture_start() {
  mkdir -p "$BASEMAP_DIR"
  _basemap_build >"$BASEMAP_DIR/build.log" 2>&1 </dev/null &
  BASEMAP_BUILD_PID=$!
}

basemap_stop_server() {
  if [[ -n "$BASEMAP_SERVER_PID" ]] && kill -0 "$BASEMAP_SERVER_PID" 2>/dev/null; then
    kill -TERM "$BASEMAP_SERVER_PID" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do
      kill -0 "$BASEMAP_SERVER_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$BASEMAP_SERVER_PID" 2>/dev/null || true
    wait "$BASEMAP_SERVER_PID" 2>/dev/null || true
  fi
  BASEMAP_SERVER_PID=""
}

# After the other browser tests: wait for the archive, serve it, run the offline tests.
stage_offline_basemap() {
  local rc=0 port status i
  [[ -n "$BASEMAP_BUILD_PID" ]] || basemap_fixture_start
  wait "$BASEMAP_BUILD_PID" || rc=$?
  BASEMAP_BUILD_PID=""
  if ((rc == 3)); then
    echo "SKIP: offline basemap browser tests: $(tail -n 1 "$BASEMAP_DIR/build.log")" >&2
    return 0
  elif ((rc != 0)); then
    echo "error: making the test basemap failed; artifacts/basemap/build.log:" >&2
    tail -n 20 "$BASEMAP_DIR/build.log" >&2
    return 1
  fi
  port="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" || return 1
  gwf_log "offline basemap: second server on 127.0.0.1:$port with GWF_BASEMAP_PMTILES ($(stat -c %s "$BASEMAP_DIR/region.pmtiles") bytes)"
  # `timeout`: it stops by itself even if this script is killed before its trap runs.
  DATABASE_URL="$ST_URL" GWF_BIND="127.0.0.1:$port" GWF_BASEMAP_PMTILES="$BASEMAP_DIR/region.pmtiles" \
    timeout 600 "$BIN" serve >"$ARTIFACTS/basemap-server.log" 2>&1 </dev/null &
  BASEMAP_SERVER_PID=$!
  status=000
  for ((i = 0; i < 240; i++)); do
    kill -0 "$BASEMAP_SERVER_PID" 2>/dev/null || break
    status="$(http_status "http://127.0.0.1:$port/readyz")"
    [[ "$status" == 200 ]] && break
    sleep 0.25
  done
  if [[ "$status" != 200 ]]; then
    echo "error: the basemap server did not start; see artifacts/basemap-server.log" >&2
    basemap_stop_server
    return 1
  fi
  GWF_EXPECT_BASEMAP=1 GWF_BROWSER_ONLY='offline basemap' GWF_BASE_URL="http://127.0.0.1:$port" \
    GWF_CHROMIUM="$CHROMIUM" timeout --foreground --kill-after=15 180 node "$BROWSER_DIR/run.mjs" </dev/null || rc=$?
  basemap_stop_server
  return "$rc"
}
