#!/usr/bin/env bash
# Backs up an environment's database:
#   ./scripts/backup-db.sh [environment] [--verify] [--no-upload]
# writes $BACKUP_DIR/codecouncil-ai_<environment>_<YYYYMMDD_HHMMSS>.sql.gz (+ .sha256,
# .manifest.json and .sig, the manifest's HMAC under BACKUP_SIGNING_KEY, which production
# requires). With BACKUP_ENCRYPTION_KEY (64 hex digits, openssl rand -hex 32) the dump is
# AES-256-GCM encrypted by the binary before it is written and named ....sql.gz.enc
# (openssl enc has no authenticated mode, so the scripts never encrypt themselves; the key
# stays in the environment, never in argv). BACKUP_DIR defaults to
# /var/backups/codecouncil-ai; RETENTION_DAYS (30), BACKUP_SIGNING_KEY, BACKUP_ENCRYPTION_KEY, AWS_S3_BACKUP_BUCKET, AWS_REGION, AWS_ENDPOINT_URL and the AWS
# credentials are read by the backup plugin from the environment.
#
# This is a thin wrapper: the work is done by `codecouncil backup` (the backup plugin), the
# same code the scheduled job runs. Exit status: 0 ok, 1 backup failed (or not enough free
# space), 2 bad usage.
#
# Free space: before running anything, BACKUP_DIR's disk (df) must have at least
# BACKUP_MIN_FREE_BYTES (default 1 GiB, 0 turns this pre-check off) available. The binary then
# checks again with its size estimate of the database (docs/backup.md, "Free space").
# Installed (cmake --install, the Debian package) it lives in <prefix>/lib/codecouncil/scripts
# and runs <prefix>/bin/codecouncil; in a source tree it runs $BUILD_DIR/bin/codecouncil
# (default build/); CODECOUNCIL_BIN overrides both.
# Cron (UTC): deploy/codecouncil-backup.cron, installed as <prefix>/share/codecouncil/
# codecouncil-backup.cron; it loads the service's environment file, which gives
# BACKUP_SIGNING_KEY and DATABASE_URL without putting them in argv:
#   0 2 * * * codecouncil sh -c 'set -a; . /etc/codecouncil/env; set +a; exec /usr/lib/codecouncil/scripts/backup-db.sh production'
set -euo pipefail
# Everything this creates (and the binary it runs creates) holds user data: files 0600,
# folders 0700, whatever umask cron or the login shell gave us. The binary sets its modes too.
umask 077

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
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

# shellcheck source=lib/codecouncil-binary.sh
source "$HERE/lib/codecouncil-binary.sh"
find_codecouncil_binary "$HERE" backup-db.sh
bin="$CODECOUNCIL_BINARY"

export BACKUP_DIR="${BACKUP_DIR:-/var/backups/codecouncil-ai}"
export BACKUP_MIN_FREE_BYTES="${BACKUP_MIN_FREE_BYTES:-1073741824}"
if ! [[ "$BACKUP_MIN_FREE_BYTES" =~ ^[0-9]+$ ]]; then
  echo "backup-db.sh: BACKUP_MIN_FREE_BYTES must be a number of bytes, got '$BACKUP_MIN_FREE_BYTES'" >&2
  exit 2
fi

# The disk BACKUP_DIR is (or will be created) on: its nearest existing folder.
existing_parent() {
  local dir="$1"
  while [ ! -d "$dir" ] && [ "$dir" != "/" ] && [ "$dir" != "." ]; do dir="$(dirname "$dir")"; done
  printf '%s\n' "$dir"
}

mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }

# Refuse before a dump can fill the disk half-way (and take the space the database needs).
if [ "$BACKUP_MIN_FREE_BYTES" -gt 0 ]; then
  probe="$(existing_parent "$BACKUP_DIR")"
  if ! avail="$(df --output=avail -B1 "$probe" 2>/dev/null | tail -n 1 | tr -d ' ')" || ! [[ "$avail" =~ ^[0-9]+$ ]]; then
    echo "backup-db.sh: cannot read the free space of $probe (df)" >&2
    exit 1
  fi
  if [ "$avail" -lt "$BACKUP_MIN_FREE_BYTES" ]; then
    echo "backup-db.sh: not enough free space in $BACKUP_DIR: need ~$(mb "$BACKUP_MIN_FREE_BYTES") (BACKUP_MIN_FREE_BYTES), have $(mb "$avail"); nothing written" >&2
    exit 1
  fi
fi
args=(--env "$environment")
# A source tree's binary picks config/<environment>.yaml relative to the working directory;
# an installed one reads <prefix>/etc/codecouncil/<environment>.yaml wherever it starts.
if [ -n "${CODECOUNCIL_CONFIG:-}" ]; then args+=(--config "$CODECOUNCIL_CONFIG"); fi
cd "$ROOT"
exec "$bin" "${args[@]}" backup ${extra[@]+"${extra[@]}"}
