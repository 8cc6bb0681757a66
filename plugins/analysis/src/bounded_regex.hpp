#pragma once
// std::regex (libstdc++) matches by recursion, one frame per repeated character, so a single
// 200 KB line (minified JavaScript, a data blob) can overflow the stack and kill the host.
// Every rule therefore searches overlapping windows of bounded size; the patterns it looks
// for are far shorter than the overlap, so nothing is missed at a window edge.
#include <regex>
#include <string>

namespace cc::analysis {

inline constexpr std::size_t kRegexWindow = 1024;
inline constexpr std::size_t kRegexOverlap = 256;

/// regex_search over windows of `text`; `match` receives the first match found.
inline bool boundedSearch(const std::string& text, const std::regex& re, std::smatch* match = nullptr) {
  std::smatch local;
  std::smatch& m = match ? *match : local;
  if (text.size() <= kRegexWindow) return std::regex_search(text, m, re);
  static thread_local std::string window;
  for (std::size_t start = 0; start < text.size(); start += kRegexWindow - kRegexOverlap) {
    window.assign(text, start, kRegexWindow);
    if (std::regex_search(window, m, re)) return true;
    if (start + kRegexWindow >= text.size()) break;
  }
  return false;
}

}  // namespace cc::analysis
