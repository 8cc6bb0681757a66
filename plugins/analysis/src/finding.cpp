#include "finding.hpp"

#include <algorithm>

namespace cc::analysis {

std::string normalizeSeverity(const std::string& word) {
  std::string lower = word;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* s : kSeverities)
    if (lower == s) return lower;
  return "info";
}

namespace {
int severityRank(const std::string& s) {
  for (std::size_t i = 0; i < kSeverities.size(); ++i)
    if (s == kSeverities[i]) return static_cast<int>(i);
  return static_cast<int>(kSeverities.size());
}
}  // namespace

json::ObjectPtr toJson(const Finding& f) {
  auto o = json::object();
  o->set("line", f.line);
  o->set("endLine", f.endLine > 0 ? f.endLine : f.line);
  o->set("severity", f.severity);
  o->set("rule", f.rule);
  o->set("message", f.message);
  return o;
}

json::ArrayPtr toJson(const std::vector<Finding>& findings) {
  auto a = json::array();
  for (auto& f : findings) a->add(toJson(f));
  return a;
}

std::vector<Finding> findingsFromJson(const std::string& text) {
  std::vector<Finding> out;
  Poco::JSON::Parser parser;
  auto parsed = parser.parse(text.empty() ? std::string("[]") : text);
  auto array = parsed.extract<json::ArrayPtr>();
  for (std::size_t i = 0; i < array->size(); ++i) {
    auto o = array->getObject(static_cast<unsigned>(i));
    if (!o) continue;
    Finding f;
    f.line = o->optValue<int>("line", 0);
    f.endLine = o->optValue<int>("endLine", f.line);
    f.severity = o->optValue<std::string>("severity", "info");
    f.rule = o->optValue<std::string>("rule", "");
    f.message = o->optValue<std::string>("message", "");
    out.push_back(std::move(f));
  }
  return out;
}

void sortFindings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    if (a.line != b.line) return a.line < b.line;
    int ra = severityRank(a.severity), rb = severityRank(b.severity);
    if (ra != rb) return ra < rb;
    return a.rule < b.rule;
  });
}

}  // namespace cc::analysis
