#pragma once
// Which requests the limiter counts, and as what.
#include <codecouncil/sdk/http.hpp>

#include <string>

namespace cc::ratelimit {

enum class Counted {
  No,           ///< not limited: no user, not under /api/, the usage endpoint, or an admin on the admin API
  Request,      ///< one request
  AnalysisRun,  ///< one request and one analysis run
};

inline constexpr const char* kUsagePath = "/api/rate-limit/usage";
/// The admin plugin's routes (all Access::Admin); matched on the route template, not the path.
inline constexpr const char* kAdminApiPrefix = "/api/admin/";

/// The path as the router sees it: empty segments dropped ("//api//x/" -> "/api/x"), so a
/// client cannot step around the limiter with extra slashes.
std::string canonicalPath(const std::string& path);

/// Authenticated, non-suspended callers of anything under /api/ are counted; a call of a route
/// tagged cc::route_tag::kAnalysisRun (the analysis plugin's analyze route, or any other plugin's
/// route) is also an analysis run: the limiter knows no other plugin's paths. Reading one's own usage is free, as on GitHub,
/// so a client that has run out can still find out when it may continue. An admin's calls to a
/// matched admin API route are not counted: the dashboard is operators' tooling, and counting it
/// against the admin's own tier (free: 100 a day) locked operators out of it. Everything else an
/// admin does (analysis runs, the product API) counts against their tier like anyone's.
Counted classify(const Request& req);

}  // namespace cc::ratelimit
