#pragma once
// HTTP endpoints:
//   POST /api/gemini/analyze   {code, language?, filename?}  201 completed | 402 | 413 | 400 | 502 failed+refunded
//   GET  /api/analyses         the caller's runs, newest first  ?limit=1..100 (20) &offset=0..
//   GET  /api/analyses/:id     one run with its findings; another user's is 404
#include "analysis_config.hpp"
#include "analysis_service.hpp"

#include <codecouncil/sdk/http.hpp>

#include <memory>

namespace cc::analysis {

/// `service` is the plugin's member, set in start() and reset in stop(): the handlers keep a
/// reference to it (declared before it exists) and read it on every call.
void addRoutes(Routes& routes, const std::shared_ptr<AnalysisService>& service, const AnalysisConfig& config);

/// ?limit and ?offset: whole numbers in range, else 400. Exposed for tests.
struct PageParams {
  int limit = 20;
  int offset = 0;
};
PageParams pageParams(const Request& req);

}  // namespace cc::analysis
