#pragma once
// The admin plugin's config keys, their checks and defaults (docs/admin.md lists them).
#include <codecouncil/sdk/config_reader.hpp>

#include <string>

namespace cc::admin {

inline constexpr const char* kDefaultWebRoot = "../plugins/admin/web";

struct AdminSettings {
  std::string webRoot = kDefaultWebRoot;  ///< dashboard's static files; absolute after resolvedAgainst()
  int recentCount = 10;    ///< rows in recentUsers / recentAudits of /api/admin/stats
  int seriesDays = 30;     ///< default window of the analytics daily series
  int topUsers = 10;       ///< rows in each top-users list
  int maxPageSize = 100;   ///< upper bound of limit on /api/admin/users
  int flushSeconds = 5;    ///< how often event counters are written to the database
  /// Most rows in one CSV export of the user list: the response is built in memory (about
  /// 200 bytes a row), so this bounds what one request may hold.
  int maxExportRows = 100000;

  static void describe(ConfigReader& r, AdminSettings& s);
  static void check(const AdminSettings& s, const ConfigNode& config, ConfigErrors& errors);
  /// A copy with a relative web_root resolved against `configDir`.
  AdminSettings resolvedAgainst(const std::string& configDir) const;
};

void validateConfig(const ConfigNode& config, ConfigErrors& errors);
/// Reads validated settings; a relative web_root is resolved against `configDir`.
AdminSettings readSettings(const ConfigNode& config, const std::string& configDir);

}  // namespace cc::admin
