#include "restore_drill.hpp"

#include "backup_files.hpp"
#include "backup_runner.hpp"
#include "backup_sentinel.hpp"
#include "restore_runner.hpp"

#include <chrono>

namespace cc::backup {

std::string DrillOutcome::summary() const {
  std::string out;
  for (auto& p : problems) out += (out.empty() ? "" : "; ") + p;
  return out;
}

DrillOutcome runRestoreDrill(const BackupSettings& settings, const DatabaseTarget& live, const std::string& environment) {
  DrillOutcome outcome;
  auto steady = std::chrono::steady_clock::now();
  outcome.startedAt = isoTimestamp(std::chrono::system_clock::now());
  try {
    // Newest first; a file under its final name always has its sidecars (the runner writes
    // them before the dump), so the newest is the one to prove, broken or not.
    auto backups = listBackups(settings.backupDir, environment);
    if (backups.empty()) {
      outcome.problems = {"no backup of environment " + environment + " in " + settings.backupDir};
    } else {
      outcome.file = backups.front().path;
      VerifyExtras extras{[](const DatabaseTarget& scratch, const Manifest& m) { return sentinelProblems(scratch, m); },
                          true};
      auto v = verifyBackup(outcome.file, live, settings, false, extras);
      outcome.problems = v.differences;
      outcome.ok = v.ok;
    }
  } catch (const std::exception& e) {
    outcome.ok = false;
    outcome.problems.push_back(e.what());
  }
  if (!outcome.ok && outcome.problems.empty()) outcome.problems.push_back("the drill failed without a reason");
  outcome.durationSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - steady).count();
  outcome.finishedAt = isoTimestamp(std::chrono::system_clock::now());
  return outcome;
}

}  // namespace cc::backup
