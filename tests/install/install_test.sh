#!/usr/bin/env bash
# `cmake --install` makes a runnable host (issue 16, item 2): installs the build folder into a
# temp prefix, then, from an unrelated folder and without --config, serves production from
# the installed files (health, a plugin route, the dashboard's files, migrations applied),
# backs up and restores with the installed scripts (they find the installed binary), and runs
# the installed cron line, which must load the service's environment file. The source tree's
# scripts still find build/bin/codecouncil.
# usage: install_test.sh <source dir> <build dir>
set -euo pipefail
src="$1" build="$2"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/host.log" ] && tail -n 40 "$work/host.log" >&2; exit 1; }
# The host logs asynchronously: a line may land after the port answers, so wait for it.
log_has() {
  for _ in $(seq 1 100); do grep -qF "$1" "$work/host.log" && return 0; sleep 0.1; done
  return 1
}

prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "cmake --install"; }

# The layout docs/deployment.md ("Install") describes.
for f in bin/codecouncil lib/codecouncil/scripts/backup-db.sh lib/codecouncil/scripts/restore-db.sh; do
  [ -x "$prefix/$f" ] || fail "$f is not installed executable"
done
[ -f "$prefix/lib/codecouncil/scripts/lib/codecouncil-binary.sh" ] || fail "the scripts' shared lib/codecouncil-binary.sh is not installed"
plugins="$(cd "$src/plugins" && for d in */; do [ -f "$d/CMakeLists.txt" ] && printf '%s ' "${d%/}"; done)"
plugins="${plugins% }"
for plugin in $plugins; do
  [ -f "$prefix/lib/codecouncil/plugins/libcc_$plugin.so" ] || fail "plugin $plugin is not installed"
done
for f in etc/codecouncil/codecouncil.yaml etc/codecouncil/staging.yaml etc/codecouncil/production.yaml \
         share/codecouncil/migrations/core/sqlite share/codecouncil/migrations/core/postgresql \
         share/codecouncil/admin/web/index.html share/codecouncil/env.example \
         share/codecouncil/codecouncil-backup.cron lib/systemd/system/codecouncil.service \
         share/doc/codecouncil/copyright share/doc/codecouncil/changelog.gz; do
  [ -e "$prefix/$f" ] || fail "$f is not installed"
done
# The SDK and the providers' contracts beside it (header-only targets in the SDK's package).
for f in include/codecouncil/sdk/sdk.hpp include/codecouncil/billing/contract.hpp include/codecouncil/audit/contract.hpp \
         include/codecouncil/analysis/events.hpp include/codecouncil/ratelimit/events.hpp \
         include/codecouncil/backup/events.hpp \
         lib/cmake/CodeCouncilSDK/CodeCouncilSDKConfig.cmake lib/cmake/CodeCouncilSDK/CodeCouncilContract.cmake; do
  [ -f "$prefix/$f" ] || fail "$f is not installed"
done
for target in CodeCouncil::sdk CodeCouncil::billing_contract CodeCouncil::audit_contract CodeCouncil::analysis_contract \
              CodeCouncil::ratelimit_contract CodeCouncil::backup_contract; do
  grep -q "add_library($target INTERFACE IMPORTED)" "$prefix"/lib/cmake/CodeCouncilSDK/CodeCouncilSDKTargets.cmake \
    || fail "the SDK package does not export $target"
done
[ ! -e "$prefix/include/codecouncil/sdk/services" ] || fail "the SDK still installs providers' services"
installed_plugins="$(cd "$prefix/lib/codecouncil/plugins" && ls | sed -n 's/^libcc_\(.*\)\.so$/\1/p' | sort | xargs)"
[ "$installed_plugins" = "$plugins" ] || fail "plugins installed: '$installed_plugins', bundled: '$plugins' (test plugins must not be)"
for f in codecouncil staging production; do
  if grep -n '\.\./build/plugins\|\.\./migrations\|\.\./plugins/admin\|\.\./data}' "$prefix/etc/codecouncil/$f.yaml"; then
    fail "installed $f.yaml still points into the source tree"
  fi
done
unit="$prefix/lib/systemd/system/codecouncil.service"
grep -q "^ExecStart=$prefix/bin/codecouncil --config $prefix/etc/codecouncil/production.yaml serve\$" "$unit" \
  || fail "the installed unit does not run the installed binary: $(grep ExecStart "$unit")"
grep -q "^EnvironmentFile=$prefix/etc/codecouncil/env\$" "$unit" || fail "the installed unit does not read $prefix/etc/codecouncil/env"

# The service's environment file, as an operator writes it (the cron line below loads it too).
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
db="$work/db/codecouncil.db"
cat >"$prefix/etc/codecouncil/env" <<ENV
DATABASE_URL=sqlite://$db
JWT_SECRET=install-test-secret-0123456789abcdef0123456789
METRICS_TOKEN=install-test-metrics-token
BACKUP_SIGNING_KEY=install-test-signing-key-0123456789abcdef
BACKUP_DIR=$work/backups
BACKUP_MIN_FREE_BYTES=0
PORT=$port
ENV
chmod 600 "$prefix/etc/codecouncil/env"
# Nothing of the caller's may point the host elsewhere.
unset CODECOUNCIL_PLUGIN_DIR CODECOUNCIL_CONFIG CODECOUNCIL_BIN BUILD_DIR DATABASE_URL CODECOUNCIL_DATA_DIR PORT
elsewhere="$work/elsewhere"
mkdir -p "$elsewhere"
cd "$elsewhere"
set -a; . "$prefix/etc/codecouncil/env"; set +a
export CODECOUNCIL_ENV=production

