#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for FUZZ_RUNS inputs
# (default 30000) from a fixed seed and a fresh corpus, so a run is repeatable: the same
# commit fuzzes the same inputs in CI as on a developer's machine. A crash, leak or sanitizer
# report fails the test and leaves the input in the work folder.
# A longer, open-ended run: FUZZ_SECONDS=600 tests/fuzz/run.sh <source dir> <work dir>
set -euo pipefail
src="$1" work="$2"
if [ -n "${FUZZ_SECONDS:-}" ]; then
  budget=(-max_total_time="$FUZZ_SECONDS")
else
  budget=(-runs="${FUZZ_RUNS:-30000}" -seed=1)
fi
mkdir -p "$work"
CXX="${FUZZ_CXX:-clang++}"
source "$src/tests/support/skip.sh"
command -v "$CXX" >/dev/null 2>&1 ||
  cc_skip fuzz.parsers "$CXX is not installed (Debian: clang libclang-rt-14-dev; ./scripts/test installs them)"
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$src" -I"$src/sdk/include")

build() {  # build <name> <sources...> -- <libs...>
  local name="$1"; shift
  local sources=() libs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do sources+=("$1"); shift; done
  [ $# -gt 0 ] && shift && libs=("$@")
  if [ ! -x "$work/$name" ] || [ -n "$(find "${sources[@]}" -newer "$work/$name" 2>/dev/null)" ]; then
    "$CXX" "${flags[@]}" "${sources[@]}" -o "$work/$name" "${libs[@]}"
  fi
}

build router_fuzz "$src/tests/fuzz/router_fuzz.cpp" "$src/core/http/router.cpp"
build cron_fuzz "$src/tests/fuzz/cron_fuzz.cpp" "$src/core/scheduler/cron.cpp"
build json_fuzz "$src/tests/fuzz/json_fuzz.cpp" -- -lPocoJSON -lPocoFoundation
build sql_script_fuzz "$src/tests/fuzz/sql_script_fuzz.cpp" "$src/core/db/sql_script.cpp"
build config_fuzz "$src/tests/fuzz/config_fuzz.cpp" "$src/core/config/host_config.cpp" "$src/core/config/dotenv.cpp" \
  "$src/core/http/client_address.cpp" "$src/core/db/database_url.cpp" "$src/core/config/install_layout.cpp" \
  -- -lyaml-cpp -lPocoFoundation
for extra in "$src"/plugins/*/fuzz/*_fuzz.sh; do
  [ -f "$extra" ] && source "$extra"   # plugins add their own targets (e.g. Stripe-Signature parsing)
done

for target in "$work"/*_fuzz; do
  [ -f "$target" ] || continue
  name="$(basename "$target")"
  corpus="$work/corpus/$name"
  [ -n "${FUZZ_SECONDS:-}" ] || rm -rf "$corpus"   # repeatable runs start from the seeds only
  mkdir -p "$corpus"
  seeds=()
  for d in "$src/tests/fuzz/corpus/${name%_fuzz}" "$src"/plugins/*/fuzz/corpus/"${name%_fuzz}"; do
    [ -d "$d" ] && seeds+=("$d")
  done
  echo "== $name (${budget[*]})"
  (cd "$work" && "$target" "${budget[@]}" -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
     "$corpus" "${seeds[@]}" 2>&1 | tail -n 4)
done
echo "fuzzing finished without findings"
