#include "retention.hpp"

#include "audit_query.hpp"
#include "entry_rules.hpp"

#include <codecouncil/sdk/json.hpp>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Timespan.h>

namespace cc::audit {

std::string retentionCutoff(const std::string& slot, int days) {
  std::string normalized = normalizeTimestamp(slot, "slot");
  int tzd = 0;
  Poco::DateTime t = Poco::DateTimeParser::parse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, normalized, tzd);
  t -= Poco::Timespan(days, 0, 0, 0, 0);
  return Poco::DateTimeFormatter::format(t, "%Y-%m-%dT%H:%M:%S.%iZ");
}

PurgeResult purgeAndRecord(AuditStore& store, const std::string& cutoff, const std::string& trigger) {
  PurgeResult result = store.purgeBefore(cutoff);
  if (result.deleted == 0) return result;
  auto meta = json::object();
  meta->set("deleted", result.deleted);
  meta->set("before", cutoff);
  meta->set("throughId", result.anchorId);
  meta->set("trigger", trigger);
  AuditEntry entry;
  entry.action = "audit_purged";
  entry.severity = "warning";
  entry.resourceType = "system";
  entry.metadata = json::stringify(meta);
  store.append({normalizeEntry(entry)});
  return result;
}

}  // namespace cc::audit
