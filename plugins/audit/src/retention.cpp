#include "retention.hpp"

#include "audit_query.hpp"

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

}  // namespace cc::audit
