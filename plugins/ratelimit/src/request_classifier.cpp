#include "request_classifier.hpp"

namespace cc::ratelimit {

std::string canonicalPath(const std::string& path) {
  std::string out;
  out.reserve(path.size());
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    if (j > i) {
      out += '/';
      out.append(path, i, j - i);
    }
    i = j;
  }
  return out.empty() ? "/" : out;
}

Counted classify(const Request& req) {
  // Suspended users are answered 403 by the host; there is nothing to protect by counting them.
  if (!req.user || req.user->suspended) return Counted::No;
  std::string path = canonicalPath(req.path);
  if (path.rfind("/api/", 0) != 0) return Counted::No;
  if (path == kUsagePath && (req.method == "GET" || req.method == "HEAD")) return Counted::No;
  // The route template, set only when a route matched: an admin's typo under /api/admin/ (a 404)
  // is counted like anyone's, and a non-admin's call to an admin route (a 403) is counted too.
  if (req.user->isAdmin && req.routeTemplate.rfind(kAdminApiPrefix, 0) == 0) return Counted::No;
  if (req.hasRouteTag(route_tag::kAnalysisRun)) return Counted::AnalysisRun;
  return Counted::Request;
}

}  // namespace cc::ratelimit
