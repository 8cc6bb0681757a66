#pragma once
// Verification replaces everything in `verify_database_url`; that URL must never name the
// database the host runs on. This is the configuration-level check, made before anything
// runs; verify_scratch.hpp checks again on the server itself right before a restore.
#include "backup_settings.hpp"
#include "database_target.hpp"

#include <codecouncil/sdk/config.hpp>

namespace cc::backup {

/// Whether two targets name the same database: SQLite, the same file after resolving links;
/// PostgreSQL, the same server (every spelling of this machine counts as one: localhost,
/// 127.0.0.0/8, ::1, a Unix socket folder, the host name), port and database name.
/// User, password and parameters do not matter.
bool namesSameDatabase(const DatabaseTarget& a, const DatabaseTarget& b);

/// Throws ConfigError at `verify_database_url` (key path, file:line) when it names `live`.
/// The message describes the database without its password.
void refuseLiveVerifyDatabase(const ConfigNode& pluginConfig, const BackupSettings& settings,
                              const DatabaseTarget& live);

}  // namespace cc::backup
