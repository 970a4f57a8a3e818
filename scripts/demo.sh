#!/usr/bin/env bash
# Start the service with demo data:   ./scripts/demo.sh
#
# 1. ensures a PostgreSQL + PostGIS server (see scripts/lib/db.sh),
# 2. creates the database `gewerbeflaechen_demo` on the project-local cluster
#    if it does not exist yet, owned by the non-superuser role gwf_app the
#    service connects as (PostGIS installed by the superuser),
# 3. builds the binary (dev profile -- the same profile the tests use, so
#    nothing is compiled twice),
# 4. runs `migrate` and `seed-demo`, creates a demo admin account on the first
#    run (admin@demo.example, random password printed once), then serves on
#    GWF_BIND (default 127.0.0.1:8080); API docs at http://127.0.0.1:8080/docs.
#
# Environment:
#   DATABASE_URL  if set, it IS the service database: migrations and demo data
#                 go straight into it and no extra database is created (we must
#                 not guess names or create databases on a server the user
#                 manages). Unset: the project-local cluster in .pgdata is used.
#   GWF_BIND      listen address, default 127.0.0.1:8080
#   GWF_PG_PORT   port of the project-local cluster (default derived from the checkout path)
set -euo pipefail

# shellcheck source=scripts/lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/db.sh"
cd "$GWF_ROOT"

DEMO_DB=gewerbeflaechen_demo

# rustup installs into ~/.cargo/bin but only new login shells have it on PATH.
if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
  PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  cat >&2 <<'EOF'
error: cargo (Rust toolchain) not found. Install it with rustup:
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y
  . "$HOME/.cargo/env"
then rerun ./scripts/demo.sh
EOF
  exit 1
fi

export GWF_BIND="${GWF_BIND:-127.0.0.1:8080}"
# Fail before the (possibly long) build rather than with a bind error after it.
bind_host="${GWF_BIND%:*}"
bind_port="${GWF_BIND##*:}"
case "$bind_host" in 0.0.0.0 | "[::]" | "") bind_host=127.0.0.1 ;; esac
probe_host="${bind_host#[}" # bash's /dev/tcp wants IPv6 without brackets
probe_host="${probe_host%]}"
if (exec 3<>"/dev/tcp/$probe_host/$bind_port") 2>/dev/null; then
  gwf_die "something is already listening on $bind_host:$bind_port; stop it or choose another address, e.g. GWF_BIND=127.0.0.1:8081 ./scripts/demo.sh"
fi

ensure_database

if [[ "$GWF_DB_SOURCE" == local ]]; then
  gwf_require_psql
  # The service connects as gwf_app, which owns this database and nothing else.
  DATABASE_URL="$(gwf_local_app_url "$DEMO_DB")"
  export DATABASE_URL
fi

gwf_log "cargo build --bin gewerbeflaechen"
cargo build --bin gewerbeflaechen
bin="${CARGO_TARGET_DIR:-$GWF_ROOT/target}/debug/gewerbeflaechen"
[[ -x "$bin" ]] || gwf_die "build succeeded but $bin does not exist"

gwf_log "migrate"
"$bin" migrate
gwf_log "seed-demo"
"$bin" seed-demo
if ! "$bin" user list | grep -q .; then
  gwf_log "creating the demo admin (the password is random and shown only now)"
  "$bin" user add --email admin@demo.example --name "Demo-Admin" --role admin
fi

echo
echo "Gewerbeflächen demo: http://$bind_host:$bind_port/docs   (Ctrl-C to stop)"
echo
exec "$bin" serve