"$prefix/bin/codecouncil" serve >"$work/host.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || fail "the installed host exited"
  sleep 0.1
done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || fail "/healthz did not answer"
# The warning names the config it read: the installed production.yaml, found without --config.
log_has "database: SQLite in environment 'production', as database.url ($prefix/etc/codecouncil/production.yaml:" || fail "the host did not read the installed production.yaml"
ready="$(curl -fs "http://127.0.0.1:$port/readyz")" || fail "/readyz"
started="$(python3 -c 'import json, sys
print(" ".join(sorted(p["name"] for p in json.load(sys.stdin)["plugins"] if p["status"] == "started")))' <<<"$ready")"
[ "$started" = "$plugins" ] || fail "plugins started: '$started' ($ready)"
# A plugin's route: /metrics (metrics plugin) with its token.
metrics="$(curl -fs -H "Authorization: Bearer $METRICS_TOKEN" "http://127.0.0.1:$port/metrics")" || fail "/metrics"
[[ $metrics == *"http_requests_total"* ]] || fail "/metrics has no http_requests_total"
# The dashboard's files come from the installed web root.
log_has "dashboard at /admin (files from $prefix/share/codecouncil/admin/web)" || fail "web root is not the installed one"
curl -fs "http://127.0.0.1:$port/admin/app.js" -o "$work/app.js" || fail "/admin/app.js"
cmp -s "$work/app.js" "$prefix/share/codecouncil/admin/web/app.js" || fail "/admin/app.js differs from the installed file"
# Every installed migration was applied from the installed folder.
expected=$(find "$prefix/share/codecouncil/migrations" -path '*/sqlite/*.sql' | wc -l)
applied=$(sqlite3 "$db" 'SELECT COUNT(*) FROM schema_migrations')
[ "$applied" -eq "$expected" ] && [ "$expected" -gt 0 ] || fail "migrations: $applied applied, $expected installed"
# Something to back up and find again after the restore.
curl -fs -X POST -H 'Content-Type: application/json' -d '{"email":"kept@example.com","password":"correct horse battery"}' \
  "http://127.0.0.1:$port/api/auth/signup" >/dev/null || fail "signup"
kill -TERM "$pid"; wait "$pid" || fail "the host did not stop cleanly"
pid=""

# The installed scripts find the installed binary and config (no CODECOUNCIL_BIN, no config/).
"$prefix/lib/codecouncil/scripts/backup-db.sh" production >"$work/backup.log" 2>&1 \
  || { cat "$work/backup.log"; fail "installed backup-db.sh"; }
backup="$(ls "$work/backups" | grep -E '^codecouncil-ai_production_[0-9_]+\.sql\.gz$' | head -n 1)"
[ -n "$backup" ] || fail "no backup file in $work/backups: $(ls "$work/backups")"
sqlite3 "$db" "DELETE FROM \"User\""
"$prefix/lib/codecouncil/scripts/restore-db.sh" "$backup" production --yes >"$work/restore.log" 2>&1 \
  || { cat "$work/restore.log"; fail "installed restore-db.sh"; }
[ "$(sqlite3 "$db" "SELECT email FROM \"User\"")" = kept@example.com ] || fail "the restore did not bring the user back"

# The installed cron line, run as cron would: a bare environment, the service's env file loaded
# by the line itself.
line="$(grep -E '^[0-9*]' "$prefix/share/codecouncil/codecouncil-backup.cron")"
command="$(awk '{ for (i = 7; i <= NF; i++) printf "%s%s", $i, (i < NF ? " " : "") }' <<<"$line")"
[[ $command == *"$prefix/etc/codecouncil/env"* ]] || fail "the cron line does not load the env file: $line"
rm -rf "$work/backups"
env -i HOME="$elsewhere" PATH=/usr/bin:/bin sh -c "$command" >"$work/cron.log" 2>&1 \
  || { cat "$work/cron.log"; fail "the cron line failed"; }
ls "$work/backups" | grep -qE '^codecouncil-ai_production_[0-9_]+\.sql\.gz$' || fail "the cron line made no backup"

# The source tree's script still finds <build>/bin/codecouncil. A folder of its own: backup
# names have one-second resolution, and the cron run above may have been in the same second.
BACKUP_DIR="$work/source-backups" BUILD_DIR="$build" CODECOUNCIL_CONFIG="$prefix/etc/codecouncil/production.yaml" \
  "$src/scripts/backup-db.sh" production --no-upload >"$work/source-backup.log" 2>&1 \
  || { cat "$work/source-backup.log"; fail "the source tree's backup-db.sh"; }
grep -q '^backup: ' "$work/source-backup.log" || fail "source-tree backup: $(cat "$work/source-backup.log")"

echo "installed host served and backed up from $prefix"
