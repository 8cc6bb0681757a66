#pragma once
// Splits source text into lines and separates, per line, the code (string literal contents
// removed) from the comment text. The structural rules count braces and indentation on the
// code only, so a "{" inside a string or a comment never opens a block; the TODO rule reads
// comments only. It is a lexer, not a parser: good enough for findings, never for compiling.
#include <string>
#include <vector>

namespace cc::analysis {

enum class Syntax {
  CStyle,  ///< // and /* */ comments, "..." '...' `...` strings, blocks in braces
  Python,  ///< # comments, '...' "..." and triple-quoted strings, blocks by indentation
  Hash,    ///< # comments (shell, Ruby, YAML, Perl), "..." '...' strings, braces if any
};

/// From the request's language, else the filename's extension; CStyle when neither says.
Syntax syntaxFor(const std::string& language, const std::string& filename);

struct ScannedLine {
  std::string raw;      ///< the line as written, without its line break
  std::string code;     ///< code with string contents and comments removed
  std::string comment;  ///< the text of comments on this line
  /// Python: the line continues a statement (open bracket, backslash, or a multi-line string),
  /// so its indentation says nothing about blocks.
  bool continuation = false;
};

std::vector<ScannedLine> scanSource(const std::string& text, Syntax syntax);

}  // namespace cc::analysis
