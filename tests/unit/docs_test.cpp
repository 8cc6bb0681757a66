// The documents stay true to the repository: every link points at a file (and heading) that
// exists in it, every citation of a section of the enterprise guide (which is not in the
// repository) is followed by a quote of what the document relies on, every variable the
// shipped configs read is documented and in .env.example, and .env.example can be used as
// systemd's EnvironmentFile and sourced by sh as it is.
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace cc::test;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> markdownFiles() {
  std::vector<fs::path> files{fs::path(sourceDir()) / "README.md"};
  for (const char* folder : {"docs", "plugins", "sdk"})
    for (auto& e : fs::recursive_directory_iterator(fs::path(sourceDir()) / folder))
      if (e.is_regular_file() && e.path().extension() == ".md") files.push_back(e.path());
  return files;
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'.
std::string slug(const std::string& heading) {
  std::string out;
  for (unsigned char c : heading) {
    if (std::isalnum(c) || c == '-' || c == '_') out += static_cast<char>(std::tolower(c));
    else if (c == ' ') out += '-';
    else if (c >= 0x80) out += static_cast<char>(c);  // letters beyond ASCII are kept
  }
  return out;
}

std::set<std::string> anchorsOf(const fs::path& file) {
  std::set<std::string> anchors;
  std::map<std::string, int> seen;
  std::istringstream in(readFile(file));
  bool inFence = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("```", 0) == 0) inFence = !inFence;
    if (inFence || line.empty() || line[0] != '#') continue;
    auto text = line.find_first_not_of('#');
    if (text == std::string::npos || line[text] != ' ') continue;
    std::string s = slug(line.substr(text + 1));
    int n = seen[s]++;
    anchors.insert(n == 0 ? s : s + "-" + std::to_string(n));
  }
  return anchors;
}

bool insideRepository(const fs::path& p) {
  auto root = fs::path(sourceDir()).lexically_normal();
  auto rel = p.lexically_normal().lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

/// A block of a Markdown file: consecutive non-blank lines outside code fences, where a list
/// item starts a new block and a table is one block. `quoteFollows`: the next non-blank line
/// is a blockquote ("> ...", also indented under a list item).
struct MarkdownBlock {
  int firstLine = 0;
  std::string text;
  bool quoteFollows = false;
};

bool isBlockquote(const std::string& line) {
  auto text = line.find_first_not_of(' ');
  return text != std::string::npos && line[text] == '>';
}

std::vector<MarkdownBlock> blocksOf(const fs::path& file) {
  std::vector<std::string> lines;
  std::istringstream in(readFile(file));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  static const std::regex listItem(R"(^\s*([-*+]|\d+\.)\s)");
  std::vector<MarkdownBlock> blocks;
  bool inFence = false, open = false;
  auto close = [&](std::size_t next) {
    if (!open) return;
    open = false;
    while (next < lines.size() && lines[next].find_first_not_of(' ') == std::string::npos) ++next;
    blocks.back().quoteFollows = next < lines.size() && isBlockquote(lines[next]);
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.rfind("```", 0) == 0) {
      close(i);
      inFence = !inFence;
      continue;
    }
    const bool blank = line.find_first_not_of(' ') == std::string::npos;
    if (inFence || blank || isBlockquote(line)) {
      close(i);
      continue;
    }
    const bool tableRow = line[line.find_first_not_of(' ')] == '|';
    if (open && std::regex_search(line, listItem) && !tableRow) close(i);
    if (!open) {
      blocks.push_back({static_cast<int>(i) + 1, "", false});
      open = true;
    }
    blocks.back().text += line + "\n";
  }
  close(lines.size());
  return blocks;
}

std::set<std::string> configVariables() {
  std::set<std::string> names;
  std::regex var(R"(\$\{([A-Z_][A-Z0-9_]*))");
  for (const char* file : {"codecouncil.yaml", "staging.yaml", "production.yaml"}) {
    std::istringstream in(readFile(fs::path(sourceDir()) / "config" / file));
    for (std::string line; std::getline(in, line);) {
      // Comments explain the syntax with a made-up ${VAR}; only values are read.
      auto comment = line.find('#');
      while (comment != std::string::npos && comment > 0 && line[comment - 1] != ' ') comment = line.find('#', comment + 1);
      line = line.substr(0, comment);
      for (std::sregex_iterator it(line.begin(), line.end(), var), end; it != end; ++it) names.insert((*it)[1]);
    }
  }
  return names;
}

}  // namespace

