#pragma once
// The body of POST /api/gemini/analyze, checked: every client mistake becomes a 4xx
// HttpError before anything is written or debited.
#include "analysis_config.hpp"
#include "analyzer.hpp"

#include <string>

namespace cc::analysis {

/// {code, language?, filename?}:
///   400  not a JSON object; code missing, not a string, empty or only whitespace; code not
///        UTF-8 text (NUL bytes, invalid sequences, mostly control characters); language or
///        filename not a string, too long or holding control characters
///   413  code longer than max_code_bytes
AnalysisInput parseAnalysisRequest(const std::string& body, const AnalysisConfig& config);

/// Whether `code` reads as text: valid UTF-8, no NUL, and few control characters.
/// Returns the reason it does not, or "" when it does.
std::string whyNotText(const std::string& code);

}  // namespace cc::analysis
