#pragma once
// The one interface both analyzers implement; the plugin picks one from config.
#include "finding.hpp"

#include <stdexcept>
#include <string>

namespace cc::analysis {

/// The analyzer could not produce a result. The run is failed and its credits refunded.
/// what() is shown to the user, so it must carry no secrets and no internal detail.
class AnalyzerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;
  virtual std::string name() const = 0;   ///< "builtin" or "gemini"
  virtual std::string model() const = 0;  ///< which rules/model produced the result
  /// Throws AnalyzerError when no result could be produced. Must be safe to call from many threads.
  virtual AnalysisOutput analyze(const AnalysisInput& input) = 0;
};

}  // namespace cc::analysis
