#include "webhook_signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>

namespace cc::billing {

std::string hmacSha256Hex(const std::string& key, const std::string& message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), digest, &length);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

bool constantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool parseUnix(const std::string& text, std::int64_t& out) {
  if (text.empty() || text.size() > 12) return false;
  std::int64_t v = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

}  // namespace

SignatureCheck verifyStripeSignature(const std::string& header, const std::string& payload,
                                     const std::vector<std::string>& secrets, std::int64_t nowUnix,
                                     std::int64_t toleranceSeconds) {
  SignatureCheck result;
  if (secrets.empty()) {
    result.reason = "no webhook secret is configured";
    return result;
  }
  if (header.empty()) {
    result.reason = "missing Stripe-Signature header";
    return result;
  }
  std::string timestamp;
  bool haveTimestamp = false;
  std::vector<std::string> signatures;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t comma = header.find(',', start);
    std::string item = trim(header.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    start = comma == std::string::npos ? header.size() + 1 : comma + 1;
    auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    std::string scheme = item.substr(0, eq), value = item.substr(eq + 1);
    if (scheme == "t") {
      timestamp = value;
      haveTimestamp = true;
    } else if (scheme == "v1") {
      signatures.push_back(value);
    }
  }
  if (!haveTimestamp || !parseUnix(timestamp, result.timestamp)) {
    result.reason = "Stripe-Signature has no valid timestamp";
    return result;
  }
  if (signatures.empty()) {
    result.reason = "Stripe-Signature has no v1 signature";
    return result;
  }
  if (nowUnix - result.timestamp > toleranceSeconds) {
    result.reason = "Stripe-Signature timestamp is outside the tolerance";
    return result;
  }
  // The signed text uses the timestamp exactly as sent, like Stripe's libraries.
  const std::string signedText = timestamp + "." + payload;
  for (auto& secret : secrets) {
    std::string expected = hmacSha256Hex(secret, signedText);
    for (auto& sig : signatures)
      if (constantTimeEquals(expected, sig)) {
        result.ok = true;
        return result;
      }
  }
  result.reason = "no Stripe-Signature v1 signature matches";
  return result;
}

}  // namespace cc::billing
