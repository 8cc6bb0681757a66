// Header names compare ignoring ASCII case only (cc::sameIgnoringAsciiCase, sdk/http.hpp):
// Response::setHeader replaces a header set under another case, and bytes outside ASCII,
// which no locale may fold, stay distinct.
#include <codecouncil/sdk/http.hpp>

#include <gtest/gtest.h>

TEST(HeaderNames, AsciiLettersCompareWithoutCase) {
  EXPECT_TRUE(cc::sameIgnoringAsciiCase("X-RateLimit-Limit", "x-ratelimit-limit"));
  EXPECT_TRUE(cc::sameIgnoringAsciiCase("", ""));
  EXPECT_FALSE(cc::sameIgnoringAsciiCase("X-RateLimit-Limit", "x-ratelimit-limi"));
  EXPECT_FALSE(cc::sameIgnoringAsciiCase("x-a", "x_a"));
  EXPECT_FALSE(cc::sameIgnoringAsciiCase("\xC9", "\xE9")) << "Latin-1 E acute folded like a letter";
  EXPECT_FALSE(cc::sameIgnoringAsciiCase("[", "{")) << "only A-Z fold ('[' is 'Z' + 1)";
}

TEST(HeaderNames, SetHeaderReplacesTheSameNameInAnyCaseAndHeaderFindsIt) {
  cc::Response res;
  res.setHeader("X-RateLimit-Remaining", "5");
  res.setHeader("x-ratelimit-remaining", "4");
  res.setHeader("Retry-After", "1");
  ASSERT_EQ(res.headers.size(), 2u);
  EXPECT_EQ(res.headers[0].first, "X-RateLimit-Remaining");  // the first spelling stays
  EXPECT_EQ(res.header("X-RATELIMIT-REMAINING"), "4");
  EXPECT_EQ(res.header("retry-after"), "1");
  EXPECT_EQ(res.header("X-RateLimit-Reset"), "");
}
