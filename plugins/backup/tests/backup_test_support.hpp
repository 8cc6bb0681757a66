#pragma once
// Helpers shared by the backup plugin's integration tests.
#include "support/host_process.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace backup_test {

/// BACKUP_SIGNING_KEY shared by hosts in one test: without it each host signs with the key
/// generated in its own data folder, and restores across hosts are (rightly) refused.
inline const std::string kSigningKey = "a3f1c0de5eed0b5e1ec7ab1e0ddba11c0ffee0ddf00dfacefeedbeefcafe1234";
inline std::map<std::string, std::string> signingEnv(const std::string& key = kSigningKey) {
  return {{"BACKUP_SIGNING_KEY", key}};
}

inline std::string pluginYaml(const std::string& backupDir, const std::string& extra = "") {
  // Test databases are small: lower the "suspiciously small" bar unless the test sets it.
  // (A repeated key in a plugin's config map is not reported: yaml-cpp keeps the first.)
  std::string minimum = extra.find("min_dump_bytes") == std::string::npos ? ", min_dump_bytes: 100" : "";
  std::string schedule = extra.find("schedule:") == std::string::npos ? ", schedule: \"off\"" : "";
  // The daily restore drill too, unless the test configures it.
  std::string drill = extra.find("restore_drill:") == std::string::npos ? ", restore_drill: { enabled: false }" : "";
  return cc::test::bundledPlugin("backup", "{ backup_dir: \"" + backupDir + "\"" + schedule + drill + minimum +
                                               (extra.empty() ? "" : ", " + extra) + " }");
}

/// Files in `dir` whose names end with `suffix`, sorted.
inline std::vector<std::string> filesEndingWith(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    if (n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline cc::test::ProcessResult run(const std::string& config, std::vector<std::string> args,
                                   const std::map<std::string, std::string>& env = {}) {
  args.push_back("--config");
  args.push_back(config);
  return cc::test::runHost(args, env, 180);
}

/// "" for SQLite (the HostProcess default), else a fresh PostgreSQL database; skips the test
/// when PostgreSQL is wanted but CC_TEST_POSTGRES_URL is unset.
inline std::string databaseFor(const std::string& engine, const std::string& prefix) {
  if (engine == "sqlite") return "";
  return cc::test::createPostgresDatabase(prefix);
}

}  // namespace backup_test

#define SKIP_WITHOUT_POSTGRES(engine)                                                       \
  if ((engine) == "postgresql" && cc::test::postgresAdminUrl().empty())                     \
  GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set"
