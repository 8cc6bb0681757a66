#!/usr/bin/env bash
# Latency of the admin plugin's stats and analytics (budget: p95 under 100 ms) with 100,000
# users, 1,000,000 audit rows and a year of event counters, on SQLite, against the real host.
#
#   bench/admin/run.sh [build dir]       # default: $BUILD_DIR or build
#   USERS=100000 AUDIT_ROWS=1000000 REQUESTS=30 BUDGET_MS=100 bench/admin/run.sh
#
# Uses the real audit plugin when it is built (its "AuditLog" table is filled with SQL), and the
# admin tests' stand-in for billing. Needs sqlite3 and curl (Debian packages the scripts install).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${1:-${BUILD_DIR:-build}}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
USERS="${USERS:-100000}"
AUDIT_ROWS="${AUDIT_ROWS:-1000000}"
REQUESTS="${REQUESTS:-30}"
BUDGET_MS="${BUDGET_MS:-100}"
HOST_BIN="$BUILD_DIR/bin/codecouncil"
FAKES="$BUILD_DIR/test-plugins/libcc_tp_admin_fakes.so"
[ -x "$HOST_BIN" ] || { echo "no host binary at $HOST_BIN: build first" >&2; exit 1; }
[ -f "$BUILD_DIR/plugins/libcc_admin.so" ] || { echo "no admin plugin in $BUILD_DIR/plugins" >&2; exit 1; }
command -v sqlite3 >/dev/null && command -v curl >/dev/null || { echo "needs sqlite3 and curl" >&2; exit 1; }

WORK="$(mktemp -d /tmp/cc-bench-admin.XXXXXX)"
HOST_PID=""
cleanup() {
  if [ -n "$HOST_PID" ]; then kill "$HOST_PID" 2>/dev/null || true; wait "$HOST_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
DB="$WORK/data/bench.db"
mkdir -p "$WORK/data"
REAL_AUDIT=0
[ -f "$BUILD_DIR/plugins/libcc_audit.so" ] && REAL_AUDIT=1
{
  printf 'server:\n  host: 127.0.0.1\n  port: %s\n  threads: 8\n' "$PORT"
  printf 'database:\n  url: sqlite://%s\n  migrations_dir: %s/migrations\n' "$DB" "$ROOT"
  printf 'auth:\n  jwt_secret: bench-secret-that-is-long-enough-0123456789\n'
  printf 'logging:\n  level: warning\ndata_dir: %s/data\nplugin_dir: %s/plugins\nplugins:\n' "$WORK" "$BUILD_DIR"
  if [ "$REAL_AUDIT" = 1 ]; then printf '  - name: audit\n    config: {}\n'; fi
  if [ -f "$FAKES" ]; then
    printf '  - name: tp_admin_fakes\n    path: %s\n    config: { audit: %s }\n' "$FAKES" "$([ $REAL_AUDIT = 1 ] && echo false || echo true)"
  fi
  printf '  - name: admin\n    config: { web_root: %s/plugins/admin/web }\n' "$ROOT"
} > "$WORK/codecouncil.yaml"

echo "==> migrating"
"$HOST_BIN" migrate --config "$WORK/codecouncil.yaml" >/dev/null

echo "==> seeding $USERS users, a year of counters$([ $REAL_AUDIT = 1 ] && echo ", $AUDIT_ROWS audit rows")"
sqlite3 "$DB" <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $USERS)
INSERT INTO "User" (id, email, "passwordHash", tier, "createdAt", "updatedAt")
SELECT printf('u%07d', i), printf('user%07d@bench.test', i), 'x',
       CASE i % 10 WHEN 0 THEN 'startup' WHEN 1 THEN 'enterprise' ELSE 'free' END,
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d minutes', ($USERS - i) * 5)),
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM n;
WITH RECURSIVE d(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < 364),
     t(topic) AS (VALUES ('user_signup'), ('login_failed'), ('analysis_completed'), ('analysis_failed'),
                         ('payment_succeeded'), ('payment_failed'), ('rate_limit_exceeded'), ('credits_granted')),
     r(tier) AS (VALUES ('free'), ('startup'), ('enterprise'), ('none'))
