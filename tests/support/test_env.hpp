#pragma once
// Paths and environment for tests: where the built host and plugins are, temp folders,
// the throwaway PostgreSQL started by scripts/test.
#include <codecouncil/sdk/database.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace cc::test {

/// A fresh folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

/// A TCP port on 127.0.0.1 that was free a moment ago, below the kernel's ephemeral range.
int freePort();

/// CC_TEST_POSTGRES_URL (set by scripts/test), or "" when no PostgreSQL is available.
std::string postgresAdminUrl();

/// Creates an empty database on the test PostgreSQL and returns its URL ("" without one).
std::string createPostgresDatabase(const std::string& prefix);

/// Runs a query on a database URL (sqlite:// or postgresql://) and returns the first column as text.
std::vector<std::string> queryStrings(const std::string& databaseUrl, const std::string& sql);
/// Runs a statement on a database URL.
void execute(const std::string& databaseUrl, const std::string& sql);
/// Opens a database URL through the same pool the host uses, seen as the SDK's cc::Database,
/// for tests that need transactions of their own (plugin tests must not reach into core/).
std::unique_ptr<cc::Database> openTestDatabase(const std::string& databaseUrl);

std::string sourceDir();
/// The build folder (test plugins, npm tools installed for tests).
std::string binaryDir();
std::string hostBinary();
std::string pluginDir();
std::string testPluginDir();
std::string readFile(const std::filesystem::path& p);
void writeFile(const std::filesystem::path& p, const std::string& text);

}  // namespace cc::test
