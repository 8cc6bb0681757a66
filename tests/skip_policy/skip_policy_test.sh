#!/usr/bin/env bash
# The test command's skip policy (docs/testing.md, "Skips"), end to end:
#  - the GoogleTest main (tests/support/main/test_main.cpp) turns an unlisted skip into a failure
#    when CC_TEST_STRICT_SKIPS=1, leaves a listed one skipped, and logs both;
#  - tests/support/skip.sh does the same for shell tests;
#  - ctest then reports the listed ones "Skipped" and the unlisted ones "Failed";
#  - scripts/test's summary (scripts/lib/test-skips.sh) counts them, and refuses a skip that
#    bypassed the policy;
#  - every GoogleTest program in this build folder carries the policy and ctest's skip regex.
# usage: skip_policy_test.sh <source dir> <build dir> <skip_policy_probe binary>
set -euo pipefail
src="$1" build="$2" probe="$3"
work="$(mktemp -d /tmp/cc-skip-policy.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# scripts/test runs this with the policy on; none of that may leak into the runs below, nor may
# their refused skips reach scripts/test's own log.
unset CC_TEST_STRICT_SKIPS CC_TEST_SKIP_LOG CC_TEST_SKIP_ALLOWLIST CC_TEST_POSTGRES_URL
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }
has() { [[ $1 == *"$2"* ]]; }
tab=$'\t'

list="$work/allow.txt"
cat >"$list" <<'EOF'
# the self-test's allow-list
SkipPolicyProbe.Listed   the self-test lists this one
shell.listed             and this one
EOF

# probe <test> <strict 0|1> [allow-list]: runs one probe test alone; sets rc, out and logged.
probe() {
  local dir
  dir="$(mktemp -d "$work/log.XXXXXX")"
  rc=0
  out="$(CC_TEST_STRICT_SKIPS="$2" CC_TEST_SKIP_ALLOWLIST="${3:-$list}" CC_TEST_SKIP_LOG="$dir" \
    "$probe" --gtest_filter="SkipPolicyProbe*.$1" 2>&1)" || rc=$?
  logged="$(cat "$dir/skips.tsv" 2>/dev/null || true)"
}

echo "== GoogleTest main"
probe Runs 1
[ "$rc" -eq 0 ] && has "$out" "[  PASSED  ] 1 test" && [ -z "$logged" ] || bad "a passing test: rc=$rc log='$logged'"$'\n'"$out"

probe Listed 1
[ "$rc" -eq 0 ] || bad "a listed skip must not fail (rc=$rc)"$'\n'"$out"
has "$out" "[  SKIPPED ] SkipPolicyProbe.Listed" || bad "a listed skip must be reported skipped"$'\n'"$out"
[ "$logged" = "SkipPolicyProbe.Listed${tab}allowed${tab}the listed probe reason" ] || bad "listed skip logged as '$logged'"

probe Unlisted 1
[ "$rc" -eq 1 ] || bad "an unlisted skip must fail under the policy (rc=$rc)"$'\n'"$out"
has "$out" "[  FAILED  ] SkipPolicyProbe.Unlisted" || bad "an unlisted skip must be reported failed"$'\n'"$out"
has "$out" "[  SKIPPED ]" && bad "an unlisted skip printed [  SKIPPED ], which ctest's SKIP_REGULAR_EXPRESSION would count as a skip"
has "$out" "counts a skip as a failure: the unlisted probe reason" || bad "the failure must say why"$'\n'"$out"
has "$out" "skip_policy_probe.cpp:13" || bad "the failure must point at the GTEST_SKIP() line"$'\n'"$out"
[ "$logged" = "SkipPolicyProbe.Unlisted${tab}refused${tab}the unlisted probe reason" ] || bad "unlisted skip logged as '$logged'"

probe SkipsInSetUp 1
[ "$rc" -eq 1 ] && has "$out" "[  FAILED  ] SkipPolicyProbeFixture.SkipsInSetUp" || bad "a skip in SetUp must fail under the policy"$'\n'"$out"
has "$out" "the body must not run" && bad "the test body ran after a skip in SetUp"

