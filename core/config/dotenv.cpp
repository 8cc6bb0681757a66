#include "core/config/dotenv.hpp"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace cc::core {
namespace {

bool isBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view trimLeft(std::string_view s) {
  while (!s.empty() && isBlank(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view trimRight(std::string_view s) {
  while (!s.empty() && isBlank(s.back())) s.remove_suffix(1);
  return s;
}

bool isKeyStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool isKeyChar(char c) { return isKeyStart(c) || (c >= '0' && c <= '9'); }

// Malformed lines throw this; the caller turns it into a located message and moves on.
struct LineError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What may follow a closing quote: nothing, or a comment.
void expectOnlyComment(std::string_view rest) {
  rest = trimLeft(rest);
  if (!rest.empty() && rest.front() != '#') throw LineError("unexpected text after the closing quote");
}

std::string parseSingleQuoted(std::string_view rest) {
  // rest starts just after the opening quote; no escapes, like the shell.
  auto close = rest.find('\'');
  if (close == std::string_view::npos) throw LineError("unterminated single-quoted value");
  expectOnlyComment(rest.substr(close + 1));
  return std::string(rest.substr(0, close));
}

char unescape(char c) {
  switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return c;  // \\ \" \$ and anything else: the character itself
  }
}

std::string parseDoubleQuoted(std::string_view rest) {
  std::string out;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    char c = rest[i];
    if (c == '\\' && i + 1 < rest.size()) {
      out += unescape(rest[++i]);
    } else if (c == '"') {
      expectOnlyComment(rest.substr(i + 1));
      return out;
    } else {
      out += c;
    }
  }
  throw LineError("unterminated double-quoted value");
}

std::string parseUnquoted(std::string_view rest) {
  // '#' starts a comment only after whitespace, so "pa#ss" and URL fragments survive.
  for (std::size_t i = 1; i < rest.size(); ++i)
    if (rest[i] == '#' && isBlank(rest[i - 1])) {
      rest = rest.substr(0, i);
      break;
    }
  return std::string(trimRight(trimLeft(rest)));
}

std::string parseValue(std::string_view afterEquals) {
  std::string_view value = trimLeft(afterEquals);
  if (!value.empty() && value.front() == '\'') return parseSingleQuoted(value.substr(1));
  if (!value.empty() && value.front() == '"') return parseDoubleQuoted(value.substr(1));
  return parseUnquoted(afterEquals);
}

/// Parses one non-comment line into an entry; throws LineError when malformed.
DotenvEntry parseAssignment(std::string_view line) {
  if (line.starts_with("export") && line.size() > 6 && isBlank(line[6])) line = trimLeft(line.substr(6));
  if (line.empty() || !isKeyStart(line.front())) throw LineError("expected KEY=VALUE");
  std::size_t end = 1;
  while (end < line.size() && isKeyChar(line[end])) ++end;
  DotenvEntry entry;
  entry.key = std::string(line.substr(0, end));
  std::string_view rest = trimLeft(line.substr(end));
  if (rest.empty() || rest.front() != '=') throw LineError("expected '=' after " + entry.key);
  entry.value = parseValue(rest.substr(1));
  return entry;
}

}  // namespace

DotenvFile parseDotenv(std::string_view text, const std::string& fileName) {
  DotenvFile result;
  int lineNo = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // files edited on Windows
    line = trimLeft(line);
    if (line.empty() || line.front() == '#') continue;
    try {
      DotenvEntry entry = parseAssignment(line);
      entry.line = lineNo;
      result.entries.push_back(std::move(entry));
    } catch (const LineError& e) {
      // The value is never echoed: .env lines are usually secrets.
      result.errors.push_back(fileName + ":" + std::to_string(lineNo) + ": " + e.what());
    }
  }
  return result;
}

DotenvLoadResult loadDotenv(const std::filesystem::path& file) {
  DotenvLoadResult result;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return result;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    result.errors.push_back(file.string() + ": cannot read the file");
    return result;
  }
  result.found = true;
  std::ostringstream text;
  text << in.rdbuf();
  DotenvFile parsed = parseDotenv(text.str(), file.string());
  result.errors = std::move(parsed.errors);

  // Decide against the environment as it was before this file, so a key repeated in the
  // file takes its last value (as a shell would) while pre-existing variables still win.
  std::set<std::string> preexisting;
  for (const auto& entry : parsed.entries)
    if (std::getenv(entry.key.c_str()) != nullptr) preexisting.insert(entry.key);
  std::set<std::string> applied;
  for (const auto& entry : parsed.entries) {
    if (preexisting.count(entry.key)) continue;
    ::setenv(entry.key.c_str(), entry.value.c_str(), 1);
    if (applied.insert(entry.key).second) result.applied.push_back(entry.key);
  }
  return result;
}

}  // namespace cc::core
