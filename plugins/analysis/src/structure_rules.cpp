#include "structure_rules.hpp"

#include <regex>
#include <set>

namespace cc::analysis {
namespace {

// Both readers below turn the source into "a block opens here / closes there" and hand that
// to this tracker, which measures functions and the nesting of blocks inside them.
class BlockTracker {
 public:
  BlockTracker(const StructureLimits& limits, std::vector<Finding>& out) : limits_(limits), out_(out) {}

  void open(bool isFunction, int line, const std::string& name) {
    stack_.push_back({isFunction, line, name});
    int depth = nestingDepth();
    if (depth > limits_.maxNestingDepth && !reportedDeep_) {
      out_.push_back({line, line, "medium", "deep-nesting",
                      "code nested " + std::to_string(depth) + " levels deep (limit " +
                          std::to_string(limits_.maxNestingDepth) + "): extract a function or return early"});
      reportedDeep_ = true;  // once per excursion, not once per line of it
    }
  }

  void close(int endLine) {
    if (stack_.empty()) return;  // an unbalanced '}' in broken code
    Block b = stack_.back();
    stack_.pop_back();
    if (b.isFunction) {
      int length = endLine - b.line + 1;
      if (length > limits_.maxFunctionLines)
        out_.push_back({b.line, endLine, "medium", "long-function",
                        (b.name.empty() ? std::string("function") : "function '" + b.name + "'") + " is " +
                            std::to_string(length) + " lines long (limit " + std::to_string(limits_.maxFunctionLines) +
                            "): split it"});
    }
    if (nestingDepth() <= limits_.maxNestingDepth) reportedDeep_ = false;
  }

  bool empty() const { return stack_.empty(); }

 private:
  struct Block {
    bool isFunction;
    int line;
    std::string name;
  };

  // Blocks inside the innermost function (class and namespace bodies do not count).
  int nestingDepth() const {
    int depth = 0;
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      if (it->isFunction) return depth;
      ++depth;
    }
    return 0;
  }

  const StructureLimits& limits_;
  std::vector<Finding>& out_;
  std::vector<Block> stack_;
  bool reportedDeep_ = false;
};

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\f\v");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\f\v");
  return s.substr(b, e - b + 1);
}

std::string firstWord(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
  return s.substr(0, i);
}

// The identifier right before the first '(' of a function header: "int Foo::bar(int x)" -> "bar".
std::string functionName(const std::string& header) {
  auto paren = header.find('(');
  if (paren == std::string::npos) return "";
  std::size_t end = paren;
  while (end > 0 && std::isspace(static_cast<unsigned char>(header[end - 1]))) --end;
  std::size_t begin = end;
  while (begin > 0 && (std::isalnum(static_cast<unsigned char>(header[begin - 1])) || header[begin - 1] == '_' ||
                       header[begin - 1] == '~'))
    --begin;
  std::string name = header.substr(begin, end - begin);
  if (name == "function" || name == "func" || name == "fn") return "";  // anonymous
  return name;
}

// A '{' opens a function when the text before it (since the last ; { or }) has a parameter
// list and does not start with a control-flow keyword.
bool isFunctionHeader(const std::string& header) {
  static const std::set<std::string> kControl = {"if",    "for",   "while",  "switch", "catch", "else",
                                                 "do",    "try",   "return", "match",  "loop",  "unless",
                                                 "until", "using", "case",   "with",   "lock",  "foreach",
                                                 "synchronized", "select", "defer", "go"};
  std::string h = trim(header);
  if (h.find('(') == std::string::npos || h.find(')') == std::string::npos) return false;
  return !kControl.count(firstWord(h));
}

void braceStructure(const std::vector<ScannedLine>& lines, BlockTracker& tracker) {
  std::string header;  // code since the last ; { or }
  int headerLine = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    int lineNo = static_cast<int>(i) + 1;
    for (char c : lines[i].code) {
      if (c == '{') {
        bool fn = isFunctionHeader(header);
        tracker.open(fn, fn && headerLine > 0 ? headerLine : lineNo, fn ? functionName(header) : "");
        header.clear();
        headerLine = 0;
      } else if (c == '}') {
        tracker.close(lineNo);
        header.clear();
        headerLine = 0;
      } else if (c == ';') {
        header.clear();
        headerLine = 0;
      } else {
        if (headerLine == 0 && !std::isspace(static_cast<unsigned char>(c))) headerLine = lineNo;
        if (header.size() < 4096) header += c;
      }
    }
    header += ' ';
  }
}

int indentation(const std::string& raw) {
  int width = 0;
  for (char c : raw) {
    if (c == ' ') ++width;
    else if (c == '\t') width = (width / 8 + 1) * 8;
    else break;
  }
  return width;
}

void pythonStructure(const std::vector<ScannedLine>& lines, BlockTracker& tracker) {
  static const std::regex def(R"(^\s*(?:async\s+)?def\s+([A-Za-z_][A-Za-z0-9_]*))");
  static const std::set<std::string> kOpeners = {"if",   "elif", "else",    "for",   "while", "with", "try",
                                                 "except", "finally", "def", "class", "async", "match", "case"};
  std::vector<int> indents;  // the indentation of each open block's header line
  int lastCodeLine = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    int lineNo = static_cast<int>(i) + 1;
    std::string code = trim(lines[i].code);
    if (lines[i].continuation) {
      if (!code.empty()) lastCodeLine = lineNo;
      continue;
    }
    if (code.empty()) continue;  // blank or comment-only lines neither open nor close blocks
    int indent = indentation(lines[i].raw);
    while (!indents.empty() && indent <= indents.back()) {
      tracker.close(lastCodeLine);
      indents.pop_back();
    }
    lastCodeLine = lineNo;
    if (code.back() != ':' || !kOpeners.count(firstWord(code))) continue;
    std::smatch m;
    std::string raw = lines[i].raw.substr(0, 512);
    bool fn = std::regex_search(raw, m, def);
    tracker.open(fn, lineNo, fn ? m[1].str() : "");
    indents.push_back(indent);
  }
  while (!indents.empty()) {
    tracker.close(lastCodeLine);
    indents.pop_back();
  }
}

}  // namespace

std::vector<Finding> findStructureProblems(const std::vector<ScannedLine>& lines, Syntax syntax,
                                           const StructureLimits& limits) {
  std::vector<Finding> out;
  BlockTracker tracker(limits, out);
  if (syntax == Syntax::Python) pythonStructure(lines, tracker);
  else braceStructure(lines, tracker);
  return out;
}

}  // namespace cc::analysis
