#pragma once
// Values read when /metrics is scraped rather than counted as they happen: the database pool,
// this process's CPU/memory/fds, build_info, and the last figures of the refresh job
// (subscriptions, last backup). Reading them is cheap and never touches the database.
#include "backup_status.hpp"
#include "subscription_figures.hpp"

#include <codecouncil/sdk/database.hpp>

#include <prometheus/metric_family.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cc::metrics {

struct ScrapeSources {
  cc::Database* db = nullptr;
  std::string version;
  const SubscriptionFigures* subscriptions = nullptr;
  const BackupStatus* backups = nullptr;
  /// Whether a backup is expected (the backup plugin runs): then "never" is exported as 0, so
  /// the BackupTooOld alert fires instead of the series silently missing.
  std::function<bool()> backupExpected;
  /// Event handler calls that threw, host-wide (cc::Events::handlerFailures); no figure when unset.
  std::function<std::uint64_t()> eventHandlerFailures;
};

std::vector<prometheus::MetricFamily> collectScrapeGauges(const ScrapeSources& sources);

}  // namespace cc::metrics
