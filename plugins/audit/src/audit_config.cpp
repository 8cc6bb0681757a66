#include "audit_config.hpp"

namespace cc::audit {

namespace {
constexpr std::size_t kMinCheckpointKeyLength = 32;
}  // namespace

void AuditSettings::describe(ConfigReader& r, AuditSettings& s) {
  r.integer("retention_days", 0, 36500, s.retentionDays)
      .string("retention_schedule", s.retentionSchedule)
      .integer("max_page_size", 1, 10000, s.maxPageSize)
      .integer("queue_capacity", 1, 1000000, s.queueCapacity)
      .integer("batch_size", 1, 10000, s.batchSize)
      .integer("checkpoint_interval_seconds", 1, 7 * 86400, s.checkpointIntervalSeconds)
      // Never echoed in an error: the value is a secret.
      .value("checkpoint_key", [&s](const ConfigNode& n, ConfigErrors& errors) {
        std::string key = n.asString();
        if (!key.empty() && key.size() < kMinCheckpointKeyLength)
          errors.add(n, "must be at least " + std::to_string(kMinCheckpointKeyLength) +
                            " characters (e.g. openssl rand -hex 32), or empty to turn checkpoints off");
        else s.checkpointKey = key;
      })
      .section("syslog", s.syslog);
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
