// Core owns the "User" table: plugins read and change accounts through the users service
// (sdk/include/codecouncil/sdk/users.hpp), never with SQL. This reads every plugin's sources
// (plugins/*/src, plugins/*/migrations, migrations/<plugin>) and fails on SQL that names
// "User", except a foreign key to it (REFERENCES "User"). C++ comments are not SQL; string
// literals are (SQL is built from them), and a .sql file is SQL outside its comments.
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

using namespace cc::test;
namespace fs = std::filesystem;

namespace {

/// The contents of the C++ string literals in `source` (escapes decoded, raw strings as
/// written), one per line; comments and character literals dropped.
std::string cppStringLiterals(const std::string& source) {
  std::string out;
  std::size_t i = 0, n = source.size();
  while (i < n) {
    char c = source[i];
    if (c == '/' && i + 1 < n && source[i + 1] == '/') {
      while (i < n && source[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && source[i + 1] == '*') {
      auto end = source.find("*/", i + 2);
      i = end == std::string::npos ? n : end + 2;
    } else if (c == 'R' && i + 1 < n && source[i + 1] == '"') {  // R"delim( ... )delim"
      auto open = source.find('(', i + 2);
      if (open == std::string::npos) break;
      std::string close = ")" + source.substr(i + 2, open - i - 2) + "\"";
      auto end = source.find(close, open + 1);
      if (end == std::string::npos) end = n;
      out += source.substr(open + 1, end - open - 1) + "\n";
      i = end == n ? n : end + close.size();
    } else if (c == '\'' && i > 0 && std::isxdigit(static_cast<unsigned char>(source[i - 1])) && i + 1 < n &&
               std::isxdigit(static_cast<unsigned char>(source[i + 1]))) {
      ++i;  // a digit separator (1'000'000), not a character literal
    } else if (c == '"' || c == '\'') {
      std::string text;
      ++i;
      while (i < n && source[i] != c && source[i] != '\n') {
        if (source[i] == '\\' && i + 1 < n) ++i;  // \" is a quote inside the literal
        text += source[i++];
      }
      ++i;
      if (c == '"') out += text + "\n";
    } else {
      ++i;
    }
  }
  return out;
}

/// A .sql file without its -- and /* */ comments.
std::string sqlWithoutComments(const std::string& script) {
  std::string out;
  std::size_t i = 0, n = script.size();
  while (i < n) {
    if (script[i] == '-' && i + 1 < n && script[i + 1] == '-') {
      while (i < n && script[i] != '\n') ++i;
    } else if (script[i] == '/' && i + 1 < n && script[i + 1] == '*') {
      auto end = script.find("*/", i + 2);
      i = end == std::string::npos ? n : end + 2;
    } else {
      out += script[i++];
    }
  }
  return out;
}

/// The places in SQL text that name the "User" table other than as a foreign key's target.
std::vector<std::string> userTableUses(const std::string& sql) {
  // The quoted identifier anywhere, or the unquoted name after a keyword that takes a table.
  static const std::regex use(R"re(("User")|\b(from|join|update|into|table)\s+(user)\b)re", std::regex::icase);
  static const std::regex foreignKey(R"re(references\s*$)re", std::regex::icase);
  std::vector<std::string> found;
  for (auto it = std::sregex_iterator(sql.begin(), sql.end(), use); it != std::sregex_iterator(); ++it) {
    auto start = static_cast<std::size_t>(it->position());
    std::string before = sql.substr(start >= 40 ? start - 40 : 0, start >= 40 ? 40 : start);
    if ((*it)[1].matched && std::regex_search(before, foreignKey)) continue;
    auto lineStart = sql.rfind('\n', start);
    lineStart = lineStart == std::string::npos ? 0 : lineStart + 1;
    found.push_back(sql.substr(lineStart, sql.find('\n', start) - lineStart));
  }
  return found;
}

std::vector<std::string> violationsIn(const fs::path& file) {
  std::string text = readFile(file);
  auto ext = file.extension().string();
  if (ext == ".sql") return userTableUses(sqlWithoutComments(text));
  if (ext == ".cpp" || ext == ".hpp" || ext == ".h" || ext == ".cc") return userTableUses(cppStringLiterals(text));
  return {};
}

std::vector<fs::path> pluginSourceFolders() {
  fs::path root = sourceDir();
  std::vector<fs::path> folders;
  for (auto& plugin : fs::directory_iterator(root / "plugins"))
    for (const char* sub : {"src", "migrations"})
      if (fs::is_directory(plugin.path() / sub)) folders.push_back(plugin.path() / sub);
  for (auto& owner : fs::directory_iterator(root / "migrations"))
    if (owner.is_directory() && owner.path().filename() != "core") folders.push_back(owner.path());
  return folders;
}

}  // namespace

TEST(PluginUserSql, FindsSqlOnTheUserTable) {
  EXPECT_EQ(userTableUses("UPDATE \"User\" SET tier = ?").size(), 1u);
  EXPECT_EQ(userTableUses("SELECT email FROM user WHERE id = ?").size(), 1u);
  EXPECT_EQ(userTableUses("SELECT u.email FROM x JOIN \"User\" u ON u.id = x.\"userId\"").size(), 1u);
  EXPECT_EQ(cppStringLiterals("s << db.sql(\"SELECT COUNT(*) FROM \\\"User\\\"\");"), "SELECT COUNT(*) FROM \"User\"\n");
  EXPECT_EQ(userTableUses(cppStringLiterals("q(R\"(DELETE FROM \"User\")\");")).size(), 1u);
}

TEST(PluginUserSql, AllowsForeignKeysCommentsAndOtherText) {
  EXPECT_TRUE(userTableUses("\"userId\" TEXT NOT NULL REFERENCES \"User\"(id) ON DELETE CASCADE").empty());
  EXPECT_TRUE(userTableUses("FOREIGN KEY (\"userId\") REFERENCES\n  \"User\" (id)").empty());
  EXPECT_TRUE(userTableUses(sqlWithoutComments("-- reads \"User\" through the users service\nSELECT 1")).empty());
  EXPECT_TRUE(userTableUses(cppStringLiterals("// SQL on \"User\" is core's\nreq.set(\"User-Agent\", ua);")).empty());
  EXPECT_TRUE(userTableUses("User accounts created").empty());
  EXPECT_EQ(cppStringLiterals("x = 1'000'000 + '\"'; y(\"a\");"), "a\n");
}

TEST(PluginUserSql, NoPluginSourceOrMigrationNamesTheUserTable) {
  std::size_t files = 0;
  std::string report;
  for (auto& folder : pluginSourceFolders())
    for (auto& e : fs::recursive_directory_iterator(folder)) {
      if (!e.is_regular_file()) continue;
      ++files;
      for (auto& line : violationsIn(e.path()))
        report += fs::relative(e.path(), sourceDir()).string() + ": " + line + "\n";
    }
  EXPECT_GT(files, 20u) << "no plugin sources found under " << sourceDir();
  EXPECT_TRUE(report.empty()) << "SQL on the host's \"User\" table in plugin sources (use ctx.users(), "
                                 "sdk/include/codecouncil/sdk/users.hpp):\n"
                              << report;
}
