#pragma once
// Calls Gemini's generateContent REST API:
//   POST {api_base}/v1beta/models/{model}:generateContent   x-goog-api-key: <key>
// The key travels in the header, never in the URL, so it cannot land in access logs or in
// error messages that quote the URL. Network errors, timeouts, 429 and 5xx are retried with
// exponential backoff (Retry-After honoured, capped); other answers fail the run at once.
// timeout_seconds is each attempt's deadline as a whole (AttemptDeadline), so the slowest run
// is known (gemini_limits.hpp) and stale_run_seconds can be checked against it.
#include "analysis_config.hpp"
#include "analyzer.hpp"

#include <Poco/Logger.h>

namespace cc::analysis {

class GeminiAnalyzer : public Analyzer {
 public:
  GeminiAnalyzer(GeminiSettings settings, Poco::Logger& log) : settings_(std::move(settings)), log_(log) {}
  std::string name() const override { return "gemini"; }
  std::string model() const override { return settings_.model; }
  AnalysisOutput analyze(const AnalysisInput& input) override;

 private:
  struct Reply {
    int status = 0;
    std::string body;
    int retryAfterSeconds = -1;
  };
  Reply post(const std::string& body) const;

  GeminiSettings settings_;
  Poco::Logger& log_;
};

}  // namespace cc::analysis
