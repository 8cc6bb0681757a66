#pragma once
// Retention by file age that never empties the shelf: backups older than retentionDays are
// deleted (with their sidecars), except the newest `keepVerified` verified backups and the
// newest backup of all. Count-based retention evicts good backups once bad ones pile up
// (securityonion #15896); age plus "keep the newest verified" does not.
#include <ctime>
#include <string>
#include <vector>

namespace cc::backup {

struct RetentionResult {
  std::vector<std::string> deleted;  ///< backup file names removed
  std::vector<std::string> kept;
};

RetentionResult applyRetention(const std::string& dir, const std::string& environment, int retentionDays,
                               int keepVerified, std::time_t now);

}  // namespace cc::backup
