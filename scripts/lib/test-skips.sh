# The skip policy of the test command (docs/testing.md, "Skips"). ctest counts a skipped test
# as passed; under scripts/test a skip is a failure unless the test is listed, with its reason,
# in tests/skip-allowlist.txt. The tests apply that themselves (tests/support/main/test_main.cpp,
# tests/support/skip.sh) and log each skip; this file turns the policy on and prints the summary.
# shellcheck shell=bash

# Turns the policy on for everything started from here on, with a fresh log folder.
enable_skip_policy() {
  SKIP_LOG_DIR="$(mktemp -d /tmp/cc-test-skips.XXXXXX)"
  export CC_TEST_STRICT_SKIPS=1 CC_TEST_SKIP_LOG="$SKIP_LOG_DIR"
}

# skip_summary <skip log folder> <ctest junit file>: prints how many tests were skipped and why.
# Returns 1 when ctest reported more skipped or disabled tests than the policy allowed: a test
# that skipped without going through it (a program not linked with cc_test_main, a script that
# exits 77 without tests/support/skip.sh, a DISABLED_ test) must not pass unseen either.
skip_summary() {
  local log="$1/skips.tsv" junit="$2"
  local allowed=() refused=() unlisted=() name verdict reason
  if [ -f "$log" ]; then
    while IFS=$'\t' read -r name verdict reason; do
      case "$verdict" in
        allowed) allowed+=("$name: $reason") ;;
        refused) refused+=("$name: $reason") ;;
        *) unlisted+=("$name: $reason") ;;
      esac
    done <"$log"
  fi
  local ctest_skipped=0 ctest_disabled=0
  if [ -f "$junit" ]; then
    ctest_skipped="$(sed -n 's/^[[:space:]]*skipped="\([0-9]*\)".*/\1/p' "$junit" | head -n 1)"
    ctest_disabled="$(sed -n 's/^[[:space:]]*disabled="\([0-9]*\)".*/\1/p' "$junit" | head -n 1)"
  fi
  local not_run=$((${ctest_skipped:-0} + ${ctest_disabled:-0}))
  local accounted=$((${#allowed[@]} + ${#unlisted[@]}))

  local line
  if [ $((not_run + ${#refused[@]})) -eq 0 ]; then
    log "skips: none, every test ran"
  else
    log "skips: ${#allowed[@]} allowed by tests/skip-allowlist.txt, ${#refused[@]} refused (counted as failures)"
    for line in "${allowed[@]}"; do printf '    skipped  %s\n' "$line" >&2; done
    for line in "${unlisted[@]}"; do printf '    skipped  %s (policy off)\n' "$line" >&2; done
    for line in "${refused[@]}"; do printf '    FAILED   %s\n' "$line" >&2; done
  fi
  if [ "$not_run" -gt "$accounted" ]; then
    log "ctest did not run $not_run tests, but only $accounted skips went through the skip policy:"
    if [ -f "$junit" ]; then
      grep -E 'status="(notrun|disabled)"' "$junit" | sed 's/.*<testcase name="\([^"]*\)".*/    not run  \1/' >&2
    fi
    return 1
  fi
  return 0
}
