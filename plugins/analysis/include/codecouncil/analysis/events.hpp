#pragma once
// analysis' events: the topics the analysis plugin declares at start (only analysis may
// publish them) and their payload fields, each published after the run's row has committed.
// Part of analysis' contract (CodeCouncil::analysis_contract, header-only): subscribers name
// the topics through these constants, not literals, without depending on the plugin.
#include <codecouncil/sdk/events.hpp>

namespace cc::analysis::topics {

inline const TopicSpec kAnalysisCompleted{
    "analysis_completed",
    {{"userId", FieldType::String, true}, {"analysisId", FieldType::String, true},
     {"tier", FieldType::String, true}, {"credits", FieldType::Integer, true}},
    "an analysis run completed and its credits were spent",
    Severity::Info, EventResource{"analysis", "analysisId"}};

inline const TopicSpec kAnalysisFailed{
    "analysis_failed",
    {{"userId", FieldType::String, true}, {"analysisId", FieldType::String, true},
     {"tier", FieldType::String, true}, {"error", FieldType::String, true}},
    "an analysis run failed and its credits were refunded",
    Severity::Error, EventResource{"analysis", "analysisId"}};

inline const std::vector<TopicSpec>& all() {
  static const std::vector<TopicSpec> topics{kAnalysisCompleted, kAnalysisFailed};
  return topics;
}

}  // namespace cc::analysis::topics
