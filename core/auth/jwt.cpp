#include "core/auth/jwt.hpp"

#include "core/auth/password.hpp"

#include <Poco/Crypto/DigestEngine.h>
#include <Poco/Crypto/OpenSSLInitializer.h>
#include <Poco/HMACEngine.h>
#include <Poco/JSON/Object.h>
#include <Poco/JWT/Serializer.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>

#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <Poco/MemoryStream.h>

#include <array>
#include <chrono>
#include <stdexcept>
#include <string_view>
#include <variant>

// Why verify() does not call Poco::JWT::Signer::verify(): in Poco 1.11 the HMAC check
// compares digests with std::vector::operator== (early exit: a timing oracle on the
// signature), its split accepts "a.b.c.d", and its lenient base64 decoder accepts several
// spellings of one signature. Here the header and payload are still parsed by Poco::JWT, but
// the framing, the algorithm check and the signature comparison are done strictly, in
// constant time. issue() does use Signer.

namespace cc::core {
namespace {

constexpr std::size_t kMinSecretBytes = 32;
constexpr std::int64_t kMaxTtlSeconds = 100LL * 366 * 24 * 3600;  // keeps iat + ttl far from overflow
constexpr std::string_view kAlgorithm = "HS256";

// Poco::HMACEngine needs BLOCK_SIZE / DIGEST_SIZE, which the 1.11 digest engines do not
// declare; this OpenSSL-backed SHA-256 adds them (Poco's own Signer does the same).
class Sha256Engine : public Poco::Crypto::DigestEngine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256Engine() : Poco::Crypto::DigestEngine("SHA256") {}
};

/// Every Poco::Crypto::DigestEngine (our HMAC, and Signer::sign) takes and drops a reference
/// on Poco's OpenSSLInitializer. When nothing else holds one, concurrent calls race on its
/// 0 <-> 1 transitions (ThreadSanitizer: its mutex array is freed while being recreated).
/// One reference kept for the life of the process keeps the count above zero.
void holdOpenSslForever() {
  static const Poco::Crypto::OpenSSLInitializer reference;
  (void)reference;
}

// base64url without padding of a 32-byte HMAC-SHA256 digest.
constexpr std::size_t kSignatureChars = 43;
using EncodedSignature = std::array<char, kSignatureChars>;

enum class Failure { Malformed, UnsupportedAlgorithm, BadSignature, Expired, WrongIssuer, MissingSubject };

const char* describe(Failure failure) {
  switch (failure) {
    case Failure::UnsupportedAlgorithm: return "unsupported algorithm";
    case Failure::BadSignature: return "bad signature";
    case Failure::Expired: return "token expired";
    case Failure::WrongIssuer: return "wrong issuer";
    case Failure::MissingSubject: return "missing subject";
    case Failure::Malformed: break;
  }
  return "malformed token";
}

std::int64_t nowSeconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// ---- compact serialization framing --------------------------------------------------------

bool isBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

/// Unpadded base64url: alphabet only, and never a length of 4k+1 (no byte string encodes so).
bool isBase64UrlSegment(std::string_view s) {
  if (s.size() % 4 == 1) return false;
  for (char c : s) {
    if (!isBase64UrlChar(c)) return false;
  }
  return true;
}

struct Segments {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signingInput;  // "header.payload", exactly as received
};

/// Exactly three segments (a fourth dot fails the alphabet check of the signature). The
/// signature may be empty at this stage so that an unsigned "alg":"none" token is reported
/// as an algorithm problem rather than as garbage.
std::optional<Segments> splitCompact(std::string_view token) {
  auto first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  auto second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  Segments s{token.substr(0, first), token.substr(first + 1, second - first - 1), token.substr(second + 1),
             token.substr(0, second)};
  if (s.header.empty() || s.payload.empty()) return std::nullopt;
  if (!isBase64UrlSegment(s.header) || !isBase64UrlSegment(s.payload) || !isBase64UrlSegment(s.signature)) {
    return std::nullopt;
  }
  return s;
}

/// base64url-decodes and parses one segment as a JSON object, straight from the token's
/// memory (no copy). Poco's parser caps nesting depth, so hostile input cannot recurse deeply.
/// Throws on anything that is not a JSON object.
Poco::JSON::Object::Ptr decodeObject(std::string_view segment) {
  Poco::MemoryInputStream stream(segment.data(), segment.size());
  return Poco::JWT::Serializer::deserialize(stream);
}

// ---- signature ----------------------------------------------------------------------------

void encodeBase64Url(const unsigned char* data, std::size_t size, char* out) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    *out++ = kAlphabet[(v >> 18) & 63];
    *out++ = kAlphabet[(v >> 12) & 63];
    *out++ = kAlphabet[(v >> 6) & 63];
    *out++ = kAlphabet[v & 63];
  }
  if (size - i == 1) {
    unsigned v = data[i] << 16;
    *out++ = kAlphabet[(v >> 18) & 63];
    *out++ = kAlphabet[(v >> 12) & 63];
  } else if (size - i == 2) {
    unsigned v = (data[i] << 16) | (data[i + 1] << 8);
    *out++ = kAlphabet[(v >> 18) & 63];
    *out++ = kAlphabet[(v >> 12) & 63];
    *out++ = kAlphabet[(v >> 6) & 63];
  }
}

