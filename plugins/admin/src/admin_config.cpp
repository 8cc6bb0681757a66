#include "admin_config.hpp"

#include <filesystem>

namespace cc::admin {

void AdminSettings::describe(ConfigReader& r, AdminSettings& s) {
  r.string("web_root", s.webRoot)
      .integer("recent_count", 1, 100, s.recentCount)
      .integer("series_days", 1, 366, s.seriesDays)
      .integer("top_users", 1, 100, s.topUsers)
      .integer("max_page_size", 1, 500, s.maxPageSize)
      .integer("counters_flush_seconds", 1, 3600, s.flushSeconds)
      .integer("max_export_rows", 1, 1000000, s.maxExportRows);
}

void AdminSettings::check(const AdminSettings& s, const ConfigNode& config, ConfigErrors& errors) {
  if (config.has("web_root") && s.webRoot.empty()) errors.add(config["web_root"], "must not be empty");
}

AdminSettings AdminSettings::resolvedAgainst(const std::string& configDir) const {
  AdminSettings s = *this;
  std::filesystem::path root = s.webRoot;
  if (root.is_relative()) root = std::filesystem::path(configDir) / root;
  s.webRoot = root.lexically_normal().string();
  return s;
}

void validateConfig(const ConfigNode& config, ConfigErrors& errors) { loadConfig<AdminSettings>(config, errors); }

AdminSettings readSettings(const ConfigNode& config, const std::string& configDir) {
  return loadConfig<AdminSettings>(config).resolvedAgainst(configDir);
}

}  // namespace cc::admin
