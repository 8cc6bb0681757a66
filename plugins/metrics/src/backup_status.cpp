#include "backup_status.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <vector>

using namespace Poco::Data::Keywords;

namespace cc::metrics {

std::optional<double> unixSecondsOf(const std::string& iso) {
  // Strict "YYYY-MM-DDTHH:MM:SS[.fff]Z": Poco's parser accepts almost any text.
  int y, mo, d, h, mi, s, ms = 0, used = 0;
  if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &used) != 6 || used != 19)
    return std::nullopt;
  std::string rest = iso.substr(19);
  if (rest.size() == 5 && rest[0] == '.' && rest.back() == 'Z' && std::isdigit(static_cast<unsigned char>(rest[1])) &&
      std::isdigit(static_cast<unsigned char>(rest[2])) && std::isdigit(static_cast<unsigned char>(rest[3])))
    ms = std::stoi(rest.substr(1, 3));
  else if (rest != "Z")
    return std::nullopt;
  if (!Poco::DateTime::isValid(y, mo, d, h, mi, s, ms)) return std::nullopt;
  Poco::DateTime parsed(y, mo, d, h, mi, s, ms);
  return static_cast<double>(parsed.timestamp().epochMicroseconds()) / 1e6;
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
  // Milliseconds, as stored: every instance then reports exactly the same value.
  unixSeconds = static_cast<double>(std::llround(unixSeconds * 1000.0)) / 1000.0;
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

}  // namespace cc::metrics
