#!/usr/bin/env bash
# Restores a backup into an environment's database:
#   ./scripts/restore-db.sh [backup-file] [environment] [--yes] [--force-unsigned] [--dry-run] [--from-s3]
# The file may be a path or a bare name in $BACKUP_DIR (default /var/backups/codecouncil-ai).
# --from-s3 fetches the named backup (a bare name) from the S3 copy into $BACKUP_DIR first,
# with the AWS_* variables of backup-db.sh, and checks and restores it like a local one.
# An encrypted backup (.sql.gz.enc) needs BACKUP_ENCRYPTION_KEY, the key it was made with
# (from the environment, never argv); it is decrypted and authenticated in full before
# anything changes, and a wrong key, a cut or an altered file is refused.
# --dry-run prints what would be restored (engine, tables and rows from the manifest, age,
# checksum, signature, encryption and key state) and changes nothing: exit 0 when a restore
# would run, 1 with the reason when it would be refused.
# Before anything changes, the file is checked (its .sha256, a complete gzip stream, the
# manifest, the dump's closing line, and the .sig: an HMAC of the manifest under
# BACKUP_SIGNING_KEY); then it asks for confirmation unless --yes is given, replaces every
# table in one transaction, prints per-table row counts and compares them (and per-table
# checksums) with the manifest. An unsigned backup, or one the key did not sign, is refused
# unless --force-unsigned is given (logged as a warning). psql never runs meta-commands
# (\!) from the dump.
#
# Installed, it runs <prefix>/bin/codecouncil; in a source tree $BUILD_DIR/bin/codecouncil
# (default build/); CODECOUNCIL_BIN overrides both (scripts/backup-db.sh says more).
# A thin wrapper around `codecouncil restore` (the backup plugin), which holds the key check,
# so the key is never in argv. Exit status: 0 restored and matching, 1 refused, cancelled or
# failed (nothing changed unless the counts differ after a restore), 2 bad usage. Stop the
# application before restoring production.
set -euo pipefail
# Everything this creates (and the binary it runs creates) holds user data: files 0600,
# folders 0700, whatever umask cron or the login shell gave us. The binary sets its modes too.
umask 077

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
flags=()
positional=()
for arg in "$@"; do
  case "$arg" in
    --yes|-y) flags+=(--yes) ;;
    --force-unsigned) flags+=(--force-unsigned) ;;
    --dry-run) flags+=(--dry-run) ;;
    --from-s3) flags+=(--from-s3) ;;
    -h|--help) sed -n '2,26p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "restore-db.sh: unknown option $arg" >&2; exit 2 ;;
    *) positional+=("$arg") ;;
  esac
done
export BACKUP_DIR="${BACKUP_DIR:-/var/backups/codecouncil-ai}"
if [ ${#positional[@]} -lt 1 ] || [ ${#positional[@]} -gt 2 ]; then
  echo "usage: restore-db.sh [backup-file] [environment] [--yes] [--force-unsigned] [--dry-run] [--from-s3]" >&2
  if [ -d "$BACKUP_DIR" ]; then
    echo "backups in $BACKUP_DIR:" >&2
    ls -1t "$BACKUP_DIR" 2>/dev/null | grep -E '^codecouncil-ai_.*\.sql\.gz(\.enc)?$' | head -20 >&2 || true
  fi
  exit 2
fi
file="${positional[0]}"
environment="${positional[1]:-${CODECOUNCIL_ENV:-development}}"
if ! [[ "$environment" =~ ^[A-Za-z0-9_-]+$ ]]; then
  echo "restore-db.sh: invalid environment name '$environment'" >&2
  exit 2
fi
# We change folder below: make a path given relative to the caller absolute.
if [ -e "$file" ]; then file="$(cd "$(dirname "$file")" && pwd)/$(basename "$file")"; fi

# shellcheck source=lib/codecouncil-binary.sh
source "$HERE/lib/codecouncil-binary.sh"
find_codecouncil_binary "$HERE" restore-db.sh
bin="$CODECOUNCIL_BINARY"

args=(--env "$environment")
if [ -n "${CODECOUNCIL_CONFIG:-}" ]; then args+=(--config "$CODECOUNCIL_CONFIG"); fi
cd "$ROOT"
exec "$bin" "${args[@]}" restore "$file" ${flags[@]+"${flags[@]}"}