TEST(Docs, LinksPointAtFilesAndHeadingsInTheRepository) {
  std::regex link(R"(\]\(([^)\s]+)\))");
  int checked = 0;
  for (const auto& doc : markdownFiles()) {
    std::string text = readFile(doc);
    for (std::sregex_iterator it(text.begin(), text.end(), link), end; it != end; ++it) {
      std::string target = (*it)[1];
      if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0 || target.rfind("mailto:", 0) == 0)
        continue;
      std::string file = target.substr(0, target.find('#'));
      std::string anchor = target.find('#') == std::string::npos ? "" : target.substr(target.find('#') + 1);
      fs::path resolved = file.empty() ? doc : (doc.parent_path() / file).lexically_normal();
      ++checked;
      EXPECT_TRUE(insideRepository(resolved)) << doc << ": " << target << " leaves the repository";
      if (!fs::exists(resolved)) {
        ADD_FAILURE() << doc << ": " << target << " does not exist";
        continue;
      }
      if (!anchor.empty() && resolved.extension() == ".md")
        EXPECT_TRUE(anchorsOf(resolved).count(anchor)) << doc << ": " << target << ": no such heading";
    }
  }
  EXPECT_GT(checked, 50) << "the link pattern no longer finds the documents' links";
}

TEST(Docs, NoDocumentPointsOutsideTheRepository) {
  for (const auto& doc : markdownFiles()) {
    std::string text = readFile(doc);
    EXPECT_EQ(text.find("shared/spec"), std::string::npos) << doc << " names a file outside the repository";
    EXPECT_EQ(text.find("/work/"), std::string::npos) << doc << " names a machine path";
  }
}

TEST(Docs, EveryCitationOfAGuideSectionIsFollowedByAQuote) {
  // The enterprise guide is the product contract but not part of the repository, so a reader
  // cannot follow a citation of it: where a document names a section of the guide, the lines it
  // relies on follow as a blockquote (issue 16). "Plugin guide" is docs/plugin-guide.md.
  std::regex pluginGuide(R"(plugin[ -]guide)", std::regex::icase);
  std::regex section(R"(\bsections?\s+[1-6]\b)", std::regex::icase);
  int citations = 0;
  for (const auto& doc : markdownFiles()) {
    for (const auto& block : blocksOf(doc)) {
      std::string text = std::regex_replace(block.text, pluginGuide, "");
      if (!std::regex_search(text, std::regex(R"(\bguide\b)", std::regex::icase)) || !std::regex_search(text, section))
        continue;
      ++citations;
      EXPECT_TRUE(block.quoteFollows) << doc.string() << ":" << block.firstLine
                                      << ": cites a section of the enterprise guide without quoting it (a blockquote "
                                         "right after the paragraph):\n"
                                      << block.text.substr(0, 400);
    }
  }
  EXPECT_GT(citations, 3) << "the citation pattern no longer finds the documents' citations";
}

TEST(Docs, EveryVariableOfTheShippedConfigsIsDocumentedAndInTheExample) {
  std::string configuration = readFile(fs::path(sourceDir()) / "docs" / "configuration.md");
  std::string example = readFile(fs::path(sourceDir()) / ".env.example");
  auto names = configVariables();
  ASSERT_GT(names.size(), 20u);
  for (const auto& name : names) {
    EXPECT_NE(configuration.find("`" + name + "`"), std::string::npos) << name << " is missing from docs/configuration.md";
    EXPECT_TRUE(std::regex_search(example, std::regex("(^|\n)#? ?" + name + "="))) << name << " is missing from .env.example";
  }
}

TEST(Docs, EnvExampleReadsTheSameInSystemdShAndTheHost) {
  // systemd's EnvironmentFile keeps "# ..." after a value as part of it; sh splits unquoted
  // values at spaces and runs '&', ';', '|'. So: no comment after a value, and quotes around
  // any value with such characters.
  std::istringstream in(readFile(fs::path(sourceDir()) / ".env.example"));
  std::regex assignment(R"(^#? ?([A-Z_][A-Z0-9_]*)=(.*)$)");
  int assignments = 0;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, assignment)) continue;
    ++assignments;
    std::string value = m[2];
    bool quoted = value.size() >= 2 && (value.front() == '\'' || value.front() == '"') && value.back() == value.front();
    if (quoted) continue;
    EXPECT_EQ(value.find_first_of(" \t#$&;|<>()\"\\`"), std::string::npos)
        << line << ": a comment after the value, or characters that need quotes";
  }
  EXPECT_GT(assignments, 40);
}
