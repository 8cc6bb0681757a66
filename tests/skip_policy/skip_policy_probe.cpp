// Tests that skip on purpose, for tests/skip_policy/skip_policy_test.sh; not part of the suite
// (ctest does not discover them). Each one is run alone with --gtest_filter.
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

TEST(SkipPolicyProbe, Runs) { EXPECT_EQ(1 + 1, 2); }

TEST(SkipPolicyProbe, Listed) { GTEST_SKIP() << "the listed probe reason"; }

TEST(SkipPolicyProbe, Unlisted) { GTEST_SKIP() << "the unlisted probe reason"; }

class SkipPolicyProbeFixture : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_SKIP() << "skipped in SetUp"; }
};

TEST_F(SkipPolicyProbeFixture, SkipsInSetUp) { ADD_FAILURE() << "the body must not run after a skip in SetUp"; }

// A "postgresql" variant whose database helper finds no CC_TEST_POSTGRES_URL: it gets "" (SQLite
// for HostProcess) and must end as skipped, not as a pass that ran on the wrong engine.
TEST(SkipPolicyProbe, PostgresWithoutUrl) {
  ::unsetenv("CC_TEST_POSTGRES_URL");
  EXPECT_EQ(cc::test::createPostgresDatabase("probe"), "");
}
