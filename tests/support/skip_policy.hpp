#pragma once
// The test command's skip policy. ctest counts a skipped test as passed, so under
// ./scripts/test (CC_TEST_STRICT_SKIPS=1) a skip is a failure unless the test's name matches an
// entry of the written allow-list, tests/skip-allowlist.txt. Run by hand, without the variable, a
// test may still skip. Every skip is recorded in CC_TEST_SKIP_LOG (when set) for the summary
// scripts/test prints. The GoogleTest side is tests/support/main/test_main.cpp; the shell tests'
// side is tests/support/skip.sh, which reads the same file the same way.
#include <string>
#include <vector>

namespace cc::test {

struct SkipAllowEntry {
  std::string pattern;  ///< a glob over the full test name ('*' also crosses '/')
  std::string reason;   ///< why the test may not run under the test command
  int line = 0;
};

struct SkipAllowlist {
  std::vector<SkipAllowEntry> entries;
  std::string error;  ///< "<file>:<line>: ..." when the file is malformed or unreadable
};

/// Parses the allow-list text: one "<pattern> <reason...>" per line; '#' starts a comment
/// line; blank lines are ignored. An entry without a reason is an error: the list is the
/// written record of why a test may not run.
SkipAllowlist parseSkipAllowlist(const std::string& text, const std::string& fileName);

/// The entry that allows `testName` to skip, or nullptr.
const SkipAllowEntry* findSkipAllowance(const SkipAllowlist& list, const std::string& testName);

/// True when CC_TEST_STRICT_SKIPS=1 (set by scripts/test).
bool strictSkips();

/// CC_TEST_SKIP_ALLOWLIST, or <source dir>/tests/skip-allowlist.txt.
std::string skipAllowlistPath();

struct SkipDecision {
  bool allowed = true;      ///< false: the skip must be reported as a failure
  std::string explanation;  ///< for a refused skip: what to do about it
};

/// Decides a skip of `testName` (the name ctest knows it by) under the policy, and appends
/// "<name>\t<allowed|refused|unlisted>\t<reason>" to $CC_TEST_SKIP_LOG/skips.tsv when that is set.
SkipDecision decideSkip(const std::string& testName, const std::string& reason);

/// For test programs without GoogleTest (bench/audit): the exit code for a skip of `testName`,
/// 77 (ctest's SKIP_RETURN_CODE for them) when allowed, 1 when the policy refuses it, with
/// the reason printed either way.
int exitCodeForSkip(const std::string& testName, const std::string& reason);

}  // namespace cc::test
