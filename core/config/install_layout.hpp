#pragma once
// Where an installed binary finds its configuration (docs/deployment.md, "Install"). The
// installed config files name the installed plugins, migrations and web root (relative to
// their own folder), so finding the config is all the binary needs to run from any folder.
#include <string>

namespace cc::core {

/// The configuration folder of a binary at `executable`: <prefix>/etc/codecouncil for
/// <prefix>/bin/codecouncil, and /etc/codecouncil for /usr/bin/codecouncil (the FHS rule that
/// GNUInstallDirs follows for SYSCONFDIR), when that folder exists. Empty otherwise, e.g. for
/// build/bin/codecouncil, which reads config/ under the working directory.
std::string installedConfigDirFor(const std::string& executable);

/// installedConfigDirFor() of the running binary (/proc/self/exe); empty when unknown.
std::string installedConfigDir();

}  // namespace cc::core
