#pragma once
// The signature beside each backup: `<backup>.sig`, one line
//   hmac-sha256 <key id> <hex HMAC-SHA-256 of the manifest file's bytes>
// The manifest holds the dump's SHA-256 and file name, so the signature covers the dump too.
// A .sha256 only detects corruption; this detects tampering by anyone without the key.
#include "backup_settings.hpp"

#include <optional>
#include <string>

namespace cc::backup {

/// The content of the .sig file for `manifestText` (the exact bytes written to disk).
std::string signatureFor(const SigningKey& key, const std::string& manifestText);

enum class SignatureState { Valid, Missing, Malformed, OtherKey, Mismatch };

struct SignatureCheck {
  SignatureState state = SignatureState::Missing;
  std::string problem;  ///< why it is not Valid, for the operator
  bool valid() const { return state == SignatureState::Valid; }
};

/// Checks `signatureText` (nullopt: no .sig file) against `manifestText` under `key`, in
/// constant time. `backupName` only appears in messages.
SignatureCheck checkSignature(const SigningKey& key, const std::optional<std::string>& signatureText,
                              const std::string& manifestText, const std::string& backupName);

}  // namespace cc::backup