EncodedSignature hs256(const std::string& secret, std::string_view signingInput) {
  // A fresh engine per call: no shared mutable state, so concurrent verify() calls are safe.
  Poco::HMACEngine<Sha256Engine> hmac(secret);
  hmac.update(signingInput.data(), signingInput.size());
  const auto& digest = hmac.digest();
  EncodedSignature encoded{};
  encodeBase64Url(digest.data(), digest.size(), encoded.data());
  return encoded;
}

/// The canonical encoding is compared as text: a signature that merely decodes to the right
/// bytes (other trailing bits, embedded junk) is not the one we issued and is refused.
bool signatureMatches(const std::string& secret, const Segments& s) {
  EncodedSignature expected = hs256(secret, s.signingInput);
  return constantTimeEquals(std::string_view(expected.data(), expected.size()), s.signature);
}

bool algorithmIsHs256(const Poco::JSON::Object& header) {
  Poco::Dynamic::Var alg = header.get(Poco::JWT::Token::CLAIM_ALGORITHM);
  return alg.isString() && alg.extract<std::string>() == kAlgorithm;
}

// ---- claims -------------------------------------------------------------------------------
// Claims are checked by JSON type rather than converted: Poco's Var would quietly turn the
// string "9999999999" into a number or 42 into "42".

/// An integer claim; nullopt if absent. Throws (-> malformed) if present with another type.
std::optional<std::int64_t> integerClaim(const Poco::JSON::Object& payload, const std::string& name) {
  Poco::Dynamic::Var v = payload.get(name);
  if (v.isEmpty()) return std::nullopt;
  if (v.isBoolean() || !v.isInteger()) throw std::invalid_argument(name + " is not an integer");
  return v.convert<Poco::Int64>();  // throws RangeException for values beyond int64
}

/// A string claim; nullopt if absent or not a string.
std::optional<std::string> stringClaim(const Poco::JSON::Object& payload, const std::string& name) {
  Poco::Dynamic::Var v = payload.get(name);
  if (!v.isString()) return std::nullopt;
  return v.extract<std::string>();
}

using Outcome = std::variant<TokenClaims, Failure>;

/// Time, issuer and subject checks on an authenticated payload.
Outcome checkClaims(const Poco::JSON::Object& payload, const std::string& issuer) {
  auto exp = integerClaim(payload, Poco::JWT::Token::CLAIM_EXPIRATION);
  if (!exp) return Failure::Malformed;  // we always set exp; a token without one never expires
  auto iat = integerClaim(payload, Poco::JWT::Token::CLAIM_ISSUED_AT);
  if (*exp <= nowSeconds()) return Failure::Expired;

  auto iss = stringClaim(payload, Poco::JWT::Token::CLAIM_ISSUER);
  if (!iss || *iss != issuer) return Failure::WrongIssuer;

  auto sub = stringClaim(payload, Poco::JWT::Token::CLAIM_SUBJECT);
  if (!sub || sub->empty()) return Failure::MissingSubject;

  Poco::Dynamic::Var email = payload.get("email");
  if (!email.isEmpty() && !email.isString()) return Failure::Malformed;

  TokenClaims claims;
  claims.userId = std::move(*sub);
  if (!email.isEmpty()) claims.email = email.extract<std::string>();
  claims.issuedAt = iat.value_or(0);
  claims.expiresAt = *exp;
  return claims;
}

