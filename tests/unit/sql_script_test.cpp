#include "core/db/sql_script.hpp"

#include <gtest/gtest.h>

using cc::core::splitSqlScript;

TEST(SqlScript, SplitsAtTopLevelSemicolons) {
  auto s = splitSqlScript("CREATE TABLE a (x INT);\n\nCREATE TABLE b (y INT);\n");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0], "CREATE TABLE a (x INT)");
  EXPECT_EQ(s[1], "\n\nCREATE TABLE b (y INT)");
}

TEST(SqlScript, KeepsQuotedSemicolonsAndDropsComments) {
  auto s = splitSqlScript("-- a comment; with semicolon\nINSERT INTO t VALUES ('a;b', \"c;d\"); /* x; y */ SELECT 1;");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_NE(s[0].find("'a;b'"), std::string::npos);
  EXPECT_NE(s[0].find("\"c;d\""), std::string::npos);
  EXPECT_EQ(s[0].find("comment"), std::string::npos);
  EXPECT_EQ(s[1], "  SELECT 1");
}

TEST(SqlScript, KeepsDollarQuotedBodies) {
  auto s = splitSqlScript("CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql; SELECT 2");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_NE(s[0].find("SELECT 1; $body$"), std::string::npos);
}

TEST(SqlScript, DoubledQuotesStayInside) {
  auto s = splitSqlScript("SELECT 'it''s; fine'; SELECT 3");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0], "SELECT 'it''s; fine'");
}

TEST(SqlScript, BlankInputGivesNothing) { EXPECT_TRUE(splitSqlScript("  \n -- only a comment\n ; ;").empty()); }