INSERT INTO admin_event_counts (day, topic, tier, count)
SELECT strftime('%Y-%m-%d', 'now', printf('-%d days', i)), topic, tier, abs(random()) % 500 FROM d, t, r;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $USERS)
INSERT INTO admin_user_activity ("userId", "analysisRuns", "lastAnalysisAt")
SELECT printf('u%07d', i), abs(random()) % 1000, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM n;
COMMIT;
SQL
if [ "$REAL_AUDIT" = 1 ]; then
  sqlite3 "$DB" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $AUDIT_ROWS)
INSERT INTO "AuditLog" (id, "userId", action, severity, "resourceType", "resourceId", metadata, "createdAt", "prevHash", hash)
SELECT i, printf('u%07d', i % $USERS + 1),
       CASE i % 5 WHEN 0 THEN 'payment_failed' WHEN 1 THEN 'user_signup' WHEN 2 THEN 'analysis_completed'
                  WHEN 3 THEN 'login_failed' ELSE 'subscription_updated' END,
       CASE i % 5 WHEN 0 THEN 'error' WHEN 3 THEN 'warning' ELSE 'info' END,
       CASE i % 5 WHEN 0 THEN 'payment' WHEN 2 THEN 'analysis' WHEN 4 THEN 'subscription' ELSE 'user' END,
       printf('r%d', i), '{}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d seconds', $AUDIT_ROWS - i)), '0', '0'
FROM n;
-- The writer numbers new rows after the chain head; move it past the seeded rows.
UPDATE "AuditChain" SET "lastId" = $AUDIT_ROWS, "lastCreatedAt" = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
COMMIT;
ANALYZE;
SQL
else
  echo "    (the audit plugin is not built: the audit part uses the in-memory stand-in)"
  sqlite3 "$DB" "ANALYZE;"
fi

echo "==> starting the host"
"$HOST_BIN" serve --config "$WORK/codecouncil.yaml" > "$WORK/host.log" 2>&1 &
HOST_PID=$!
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$WORK/host.log"; exit 1; }
TOKEN="$(curl -fs -X POST "http://127.0.0.1:$PORT/api/auth/signup" -H 'Content-Type: application/json' \
  -d '{"email":"bench-admin@bench.test","password":"bench password 123"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')"
"$HOST_BIN" users promote --email bench-admin@bench.test --config "$WORK/codecouncil.yaml" >/dev/null

FAILED=0
measure() {
  local name="$1" path="$2" budget="$3"
  curl -fs -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$path"  # warm-up
  local times
  times="$(for _ in $(seq 1 "$REQUESTS"); do
    curl -fs -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$path"
  done | awk '{ printf "%.1f\n", $1 * 1000 }' | sort -n)"
  local p50 p95 max
  p50="$(echo "$times" | awk -v n="$REQUESTS" 'NR == int((n + 1) * 0.50) { print }')"
  p95="$(echo "$times" | awk -v n="$REQUESTS" 'NR == int(n * 0.95 + 0.5) { print }')"
  max="$(echo "$times" | tail -1)"
  local verdict=""
  if [ -n "$budget" ]; then
    if awk -v p="$p95" -v b="$budget" 'BEGIN { exit !(p < b) }'; then verdict="ok (< ${budget} ms)"; else verdict="OVER ${budget} ms"; FAILED=1; fi
  fi
  printf '%-34s p50 %7s ms  p95 %7s ms  max %7s ms  %s\n' "$name" "$p50" "$p95" "$max" "$verdict"
}

echo "==> $REQUESTS requests each"
measure "GET /api/admin/stats" "/api/admin/stats" "$BUDGET_MS"
measure "GET /api/admin/analytics" "/api/admin/analytics" "$BUDGET_MS"
measure "GET /api/admin/analytics?days=366" "/api/admin/analytics?days=366" "$BUDGET_MS"
measure "GET /api/admin/users" "/api/admin/users" ""
measure "GET /api/admin/users?search=0042" "/api/admin/users?search=0042" ""
measure "GET /api/admin/audit-logs?severity=error" "/api/admin/audit-logs?severity=error" ""
exit "$FAILED"
