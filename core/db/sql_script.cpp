#include "core/db/sql_script.hpp"

#include <cctype>

namespace cc::core {
namespace {

bool isBlank(const std::string& s) {
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  return true;
}

// Returns the $tag$ starting at i, or "" when there is none.
std::string dollarTagAt(const std::string& s, std::size_t i) {
  if (s[i] != '$') return {};
  std::size_t j = i + 1;
  while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
  if (j < s.size() && s[j] == '$') return s.substr(i, j - i + 1);
  return {};
}

}  // namespace

std::vector<std::string> splitSqlScript(const std::string& script) {
  std::vector<std::string> out;
  std::string current;
  std::size_t i = 0;
  auto flush = [&] {
    if (!isBlank(current)) out.push_back(current);
    current.clear();
  };
  while (i < script.size()) {
    char c = script[i];
    if (c == '-' && i + 1 < script.size() && script[i + 1] == '-') {  // line comment: dropped
      while (i < script.size() && script[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < script.size() && script[i + 1] == '*') {  // block comment: dropped
      auto end = script.find("*/", i + 2);
      i = end == std::string::npos ? script.size() : end + 2;
      continue;
    }
    if (c == '\'' || c == '"') {  // quoted text; doubled quotes stay inside
      std::size_t j = i + 1;
      while (j < script.size()) {
        if (script[j] == c) {
          if (j + 1 < script.size() && script[j + 1] == c) { j += 2; continue; }
          break;
        }
        ++j;
      }
      current.append(script, i, j - i + 1);
      i = j + 1;
      continue;
    }
    if (auto tag = dollarTagAt(script, i); !tag.empty()) {
      auto end = script.find(tag, i + tag.size());
      std::size_t stop = end == std::string::npos ? script.size() : end + tag.size();
      current.append(script, i, stop - i);
      i = stop;
      continue;
    }
    if (c == ';') {
      flush();
      ++i;
      continue;
    }
    current += c;
    ++i;
  }
  flush();
  return out;
}

}  // namespace cc::core
