#pragma once
// The topics analysis publishes, declared at start (only analysis may publish them), each
// after the run's row has committed.
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

}  // namespace cc::analysis::topics
