#!/usr/bin/env bash
# Installs the benchmark's peers (issue 20, item 5) outside the repository, from the registries only:
#
#   ./bench/peers.sh [martin|tipg|all]      (default: all)
#
# - Martin 1.14 (crates.io): `cargo install martin@1.14.0 --locked --no-default-features
#   --features postgres` into $BENCH_PEERS_DIR/martin. Its build directory is kept beside it
#   (martin-build/), so an interrupted build resumes instead of starting over: on 2 shared cores
#   the build takes the better part of an hour. BENCH_PEERS_JOBS (default 1) leaves the other
#   core to whoever else uses the machine.
# - tipg (PyPI, version $TIPG_VERSION) with uvicorn into the virtualenv $BENCH_PEERS_DIR/tipg-venv.
#
# Nothing else is downloaded; nothing is written into the repository. Prints, at the end, the two
# paths that bench/run.sh uses (it finds them in the same directory on its own).
#
# Environment: BENCH_PEERS_DIR (default ~/.cache/gewerbeflaechen-bench), BENCH_PEERS_JOBS (1).
set -euo pipefail

DIR="${BENCH_PEERS_DIR:-$HOME/.cache/gewerbeflaechen-bench}"
JOBS="${BENCH_PEERS_JOBS:-1}"
MARTIN_VERSION=1.14.0
TIPG_VERSION=1.6.1
WHAT="${1:-all}"

log() { printf '[peers] %s\n' "$*" >&2; }
mkdir -p "$DIR"

install_martin() {
  local bin="$DIR/martin/bin/martin"
  if [[ -x "$bin" ]] && "$bin" --version 2>/dev/null | grep -q "$MARTIN_VERSION"; then
    log "martin $MARTIN_VERSION already at $bin"
    return
  fi
  command -v cargo >/dev/null || { log "cargo is missing"; exit 1; }
  log "cargo install martin@$MARTIN_VERSION (-j$JOBS; slow: resumable, build dir $DIR/martin-build)"
  # Its own target dir: neither the project's CARGO_TARGET_DIR (whose cache it would evict) nor a
  # temporary one (an interrupted build would start again from nothing).
  CARGO_TARGET_DIR="$DIR/martin-build" nice -n 10 cargo install "martin@$MARTIN_VERSION" --locked \
    --no-default-features --features postgres --root "$DIR/martin" -j "$JOBS"
  "$bin" --version
}

install_tipg() {
  local venv="$DIR/tipg-venv"
  if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c "import tipg, sys; sys.exit(tipg.__version__ != '$TIPG_VERSION')" 2>/dev/null; then
    log "tipg $TIPG_VERSION already in $venv"
    return
  fi
  log "pip install tipg==$TIPG_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q "tipg==$TIPG_VERSION" uvicorn
  "$venv/bin/python" -c "import tipg; print('tipg', tipg.__version__)"
}

case "$WHAT" in
  martin) install_martin ;;
  tipg) install_tipg ;;
  all) install_tipg; install_martin ;;
  *) log "usage: $0 [martin|tipg|all]"; exit 2 ;;
esac
echo "martin: $DIR/martin/bin/martin"
echo "tipg:   $DIR/tipg-venv/bin/python -m uvicorn tipg.main:app"
