#!/usr/bin/env bash
# A provider's contract is no input of the SDK build signature (CODECOUNCIL_BUILD_SIGNATURE,
# sdk/include/codecouncil/sdk/version.hpp), so changing billing's or audit's contract header
# never makes the host refuse a third-party plugin that does not use it. Checks that
#   1. the signature's inputs (the include closure of version.hpp, and of sdk.hpp) name no
#      file outside sdk/include, in particular nothing under plugins/;
#   2. the SDK's headers carry no provider's contract (no service type, no bundled plugin's name);
#   3. a plugin compiled against a changed contract header computes the same signature as one
#      compiled against the original, and as the host binary reports (`codecouncil version`).
# usage: signature_inputs_test.sh <c++ compiler> <source dir> <host binary>
set -euo pipefail
cxx="$1" src="$2" host="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sdk_include="$src/sdk/include"
contract_includes=()
for dir in "$src"/plugins/*/include; do if [ -d "$dir" ]; then contract_includes+=(-I "$dir"); fi; done
[ "${#contract_includes[@]}" -gt 0 ] || { echo "no plugins/*/include contract folders found"; exit 1; }

# 1. Inputs of the signature: version.hpp's and sdk.hpp's include closures.
for header in version.hpp sdk.hpp; do
  "$cxx" -std=c++20 -M -I "$sdk_include" "${contract_includes[@]}" -x c++ "$sdk_include/codecouncil/sdk/$header" \
    | tr ' \\' '\n\n' | grep -v '^$' | grep -v ':$' >"$work/deps"
  outside="$(grep -F "$src/" "$work/deps" | grep -vF "$sdk_include/codecouncil/sdk/" || true)"
  if [ -n "$outside" ]; then
    echo "FAIL: $header includes files outside the SDK (they would become SDK inputs):"; echo "$outside"; exit 1
  fi
done
echo "ok: version.hpp and sdk.hpp include nothing outside sdk/include"

# 2. No provider's contract inside the SDK.
if grep -rnE 'kServiceName *=|kContractVersion *=' "$sdk_include" | grep -v '^[^:]*:[0-9]*: *//'; then
  echo "FAIL: a service contract is declared inside the SDK; it belongs to its provider (plugins/<name>/include)"; exit 1
fi
# No exception: topics describe their events generically (TopicSpec::severity, ::resource)
# for any subscriber, so no SDK line names a bundled plugin, not even as a concept.
if grep -rniwE 'billing|audit|ratelimit|backup' "$sdk_include"; then
  echo "FAIL: the SDK's headers name a bundled plugin"; exit 1
fi
echo "ok: the SDK declares no provider's contract and names no bundled plugin"

# 3. The signature with the contracts as they are, and with billing's contract changed.
cat >"$work/signature.cpp" <<'CPP'
#include <codecouncil/sdk/version.hpp>
#include <codecouncil/audit/contract.hpp>
#include <codecouncil/billing/contract.hpp>
#include <iostream>
int main() { std::cout << cc::kBuildSignature << " billing.credits v" << cc::billing::CreditLedger::kContractVersion << "\n"; }
CPP
signature() {  # <output name> <contract include flags...>
  local out="$1"; shift
  "$cxx" -std=c++20 -I "$sdk_include" "$@" "$work/signature.cpp" -o "$work/$out" -lPocoData -lPocoFoundation
  "$work/$out"
}
original="$(signature original "${contract_includes[@]}")"
cp -r "$src/plugins/billing/include" "$work/billing-changed"
sed -i 's/static constexpr int kContractVersion = \([0-9]*\);/static constexpr int kContractVersion = 1\1;/' \
  "$work/billing-changed/codecouncil/billing/contract.hpp"
echo 'namespace cc::billing { struct AddedToTheContract { int field = 0; }; }' \
  >>"$work/billing-changed/codecouncil/billing/contract.hpp"
changed_includes=()
for dir in "$src"/plugins/*/include; do
  [ "$dir" = "$src/plugins/billing/include" ] && dir="$work/billing-changed"
  changed_includes+=(-I "$dir")
done
changed="$(signature changed "${changed_includes[@]}")"
[ "${original% billing*}" = "${changed% billing*}" ] || { echo "FAIL: signature changed with the contract: '$original' vs '$changed'"; exit 1; }
[ "${original#* billing}" != "${changed#* billing}" ] || { echo "FAIL: the changed contract was not the one compiled"; exit 1; }
"$host" version | grep -qF "${original% billing*})" || { echo "FAIL: host reports another signature: $("$host" version)"; exit 1; }
echo "ok: signature '${original% billing*}' unchanged by a contract change (${original#* } -> ${changed#* })"
