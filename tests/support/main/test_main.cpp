// main() of every GoogleTest program of the suite, in place of GTest::gtest_main: the same
// start, plus the test command's skip policy (support/skip_policy.hpp). Linked as an object
// library by cc_add_test_dir, so it is always in the program and a test file that defines
// its own main() fails to link instead of running without the policy.
#include "support/skip_policy.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

namespace {

/// Turns a refused skip into a failure before the result printer reports the test:
/// OnTestEnd runs on listeners in reverse order, and this one is appended after the
/// printer. A failure added here belongs to the test that just ended, so the printer
/// shows "[  FAILED  ]" (not "[  SKIPPED ]", which ctest's SKIP_REGULAR_EXPRESSION matches)
/// and the program exits 1.
class SkipPolicyListener : public ::testing::EmptyTestEventListener {
 public:
  void OnTestEnd(const ::testing::TestInfo& test) override {
    const ::testing::TestResult& result = *test.result();
    if (!result.Skipped()) return;
    std::string reason, file;
    int line = 0;
    for (int i = 0; i < result.total_part_count(); ++i) {
      const auto& part = result.GetTestPartResult(i);
      if (!part.skipped()) continue;
      if (!reason.empty()) reason += "; ";
      reason += part.message();
      if (file.empty() && part.file_name()) file = part.file_name(), line = part.line_number();
    }
    std::string name = std::string(test.test_suite_name()) + "." + test.name();
    cc::test::SkipDecision d = cc::test::decideSkip(name, reason);
    if (d.allowed) return;
    if (file.empty()) ADD_FAILURE() << d.explanation;
    else ADD_FAILURE_AT(file.c_str(), line) << d.explanation;
  }

  /// GTEST_SKIP() in a global environment's SetUp() runs no test at all and exits 0;
  /// main() turns that into a failure when the policy refuses it.
  void OnEnvironmentsSetUpEnd(const ::testing::UnitTest& unit) override {
    const ::testing::TestResult& result = unit.ad_hoc_test_result();
    if (!result.Skipped()) return;
    std::string reason;
    for (int i = 0; i < result.total_part_count(); ++i)
      if (result.GetTestPartResult(i).skipped()) reason += result.GetTestPartResult(i).message();
    cc::test::SkipDecision d = cc::test::decideSkip("(global set-up)", reason);
    if (!d.allowed) {
      refusedGlobalSkip = true;
      std::printf("%s\n", d.explanation.c_str());
    }
  }

  bool refusedGlobalSkip = false;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // The pgbouncer.* ctest entries (cmake/Testing.cmake, cc_add_pgbouncer_run) pass this on the
  // command line, beside the test's name, so the run cannot lose it the way a ctest property can.
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--cc-via-pgbouncer") == 0) ::setenv("CC_TEST_POSTGRES_VIA_PGBOUNCER", "1", 1);
  auto* policy = new SkipPolicyListener;  // the listener list owns it
  ::testing::UnitTest::GetInstance()->listeners().Append(policy);
  int rc = RUN_ALL_TESTS();
  return rc != 0 ? rc : (policy->refusedGlobalSkip ? 1 : 0);
}
