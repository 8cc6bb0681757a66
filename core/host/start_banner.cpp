#include "core/host/start_banner.hpp"

#include <set>

namespace cc::core {

namespace {

// "/metrics" and "/admin/*path" (a tree of pages) -> "metrics", "admin"; "/", "/a/b", "/:id"
// and "/*rest" -> "" (not a page of its own).
std::string topLevelPage(const std::string& pattern) {
  const auto segments = splitPath(pattern);
  if (segments.empty() || segments.size() > 2) return "";
  const std::string_view first = segments[0];
  if (first[0] == ':' || first[0] == '*') return "";
  if (segments.size() == 2 && segments[1][0] != '*') return "";
  return std::string(first);
}

}  // namespace

std::string startBanner(const std::string& base, const Router& router) {
  std::string line = "API: " + base + "/api   health: " + base + "/healthz";
  std::set<std::string> named;
  for (const Route& route : router.routes()) {
    if (route.method != "GET" || route.owner == "core") continue;
    const std::string page = topLevelPage(route.pattern);
    if (page.empty() || page == "api" || !named.insert(page).second) continue;
    line += "   " + page + ": " + base + "/" + page + " (" + route.owner + ")";
  }
  return line;
}

}  // namespace cc::core
