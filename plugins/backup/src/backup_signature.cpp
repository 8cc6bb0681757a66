#include "backup_signature.hpp"

#include "digest.hpp"

#include <openssl/crypto.h>

#include <sstream>

namespace cc::backup {
namespace {

constexpr const char* kAlgorithm = "hmac-sha256";
// Domain separation: this key signs nothing else with the same bytes.
constexpr const char* kLabel = "codecouncil backup manifest v1\n";

std::string macHex(const SigningKey& key, const std::string& manifestText) {
  return toHex(hmacSha256(key.secret, kLabel + manifestText));
}

bool isLowerHex(const std::string& s, std::size_t length) {
  if (s.size() != length) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::string signatureFor(const SigningKey& key, const std::string& manifestText) {
  return std::string(kAlgorithm) + " " + key.id + " " + macHex(key, manifestText) + "\n";
}

SignatureCheck checkSignature(const SigningKey& key, const std::optional<std::string>& signatureText,
                              const std::string& manifestText, const std::string& backupName) {
  SignatureCheck c;
  if (!signatureText) {
    c.state = SignatureState::Missing;
    c.problem = backupName + " is not signed (no " + backupName +
                ".sig): nothing shows it was made by this deployment and not planted or altered";
    return c;
  }
  std::istringstream in(*signatureText);
  std::string algorithm, keyId, mac, extra;
  in >> algorithm >> keyId >> mac;
  if (algorithm != kAlgorithm || !isLowerHex(keyId, 16) || !isLowerHex(mac, 64) || (in >> extra)) {
    c.state = SignatureState::Malformed;
    c.problem = backupName + ".sig is not a signature this plugin writes";
    return c;
  }
  std::string expected = macHex(key, manifestText);
  if (CRYPTO_memcmp(expected.data(), mac.data(), expected.size()) == 0) {
    c.state = SignatureState::Valid;
    return c;
  }
  if (keyId != key.id) {
    c.state = SignatureState::OtherKey;
    c.problem = backupName + " was signed with another key (key id " + keyId + "; this host's key " + key.id +
                " is from " + key.origin + "): use the signing key of the environment that made it";
  } else {
    c.state = SignatureState::Mismatch;
    c.problem = "the signature of " + backupName + " does not match its manifest: the backup was altered after it was signed";
  }
  return c;
}

}  // namespace cc::backup
