#pragma once
// The backup_sentinel table (migrations/backup): one row that every backup rewrites in the
// live database just before its dump, naming that backup. A restore drill reads it back from
// the restored copy: the data it restored is that backup's, not an older dump under a newer
// name, and it is as recent as the backup says.
#include "database_target.hpp"
#include "manifest.hpp"

#include <codecouncil/sdk/database.hpp>

#include <string>
#include <vector>

namespace cc::backup {

inline constexpr const char* kSentinelTable = "backup_sentinel";

/// Replaces the row with one naming `file` (the backup's file name) and `createdAt` (its
/// manifest's). Throws on a database error.
void writeBackupSentinel(Database& db, const std::string& file, const std::string& createdAt,
                         const std::string& environment);

/// What is wrong with the sentinel in `restored` (a database the backup described by
/// `manifest` was just restored into), one line each; empty when it names exactly that backup.
std::vector<std::string> sentinelProblems(const DatabaseTarget& restored, const Manifest& manifest);

}  // namespace cc::backup
