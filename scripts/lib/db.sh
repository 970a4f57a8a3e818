# shellcheck shell=bash
# Database helpers shared by scripts/db.sh, scripts/demo.sh, scripts/test.sh.
# Source this file; do not execute it.
#
#   ensure_database       -> exports DATABASE_URL (an admin/superuser URL)
#   gwf_local_app_url DB  -> (local cluster) the URL of database DB for the service: owned by
#                            the non-superuser role gwf_app, PostGIS installed by the superuser
#   stop_local_database   -> stops the project-local cluster (if running)
#
# Policy:
#   * If DATABASE_URL is already set, it is used as is: the user owns that
#     server, we only check that it answers.
#   * Otherwise we run a throwaway PostgreSQL + PostGIS cluster that lives in
#     <repo>/.pgdata (git-ignored; override with GWF_PG_DIR), listens on
#     127.0.0.1:$GWF_PG_PORT only (one port per checkout), and never touches a system
#     cluster (e.g. the one on :5432). Every role logs in with a password
#     (SCRAM-SHA-256); the passwords are made once and kept in .pgdata/*.password
#     (mode 0600). The service itself connects as `gwf_app`, which owns only its
#     database; the superuser creates databases and the PostGIS extension.
#
# Everything is idempotent: a second call finds the packages, the data
# directory and the running server and returns within milliseconds.

set -euo pipefail

