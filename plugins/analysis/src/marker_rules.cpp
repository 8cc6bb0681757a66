#include "marker_rules.hpp"

#include "bounded_regex.hpp"

namespace cc::analysis {

std::vector<Finding> findMarkers(const std::vector<ScannedLine>& lines) {
  // Upper case only: "todo" in prose ("a todo list") is not a marker.
  static const std::regex marker(R"(\b(TODO|FIXME|HACK|XXX)\b[:(\s]*(.*))", std::regex::optimize);
  std::vector<Finding> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    if (!boundedSearch(lines[i].comment, marker, &m)) continue;
    std::string word = m[1].str();
    std::string note = m[2].str();
    while (!note.empty() && std::isspace(static_cast<unsigned char>(note.back()))) note.pop_back();
    if (note.size() > 120) note = note.substr(0, 117) + "...";
    // FIXME/HACK/XXX admit a known defect; TODO only notes missing work.
    std::string severity = word == "TODO" ? "info" : "low";
    std::string rule = word == "TODO" ? "todo" : "fixme";
    int lineNo = static_cast<int>(i) + 1;
    out.push_back({lineNo, lineNo, severity, rule, word + " left in the code" + (note.empty() ? "" : ": " + note)});
  }
  return out;
}

}  // namespace cc::analysis
