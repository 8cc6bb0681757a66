#pragma once
// Stripe webhook signatures: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, each v1 an
// HMAC-SHA256 of "<t>.<raw body>" keyed with an endpoint secret. Checked on the raw bytes
// before anything parses them.
#include <cstdint>
#include <string>
#include <vector>

namespace cc::billing {

struct SignatureCheck {
  bool ok = false;
  std::string reason;  ///< why it failed (safe to log and to return: never contains a secret)
  std::int64_t timestamp = 0;
};

/// Accepts when the timestamp is at most `toleranceSeconds` old and any v1 signature matches
/// any secret (constant-time compare). v0 and unknown schemes are ignored, as Stripe's own
/// libraries do.
SignatureCheck verifyStripeSignature(const std::string& header, const std::string& payload,
                                     const std::vector<std::string>& secrets, std::int64_t nowUnix,
                                     std::int64_t toleranceSeconds);

/// Lower-case hex HMAC-SHA256 (OpenSSL; Poco 1.11's HMACEngine<SHA2Engine> does not compile).
std::string hmacSha256Hex(const std::string& key, const std::string& message);

/// Compares without an early exit, so timing does not reveal how much of a guess was right.
bool constantTimeEquals(const std::string& a, const std::string& b);

}  // namespace cc::billing
