// The start-up line names only the pages this host serves (issue 17: the host does not
// advertise /metrics or /admin when those plugins are off).
#include "core/host/start_banner.hpp"

#include <gtest/gtest.h>

using cc::core::Route;
using cc::core::Router;
using cc::core::startBanner;

namespace {
Route route(const std::string& method, const std::string& pattern, const std::string& owner) {
  return Route{method, pattern, owner, [](cc::Request&, cc::Response&) {}, {}};
}
}  // namespace

TEST(StartBanner, WithoutPluginPagesNamesOnlyApiAndHealth) {
  Router r;
  r.add(route("GET", "/healthz", "core"));
  r.add(route("GET", "/readyz", "core"));
  r.add(route("GET", "/api/auth/me", "core"));
  EXPECT_EQ(startBanner("http://localhost:8080", r),
            "API: http://localhost:8080/api   health: http://localhost:8080/healthz");
}

TEST(StartBanner, NamesEachPluginPageOnceWithItsPlugin) {
  Router r;
  r.add(route("GET", "/metrics", "metrics"));
  r.add(route("GET", "/admin", "admin"));
  r.add(route("GET", "/admin/*path", "admin"));
  r.add(route("GET", "/api/admin/users", "admin"));  // under /api: part of the API
  r.add(route("POST", "/status", "thirdparty"));      // not a page
  r.add(route("GET", "/status", "thirdparty"));
  EXPECT_EQ(startBanner("http://h:1", r),
            "API: http://h:1/api   health: http://h:1/healthz   metrics: http://h:1/metrics (metrics)"
            "   admin: http://h:1/admin (admin)   status: http://h:1/status (thirdparty)");
}

TEST(StartBanner, NestedParameterAndWildcardRootsAreNotPages) {
  Router r;
  r.add(route("GET", "/reports/daily", "reports"));
  r.add(route("GET", "/:slug", "pages"));
  r.add(route("GET", "/*rest", "fallback"));
  r.add(route("GET", "/api", "weird"));
  EXPECT_EQ(startBanner("http://h:1", r), "API: http://h:1/api   health: http://h:1/healthz");
}
