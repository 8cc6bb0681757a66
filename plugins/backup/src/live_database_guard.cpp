#include "live_database_guard.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace cc::backup {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool isLoopbackAddress(const std::string& host) {
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    // ::ffff:127.x.y.z
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

std::string thisHostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "";
  return lower(name);
}

// One spelling per server: this machine, however it is written, is "local".
std::string serverKey(const std::string& rawHost) {
  std::string host = lower(rawHost);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (!host.empty() && host.back() == '.') host.pop_back();
  // libpq: a host starting with '/' is the folder of a Unix socket on this machine.
  if (host.empty() || host.front() == '/' || host == "localhost" || host == "localhost.localdomain" ||
      host.rfind("localhost.", 0) == 0 || isLoopbackAddress(host) || host == thisHostName())
    return "local";
  return host;
}

std::string canonicalFile(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(path, ec);
  return ec ? std::filesystem::path(path).lexically_normal().string() : p.string();
}

}  // namespace

bool namesSameDatabase(const DatabaseTarget& a, const DatabaseTarget& b) {
  if (a.engine != b.engine) return false;
  if (a.engine == Engine::SQLite) return canonicalFile(a.sqlitePath) == canonicalFile(b.sqlitePath);
  return a.port == b.port && a.database == b.database && serverKey(a.host) == serverKey(b.host);
}

void refuseLiveVerifyDatabase(const ConfigNode& pluginConfig, const BackupSettings& settings,
                              const DatabaseTarget& live) {
  if (settings.verifyDatabaseUrl.empty()) return;
  DatabaseTarget scratch;
  try {
    scratch = parseDatabaseUrl(settings.verifyDatabaseUrl, "/");
  } catch (const std::exception& e) {
    throw ConfigError(pluginConfig["verify_database_url"].where(), e.what());
  }
  if (namesSameDatabase(scratch, live))
    throw ConfigError(pluginConfig["verify_database_url"].where(),
                      "names the live database " + live.describe() +
                          " (database.url); verification drops every table in it. Use a separate, empty database");
}

}  // namespace cc::backup
