#!/usr/bin/env bash
# Browser test of the admin dashboard, run by ctest:
#   run_browser_test.sh <source dir> <build dir> <codecouncil binary>
# Installs playwright-core from npm into <build dir>/admin-browser-test (once; never a
# browser download: it drives Debian's /usr/bin/chromium), then runs dashboard_test.mjs.
set -euo pipefail
SOURCE_DIR="$1"
BUILD_DIR="$2"
HOST_BINARY="$3"
WORK="$BUILD_DIR/admin-browser-test"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
mkdir -p "$WORK"

if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing Debian's chromium for the browser test" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >&2 ||
      { DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >&2; }
  fi
  [ -x "$CHROMIUM" ] || { echo "FAIL: $CHROMIUM is missing (apt-get install chromium)" >&2; exit 1; }
fi
command -v node >/dev/null && command -v npm >/dev/null || { echo "FAIL: node and npm are required" >&2; exit 1; }

# Pinned: Debian 12's nodejs is 18, and playwright-core 1.62 and later need Node 20 (a
# fresh Debian 12 root failed here with "Playwright requires Node.js 20 or higher").
PLAYWRIGHT_VERSION=1.61.1
if ! grep -q "\"version\": \"$PLAYWRIGHT_VERSION\"" "$WORK/node_modules/playwright-core/package.json" 2>/dev/null; then
  # PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: playwright-core downloads nothing, but make sure.
  [ -f "$WORK/package.json" ] || echo '{"name":"admin-browser-test","private":true}' > "$WORK/package.json"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$WORK" --no-audit --no-fund --loglevel=error \
    "playwright-core@$PLAYWRIGHT_VERSION" >&2
fi

exec node "$SOURCE_DIR/plugins/admin/tests/browser/dashboard_test.mjs" \
  --source "$SOURCE_DIR" --build "$BUILD_DIR" --host "$HOST_BINARY" --out "$WORK" --chromium "$CHROMIUM"