/// The whole pipeline, cheapest and most hostile-input-proof steps first; the payload is
/// only parsed once the signature is known to be ours. May throw: the caller maps any
/// exception to "malformed token".
Outcome verifyToken(const std::string& token, const std::string& secret, const std::string& issuer) {
  if (token.empty() || token.size() > JwtService::kMaxTokenBytes) return Failure::Malformed;
  auto segments = splitCompact(token);
  if (!segments) return Failure::Malformed;

  Poco::JSON::Object::Ptr header = decodeObject(segments->header);
  if (!algorithmIsHs256(*header)) return Failure::UnsupportedAlgorithm;
  if (!signatureMatches(secret, *segments)) return Failure::BadSignature;

  Poco::JSON::Object::Ptr payload = decodeObject(segments->payload);
  return checkClaims(*payload, issuer);
}

}  // namespace

class JwtService::VerifiedCache {
 public:
  static constexpr std::size_t kMaxEntries = 20000;

  std::optional<TokenClaims> find(const std::string& token) const {
    std::shared_lock lock(mutex_);
    auto it = entries_.find(token);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }
  void store(const std::string& token, const TokenClaims& claims) {
    std::unique_lock lock(mutex_);
    // Dropping everything when full is crude but bounded, and a miss only costs one verify.
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_.emplace(token, claims);
  }

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, TokenClaims> entries_;
};

JwtService::JwtService(std::string secret, std::string issuer, std::int64_t ttlSeconds)
    : secret_(std::move(secret)),
      issuer_(std::move(issuer)),
      ttlSeconds_(ttlSeconds),
      cache_(std::make_shared<VerifiedCache>()) {
  holdOpenSslForever();
  // RFC 7518 3.2: an HS256 key must be at least as long as the hash output.
  if (secret_.size() < kMinSecretBytes) throw std::invalid_argument("JWT secret must be at least 32 bytes");
  if (ttlSeconds_ <= 0 || ttlSeconds_ > kMaxTtlSeconds) throw std::invalid_argument("JWT ttl out of range");
}

std::string JwtService::issue(const std::string& userId, const std::string& email) const {
  if (userId.empty()) throw std::invalid_argument("cannot issue a token without a subject");
  const std::int64_t now = nowSeconds();

  Poco::JWT::Token token;
  token.setType("JWT");
  token.setSubject(userId);
  token.setIssuer(issuer_);
  token.payload().set("email", email);
  // Whole seconds as JSON integers: Token::setIssuedAt/setExpiration would write doubles.
  token.payload().set(Poco::JWT::Token::CLAIM_ISSUED_AT, Poco::Int64(now));
  token.payload().set(Poco::JWT::Token::CLAIM_EXPIRATION, Poco::Int64(now + ttlSeconds_));
  token.setId(randomHex(16));

  // A Signer per call keeps issue() trivially thread-safe; it is a key and a small set.
  Poco::JWT::Signer signer(secret_);
  return signer.sign(token, Poco::JWT::Signer::ALGO_HS256);
}

std::optional<TokenClaims> JwtService::verify(const std::string& token, std::string* reason) const {
  if (auto hit = cache_->find(token)) {
    if (hit->expiresAt > nowSeconds()) {
      if (reason) reason->clear();
      return hit;
    }
    if (reason) *reason = describe(Failure::Expired);
    return std::nullopt;
  }
  auto claims = verifyUncached(token, reason);
  if (claims) cache_->store(token, *claims);
  return claims;
}

std::optional<TokenClaims> JwtService::verifyUncached(const std::string& token, std::string* reason) const {
  Outcome outcome = Failure::Malformed;
  try {
    outcome = verifyToken(token, secret_, issuer_);
  } catch (...) {
    // Poco throws ParseException, JSON exceptions, BadCast, Range... for hostile input;
    // whatever it is, the token was not one of ours.
    outcome = Failure::Malformed;
  }
  if (auto* claims = std::get_if<TokenClaims>(&outcome)) {
    if (reason) reason->clear();
    return std::move(*claims);
  }
  if (reason) *reason = describe(std::get<Failure>(outcome));
  return std::nullopt;
}

}  // namespace cc::core
