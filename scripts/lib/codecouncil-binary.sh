# shellcheck shell=bash
# Finds the codecouncil binary for scripts/backup-db.sh and scripts/restore-db.sh, which run
# from two homes: a source tree (scripts/ beside build/, configs in config/) or an install
# (<prefix>/lib/codecouncil/scripts, with this file in its lib/, binary in <prefix>/bin, which
# finds its own configs). Sourced, not run: sets ROOT and CODECOUNCIL_BINARY, or exits 1 with
# a message naming the calling script when the binary is missing.
#
#   source "$HERE/lib/codecouncil-binary.sh"; find_codecouncil_binary "$HERE" backup-db.sh

find_codecouncil_binary() {
  local here="$1" caller="$2" default_bin build_dir
  case "$here" in
    */lib/codecouncil/scripts)
      ROOT="${here%/lib/codecouncil/scripts}"
      default_bin="$ROOT/bin/codecouncil"
      ;;
    *)
      ROOT="$(cd "$here/.." && pwd)"
      build_dir="${BUILD_DIR:-build}"
      case "$build_dir" in /*) ;; *) build_dir="$ROOT/$build_dir" ;; esac
      default_bin="$build_dir/bin/codecouncil"
      ;;
  esac
  CODECOUNCIL_BINARY="${CODECOUNCIL_BIN:-$default_bin}"
  if [ ! -x "$CODECOUNCIL_BINARY" ]; then
    echo "$caller: $CODECOUNCIL_BINARY not found: build first (./scripts/run or cmake), install (cmake --install), or set CODECOUNCIL_BIN" >&2
    exit 1
  fi
}
