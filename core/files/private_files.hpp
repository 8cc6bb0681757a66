#pragma once
// Files the host keeps secrets or user data in (the SQLite database, the generated JWT
// secret, data_dir) are for the host's user only: folders 0700, files 0600. main() sets
// umask 077 for everything the process and its children create; these helpers also set the
// modes explicitly, so a file is never readable by others, not even for a moment.
#include <filesystem>
#include <functional>
#include <string>

namespace cc::core {

/// Creates `dir` and its missing parents with mode 0700. Existing folders are left alone.
void createPrivateDirectories(const std::filesystem::path& dir);

/// The first line of `file` when it exists and is at least `minBytes` long. Otherwise a
/// value from `generate()` is written to a new file (mode 0600, written and synced under a
/// temporary name, then linked into place) and returned. Hosts that start together on one
/// data_dir all end up with the same value: the first link wins and the others read it.
/// An existing file readable by others is made 0600 and `tightened` is set.
std::string readOrCreateSecretFile(const std::filesystem::path& file, std::size_t minBytes,
                                   const std::function<std::string()>& generate, bool* tightened = nullptr);

}  // namespace cc::core
