#!/usr/bin/env bash
# Backs up an environment's database:
#   ./scripts/backup-db.sh [environment] [--verify] [--no-upload]
# writes $BACKUP_DIR/codecouncil-ai_<environment>_<YYYYMMDD_HHMMSS>.sql.gz (+ .sha256 and
# .manifest.json). BACKUP_DIR defaults to /var/backups/codecouncil-ai; RETENTION_DAYS (30),
# AWS_S3_BACKUP_BUCKET, AWS_REGION, AWS_ENDPOINT_URL and the AWS credentials are read by the
# backup plugin from the environment.
#
# This is a thin wrapper: the work is done by `codecouncil backup` (the backup plugin), the
# same code the scheduled job runs. Exit status: 0 ok, 1 backup failed, 2 bad usage.
# Cron (UTC), e.g. in /etc/crontab:
#   0 2 * * * deploy /srv/codecouncil/scripts/backup-db.sh production
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
environment="${CODECOUNCIL_ENV:-development}"
extra=()
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  environment="$1"
  shift
fi
extra=("$@")
if ! [[ "$environment" =~ ^[A-Za-z0-9_-]+$ ]]; then
  echo "backup-db.sh: invalid environment name '$environment'" >&2
  exit 2
fi

build_dir="${BUILD_DIR:-build}"
case "$build_dir" in /*) ;; *) build_dir="$ROOT/$build_dir" ;; esac
bin="${CODECOUNCIL_BIN:-$build_dir/bin/codecouncil}"
if [ ! -x "$bin" ]; then
  echo "backup-db.sh: $bin not found: build first (./scripts/run or cmake), or set CODECOUNCIL_BIN" >&2
  exit 1
fi

export BACKUP_DIR="${BACKUP_DIR:-/var/backups/codecouncil-ai}"
args=(--env "$environment")
# The binary picks config/<environment>.yaml relative to the working directory.
if [ -n "${CODECOUNCIL_CONFIG:-}" ]; then args+=(--config "$CODECOUNCIL_CONFIG"); fi
cd "$ROOT"
exec "$bin" "${args[@]}" backup ${extra[@]+"${extra[@]}"}
