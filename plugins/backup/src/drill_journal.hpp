#pragma once
// The backup_restore_drills table: one row per restore drill. The drill gauges are read from
// it, so every instance sharing the database, and one that restarted, reports the same.
#include "restore_drill.hpp"

#include <codecouncil/sdk/database.hpp>

#include <optional>
#include <string>

namespace cc::backup {

struct DrillState {
  std::optional<bool> lastSucceeded;        ///< the newest drill's result; nullopt: none ran yet
  std::optional<double> lastSuccessSeconds; ///< Unix time the newest successful drill finished
};

class DrillJournal {
 public:
  explicit DrillJournal(Database& db) : db_(db) {}
  void record(const DrillOutcome& outcome, const std::string& triggeredBy, const std::string& environment);
  DrillState state();

 private:
  Database& db_;
};

}  // namespace cc::backup
