// The skip allow-list's format (tests/skip-allowlist.txt; the policy in support/skip_policy.hpp).
#include "support/skip_policy.hpp"

#include <gtest/gtest.h>

#include <fstream>

using cc::test::findSkipAllowance;
using cc::test::parseSkipAllowlist;

TEST(SkipAllowlist, EntriesAreAPatternAndAReason) {
  auto list = parseSkipAllowlist(
      "# comment\n"
      "\n"
      "  Suite.Exact   needs a GPU  \n"
      "Engines/Db.*/postgresql\tno PostgreSQL 9 here\r\n"
      "fuzz.parsers clang missing\n",
      "list.txt");
  ASSERT_EQ(list.error, "");
  ASSERT_EQ(list.entries.size(), 3u);
  EXPECT_EQ(list.entries[0].pattern, "Suite.Exact");
  EXPECT_EQ(list.entries[0].reason, "needs a GPU");
  EXPECT_EQ(list.entries[0].line, 3);
  EXPECT_EQ(list.entries[1].reason, "no PostgreSQL 9 here");
}

TEST(SkipAllowlist, GlobsMatchTheFullNameAcrossSlashes) {
  auto list = parseSkipAllowlist("Engines/Db.*/postgresql why\nSuite.Exact why\n", "list.txt");
  ASSERT_NE(findSkipAllowance(list, "Engines/Db.Writes/postgresql"), nullptr);
  EXPECT_EQ(findSkipAllowance(list, "Engines/Db.Writes/postgresql")->line, 1);
  EXPECT_EQ(findSkipAllowance(list, "Engines/Db.Writes/sqlite"), nullptr);
  EXPECT_EQ(findSkipAllowance(list, "Suite.Exactly"), nullptr);
  EXPECT_EQ(findSkipAllowance(list, "Other/Suite.Exact"), nullptr);
  EXPECT_NE(findSkipAllowance(parseSkipAllowlist("* everything\n", "l"), "A/B.C/d"), nullptr);
}

TEST(SkipAllowlist, AnEntryWithoutAReasonVoidsTheListAndSaysWhere) {
  auto list = parseSkipAllowlist("Good.Entry why\n# c\nBad.Entry   \n", "tests/skip-allowlist.txt");
  EXPECT_TRUE(list.entries.empty());
  EXPECT_EQ(list.error,
            "tests/skip-allowlist.txt:3: 'Bad.Entry' has no reason; an entry is '<test name pattern> <why it may not run>'");
  EXPECT_EQ(findSkipAllowance(list, "Good.Entry"), nullptr);
}

// The repository's own list parses: a malformed one would refuse every skip in the suite.
TEST(SkipAllowlist, TheRepositoryListIsWellFormed) {
  std::ifstream in(cc::test::skipAllowlistPath());
  ASSERT_TRUE(in) << cc::test::skipAllowlistPath();
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(parseSkipAllowlist(text, cc::test::skipAllowlistPath()).error, "");
}
