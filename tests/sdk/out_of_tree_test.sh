#!/usr/bin/env bash
# Installs the SDK on its own (`cmake -S sdk`, no host configured or built) into a temporary
# prefix, builds sdk/examples/hello out of tree against that prefix only, with find_package
# (PostgreSQL) disabled (an author needs no libpq-dev), loads it into the real host and checks
# that its route answers; builds a consumer of the providers' contracts (CodeCouncil::billing_contract,
# CodeCouncil::audit_contract, and the events headers of analysis_contract and ratelimit_contract)
# against the same prefix. Also checks that the top-level install still ships the SDK.
# usage: out_of_tree_test.sh <source dir> <build dir> <host binary>
set -euo pipefail
src="$1" build="$2" host="$3"
work="$(mktemp -d)"
# Without a started host there is no pid: `kill 0` would signal this whole process group (ctest too).
trap 'if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/host-prefix" >/dev/null
test -f "$work/host-prefix/include/codecouncil/sdk/sdk.hpp"
test -f "$work/host-prefix/lib/cmake/CodeCouncilSDK/CodeCouncilSDKConfig.cmake"
test -f "$work/host-prefix/include/codecouncil/billing/contract.hpp"
test -f "$work/host-prefix/include/codecouncil/analysis/events.hpp"
test -f "$work/host-prefix/include/codecouncil/ratelimit/events.hpp"

# -Werror=dev: a standalone configure must be clean (project(), cmake_minimum_required(), no parent-scope set).
cmake -S "$src/sdk" -B "$work/sdk-build" -G Ninja -Werror=dev >/dev/null
test ! -e "$work/sdk-build/bin/codecouncil"  # the SDK alone builds no host
cmake --install "$work/sdk-build" --prefix "$work/sdk-prefix" >/dev/null
test -f "$work/sdk-prefix/include/codecouncil/sdk/sdk.hpp"
test ! -e "$work/sdk-prefix/bin"
# The providers' contracts install with it, as header-only targets of the SDK's package.
test -f "$work/sdk-prefix/include/codecouncil/billing/contract.hpp"
test -f "$work/sdk-prefix/include/codecouncil/audit/contract.hpp"
# Publishers' events headers too: subscribers name topics through them (header-only contracts).
test -f "$work/sdk-prefix/include/codecouncil/billing/events.hpp"
test -f "$work/sdk-prefix/include/codecouncil/analysis/events.hpp"
test -f "$work/sdk-prefix/include/codecouncil/ratelimit/events.hpp"
test -f "$work/sdk-prefix/include/codecouncil/backup/events.hpp"
test ! -e "$work/sdk-prefix/include/codecouncil/sdk/services"
# A consumer of billing's and audit's services builds against that prefix alone.
mkdir -p "$work/consumer-src"
cat >"$work/consumer-src/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.22)
project(contract_consumer LANGUAGES CXX)
find_package(CodeCouncilSDK 2.0 REQUIRED)
codecouncil_add_plugin(contract_consumer SOURCES consumer.cpp
                       LIBRARIES CodeCouncil::billing_contract CodeCouncil::audit_contract
                                 CodeCouncil::analysis_contract CodeCouncil::ratelimit_contract)
CMAKE
cat >"$work/consumer-src/consumer.cpp" <<'CPP'
#include <codecouncil/analysis/events.hpp>
#include <codecouncil/audit/contract.hpp>
#include <codecouncil/billing/contract.hpp>
#include <codecouncil/ratelimit/events.hpp>
#include <codecouncil/sdk/sdk.hpp>
namespace {
class Consumer : public cc::Plugin {
 public:
  std::string name() const override { return "contract_consumer"; }
  std::string version() const override { return "0.0.1"; }
  std::vector<std::string> optionalDependencies() const override { return {"billing", "audit"}; }
  void start(cc::Context& ctx) override {
    ledger_ = ctx.services().get<cc::billing::CreditLedger>();
    audit_ = ctx.services().get<cc::audit::AuditLog>();
    for (auto* topic : {&cc::analysis::topics::kAnalysisFailed, &cc::ratelimit::topics::kRateLimitExceeded})
      ctx.events().subscribe(topic->name, [](const cc::Event&) {});
  }
 private:
  std::shared_ptr<cc::billing::CreditLedger> ledger_;
  std::shared_ptr<cc::audit::AuditLog> audit_;
};
}  // namespace
CODECOUNCIL_PLUGIN(Consumer)
CPP
cmake -S "$work/consumer-src" -B "$work/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$work/sdk-prefix" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_DISABLE_FIND_PACKAGE_PostgreSQL=ON --no-warn-unused-cli >/dev/null
cmake --build "$work/consumer" >/dev/null
test -f "$work/consumer/libcc_contract_consumer.so"
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
