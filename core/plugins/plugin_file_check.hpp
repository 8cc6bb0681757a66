#pragma once
// sshd's StrictModes for plugin libraries. Loading a library runs its code inside the host,
// with the host's database credentials and secrets, so the file must be as trustworthy as
// the binary: the host refuses a library, or a folder holding it, that its group or other
// users may write, or that belongs to someone other than the host's user or root. Someone
// who could change either could make the host run their code at the next start.
#include <string>

namespace cc::core {

/// "" when `path` may be loaded; otherwise one line naming the file or folder at fault, what
/// is wrong with it and the command that fixes it. Checked: the folder holding `path` as
/// configured (plugin_dir for default entries), the file after following symbolic links, and
/// that file's own folder (when a link points elsewhere).
std::string unsafePluginFileReason(const std::string& path);

}  // namespace cc::core
