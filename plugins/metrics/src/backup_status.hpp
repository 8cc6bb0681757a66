#pragma once
// backup_last_success_timestamp_seconds. The backup job runs on one instance only (it is an
// exclusive job) and events stay in-process, so the time is also written to the database:
// every instance, and an instance that restarted, reports the same last success.
#include <codecouncil/sdk/database.hpp>

#include <mutex>
#include <optional>
#include <string>

namespace cc::metrics {

/// Unix seconds of an ISO-8601 UTC timestamp ("2025-01-15T02:00:00.000Z"); nullopt if malformed.
std::optional<double> unixSecondsOf(const std::string& iso);
/// "2025-01-15T02:00:00.123Z" for Unix seconds.
std::string isoOf(double unixSeconds);

class BackupStatus {
 public:
  explicit BackupStatus(cc::Database& db) : db_(db) {}

  /// A backup succeeded at `unixSeconds`: remembered at once, then stored (may throw).
  void recordSuccess(double unixSeconds);
  /// Takes the stored time when it is newer than the remembered one (may throw).
  void refreshFromDatabase();
  /// The latest success known to this instance; nullopt when none.
  std::optional<double> lastSuccess() const;

 private:
  void remember(double unixSeconds);

  cc::Database& db_;
  mutable std::mutex mutex_;
  std::optional<double> lastSuccess_;
};

}  // namespace cc::metrics
