# Shared by scripts/run and scripts/test: install what is missing, then build.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# No script stops without saying what failed (set -e alone exits silently).
trap 'echo "$(basename "$0"): line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
JOBS="${JOBS:-2}"

# Debian packages the host needs to build and run.
BUILD_PACKAGES=(cmake ninja-build g++ pkg-config
  libpoco-dev libboost-dev libboost-filesystem-dev libboost-context-dev libyaml-cpp-dev prometheus-cpp-dev
  libsqlite3-dev sqlite3 libpq-dev libargon2-dev libssl-dev libgtest-dev libgmock-dev)
# Only the test suite needs these (python3: bench/admin/run.sh, run by ctest, picks its port with it;
# nginx-light: tests/integration/nginx_proxy_test.cpp runs deploy/nginx.conf in front of the host;
# lintian, dpkg-dev and file: tests/install/deb_package_test.sh builds the Debian package with
# cpack, which runs dpkg-shlibdeps, and checks it; pgbouncer: tests/support/pgbouncer.hpp runs it
# in front of the test PostgreSQL).
# scripts/test adds nodejs and npm when node is missing (ensure_node); everything else the tests
# run (runuser, flock, mount, gzip, awk) is in every Debian system.
TEST_PACKAGES=(postgresql pgbouncer curl openssl wrk clang libclang-rt-14-dev prometheus prometheus-alertmanager chromium python3 nginx-light
  lintian dpkg-dev file)

log() { printf '==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; return; fi
  command -v sudo >/dev/null 2>&1 || { log "not root and no sudo: run this as root (or install sudo) to install packages"; return 1; }
  sudo "$@"
}

# Installs the packages that are not installed yet (one apt-get update, only when needed).
install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Node.js may come from Debian or from another packager; only install it when absent.
ensure_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && return 0
  install_packages nodejs npm
}

build() {
  local type="${CMAKE_BUILD_TYPE:-RelWithDebInfo}"
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    log "configuring $BUILD_DIR ($type)"
    local launcher=()
    # ccache, when the machine has it, makes rebuilds in fresh clones cheap; it is optional.
    command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$type" "${launcher[@]}" "$@"
  fi
  # BUILD_TARGET=host builds the binary and the bundled plugins only (scripts/run); the
  # default builds everything, tests included (scripts/test).
  log "building ${BUILD_TARGET:-everything} with -j$JOBS"
  cmake --build "$BUILD_DIR" -j "$JOBS" ${BUILD_TARGET:+--target "$BUILD_TARGET"}
}
