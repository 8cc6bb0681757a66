#include "builtin_analyzer.hpp"

#include "marker_rules.hpp"
#include "secret_rules.hpp"
#include "source_scanner.hpp"
#include "structure_rules.hpp"

#include <map>

namespace cc::analysis {

AnalysisOutput BuiltinAnalyzer::analyze(const AnalysisInput& input) {
  Syntax syntax = syntaxFor(input.language, input.filename);
  auto lines = scanSource(input.code, syntax);
  AnalysisOutput out;
  for (auto&& found : {findSecrets(lines), findMarkers(lines),
                       findStructureProblems(lines, syntax, {settings_.maxFunctionLines, settings_.maxNestingDepth})})
    out.findings.insert(out.findings.end(), found.begin(), found.end());
  sortFindings(out.findings);
  out.summary = summarize(out.findings) + " in " + std::to_string(lines.size()) +
                (lines.size() == 1 ? " line" : " lines");
  // A file of nothing but TODOs must not become a 10 MB result; the first ones make the point.
  if (out.findings.size() > kMaxBuiltinFindings) {
    out.findings.resize(kMaxBuiltinFindings);
    out.summary += " (the first " + std::to_string(kMaxBuiltinFindings) + " are listed)";
  }
  return out;
}

std::string summarize(const std::vector<Finding>& findings) {
  if (findings.empty()) return "no findings";
  std::map<std::string, int> bySeverity;
  for (auto& f : findings) ++bySeverity[f.severity];
  std::string text = std::to_string(findings.size()) + (findings.size() == 1 ? " finding: " : " findings: ");
  bool first = true;
  for (const char* s : kSeverities) {
    auto it = bySeverity.find(s);
    if (it == bySeverity.end()) continue;
    text += (first ? "" : ", ") + std::to_string(it->second) + " " + s;
    first = false;
  }
  return text;
}

}  // namespace cc::analysis
