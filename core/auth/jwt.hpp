#pragma once
// Session tokens: compact JWS, HS256 only, issued and verified by the host itself.
// The verifier is deliberately strict, because verify() is the gate in front of every
// authenticated request: one algorithm, canonical encoding, required claims, no leeway.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace cc::core {

struct TokenClaims {
  std::string userId;  // "sub"
  std::string email;   // "email" (empty if absent)
  std::int64_t issuedAt = 0;   // "iat", seconds since the epoch (0 if absent)
  std::int64_t expiresAt = 0;  // "exp", seconds since the epoch
};

class JwtService {
 public:
  /// Longest token verify() will look at; anything larger is rejected before parsing.
  static constexpr std::size_t kMaxTokenBytes = 8 * 1024;

  /// `secret` is the HMAC-SHA256 key and must be >= 32 bytes; `ttlSeconds` must be > 0.
  /// Throws std::invalid_argument otherwise.
  JwtService(std::string secret, std::string issuer, std::int64_t ttlSeconds);

  /// HS256 token with claims sub, email, iss, iat, exp (= iat + ttl) and a random jti.
  /// Throws std::invalid_argument for an empty userId (it could never verify).
  std::string issue(const std::string& userId, const std::string& email) const;

  /// Returns the claims, or std::nullopt with `reason` (if given) set to one of:
  ///   "malformed token"       not three base64url segments, > kMaxTokenBytes, bad JSON,
  ///                           missing or non-integer "exp", wrongly typed claims
  ///   "unsupported algorithm" header "alg" is anything but exactly "HS256" (none, HS512, RS256...)
  ///   "bad signature"         HMAC mismatch, including non-canonical signature encodings
  ///   "token expired"         exp <= now (no leeway)
  ///   "wrong issuer"          "iss" absent or different from ours
  ///   "missing subject"       "sub" absent, empty or not a string
  /// Never throws. Safe to call concurrently: it only reads immutable members.
  std::optional<TokenClaims> verify(const std::string& token, std::string* reason = nullptr) const;

 private:
  std::optional<TokenClaims> verifyUncached(const std::string& token, std::string* reason) const;

  std::string secret_;
  std::string issuer_;
  std::int64_t ttlSeconds_;
  // Tokens already verified, so each request does not redo the HMAC and JSON parse; the
  // expiry is still checked on every hit. Only successful verifications are stored.
  class VerifiedCache;
  std::shared_ptr<VerifiedCache> cache_;
};

}  // namespace cc::core
