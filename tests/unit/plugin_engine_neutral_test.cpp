// Plugins ask cc::Database for what differs between the engines (lockRowsSql, lockNamed,
// nowPlusSql, beginSnapshot, unindexedSql, isUnavailable, batchedWriter) instead of branching on
// the engine. This reads every bundled plugin's sources (plugins/*/src, except backup, which
// must know the file format) and fails on any mention of an engine: its enum, engine(), its
// name (comments included: a comment that names an engine usually explains a branch), or SQL
// only one engine runs (advisory locks, FOR UPDATE).
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <string>

using namespace cc::test;
namespace fs = std::filesystem;

TEST(PluginEngineNeutrality, NoBundledPluginButBackupNamesAnEngine) {
  const std::regex engineWord(R"(Engine::|engine\(\)|PostgreSQL|SQLite|pg_advisory|FOR UPDATE)");
  std::ostringstream found;
  int files = 0;
  for (const auto& plugin : fs::directory_iterator(fs::path(sourceDir()) / "plugins")) {
    if (!plugin.is_directory() || plugin.path().filename() == "backup") continue;
    const fs::path src = plugin.path() / "src";
    if (!fs::exists(src)) continue;
    for (const auto& file : fs::recursive_directory_iterator(src)) {
      const auto ext = file.path().extension();
      if (ext != ".cpp" && ext != ".hpp") continue;
      ++files;
      std::istringstream lines(readFile(file.path()));
      std::string line;
      for (int n = 1; std::getline(lines, line); ++n)
        if (std::regex_search(line, engineWord))
          found << fs::relative(file.path(), sourceDir()).string() << ":" << n << ": " << line << "\n";
    }
  }
  EXPECT_GT(files, 50) << "the plugins' sources were not found under " << sourceDir();
  EXPECT_EQ(found.str(), "") << "use the engine-neutral cc::Database calls (docs/sdk-reference.md, Database)";
}
