# Starts a throwaway PostgreSQL cluster for the tests and exports CC_TEST_POSTGRES_URL.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the postgres user.
# Sourced before install_packages, so nothing here runs at source time: on a fresh machine
# PostgreSQL is not installed yet, and a failing command would end the caller (set -e).
# shellcheck shell=bash

# The newest installed server's bin folder, or nothing.
newest_postgres_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then printf '%s\n' "$d"; fi
  done | sort -V | tail -n 1
}

pg_run() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A port nobody answers on, from the range the kernel does not hand out to clients.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

start_test_postgres() {
  PG_BIN="${PG_BIN:-$(newest_postgres_bin)}"
  [ -x "$PG_BIN/initdb" ] || { log "PostgreSQL binaries not found under /usr/lib/postgresql (apt-get install postgresql)"; return 1; }
  PG_DIR="$(mktemp -d /tmp/cc-test-pg.XXXXXX)"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DIR"
  PG_PORT="$(free_port)"
  log "starting a throwaway PostgreSQL on 127.0.0.1:$PG_PORT"
  pg_run "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U cc_test >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; return 1; }
  pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -t 60 -l "$PG_DIR/server.log" \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null ||
    { cat "$PG_DIR/server.log" >&2; return 1; }
  export CC_TEST_POSTGRES_URL="postgresql://cc_test@127.0.0.1:$PG_PORT/postgres"
}

stop_test_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
