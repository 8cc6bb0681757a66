# The shell tests' GTEST_SKIP, with the same policy as tests/support/main/test_main.cpp:
#   source tests/support/skip.sh; cc_skip <ctest test name> <reason>
# ends the script with 77 (register the test with SKIP_RETURN_CODE 77) when the skip is allowed:
# listed in tests/skip-allowlist.txt, or CC_TEST_STRICT_SKIPS is not 1 (a run by hand). Under
# ./scripts/test an unlisted skip ends it with 1: a failure. Each skip is logged to
# $CC_TEST_SKIP_LOG/skips.tsv for scripts/test's summary.
# shellcheck shell=bash

cc_skip() {
  local name="$1" reason="$2"
  local list="${CC_TEST_SKIP_ALLOWLIST:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tests/skip-allowlist.txt}"
  local verdict=unlisted problem="" pattern why n=0 patterns=()
  if [ -r "$list" ]; then
    # Parsed whole first: one entry without a reason voids the list, as in skip_policy.cpp.
    while read -r pattern why || [ -n "$pattern" ]; do
      n=$((n + 1))
      case "$pattern" in '' | '#'*) continue ;; esac
      if [ -z "$why" ]; then problem="$list:$n: '$pattern' has no reason"; patterns=(); break; fi
      patterns+=("$pattern")
    done <"$list"
  else
    problem="$list: cannot read the skip allow-list"
  fi
  for pattern in "${patterns[@]}"; do
    # shellcheck disable=SC2053  # the pattern is a glob on purpose
    if [[ $name == $pattern ]]; then verdict=allowed; break; fi
  done
  [ "$verdict" = unlisted ] && [ "${CC_TEST_STRICT_SKIPS:-}" = 1 ] && verdict=refused
  if [ -n "${CC_TEST_SKIP_LOG:-}" ]; then
    printf '%s\t%s\t%s\n' "$name" "$verdict" "${reason//[$'\t\n']/ }" >>"$CC_TEST_SKIP_LOG/skips.tsv"
  fi
  if [ "$verdict" = refused ]; then
    echo "FAILED $name: skipped, and the test command (CC_TEST_STRICT_SKIPS=1) counts a skip as a failure: $reason" >&2
    echo "Make the test run under ./scripts/test, or add '$name <why it may not run>' to $list (docs/testing.md, \"Skips\")." >&2
    [ -z "$problem" ] || echo "$problem" >&2
    exit 1
  fi
  echo "SKIPPED $name: $reason"
  exit 77
}
