#include "admin_config.hpp"

#include <filesystem>

namespace cc::admin {

void validateConfig(const ConfigNode& config, ConfigErrors& errors) {
  ConfigSchema()
      .string("web_root")
      .integer("recent_count", 1, 100)
      .integer("series_days", 1, 366)
      .integer("top_users", 1, 100)
      .integer("max_page_size", 1, 500)
      .integer("counters_flush_seconds", 1, 3600)
      .check(config, errors);
  if (config.has("web_root")) {
    try {
      if (config.child("web_root").asString().empty()) errors.add(config.child("web_root"), "must not be empty");
    } catch (const ConfigError&) {
      // the schema already reported the wrong type
    }
  }
}

AdminSettings readSettings(const ConfigNode& config, const std::string& configDir) {
  AdminSettings s;
  std::filesystem::path root = config.getString("web_root", kDefaultWebRoot);
  if (root.is_relative()) root = std::filesystem::path(configDir) / root;
  s.webRoot = root.lexically_normal().string();
  s.recentCount = static_cast<int>(config.getInt("recent_count", s.recentCount));
  s.seriesDays = static_cast<int>(config.getInt("series_days", s.seriesDays));
  s.topUsers = static_cast<int>(config.getInt("top_users", s.topUsers));
  s.maxPageSize = static_cast<int>(config.getInt("max_page_size", s.maxPageSize));
  s.flushSeconds = static_cast<int>(config.getInt("counters_flush_seconds", s.flushSeconds));
  return s;
}

}  // namespace cc::admin