probe PostgresWithoutUrl 1
[ "$rc" -eq 1 ] && has "$out" "CC_TEST_POSTGRES_URL is not set: the PostgreSQL part did not run" ||
  bad "a PostgreSQL variant without CC_TEST_POSTGRES_URL must fail under the policy"$'\n'"$out"
probe PostgresWithoutUrl 0
[ "$rc" -eq 0 ] && has "$out" "[  SKIPPED ] SkipPolicyProbe.PostgresWithoutUrl" ||
  bad "a PostgreSQL variant without CC_TEST_POSTGRES_URL must be reported skipped, not passed"$'\n'"$out"

probe Unlisted 0
[ "$rc" -eq 0 ] && has "$out" "[  SKIPPED ] SkipPolicyProbe.Unlisted" || bad "by hand (policy off) a test may skip"$'\n'"$out"
[ "$logged" = "SkipPolicyProbe.Unlisted${tab}unlisted${tab}the unlisted probe reason" ] || bad "policy-off skip logged as '$logged'"

printf 'SkipPolicyProbe.Listed\n' >"$work/no-reason.txt"
probe Listed 1 "$work/no-reason.txt"
[ "$rc" -eq 1 ] && has "$out" "no-reason.txt:1: 'SkipPolicyProbe.Listed' has no reason" ||
  bad "an entry without a reason must void the list, saying where"$'\n'"$out"

echo "== shell helper"
cat >"$work/shell_skip.sh" <<EOF
source "$src/tests/support/skip.sh"
cc_skip "\$1" "the shell reason"
echo "not reached"
EOF
shell() {
  local dir
  dir="$(mktemp -d "$work/log.XXXXXX")"
  rc=0
  out="$(CC_TEST_STRICT_SKIPS="$2" CC_TEST_SKIP_ALLOWLIST="$list" CC_TEST_SKIP_LOG="$dir" bash "$work/shell_skip.sh" "$1" 2>&1)" || rc=$?
  logged="$(cat "$dir/skips.tsv" 2>/dev/null || true)"
}
shell shell.listed 1
[ "$rc" -eq 77 ] && [ "$logged" = "shell.listed${tab}allowed${tab}the shell reason" ] || bad "shell: listed skip rc=$rc log='$logged'"$'\n'"$out"
shell shell.unlisted 1
[ "$rc" -eq 1 ] && has "$out" "counts a skip as a failure: the shell reason" && [ "$logged" = "shell.unlisted${tab}refused${tab}the shell reason" ] ||
  bad "shell: unlisted skip under the policy rc=$rc log='$logged'"$'\n'"$out"
shell shell.unlisted 0
[ "$rc" -eq 77 ] || bad "shell: by hand an unlisted skip exits 77 (rc=$rc)"$'\n'"$out"

echo "== ctest and the summary"
# The same properties gtest_discover_tests and the script tests' add_test() give the real suite.
mkdir -p "$work/ctest"
cat >"$work/ctest/CTestTestfile.cmake" <<EOF
foreach(t Runs Listed Unlisted)
  add_test(probe.\${t} "$probe" --gtest_filter=SkipPolicyProbe.\${t})
  set_tests_properties(probe.\${t} PROPERTIES SKIP_REGULAR_EXPRESSION "\\\\[  SKIPPED \\\\]")
endforeach()
foreach(t listed unlisted)
  add_test(shell.\${t} bash "$work/shell_skip.sh" shell.\${t})
  set_tests_properties(shell.\${t} PROPERTIES SKIP_RETURN_CODE 77)
