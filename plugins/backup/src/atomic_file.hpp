#pragma once
// Files that appear complete or not at all: written under a temporary name, fsynced, then
// renamed (or hard-linked, to refuse replacing an existing file), and the folder fsynced.
#include <string>

namespace cc::backup {

/// A unique temporary path in `dir` for `finalName` (a hidden ".<name>.tmp-XXXXXX").
std::string temporaryPathFor(const std::string& dir, const std::string& finalName);
/// Writes `content` to `path` atomically (replacing it), mode 0600.
void writeFileAtomically(const std::string& path, const std::string& content);
/// Moves `temporary` to `finalPath`, failing when `finalPath` exists; fsyncs the folder.
void publishNoReplace(const std::string& temporary, const std::string& finalPath);
void fsyncDirectory(const std::string& dir);

}  // namespace cc::backup
