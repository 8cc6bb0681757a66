#pragma once
// The admin plugin's config keys, their checks and defaults (docs/admin.md lists them).
#include <codecouncil/sdk/config.hpp>

#include <string>

namespace cc::admin {

struct AdminSettings {
  std::string webRoot;     ///< absolute folder of the dashboard's static files
  int recentCount = 10;    ///< rows in recentUsers / recentAudits of /api/admin/stats
  int seriesDays = 30;     ///< default window of the analytics daily series
  int topUsers = 10;       ///< rows in each top-users list
  int maxPageSize = 100;   ///< upper bound of limit on /api/admin/users
  int flushSeconds = 5;    ///< how often event counters are written to the database
};

inline constexpr const char* kDefaultWebRoot = "../plugins/admin/web";

void validateConfig(const ConfigNode& config, ConfigErrors& errors);
/// Reads validated settings; a relative web_root is resolved against `configDir`.
AdminSettings readSettings(const ConfigNode& config, const std::string& configDir);

}  // namespace cc::admin
