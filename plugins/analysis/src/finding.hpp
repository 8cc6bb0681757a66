#pragma once
// One problem an analyzer found, and the result of a run. Both analyzers produce these, so
// stored results and API answers look the same whichever analyzer ran.
#include <codecouncil/sdk/json.hpp>

#include <array>
#include <string>
#include <vector>

namespace cc::analysis {

/// Most to least severe; the API and the stored JSON use these words.
inline constexpr std::array<const char*, 5> kSeverities = {"critical", "high", "medium", "low", "info"};

/// The word itself when it is a known severity (any case), else "info".
std::string normalizeSeverity(const std::string& word);

struct Finding {
  int line = 0;             ///< 1-based line where the problem starts
  int endLine = 0;          ///< last line it covers (== line for one-line findings)
  std::string severity;     ///< one of kSeverities
  std::string rule;         ///< machine-readable id: "hardcoded-secret", "todo", "long-function", ...
  std::string message;      ///< for people; never repeats a secret's value
};

struct AnalysisInput {
  std::string code;
  std::string language;  ///< normalised, lower-case ("python", "cpp", ...); may be empty
  std::string filename;
};

struct AnalysisOutput {
  std::string summary;
  std::vector<Finding> findings;  ///< ordered by line
};

json::ObjectPtr toJson(const Finding& f);
json::ArrayPtr toJson(const std::vector<Finding>& findings);
/// Reads what toJson() wrote (the stored "findings" column).
std::vector<Finding> findingsFromJson(const std::string& text);

/// Orders by line, then severity (most severe first), then rule.
void sortFindings(std::vector<Finding>& findings);

}  // namespace cc::analysis