endforeach()
add_test(rogue bash -c "echo 'skips without the helper'; exit 77")
set_tests_properties(rogue PROPERTIES SKIP_RETURN_CODE 77)
EOF
# ctest_run <log dir> [ctest args]: ctest as scripts/test runs it; sets rc and out.
ctest_run() {
  local dir="$1"
  shift
  rc=0
  out="$(cd "$work/ctest" && CC_TEST_STRICT_SKIPS=1 CC_TEST_SKIP_ALLOWLIST="$list" CC_TEST_SKIP_LOG="$dir" \
    ctest --output-junit "$dir/ctest.xml" "$@" 2>&1)" || rc=$?
}
status_of() { grep -E "Test +#[0-9]+: $1 " <<<"$out" | grep -oE 'Passed|\*\*\*Failed|\*\*\*Skipped' || echo "missing"; }
mkdir -p "$work/ctest-log1" "$work/ctest-log2"
ctest_run "$work/ctest-log1" -E rogue
[ "$rc" -ne 0 ] || bad "ctest must fail when a skip is refused"
for expect in "probe.Runs Passed" "probe.Listed ***Skipped" "probe.Unlisted ***Failed" \
  "shell.listed ***Skipped" "shell.unlisted ***Failed"; do
  [ "$(status_of "${expect%% *}")" = "${expect#* }" ] || bad "ctest: ${expect%% *} is $(status_of "${expect%% *}"), expected ${expect#* }"$'\n'"$out"
done
source "$src/scripts/lib/common.sh"
source "$src/scripts/lib/test-skips.sh"
summary_rc=0
summary="$(skip_summary "$work/ctest-log1" "$work/ctest-log1/ctest.xml" 2>&1)" || summary_rc=$?
echo "$summary"
[ "$summary_rc" -eq 0 ] || bad "the summary must accept skips that all went through the policy"
has "$summary" "skips: 2 allowed by tests/skip-allowlist.txt, 2 refused (counted as failures)" || bad "summary counts"
has "$summary" "skipped  SkipPolicyProbe.Listed: the listed probe reason" || bad "summary: the listed GoogleTest skip and its reason"
has "$summary" "FAILED   shell.unlisted: the shell reason" || bad "summary: the refused shell skip and its reason"

ctest_run "$work/ctest-log2" -R rogue
summary_rc=0
summary="$(skip_summary "$work/ctest-log2" "$work/ctest-log2/ctest.xml" 2>&1)" || summary_rc=$?
echo "$summary"
[ "$summary_rc" -eq 1 ] && has "$summary" "not run  rogue" || bad "a skip that bypassed the policy must fail the summary and be named"

echo "== every GoogleTest program of $build has the policy"
# Each discovered test runs "<program> --gtest_filter=..."; the policy's variable name is a string
# only skip_policy.cpp has, so a program linked without it (GTest::gtest_main) shows up here.
mapfile -t programs < <(ctest --test-dir "$build" --show-only=json-v1 2>/dev/null |
  grep -B1 -- '"--gtest_filter=' | sed -n 's/^[[:space:]]*"\(\/[^"]*\)",$/\1/p' | sort -u)
[ "${#programs[@]}" -gt 0 ] || bad "found no GoogleTest programs in $build"
for p in "${programs[@]}"; do
  grep -q CC_TEST_STRICT_SKIPS "$p" || bad "$p runs without the skip policy (link cc_test_main, not GTest::gtest_main)"
done
regex_missing="$(ctest --test-dir "$build" --show-only=json-v1 2>/dev/null | awk '
  /^    [{]$/ { gtest = 0; skip = 0 }
  /"--gtest_filter=/ { gtest = 1 }
  /"name" : "SKIP_REGULAR_EXPRESSION"/ { skip = 1 }
  /^    [}],?$/ { if (gtest && !skip) n++ }
  END { print n + 0 }')"
[ "$regex_missing" -eq 0 ] || bad "$regex_missing discovered tests lack SKIP_REGULAR_EXPRESSION: their allowed skips would count as passes"
echo "checked ${#programs[@]} programs"

if [ "$fail" -ne 0 ]; then echo "skip policy self-test FAILED"; exit 1; fi
echo "skip policy self-test passed"
