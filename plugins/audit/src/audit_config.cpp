#include "audit_config.hpp"

namespace cc::audit {

void validateConfig(const ConfigNode& config, ConfigErrors& errors) {
  ConfigSchema()
      .integer("retention_days", 0, 36500)
      .string("retention_schedule")
      .integer("max_page_size", 1, 10000)
      .integer("queue_capacity", 1, 1000000)
      .integer("batch_size", 1, 10000)
      .map("events")
      .map("unknown_topics")
      .check(config, errors);
  EventMapping::validate(config, errors);
}

AuditSettings readSettings(const ConfigNode& config) {
  AuditSettings s;
  s.retentionDays = static_cast<int>(config.getInt("retention_days", s.retentionDays));
  s.retentionSchedule = config.getString("retention_schedule", s.retentionSchedule);
  s.maxPageSize = static_cast<int>(config.getInt("max_page_size", s.maxPageSize));
  s.queueCapacity = static_cast<int>(config.getInt("queue_capacity", s.queueCapacity));
  s.batchSize = static_cast<int>(config.getInt("batch_size", s.batchSize));
  return s;
}

}  // namespace cc::audit
