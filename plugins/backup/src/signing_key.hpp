#pragma once
// The key that signs backup manifests (HMAC-SHA-256). It must live outside the backup store:
// whoever can write the backups but not read the key cannot forge a backup that restores.
//
// Where it comes from: `signing_key` in the plugin config, else $BACKUP_SIGNING_KEY. In
// production one of them is required. Elsewhere, without one, the plugin creates a random
// key in <data_dir>/backup-signing.key (0600) on first use, so development backups are signed
// too and restore on the same machine without ceremony.
#include "backup_settings.hpp"

#include <codecouncil/sdk/context.hpp>

#include <string>

namespace cc::backup {

inline constexpr std::size_t kMinSigningKeyLength = 32;

/// The secret with a short public fingerprint (messages say which key signed what).
SigningKey signingKeyFrom(const std::string& secret, const std::string& origin);

/// Fills settings.signing: the configured key, or (not in production) the data folder's key
/// file, created when missing. Throws ConfigError located at `signing_key` when production
/// has none, or when the key file would sit inside backup_dir.
void resolveSigningKey(BackupSettings& settings, const ConfigNode& pluginConfig, const HostInfo& host);

}  // namespace cc::backup
