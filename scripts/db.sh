#!/usr/bin/env bash
# Convenience wrapper around scripts/lib/db.sh.
#
#   scripts/db.sh start        start (and if needed install/initialise) the
#                              project-local PostGIS cluster in .pgdata
#   scripts/db.sh stop         stop it (data in .pgdata is kept)
#   scripts/db.sh status       show whether it runs, and its admin URL
#   scripts/db.sh psql [ARGS]  psql on the admin connection (starts the
#                              cluster first); ARGS are passed to psql
#   scripts/db.sh url          print the admin DATABASE_URL, e.g.
#                              export DATABASE_URL="$(scripts/db.sh url)"
#
# As everywhere in this repo, a DATABASE_URL set in the environment wins over
# the local cluster for start/psql/url. GWF_PG_PORT (default: 54330–54929, derived from the checkout path) and
# GWF_PG_DIR (default <repo>/.pgdata) configure the local cluster.
set -euo pipefail

# shellcheck source=scripts/lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/db.sh"

usage() {
  sed -n '2,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
  start)
    ensure_database
    ;;
  stop)
    stop_local_database
    ;;
  status)
    # Exit status 0 = running, 3 = stopped/not initialised (like pg_ctl).
    local_database_status
    ;;
  psql)
    ensure_database
    gwf_psql "$DATABASE_URL" "$@"
    exit $?
    ;;
  url)
    ensure_database
    printf '%s\n' "$DATABASE_URL"
    ;;
  -h | --help | help | "")
    usage
    ;;
  *)
    echo "error: unknown command '$cmd'" >&2
    usage
    ;;
esac
