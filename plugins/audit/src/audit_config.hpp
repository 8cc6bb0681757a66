#pragma once
// The plugin's config keys, their checks and defaults (documented in docs/audit-log.md).
#include "event_mapping.hpp"
#include "syslog_settings.hpp"

#include <codecouncil/sdk/config_reader.hpp>

#include <map>
#include <string>

namespace cc::audit {

struct AuditSettings {
  int retentionDays = 0;                        ///< 0: keep forever
  std::string retentionSchedule = "30 3 * * *";  ///< cron, UTC
  int maxPageSize = 500;
  int queueCapacity = 10000;
  int batchSize = 200;
  std::string checkpointKey;             ///< HMAC key for signed checkpoints ("": checkpoints off)
  int checkpointIntervalSeconds = 3600;  ///< how often the job "audit.checkpoint" writes one
  std::map<std::string, RuleOverride> topicOverrides;  ///< `events:`, over each declaration's severity/resource
  TopicRule unknownTopics = kUnknownTopicDefault;
  SyslogSettings syslog;  ///< `syslog:`, forwarding new entries to a collector (off by default)

  static void describe(ConfigReader& r, AuditSettings& s);
  /// The event-to-entry mapping these settings describe.
  EventMapping mapping() const;
};

void validateConfig(const ConfigNode& config, ConfigErrors& errors);
/// Reads a config that validateConfig() accepted.
AuditSettings readSettings(const ConfigNode& config);

}  // namespace cc::audit
