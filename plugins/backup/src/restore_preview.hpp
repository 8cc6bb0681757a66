#pragma once
// `codecouncil restore <file> --dry-run` (`restore-db.sh --dry-run FILE`): what a restore of
// `file` would do and whether it would be allowed, without touching any database. Every
// check a real restore runs is run here too (checksum, decryption with the configured key,
// gzip stream, closing line, signature, engine), so "would restore" means a restore passes
// them; each state gets a line of its own so an operator sees all of them at once.
#include "backup_settings.hpp"
#include "database_target.hpp"

#include <string>

namespace cc::backup {

/// Prints the preview to stdout and, for a file a restore would refuse, the first reason to
/// stderr. Returns the exit status: 0 when a restore would run, 1 when it would be refused.
int previewRestore(const std::string& path, const BackupSettings& settings, const DatabaseTarget& target,
                   const std::string& environment);

}  // namespace cc::backup
