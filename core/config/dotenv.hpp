#pragma once
// A tiny .env reader, so local secrets (JWT_SECRET, SMTP_PASSWORD, DATABASE_URL...) can live
// in an untracked file instead of the YAML. Supported syntax, one assignment a line:
//   KEY=value            # a comment after whitespace is dropped
//   export KEY=value     # shell-compatible prefix, ignored
//   KEY='literal value'  # single quotes: taken as written
//   KEY="a\nb"           # double quotes: \n \r \t \\ \" \$ escapes
//   # a whole-line comment, and blank lines
// Variables already present in the environment always win: the real environment of a
// deployment must never be overridden by a stray file.
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cc::core {

struct DotenvEntry {
  std::string key;
  std::string value;
  int line = 0;  // 1-based, for messages
};

struct DotenvFile {
  std::vector<DotenvEntry> entries;
  std::vector<std::string> errors;  // "file:line: message", one per malformed line
};

/// Parses .env text; `fileName` only labels the errors. Malformed lines are skipped and
/// reported, the rest still parse.
DotenvFile parseDotenv(std::string_view text, const std::string& fileName = ".env");

struct DotenvLoadResult {
  bool found = false;                // the file existed and was read
  std::vector<std::string> applied;  // keys that were set (absent from the environment before)
  std::vector<std::string> errors;   // as DotenvFile::errors, plus "cannot read" problems
};

/// Reads `file` if it exists and sets each variable that is not already in the environment
/// (an existing but empty variable counts as set). A missing file is not an error.
DotenvLoadResult loadDotenv(const std::filesystem::path& file);

}  // namespace cc::core
