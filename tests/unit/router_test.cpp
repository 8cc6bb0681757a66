#include "core/http/router.hpp"

#include <gtest/gtest.h>

using cc::core::Route;
using cc::core::RouteMatch;
using cc::core::Router;

namespace {
Route route(const std::string& method, const std::string& pattern) {
  return Route{method, pattern, "test", [](cc::Request&, cc::Response&) {}, {}};
}
}  // namespace

TEST(Router, MatchesLiteralsAndParams) {
  Router r;
  r.add(route("GET", "/api/admin/users/:userId"));
  r.add(route("POST", "/api/admin/users/:userId/suspend"));
  auto m = r.match("GET", "/api/admin/users/u42");
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(m.route->pattern, "/api/admin/users/:userId");
  EXPECT_EQ(m.params.at("userId"), "u42");
  auto s = r.match("POST", "/api/admin/users/u42/suspend");
  ASSERT_EQ(s.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(s.params.at("userId"), "u42");
}

TEST(Router, LiteralBeatsParameter) {
  Router r;
  r.add(route("GET", "/api/things/:id"));
  r.add(route("GET", "/api/things/special"));
  EXPECT_EQ(r.match("GET", "/api/things/special").route->pattern, "/api/things/special");
  EXPECT_EQ(r.match("GET", "/api/things/other").route->pattern, "/api/things/:id");
}

TEST(Router, WildcardTakesTheRest) {
  Router r;
  r.add(route("GET", "/admin/*file"));
  auto m = r.match("GET", "/admin/js/app.js");
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(m.params.at("file"), "js/app.js");
  EXPECT_EQ(r.match("GET", "/admin").params.at("file"), "");
}

TEST(Router, NotFoundVersusMethodNotAllowed) {
  Router r;
  r.add(route("GET", "/a"));
  r.add(route("PUT", "/a"));
  EXPECT_EQ(r.match("GET", "/b").kind, RouteMatch::Kind::NotFound);
  auto m = r.match("DELETE", "/a");
  EXPECT_EQ(m.kind, RouteMatch::Kind::MethodNotAllowed);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "PUT"}));
  EXPECT_EQ(r.match("HEAD", "/a").kind, RouteMatch::Kind::Found);
}

TEST(Router, SegmentCountMustMatch) {
  Router r;
  r.add(route("GET", "/a/:x"));
  EXPECT_EQ(r.match("GET", "/a").kind, RouteMatch::Kind::NotFound);
  EXPECT_EQ(r.match("GET", "/a/b/c").kind, RouteMatch::Kind::NotFound);
  EXPECT_EQ(r.match("GET", "/a/b/").kind, RouteMatch::Kind::Found);  // trailing slash ignored
}

TEST(Router, RejectsBadAndDuplicatePatterns) {
  Router r;
  r.add(route("GET", "/a/:x"));
  EXPECT_THROW(r.add(route("GET", "/a/:x")), std::invalid_argument);
  EXPECT_THROW(r.add(route("GET", "no-slash")), std::invalid_argument);
  EXPECT_THROW(r.add(route("GET", "/a/*rest/b")), std::invalid_argument);
  EXPECT_THROW(r.add(route("GET", "/a/:")), std::invalid_argument);
  EXPECT_NO_THROW(r.add(route("POST", "/a/:x")));
}

TEST(Router, RemoveOwnerDropsOnlyThatOwner) {
  Router r;
  r.add(Route{"GET", "/x", "one", {}, {}});
  r.add(Route{"GET", "/y", "two", {}, {}});
  r.removeOwner("one");
  EXPECT_EQ(r.match("GET", "/x").kind, RouteMatch::Kind::NotFound);
  EXPECT_EQ(r.match("GET", "/y").kind, RouteMatch::Kind::Found);
}

TEST(Router, ParamNamesDoNotMakeADifferentRoute) {
  Router r;
  r.add(route("GET", "/a/:id"));
  EXPECT_THROW(r.add(route("GET", "/a/:userId")), std::invalid_argument);
}

TEST(Router, VeryLongPathsRankWithoutOverflow) {
  // Found by the router fuzzer: a numeric score overflowed past 31 segments.
  std::string literal, param;
  for (int i = 0; i < 40; ++i) {
    literal += "/s";
    param += i == 39 ? "/:last" : "/s";
  }
  Router r;
  r.add(route("GET", param));
  r.add(route("GET", literal));
  auto m = r.match("GET", literal);
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(m.route->pattern, literal);
}
