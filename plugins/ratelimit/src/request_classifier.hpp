#pragma once
// Which requests the limiter counts, and as what.
#include <codecouncil/sdk/http.hpp>

#include <string>

namespace cc::ratelimit {

enum class Counted {
  No,           ///< not limited: no user, not under /api/, or the usage endpoint itself
  Request,      ///< one request
  AnalysisRun,  ///< one request and one analysis run
};

inline constexpr const char* kUsagePath = "/api/rate-limit/usage";
inline constexpr const char* kAnalyzePath = "/api/gemini/analyze";

/// The path as the router sees it: empty segments dropped ("//api//x/" -> "/api/x"), so a
/// client cannot step around the limiter with extra slashes.
std::string canonicalPath(const std::string& path);

/// Authenticated, non-suspended callers of anything under /api/ are counted; a POST to the
/// analysis endpoint is also an analysis run. Reading one's own usage is free, as on GitHub,
/// so a client that has run out can still find out when it may continue.
Counted classify(const Request& req);

}  // namespace cc::ratelimit
