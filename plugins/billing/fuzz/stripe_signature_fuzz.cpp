// libFuzzer target: the Stripe-Signature check never crashes on any header or body, never
// accepts what was not signed with one of its secrets, and always accepts what was.
// Input: "<Stripe-Signature header>\n<raw body>".
#include "plugins/billing/src/webhook_signature.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr std::int64_t kNow = 1767225600;  // fixed, so a run is repeatable
constexpr std::int64_t kTolerance = 300;
const std::vector<std::string> kSecrets = {"whsec_previous", "whsec_current"};

void require(bool condition) {
  if (!condition) std::abort();  // libFuzzer reports the input that broke the property
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find('\n');
  const std::string header = input.substr(0, split);
  const std::string body = split == std::string::npos ? std::string() : input.substr(split + 1);

  // Whatever the header says, it is only accepted when one of its v1 values is the HMAC of
  // "<t>.<body>" under one of the secrets, for the timestamp it reports.
  auto check = cc::billing::verifyStripeSignature(header, body, kSecrets, kNow, kTolerance);
  if (check.ok) {
    const std::string signedPart = std::to_string(check.timestamp) + "." + body;
    bool signedByUs = false;
    for (const auto& secret : kSecrets)
      signedByUs = signedByUs || header.find(cc::billing::hmacSha256Hex(secret, signedPart)) != std::string::npos;
    require(signedByUs);
    require(check.timestamp >= kNow - kTolerance && check.timestamp <= kNow + kTolerance);
  } else {
    require(!check.reason.empty());
    for (const auto& secret : kSecrets) require(check.reason.find(secret) == std::string::npos);
  }

  // A header we sign ourselves for this body verifies, with either secret, and stops
  // verifying when one byte of the body changes.
  const std::string t = std::to_string(kNow - 10);
  for (const auto& secret : kSecrets) {
    const std::string good = "t=" + t + ",v1=" + cc::billing::hmacSha256Hex(secret, t + "." + body);
    require(cc::billing::verifyStripeSignature(good, body, kSecrets, kNow, kTolerance).ok);
    if (!body.empty()) {
      std::string tampered = body;
      tampered[tampered.size() / 2] = static_cast<char>(tampered[tampered.size() / 2] ^ 0x01);
      require(!cc::billing::verifyStripeSignature(good, tampered, kSecrets, kNow, kTolerance).ok);
    }
  }
  return 0;
}
