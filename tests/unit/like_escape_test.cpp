// The users service's search pattern (core/auth/user_directory.cpp): what a user types is
// matched literally, wildcards included.
#include "core/auth/user_directory.hpp"

#include <gtest/gtest.h>

TEST(LikeEscape, MakesWildcardsAndTheEscapeCharacterLiteral) {
  EXPECT_EQ(cc::core::likeEscape("a%b_c\\d"), "a\\%b\\_c\\\\d");
  EXPECT_EQ(cc::core::likeEscape("plain@x.io"), "plain@x.io");
  EXPECT_EQ(cc::core::likeEscape(""), "");
}
