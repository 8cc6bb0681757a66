// The SDK's query-parameter rules: one message and one idea of "malformed" for every plugin's
// list routes (the routes themselves are tested against the real host in their plugins).
#include <codecouncil/sdk/query_params.hpp>

#include <gtest/gtest.h>

namespace {

cc::Request withQuery(std::initializer_list<std::pair<std::string, std::string>> params) {
  cc::Request req;
  for (auto& [k, v] : params) req.query.emplace(k, v);
  return req;
}

/// The 400's message, or "" when the call did not throw.
template <class F>
std::string refusal(F&& call) {
  try {
    call();
  } catch (const cc::HttpError& e) {
    EXPECT_EQ(e.status(), 400);
    return e.what();
  }
  return "";
}

TEST(QueryParams, WholeNumbersInRangeAndFallbackWhenAbsentOrEmpty) {
  EXPECT_EQ(cc::intQueryParam(withQuery({}), "limit", 25, 1, 100), 25);
  EXPECT_EQ(cc::intQueryParam(withQuery({{"limit", ""}}), "limit", 25, 1, 100), 25);
  EXPECT_EQ(cc::intQueryParam(withQuery({{"limit", "1"}}), "limit", 25, 1, 100), 1);
  EXPECT_EQ(cc::intQueryParam(withQuery({{"limit", "100"}}), "limit", 25, 1, 100), 100);
  EXPECT_EQ(cc::intQueryParam(withQuery({{"offset", "0007"}}), "offset", 0, 0, 9), 7);
  EXPECT_EQ(cc::intQueryParam(withQuery({{"offset", "1000000000"}}), "offset", 0, 0, 1000000000), 1000000000);
}

TEST(QueryParams, AnythingElseIsA400NamingTheRange) {
  const std::string range = "limit must be a whole number from 1 to 100";
  for (const char* bad : {"0", "101", "-1", "+5", " 5", "5 ", "5.0", "1e2", "10abc", "0x10", "99999999999",
                          "1234567890123456", "\xEF\xBC\x95" /* fullwidth 5 */}) {
    EXPECT_EQ(refusal([&] { cc::intQueryParam(withQuery({{"limit", bad}}), "limit", 25, 1, 100); }), range) << bad;
  }
  EXPECT_EQ(refusal([&] { cc::intQueryParam(withQuery({{"limit", std::string(10000, '9')}}), "limit", 25, 1, 100); }),
            "limit must be at most 16 characters");
}

TEST(QueryParams, TextIsBoundedAndEmptyIsAbsent) {
  EXPECT_EQ(cc::textQueryParam(withQuery({}), "search"), std::nullopt);
  EXPECT_EQ(cc::textQueryParam(withQuery({{"search", ""}}), "search"), std::nullopt);
  EXPECT_EQ(cc::textQueryParam(withQuery({{"search", "ada"}}), "search", 3), "ada");
  EXPECT_EQ(refusal([&] { cc::textQueryParam(withQuery({{"search", "adam"}}), "search", 3); }),
            "search must be at most 3 characters");
}

TEST(QueryParams, BooleansAndChoicesAreExact) {
  EXPECT_EQ(cc::boolQueryParam(withQuery({{"admin", "true"}}), "admin"), true);
  EXPECT_EQ(cc::boolQueryParam(withQuery({{"admin", "false"}}), "admin"), false);
  EXPECT_EQ(cc::boolQueryParam(withQuery({{"admin", ""}}), "admin"), std::nullopt);
  for (const char* bad : {"1", "TRUE", "yes", "true "})
    EXPECT_EQ(refusal([&] { cc::boolQueryParam(withQuery({{"admin", bad}}), "admin"); }), "admin must be true or false")
        << bad;
  EXPECT_EQ(cc::choiceQueryParam(withQuery({{"status", "none"}}), "status", {"active", "none"}), "none");
  EXPECT_EQ(cc::choiceQueryParam(withQuery({}), "status", {"active", "none"}), std::nullopt);
  EXPECT_EQ(refusal([&] { cc::choiceQueryParam(withQuery({{"status", "Active"}}), "status", {"active", "none"}); }),
            "status must be one of: active, none");
}

}  // namespace
