#include "source_scanner.hpp"

#include <algorithm>
#include <map>

namespace cc::analysis {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Syntax fromName(const std::string& name, bool* known) {
  static const std::map<std::string, Syntax> kNames = {
      {"python", Syntax::Python}, {"py", Syntax::Python},      {"pyw", Syntax::Python},
      {"shell", Syntax::Hash},    {"bash", Syntax::Hash},      {"sh", Syntax::Hash},
      {"zsh", Syntax::Hash},      {"ruby", Syntax::Hash},      {"rb", Syntax::Hash},
      {"yaml", Syntax::Hash},     {"yml", Syntax::Hash},       {"perl", Syntax::Hash},
      {"pl", Syntax::Hash},       {"toml", Syntax::Hash},      {"dockerfile", Syntax::Hash},
      {"makefile", Syntax::Hash}, {"r", Syntax::Hash},         {"elixir", Syntax::Hash},
      {"ex", Syntax::Hash},       {"exs", Syntax::Hash},       {"env", Syntax::Hash},
      {"ini", Syntax::Hash},      {"conf", Syntax::Hash},      {"properties", Syntax::Hash},
  };
  auto it = kNames.find(lower(name));
  *known = it != kNames.end();
  return *known ? it->second : Syntax::CStyle;
}

enum class State { Code, LineComment, BlockComment, String, TripleString };

class Scanner {
 public:
  Scanner(const std::string& text, Syntax syntax) : text_(text), syntax_(syntax) {}

  std::vector<ScannedLine> run() {
    lines_.emplace_back();
    lines_.back().continuation = false;
    for (i_ = 0; i_ < text_.size(); ++i_) {
      char c = text_[i_];
      if (c == '\n') {
        newline();
        continue;
      }
      if (c == '\r' && peek(1) == '\n') continue;  // CRLF: the '\n' ends the line
      current().raw += c;
      step(c);
    }
    return std::move(lines_);
  }

 private:
  ScannedLine& current() { return lines_.back(); }
  char peek(std::size_t ahead) const { return i_ + ahead < text_.size() ? text_[i_ + ahead] : '\0'; }
  bool hashComments() const { return syntax_ != Syntax::CStyle; }

  void newline() {
    bool backslash = !current().raw.empty() && current().raw.back() == '\\';
    if (state_ == State::LineComment) state_ = State::Code;
    // Only triple-quoted and template strings span lines; an unterminated ordinary string ends here.
    if (state_ == State::String && quote_ != '`' && !backslash) state_ = State::Code;
    bool continues = state_ == State::String || state_ == State::TripleString || brackets_ > 0 || backslash;
    lines_.emplace_back();
    current().continuation = continues;
  }

  void step(char c) {
    switch (state_) {
      case State::LineComment:
        current().comment += c;
        return;
      case State::BlockComment:
        if (c == '*' && peek(1) == '/') {
          current().raw += '/';
          ++i_;
          state_ = State::Code;
        } else {
          current().comment += c;
        }
        return;
      case State::String:
        if (c == '\\' && peek(1) != '\n' && peek(1) != '\0') {
          current().raw += peek(1);
          ++i_;
        } else if (c == quote_) {
          current().code += c;
          state_ = State::Code;
        }
        return;
      case State::TripleString:
        if (c == quote_ && peek(1) == quote_ && peek(2) == quote_) {
          current().raw += std::string(2, quote_);
          i_ += 2;
          current().code += std::string(3, quote_);
          state_ = State::Code;
        } else if (c == '\\' && peek(1) != '\n' && peek(1) != '\0') {
          current().raw += peek(1);
          ++i_;
        }
        return;
      case State::Code:
        code(c);
        return;
    }
  }

  void code(char c) {
    if (!hashComments() && c == '/' && peek(1) == '/') {
      current().raw += '/';
      ++i_;
      state_ = State::LineComment;
      return;
    }
    if (!hashComments() && c == '/' && peek(1) == '*') {
      current().raw += '*';
      ++i_;
      state_ = State::BlockComment;
      return;
    }
    if (hashComments() && c == '#' && hashStartsComment()) {
      state_ = State::LineComment;
      return;
    }
    if (c == '"' || c == '\'' || (c == '`' && syntax_ != Syntax::Python)) {
      if (syntax_ == Syntax::Python && peek(1) == c && peek(2) == c) {
        current().raw += std::string(2, c);
        i_ += 2;
        current().code += std::string(3, c);
        quote_ = c;
        state_ = State::TripleString;
        return;
      }
      // A ' between two letters or digits is an apostrophe (Rust lifetimes, C++14 digit
      // separators, "don't" in shell words), not the start of a character literal.
      bool apostrophe = c == '\'' && i_ > 0 && std::isalnum(static_cast<unsigned char>(text_[i_ - 1])) &&
                        syntax_ != Syntax::Python;
      if (!apostrophe) {
        current().code += c;
        quote_ = c;
        state_ = State::String;
        return;
      }
    }
    if (syntax_ == Syntax::Python) {
      if (c == '(' || c == '[' || c == '{') ++brackets_;
      if ((c == ')' || c == ']' || c == '}') && brackets_ > 0) --brackets_;
    }
    current().code += c;
  }

  // Shell's $# and ${#var} are not comments; a # at the start of a word is.
  bool hashStartsComment() const {
    if (syntax_ != Syntax::Hash || i_ == 0) return true;
    char before = text_[i_ - 1];
    return std::isspace(static_cast<unsigned char>(before)) || before == ';';
  }

  const std::string& text_;
  Syntax syntax_;
  std::size_t i_ = 0;
  State state_ = State::Code;
  char quote_ = '"';
  int brackets_ = 0;
  std::vector<ScannedLine> lines_;
};

}  // namespace

Syntax syntaxFor(const std::string& language, const std::string& filename) {
  bool known = false;
  if (!language.empty()) {
    Syntax s = fromName(language, &known);
    if (known) return s;
  }
  std::string base = filename.substr(filename.find_last_of("/\\") == std::string::npos
                                         ? 0
                                         : filename.find_last_of("/\\") + 1);
  auto dot = base.find_last_of('.');
  Syntax s = fromName(dot == std::string::npos ? base : base.substr(dot + 1), &known);
  return known ? s : Syntax::CStyle;
}

std::vector<ScannedLine> scanSource(const std::string& text, Syntax syntax) {
  auto lines = Scanner(text, syntax).run();
  // A final line break does not start a line of its own.
  if (lines.size() > 1 && lines.back().raw.empty() && !text.empty() && text.back() == '\n') lines.pop_back();
  return lines;
}

}  // namespace cc::analysis
