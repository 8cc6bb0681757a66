#!/usr/bin/env bash
# Installs the SDK on its own (`cmake -S sdk`, no host configured or built) into a temporary
# prefix, builds sdk/examples/hello out of tree against that prefix only, with find_package
# (PostgreSQL) disabled (an author needs no libpq-dev), loads it into the real host and checks
# that its route answers. Also checks that the top-level install still ships the SDK.
# usage: out_of_tree_test.sh <source dir> <build dir> <host binary>
set -euo pipefail
src="$1" build="$2" host="$3"
work="$(mktemp -d)"
# Without a started host there is no pid: `kill 0` would signal this whole process group (ctest too).
trap 'if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/host-prefix" >/dev/null
test -f "$work/host-prefix/include/codecouncil/sdk/sdk.hpp"
test -f "$work/host-prefix/lib/cmake/CodeCouncilSDK/CodeCouncilSDKConfig.cmake"

# -Werror=dev: a standalone configure must be clean (project(), cmake_minimum_required(), no parent-scope set).
cmake -S "$src/sdk" -B "$work/sdk-build" -G Ninja -Werror=dev >/dev/null
test ! -e "$work/sdk-build/bin/codecouncil"  # the SDK alone builds no host
cmake --install "$work/sdk-build" --prefix "$work/sdk-prefix" >/dev/null
test -f "$work/sdk-prefix/include/codecouncil/sdk/sdk.hpp"
test ! -e "$work/sdk-prefix/bin"
cmake -S "$src/sdk/examples/hello" -B "$work/hello" -G Ninja -DCMAKE_PREFIX_PATH="$work/sdk-prefix" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_DISABLE_FIND_PACKAGE_PostgreSQL=ON --no-warn-unused-cli >/dev/null
cmake --build "$work/hello" >/dev/null
test -f "$work/hello/libcc_hello.so"

port=$((20000 + RANDOM % 12000))
cat >"$work/cc.yaml" <<YAML
server: { host: 127.0.0.1, port: $port }
database: { migrations_dir: $src/migrations }
auth: { jwt_secret: out-of-tree-test-secret-0123456789abcdef }
data_dir: $work/data
plugins:
  - name: hello
    path: $work/hello/libcc_hello.so
    config: { greeting: Welcome }
YAML
"$host" serve --config "$work/cc.yaml" >"$work/host.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
answer="$(curl -fs "http://127.0.0.1:$port/api/hello/plugin-author" || true)"
expected='{"message":"Welcome, plugin-author!"}'
if [ "$answer" != "$expected" ]; then
  echo "expected $expected, got '$answer'"; cat "$work/host.log"; exit 1
fi
kill -TERM "$pid"; wait "$pid"
# The example logs through ctx.log()'s checked `{}` formatting (sdk/.../log.hpp).
grep -q "hello plugin ready, greeting 'Welcome'" "$work/host.log" || { echo "no formatted log line"; cat "$work/host.log"; exit 1; }
echo "out-of-tree plugin answered: $answer"
