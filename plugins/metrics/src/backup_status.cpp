#include "backup_status.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Timestamp.h>

#include <cmath>
#include <vector>

using namespace Poco::Data::Keywords;

namespace ccmetrics {

std::optional<double> unixSecondsOf(const std::string& iso) {
  try {
    int tzd = 0;
    Poco::DateTime parsed = Poco::DateTimeParser::parse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, iso, tzd);
    parsed.makeUTC(tzd);
    return static_cast<double>(parsed.timestamp().epochMicroseconds()) / 1e6;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string isoOf(double unixSeconds) {
  Poco::Timestamp ts(static_cast<Poco::Timestamp::TimeVal>(std::llround(unixSeconds * 1000.0)) * 1000);
  return Poco::DateTimeFormatter::format(ts, "%Y-%m-%dT%H:%M:%S.%iZ");
}

void BackupStatus::remember(double unixSeconds) {
  std::lock_guard lock(mutex_);
  if (!lastSuccess_ || unixSeconds > *lastSuccess_) lastSuccess_ = unixSeconds;
}

void BackupStatus::recordSuccess(double unixSeconds) {
  remember(unixSeconds);
  // ISO text compares in time order, so the WHERE keeps the newest time when two instances
  // (or a late event) race.
  std::string at = isoOf(unixSeconds);
  auto s = db_.session();
  s << db_.sql("INSERT INTO metrics_last_backup (\"id\", \"succeededAt\") VALUES (1, ?) "
               "ON CONFLICT (\"id\") DO UPDATE SET \"succeededAt\" = excluded.\"succeededAt\" "
               "WHERE metrics_last_backup.\"succeededAt\" < excluded.\"succeededAt\""),
      use(at), now;
}

void BackupStatus::refreshFromDatabase() {
  std::vector<std::string> rows;
  auto s = db_.session();
  s << "SELECT \"succeededAt\" FROM metrics_last_backup WHERE \"id\" = 1", into(rows), now;
  if (rows.empty()) return;
  if (auto seconds = unixSecondsOf(rows.front())) remember(*seconds);
}

std::optional<double> BackupStatus::lastSuccess() const {
  std::lock_guard lock(mutex_);
  return lastSuccess_;
}

}  // namespace ccmetrics
