#!/usr/bin/env bash
# Installs the SDK from the build tree, builds sdk/examples/hello out of tree against it,
# loads it into the real host and checks that its route answers.
# usage: out_of_tree_test.sh <source dir> <build dir> <host binary>
set -euo pipefail
src="$1" build="$2" host="$3"
work="$(mktemp -d)"
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/codecouncil/sdk/sdk.hpp"
cmake -S "$src/sdk/examples/hello" -B "$work/hello" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
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
echo "out-of-tree plugin answered: $answer"
