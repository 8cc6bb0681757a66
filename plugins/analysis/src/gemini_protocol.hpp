#pragma once
// Gemini generateContent wire format, kept apart from the HTTP client so both directions can be
// unit-tested: the request body we send, and turning a reply
// (candidates[0].content.parts[].text holding our JSON) into findings.
#include "analyzer.hpp"

#include <string>

namespace cc::analysis {

/// The JSON body of POST /v1beta/models/{model}:generateContent.
std::string geminiRequestBody(const AnalysisInput& input, int maxOutputTokens);

/// Parses a 200 reply's body. Throws AnalyzerError when Gemini blocked the prompt, returned no
/// text, or the text is not the JSON we asked for. `lineCount` bounds the reported lines.
AnalysisOutput parseGeminiReply(const std::string& body, int lineCount);

/// Gemini's own error text from an error reply ({"error":{"message":...}}), shortened; "" if none.
std::string geminiErrorMessage(const std::string& body);

}  // namespace cc::analysis