# Repo root = two levels up from this file (scripts/lib/db.sh).
GWF_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
# GWF_PG_DIR relocates the cluster, e.g. when the checkout lives somewhere
# the postgres user cannot reach (see _gwf_check_traversable).
GWF_PGDIR="${GWF_PG_DIR:-$GWF_ROOT/.pgdata}"
[[ "$GWF_PGDIR" == /* ]] || GWF_PGDIR="$PWD/$GWF_PGDIR"
# PostgreSQL refuses to run as root, so as root the cluster runs as the
# `postgres` user, which must be able to reach it. A checkout under a private
# directory (e.g. /root, mode 0700) gets its cluster in a per-checkout folder
# under /var/tmp instead of failing. Decided from permission bits alone, so
# the answer is the same before and after the postgres user exists.
_gwf_world_traversable() {
  local d="$1"
  while [[ "$d" != / ]]; do
    (( 8#$(stat -c %a "$d") & 1 )) || return 1
    d="$(dirname "$d")"
  done
}
if [[ -z "${GWF_PG_DIR:-}" && "$(id -u)" -eq 0 ]] && ! _gwf_world_traversable "$GWF_ROOT"; then
  GWF_PGDIR="/var/tmp/gewerbeflaechen-pgdata-$(printf '%s' "$GWF_ROOT" | cksum | cut -d' ' -f1)"
fi
GWF_PGDATA="$GWF_PGDIR/data"
GWF_PGSOCK="$GWF_PGDIR/run"
GWF_PGLOG="$GWF_PGDIR/postgres.log"
# Each checkout gets its own port (derived from its path), so a second clone,
# e.g. CI's fresh one, never collides with a cluster another checkout left running.
GWF_PG_PORT="${GWF_PG_PORT:-$((54330 + $(printf '%s' "$GWF_ROOT" | cksum | cut -d' ' -f1) % 600))}"

# Set by ensure_database: "external" (user's DATABASE_URL) or "local".
# Exported only so that sourcing scripts (and shellcheck) see it as used.
export GWF_DB_SOURCE=""
# Set by _gwf_find_pg_bin: directory holding initdb/pg_ctl, and PG major version.
GWF_PG_BIN=""
GWF_PG_VERSION=""

gwf_log() { printf '==> %s\n' "$*" >&2; }
gwf_warn() { printf 'warning: %s\n' "$*" >&2; }
gwf_die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

gwf_is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Print a URL with any password replaced, so logs never leak credentials.
gwf_redact_url() {
  # shellcheck disable=SC2001  # a regex is needed here, ${var//} can't do it
  sed -e 's#^\([a-z]*://[^:/@]*\):[^@/]*@#\1:***@#' <<<"$1"
}

# psql on the URL $1 (further arguments as psql's) without the password on its command line,
# where every local user could read it in `ps`: it travels in PGPASSWORD instead, which only
# this user (and root) can see. Percent-escapes in the password are decoded.
gwf_psql() {
  local url="$1" password bare
  shift
  password="$(sed -nE 's#^[a-z]+://[^:/@]*:([^@/]*)@.*#\1#p' <<<"$url")"
  if [[ -z "$password" ]]; then
    psql "$url" "$@"
    return
  fi
  bare="$(sed -E 's#^([a-z]+://[^:/@]*):[^@/]*@#\1@#' <<<"$url")"
  PGPASSWORD="$(printf '%b' "${password//%/\\x}")" psql "$bare" "$@"
}

# apt-get wrapper: never prompts (CI has no stdin), and runs `apt-get update`
# at most once per process because a fresh container has empty package lists.
_GWF_APT_UPDATED=""
gwf_apt_install() {
  command -v apt-get >/dev/null 2>&1 ||
    gwf_die "apt-get not found; please install these packages by hand: $*"
  if [[ -z "$_GWF_APT_UPDATED" ]]; then
    gwf_log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
    _GWF_APT_UPDATED=1
  fi
  gwf_log "apt-get install -y $*"
  # --no-install-recommends keeps CI installs small; everything we need is a
  # hard dependency of the packages we name.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

# Make sure `psql` exists (the scripts use it to create databases).
gwf_require_psql() {
  command -v psql >/dev/null 2>&1 && return 0
  if gwf_is_root; then
    gwf_apt_install postgresql-client
  else
    printf 'error: psql (PostgreSQL client) is missing. Install it with:\n  sudo apt-get install -y postgresql-client\n' >&2
    exit 1
  fi
}

# Locate server binaries. Preference:
#   1. the version that created an existing .pgdata/data (binaries of another
#      major version cannot open it),
#   2. the highest /usr/lib/postgresql/*/bin/initdb (Debian/Ubuntu layout),
#   3. initdb on PATH (other distros, Homebrew, ...).
# Returns 1 if nothing usable is found.
_gwf_find_pg_bin() {
  GWF_PG_BIN=""
  GWF_PG_VERSION=""
  if [[ -f "$GWF_PGDATA/PG_VERSION" ]]; then
    local want
    want="$(<"$GWF_PGDATA/PG_VERSION")"
    if [[ -x "/usr/lib/postgresql/$want/bin/initdb" ]]; then
      GWF_PG_BIN="/usr/lib/postgresql/$want/bin"
      GWF_PG_VERSION="$want"
      return 0
    fi
  fi
  local best="" v f
  for f in /usr/lib/postgresql/*/bin/initdb; do
    [[ -x "$f" ]] || continue
    v="${f#/usr/lib/postgresql/}"
    v="${v%%/*}"
    # Versions are plain integers (10, 11, ... 17); compare numerically.
    if [[ -z "$best" ]] || ((v > best)); then best="$v"; fi
  done
  if [[ -n "$best" ]]; then
    GWF_PG_BIN="/usr/lib/postgresql/$best/bin"
    GWF_PG_VERSION="$best"
    return 0
  fi
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    GWF_PG_BIN="$(dirname "$(command -v initdb)")"
    GWF_PG_VERSION="$("$GWF_PG_BIN/initdb" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)?.*/\1/')"
    return 0
  fi
  return 1
}

# Where the server looks for extension control files.
_gwf_pg_extension_dir() {
  if [[ -d "/usr/share/postgresql/$GWF_PG_VERSION" ]]; then
    printf '%s\n' "/usr/share/postgresql/$GWF_PG_VERSION/extension"
  elif [[ -x "$GWF_PG_BIN/pg_config" ]]; then
    printf '%s\n' "$("$GWF_PG_BIN/pg_config" --sharedir)/extension"
  else
    printf '%s\n' "/usr/share/postgresql/$GWF_PG_VERSION/extension"
  fi
}

_gwf_have_postgis() {
  [[ -f "$(_gwf_pg_extension_dir)/postgis.control" ]]
}

# Guess which major version `apt-get install postgresql` would bring (for the
# message shown to non-root users); falls back to a placeholder.
_gwf_apt_default_pg_version() {
  local v=""
  if command -v apt-cache >/dev/null 2>&1; then
    v="$(apt-cache depends postgresql 2>/dev/null | sed -nE 's/^ *Depends: postgresql-([0-9]+)$/\1/p' || true)"
    v="${v%%$'\n'*}"
  fi
  printf '%s\n' "${v:-<version>}"
}

# Install (root) or explain how to install (non-root) server, PostGIS, psql.
_gwf_ensure_packages() {
  local have_server=0
  _gwf_find_pg_bin && have_server=1

  if ((have_server)) && _gwf_have_postgis && command -v psql >/dev/null 2>&1; then
    return 0 # fast path: everything present
  fi

  if ! gwf_is_root; then
    local pkgs=()
    if ((have_server)); then
      _gwf_have_postgis || pkgs+=("postgresql-$GWF_PG_VERSION-postgis-3")
      command -v psql >/dev/null 2>&1 || pkgs+=(postgresql-client)
    else
      pkgs+=(postgresql postgresql-contrib "postgresql-$(_gwf_apt_default_pg_version)-postgis-3")
    fi
    {
      echo "error: PostgreSQL server and/or PostGIS are missing. Install them with:"
      echo "  sudo apt-get install -y ${pkgs[*]}"
      echo "(or set DATABASE_URL to an existing PostgreSQL server with PostGIS available)"
    } >&2
    exit 1
  fi

  if ((!have_server)); then
    # The `postgresql` metapackage pulls the distribution's default major
    # version plus the client (psql).
    gwf_apt_install postgresql postgresql-contrib
    _gwf_find_pg_bin || gwf_die "installed postgresql but found no initdb under /usr/lib/postgresql/*/bin"
  fi
  if ! _gwf_have_postgis; then
    gwf_apt_install "postgresql-$GWF_PG_VERSION-postgis-3"
    _gwf_have_postgis || gwf_die "installed postgresql-$GWF_PG_VERSION-postgis-3 but $(_gwf_pg_extension_dir)/postgis.control is still missing"
  fi
  gwf_require_psql
}

# The OS user that owns and runs the cluster. initdb/pg_ctl refuse to run as
# root, so root delegates to a system user:
#   * an existing data dir keeps its owner (e.g. created by a normal user,
#     later used via sudo),
#   * otherwise the `postgres` system user (created if absent).
_gwf_cluster_user() {
  if ! gwf_is_root; then
    id -un
    return 0
  fi
  if [[ -d "$GWF_PGDATA" ]]; then
    local owner
    owner="$(stat -c %U "$GWF_PGDATA")"
    if [[ "$owner" != root && "$owner" != UNKNOWN ]]; then
      printf '%s\n' "$owner"
      return 0
    fi
  fi
  printf '%s\n' postgres
}

# Run a command as the cluster user. cd / first so that the tools don't
# complain about an unreadable cwd (e.g. /root) when switching users.
_gwf_as_cluster_user() {
  local user="$1"
  shift
  if gwf_is_root; then
    (cd / && runuser -u "$user" -- "$@")
  else
    "$@"
  fi
}

# As root: make sure `user` can reach .pgdata, i.e. has search (x) permission
# on every directory from / down to the repo. Typical failure: repo under
# /root (mode 0700).
_gwf_check_traversable() {
  local user="$1" d blocked=""
  d="$(dirname "$GWF_PGDIR")"
  mkdir -p "$d"
  while :; do
    if ! runuser -u "$user" -- test -x "$d" 2>/dev/null; then
      blocked="$d"
    fi
    [[ "$d" == / ]] && break
    d="$(dirname "$d")"
  done
  if [[ -n "$blocked" ]]; then
    {
      echo "error: the '$user' system user cannot traverse '$blocked' ($(stat -c '%A %U:%G' "$blocked"))."
      echo "  The local PostgreSQL cluster runs as '$user' (PostgreSQL refuses to run as root)"
      echo "  and keeps its data in $GWF_PGDIR, so every parent directory of it must be searchable."
      echo "  Fix one of:"
      echo "    chmod o+x '$blocked'          # allow traversal (not listing) for other users"
      echo "    export GWF_PG_DIR=/var/tmp/gewerbeflaechen-pgdata   # keep the cluster elsewhere"
      echo "    move the repository somewhere else (e.g. /srv, /opt, /tmp)"
      echo "    export DATABASE_URL=postgres://USER@HOST:PORT/DB   # use an existing server"
    } >&2
    exit 1
  fi
}

# Is anything accepting TCP connections on 127.0.0.1:$1? Uses bash's
# /dev/tcp so that no extra tool is required.
_gwf_port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Exit status of `pg_ctl status`: 0 running, 3 not running, 4 no data dir.
_gwf_pg_status() {
  local user="$1" rc=0
  _gwf_as_cluster_user "$user" "$GWF_PG_BIN/pg_ctl" status -D "$GWF_PGDATA" >/dev/null 2>&1 || rc=$?
  return "$rc"
}

# Port of the running cluster, read from postmaster.pid (line 4).
_gwf_running_port() {
  sed -n 4p "$GWF_PGDATA/postmaster.pid" 2>/dev/null || true
}

_gwf_start_local_cluster() {
  if ! [[ "$GWF_PG_PORT" =~ ^[0-9]{1,5}$ ]] || ((GWF_PG_PORT < 1 || GWF_PG_PORT > 65535)); then
    gwf_die "GWF_PG_PORT must be a TCP port number, got '$GWF_PG_PORT'"
  fi
  # pg_ctl passes -o through a shell; we quote paths with single quotes below,
  # so a path containing one cannot be expressed safely.
  [[ "$GWF_PGDIR" != *"'"* ]] || gwf_die "the cluster path must not contain a single quote: $GWF_PGDIR"

  if [[ -f "$GWF_PGDATA/PG_VERSION" && "$(<"$GWF_PGDATA/PG_VERSION")" != "$GWF_PG_VERSION" ]]; then
    gwf_die "$GWF_PGDATA was created by PostgreSQL $(<"$GWF_PGDATA/PG_VERSION") but only PostgreSQL $GWF_PG_VERSION server binaries are installed. The cluster is disposable: remove it with 'rm -rf $GWF_PGDATA' (or install postgresql-$(<"$GWF_PGDATA/PG_VERSION"))."
  fi

  local user
  user="$(_gwf_cluster_user)"

  if gwf_is_root; then
    if ! id -u "$user" >/dev/null 2>&1; then
      gwf_log "creating system user '$user' to run the local PostgreSQL cluster"
      useradd --system --user-group --home-dir /var/lib/postgresql --shell /usr/sbin/nologin "$user"
    fi
    _gwf_check_traversable "$user"
    # Only chown when needed, so repeated runs do not touch anything.
    if [[ ! -d "$GWF_PGDIR" ]]; then
      install -d -m 0700 -o "$user" -g "$(id -gn "$user")" "$GWF_PGDIR"
    elif [[ "$(stat -c %U "$GWF_PGDIR")" != "$user" ]]; then
      chown -R "$user:$(id -gn "$user")" "$GWF_PGDIR"
    fi
  else
    if [[ -d "$GWF_PGDIR" && ! -O "$GWF_PGDIR" ]]; then
      gwf_die "$GWF_PGDIR belongs to '$(stat -c %U "$GWF_PGDIR")' (probably created by a root run). Run as root, or remove it: sudo rm -rf '$GWF_PGDIR'"
    fi
    [[ -d "$GWF_PGDIR" ]] || mkdir -m 0700 "$GWF_PGDIR"
  fi
  [[ -d "$GWF_PGSOCK" ]] || _gwf_as_cluster_user "$user" mkdir -m 0700 "$GWF_PGSOCK"

  if [[ ! -f "$GWF_PGDATA/PG_VERSION" ]]; then
    local locale=C locales
    # C.UTF-8 gives sane UTF-8 character classification with byte-order
    # collation (fast, deterministic sorting); plain C is the fallback on
    # systems without that locale. (Captured first: `locale -a | grep -q`
    # could die of SIGPIPE and trip pipefail.)
    locales="$(locale -a 2>/dev/null || true)"
    if grep -Eqx 'C\.(UTF-8|utf8)' <<<"$locales"; then locale=C.UTF-8; fi
    gwf_log "initdb $GWF_PGDATA (PostgreSQL $GWF_PG_VERSION, locale $locale)"
    # --auth=trust only until the first start: _gwf_secure_cluster then gives the
    # superuser a password and switches every login to SCRAM-SHA-256.
    _gwf_as_cluster_user "$user" "$GWF_PG_BIN/initdb" -D "$GWF_PGDATA" \
      --auth=trust --username=postgres --encoding=UTF8 --locale="$locale" \
      >"$GWF_PGDIR/initdb.log" 2>&1 ||
      gwf_die "initdb failed, see $GWF_PGDIR/initdb.log"
  fi

  local status=0
  _gwf_pg_status "$user" || status=$?
  if ((status == 4)); then
    gwf_die "pg_ctl cannot access $GWF_PGDATA as '$user' (check ownership/permissions)"
  fi

  if ((status != 0)); then
    if _gwf_port_in_use "$GWF_PG_PORT"; then
      gwf_die "port $GWF_PG_PORT on 127.0.0.1 is already in use by another process (not the cluster in $GWF_PGDATA). Choose another port with GWF_PG_PORT=..., or point DATABASE_URL at an existing server."
    fi
    # Unix socket paths are limited to ~107 bytes; in deeply nested checkouts
    # disable the socket instead of failing (all our clients use TCP anyway).
    local sockdir="$GWF_PGSOCK"
    if ((${#sockdir} + ${#GWF_PG_PORT} + 10 > 100)); then
      gwf_warn "socket path under $GWF_PGSOCK would be too long; unix socket disabled (TCP only)"
      sockdir=""
    fi
    gwf_log "starting local PostgreSQL $GWF_PG_VERSION on 127.0.0.1:$GWF_PG_PORT (log: $GWF_PGLOG)"
    # fsync/synchronous_commit/full_page_writes off: this is a throwaway
    # dev/test cluster; durability is irrelevant and these make the many
    # CREATE DATABASE calls of the test suite much faster. A crash may
    # corrupt it -- then just `rm -rf .pgdata` and rerun.
    # max_connections=200: tests run in parallel, each with its own pool.
    if ! _gwf_as_cluster_user "$user" "$GWF_PG_BIN/pg_ctl" -D "$GWF_PGDATA" -l "$GWF_PGLOG" \
      -w -t 60 start \
      -o "-p $GWF_PG_PORT -k '$sockdir' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      >/dev/null; then
      echo "error: PostgreSQL failed to start; last lines of $GWF_PGLOG:" >&2
      tail -n 20 "$GWF_PGLOG" >&2 2>/dev/null || true
      echo "(the cluster is disposable: 'rm -rf $GWF_PGDIR' and rerun if it is broken)" >&2
      exit 1
    fi
  fi

  # If the cluster was already running on a different port (GWF_PG_PORT
  # changed since it was started), use the port it actually listens on.
  local port
  port="$(_gwf_running_port)"
  if [[ -n "$port" && "$port" != "$GWF_PG_PORT" ]]; then
    gwf_warn "local cluster is already running on port $port (not GWF_PG_PORT=$GWF_PG_PORT); using $port. Run 'scripts/db.sh stop' to restart it on the new port."
    GWF_PG_PORT="$port"
  fi
  _gwf_secure_cluster "$user"
}

# A role's password of the local cluster: made once (random), kept in
# $GWF_PGDIR/<name>.password, readable by the user running the scripts only.
_gwf_password() {
  local file="$GWF_PGDIR/$1.password"
  if [[ ! -s "$file" ]]; then
    (umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$file")
  fi
  cat "$file"
}

# A cluster that still trusts every local login (a new one, or one made by an
# older version of this script) gets a superuser password and SCRAM-SHA-256
# logins; after that, every connection needs the password.
_gwf_secure_cluster() {
  local user="$1" hba="$GWF_PGDATA/pg_hba.conf" password
  _gwf_as_cluster_user "$user" grep -Eq '[[:space:]]trust[[:space:]]*$' "$hba" || return 0
  gwf_log "local cluster: password (SCRAM-SHA-256) logins from now on"
  password="$(_gwf_password superuser)"
  # On standard input, not the command line, where `ps` would show the password.
  psql "postgres://postgres@127.0.0.1:$GWF_PG_PORT/postgres" -X -w -q -v ON_ERROR_STOP=1 \
    >/dev/null <<SQL || gwf_die "cannot set the superuser password of the local cluster"
SET password_encryption = 'scram-sha-256';
ALTER ROLE postgres PASSWORD '$password';
SQL
  _gwf_as_cluster_user "$user" sed -i -E 's/[[:space:]]trust[[:space:]]*$/ scram-sha-256/' "$hba"
  _gwf_as_cluster_user "$user" "$GWF_PG_BIN/pg_ctl" -D "$GWF_PGDATA" reload >/dev/null
}

ensure_database() {
  if [[ -n "${DATABASE_URL:-}" ]]; then
    GWF_DB_SOURCE=external
    if command -v psql >/dev/null 2>&1; then
      # -w: never prompt for a password (CI has no stdin); -X: ignore ~/.psqlrc.
      if ! gwf_psql "$DATABASE_URL" -X -w -q -t -c 'select 1' >/dev/null; then
        gwf_die "cannot connect to DATABASE_URL=$(gwf_redact_url "$DATABASE_URL") (see psql error above). Fix the URL/server, or unset DATABASE_URL to use the project-local cluster."
      fi
    else
      gwf_warn "psql not found, cannot check that DATABASE_URL is reachable"
    fi
    export DATABASE_URL
    gwf_log "database: DATABASE_URL from environment ($(gwf_redact_url "$DATABASE_URL"))"
    return 0
  fi

  GWF_DB_SOURCE=local
  _gwf_ensure_packages
  _gwf_start_local_cluster
  export DATABASE_URL="postgres://postgres:$(_gwf_password superuser)@127.0.0.1:$GWF_PG_PORT/postgres"
  gwf_log "database: project-local PostgreSQL $GWF_PG_VERSION + PostGIS in ${GWF_PGDIR#"$GWF_ROOT"/}, DATABASE_URL=$(gwf_redact_url "$DATABASE_URL")"
}

# The service's URL for database $1 on the local cluster: the role gwf_app (no
# superuser, no CREATEDB) owns the database; the superuser installs PostGIS in it,
# the one thing the migrations cannot do as gwf_app. A database that an older
# version of this script made for the superuser is made again (it holds demo or
# test data only).
gwf_local_app_url() {
  local db="$1" password owner
  password="$(_gwf_password app)"
  gwf_psql "$DATABASE_URL" -X -w -q -v ON_ERROR_STOP=1 >/dev/null <<SQL || gwf_die "cannot create the role gwf_app"
SET password_encryption = 'scram-sha-256';
SELECT 'CREATE ROLE gwf_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gwf_app') \gexec
ALTER ROLE gwf_app PASSWORD '$password';
SQL
  owner="$(gwf_psql "$DATABASE_URL" -X -w -At -v ON_ERROR_STOP=1 \
    -c "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$db'")" ||
    gwf_die "cannot look up the database $db"
  if [[ -n "$owner" && "$owner" != gwf_app ]]; then
    gwf_log "database $db belongs to $owner: making it again for gwf_app"
    gwf_psql "$DATABASE_URL" -X -w -q -v ON_ERROR_STOP=1 -c "DROP DATABASE \"$db\" WITH (FORCE)" >/dev/null ||
      gwf_die "cannot drop the database $db"
    owner=""
  fi
  if [[ -z "$owner" ]]; then
    gwf_log "creating database $db (owner gwf_app)"
    gwf_psql "$DATABASE_URL" -X -w -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db\" OWNER gwf_app" >/dev/null ||
      gwf_die "cannot create the database $db"
  fi
  gwf_psql "postgres://postgres:$(_gwf_password superuser)@127.0.0.1:$GWF_PG_PORT/$db" -X -w -q \
    -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" \
    -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null ||
    gwf_die "cannot install PostGIS in $db"
  printf 'postgres://gwf_app:%s@127.0.0.1:%s/%s\n' "$password" "$GWF_PG_PORT" "$db"
}

# Stop the project-local cluster; a no-op if it does not exist or is stopped.
stop_local_database() {
  if [[ ! -f "$GWF_PGDATA/PG_VERSION" ]]; then
    gwf_log "no local cluster in $GWF_PGDATA"
    return 0
  fi
  _gwf_find_pg_bin || gwf_die "no PostgreSQL server binaries found to stop the cluster in $GWF_PGDATA"
  local user status=0
  user="$(_gwf_cluster_user)"
  _gwf_pg_status "$user" || status=$?
  if ((status != 0)); then
    gwf_log "local cluster is not running"
    return 0
  fi
  gwf_log "stopping local PostgreSQL ($GWF_PGDATA)"
  _gwf_as_cluster_user "$user" "$GWF_PG_BIN/pg_ctl" -D "$GWF_PGDATA" -m fast -w -t 60 stop >/dev/null
}

# Human-readable status of the local cluster (for scripts/db.sh status).
# Returns 0 if running, 3 if stopped.
local_database_status() {
  if [[ ! -f "$GWF_PGDATA/PG_VERSION" ]]; then
    echo "local cluster: not initialised ($GWF_PGDATA)"
    return 3
  fi
  _gwf_find_pg_bin || gwf_die "no PostgreSQL server binaries found"
  local user status=0
  user="$(_gwf_cluster_user)"
  _gwf_pg_status "$user" || status=$?
  if ((status == 0)); then
    echo "local cluster: running (PostgreSQL $GWF_PG_VERSION, data $GWF_PGDATA)"
    echo "DATABASE_URL=postgres://postgres:<see $GWF_PGDIR/superuser.password>@127.0.0.1:$(_gwf_running_port)/postgres"
    return 0
  fi
  echo "local cluster: stopped (PostgreSQL $GWF_PG_VERSION, data $GWF_PGDATA)"
  return 3
}
