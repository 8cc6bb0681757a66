#include "audit_config.hpp"

namespace cc::audit {

void AuditSettings::describe(ConfigReader& r, AuditSettings& s) {
  r.integer("retention_days", 0, 36500, s.retentionDays)
      .string("retention_schedule", s.retentionSchedule)
      .integer("max_page_size", 1, 10000, s.maxPageSize)
      .integer("queue_capacity", 1, 1000000, s.queueCapacity)
      .integer("batch_size", 1, 10000, s.batchSize);
  EventMapping::describe(r, s.topicOverrides, s.unknownTopics);
}

EventMapping AuditSettings::mapping() const {
  std::optional<TopicRule> unknown = unknownTopics;
  if (!unknown->record) unknown.reset();
  return EventMapping(topicOverrides, std::move(unknown));
}

void validateConfig(const ConfigNode& config, ConfigErrors& errors) { loadConfig<AuditSettings>(config, errors); }

AuditSettings readSettings(const ConfigNode& config) { return loadConfig<AuditSettings>(config); }

}  // namespace cc::audit
