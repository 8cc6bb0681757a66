#pragma once
// Backups hold password hashes and every user's data: whatever this plugin creates is private
// to the service account (files 0600, folders 0700), set explicitly so that neither the
// process umask nor a library's default (SQLite creates databases 0644) decides.
#include <string>

namespace cc::backup {

/// Creates an empty `path` with mode 0600 for a library to fill (SQLite's VACUUM INTO and
/// restore targets). An existing file is left as it is. Throws std::runtime_error.
void createPrivateFile(const std::string& path);

/// Creates `dir` and each missing parent with mode 0700 (the parents this call creates, not
/// the ones that existed). Throws when `dir` is not a writable folder. Returns a warning
/// when an existing `dir` is open to group or others, which it leaves alone: the folder may
/// be shared on purpose (e.g. /var/backups); the files in it are 0600 either way.
std::string ensurePrivateDirectory(const std::string& dir);

}  // namespace cc::backup
