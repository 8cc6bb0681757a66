#pragma once
// The default analyzer: works offline, deterministic, cheap. Finds hard-coded secrets,
// TODO/FIXME markers, very long functions and deep nesting, each with its line and severity.
#include "analysis_config.hpp"
#include "analyzer.hpp"

namespace cc::analysis {

inline constexpr std::size_t kMaxBuiltinFindings = 1000;

class BuiltinAnalyzer : public Analyzer {
 public:
  explicit BuiltinAnalyzer(BuiltinSettings settings) : settings_(settings) {}
  std::string name() const override { return "builtin"; }
  std::string model() const override { return "builtin-rules-1"; }
  AnalysisOutput analyze(const AnalysisInput& input) override;

 private:
  BuiltinSettings settings_;
};

/// "3 findings: 1 critical, 2 medium" / "no findings".
std::string summarize(const std::vector<Finding>& findings);

}  // namespace cc::analysis
