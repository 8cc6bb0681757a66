#!/usr/bin/env bash
# Requests per second and p99 latency of authenticated, rate-limited requests, measured with wrk
# against the real host: GET /api/auth/me with a bearer token, once without the ratelimit plugin
# (baseline) and once with it, on SQLite and on PostgreSQL (a throwaway cluster unless
# CC_TEST_POSTGRES_URL is set).
#
#   bench/ratelimit/run.sh                 # both engines
#   bench/ratelimit/run.sh sqlite          # one engine
#   DURATION=30s CONNECTIONS=64 THREADS=16 bench/ratelimit/run.sh
#
# Needs a built host (BUILD_DIR, default build; ./scripts/run or ./scripts/test builds it) and
# the Debian packages wrk and curl (scripts/lib/common.sh installs them with the test packages).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=../../scripts/lib/test-postgres.sh
source "$ROOT/scripts/lib/test-postgres.sh"

BUILD_DIR="${BUILD_DIR:-build}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
WRK_THREADS="${WRK_THREADS:-2}"
THREADS="${THREADS:-64}"         # server.threads of the host under test (the shipped default)
POOL_MAX="${POOL_MAX:-16}"
ENGINES=("$@")
[ ${#ENGINES[@]} -gt 0 ] || ENGINES=(sqlite postgresql)

HOST_BIN="$BUILD_DIR/bin/codecouncil"
[ -x "$HOST_BIN" ] || { echo "no host binary at $HOST_BIN: build first" >&2; exit 1; }
[ -f "$BUILD_DIR/plugins/libcc_ratelimit.so" ] || { echo "no ratelimit plugin in $BUILD_DIR/plugins" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/cc-bench-ratelimit.XXXXXX)"
HOST_PID=""
STARTED_PG=""
cleanup() {
  [ -n "$HOST_PID" ] && kill "$HOST_PID" 2>/dev/null && wait "$HOST_PID" 2>/dev/null || true
  [ -n "$STARTED_PG" ] && stop_test_postgres
  rm -rf "$WORK"
}
trap cleanup EXIT

# Limits far above what a run can reach, so every request is counted and none is refused.
RATELIMIT_ENTRY='  - name: ratelimit
    config:
      tiers:
        free: {requests_per_day: 1000000000, requests_per_month: 1000000000, analysis_runs_per_day: 10, analysis_runs_per_month: 10}'

# start_host <database url> <plugins yaml>: writes a config, starts the host, waits for /healthz.
start_host() {
  local url="$1" plugins="$2"
  PORT="$(free_port)"
  cat >"$WORK/config.yaml" <<YAML
server:
  host: 127.0.0.1
  port: $PORT
  threads: $THREADS
  access_log: false
database:
  url: $url
  pool_max: $POOL_MAX
  migrations_dir: $ROOT/migrations
auth:
  jwt_secret: bench-secret-that-is-long-enough-0123456789
logging:
  level: warning
data_dir: $WORK/data
plugin_dir: $BUILD_DIR/plugins
plugins:
$plugins
YAML
  "$HOST_BIN" serve --config "$WORK/config.yaml" >"$WORK/host.log" 2>&1 &
  HOST_PID=$!
  for _ in $(seq 1 200); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  cat "$WORK/host.log" >&2
  return 1
}

stop_host() {
  kill "$HOST_PID" 2>/dev/null || true
  wait "$HOST_PID" 2>/dev/null || true
  HOST_PID=""
}

token() {
  curl -fs -X POST -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.com","password":"bench password 123"}' \
    "http://127.0.0.1:$PORT/api/auth/signup" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}

# utime + stime of the host process, in clock ticks (fields 14 and 15 of /proc/PID/stat).
host_cpu_ticks() {
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$HOST_PID/stat"
}

# run <label>: a short warm-up, then the measured wrk run; prints "label req/s p99 CPU/request".
run() {
  local label="$1" tok
  tok="$(token)"
  [ -n "$tok" ] || { echo "signup failed" >&2; cat "$WORK/host.log" >&2; return 1; }
  local check
  check="$(curl -s -o /dev/null -D - -H "Authorization: Bearer $tok" "http://127.0.0.1:$PORT/api/auth/me")"
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d2s -H "Authorization: Bearer $tok" \
    "http://127.0.0.1:$PORT/api/auth/me" >/dev/null
  local cpu_before cpu_after
  cpu_before="$(host_cpu_ticks)"
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $tok" \
    "http://127.0.0.1:$PORT/api/auth/me" >"$WORK/wrk.txt"
  cpu_after="$(host_cpu_ticks)"
  local rps p99 non2xx requests cpu_us
  rps="$(awk '/^Requests\/sec/ {print $2}' "$WORK/wrk.txt")"
  p99="$(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt")"
  non2xx="$(awk '/Non-2xx/ {print $5}' "$WORK/wrk.txt")"
  requests="$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")"
  # The host's CPU time (user + system) per request: unlike req/s, barely moved by other load.
  cpu_us="$(awk -v t=$((cpu_after - cpu_before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
    'BEGIN { printf "%.0f", (n > 0 ? t * 1000000 / hz / n : 0) }')"
  printf '%-28s %10s req/s   p99 %8s   CPU %5s us/request   non-2xx %s\n' "$label" "$rps" "$p99" "$cpu_us" \
    "${non2xx:-0}"
  if grep -qi '^x-ratelimit-limit' <<<"$check"; then :; elif [[ "$label" == *ratelimit* ]]; then
    echo "  warning: the response carried no X-RateLimit-Limit header" >&2
  fi
}

database_url() {
  case "$1" in
    sqlite) rm -rf "$WORK/data"; echo "sqlite://$WORK/data/bench.db" ;;
    postgresql)
      if [ -z "${CC_TEST_POSTGRES_URL:-}" ]; then
        start_test_postgres >&2
        STARTED_PG=1
      fi
      local name="cc_bench_$RANDOM$RANDOM"
      psql -q "$CC_TEST_POSTGRES_URL" -c "CREATE DATABASE $name" >/dev/null
      echo "${CC_TEST_POSTGRES_URL%/*}/$name" ;;
    *) echo "unknown engine $1 (sqlite or postgresql)" >&2; return 1 ;;
  esac
}

echo "wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION, server.threads $THREADS, pool_max $POOL_MAX, $(nproc) cores"
for engine in "${ENGINES[@]}"; do
  start_host "$(database_url "$engine")" "  []"
  run "$engine baseline (no plugin)"
  stop_host
  start_host "$(database_url "$engine")" "$RATELIMIT_ENTRY"
  run "$engine with ratelimit"
  stop_host
done
