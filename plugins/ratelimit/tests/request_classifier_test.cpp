// Which requests are counted, and as what.
#include "request_classifier.hpp"

#include <gtest/gtest.h>

using namespace cc::ratelimit;

namespace {
cc::Request request(const std::string& method, const std::string& path, bool withUser = true) {
  cc::Request r;
  r.method = method;
  r.path = path;
  if (withUser) r.user = cc::User{"u1", "a@b.co", false, false, "free"};
  return r;
}
/// As the host sets it for a matched route registered with the analysis-run tag.
cc::Request analysisRun(const std::string& path) {
  auto r = request("POST", path);
  r.routeTags = {"other.tag", cc::route_tag::kAnalysisRun};
  return r;
}
}  // namespace

TEST(RequestClassifier, CountsAuthenticatedApiRequests) {
  EXPECT_EQ(classify(request("GET", "/api/auth/me")), Counted::Request);
  EXPECT_EQ(classify(request("DELETE", "/api/anything/at/all")), Counted::Request);
  EXPECT_EQ(classify(analysisRun("/api/any/plugin/route")), Counted::AnalysisRun);
  // The tag, not the path, makes an analysis run (an untagged POST to the same path is not one).
  EXPECT_EQ(classify(request("POST", "/api/any/plugin/route")), Counted::Request);
  auto otherTag = request("POST", "/api/any/plugin/route");
  otherTag.routeTags = {"other.tag"};
  EXPECT_EQ(classify(otherTag), Counted::Request);
}

TEST(RequestClassifier, ExtraSlashesDoNotEscapeTheLimiter) {
  EXPECT_EQ(classify(analysisRun("//api//any/route/")), Counted::AnalysisRun);
  EXPECT_EQ(classify(request("GET", "//api/auth/me")), Counted::Request);
  EXPECT_EQ(canonicalPath("//a///b/"), "/a/b");
  EXPECT_EQ(canonicalPath(""), "/");
}

TEST(RequestClassifier, SkipsAnonymousSuspendedNonApiAndUsage) {
  EXPECT_EQ(classify(request("GET", "/api/auth/me", false)), Counted::No);
  auto suspended = request("GET", "/api/auth/me");
  suspended.user->suspended = true;
  EXPECT_EQ(classify(suspended), Counted::No);
  EXPECT_EQ(classify(request("GET", "/healthz")), Counted::No);
  EXPECT_EQ(classify(request("GET", "/apis/x")), Counted::No);
  EXPECT_EQ(classify(request("GET", "/api")), Counted::No);
  EXPECT_EQ(classify(request("GET", "/api/rate-limit/usage")), Counted::No);
  EXPECT_EQ(classify(request("POST", "/api/rate-limit/usage")), Counted::Request);
}

TEST(RequestClassifier, AnAdminOnAMatchedAdminRouteIsNotCounted) {
  auto admin = [](const std::string& method, const std::string& path, const std::string& route) {
    auto r = request(method, path);
    r.user->isAdmin = true;
    r.routeTemplate = route;
    return r;
  };
  EXPECT_EQ(classify(admin("GET", "/api/admin/stats", "/api/admin/stats")), Counted::No);
  EXPECT_EQ(classify(admin("POST", "/api/admin/users/u2/suspend", "/api/admin/users/:userId/suspend")), Counted::No);
  // Not the admin API: the admin's own product use counts like anyone's.
  EXPECT_EQ(classify(admin("GET", "/api/auth/me", "/api/auth/me")), Counted::Request);
  auto adminRun = analysisRun("/api/any/route");
  adminRun.user->isAdmin = true;
  adminRun.routeTemplate = "/api/any/route";
  EXPECT_EQ(classify(adminRun), Counted::AnalysisRun);
  // No route matched (a 404 under /api/admin/): counted.
  EXPECT_EQ(classify(admin("GET", "/api/admin/nothing-here", "")), Counted::Request);
  // A non-admin on an admin route (answered 403) is counted.
  auto user = request("GET", "/api/admin/stats");
  user.routeTemplate = "/api/admin/stats";
  EXPECT_EQ(classify(user), Counted::Request);
}
