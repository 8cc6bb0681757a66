#include "core/auth/jwt.hpp"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/HMACEngine.h>
#include <Poco/JWT/Token.h>
#include <Poco/SHA2Engine.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::string_literals;

namespace cc::core {
namespace {

const std::string kSecret = "test-secret-0123456789-abcdefghijklmnop";  // 39 bytes
const std::string kIssuer = "codecouncil-test";
constexpr std::int64_t kTtl = 3600;

// ---- hand-made tokens ---------------------------------------------------------------------
// The crafting below deliberately uses Poco's Foundation SHA-2 and base64 code, not the
// service's own helpers, so a bug in the service cannot be mirrored by the test.

// Poco 1.11's SHA2Engine lacks the BLOCK_SIZE / DIGEST_SIZE that HMACEngine needs.
template <Poco::SHA2Engine::ALGORITHM Algo, int Block, int DigestBytes>
struct Sha2 : Poco::SHA2Engine {
  enum { BLOCK_SIZE = Block, DIGEST_SIZE = DigestBytes };
  Sha2() : Poco::SHA2Engine(Algo) {}
};
using Sha256 = Sha2<Poco::SHA2Engine::SHA_256, 64, 32>;
using Sha384 = Sha2<Poco::SHA2Engine::SHA_384, 128, 48>;
using Sha512 = Sha2<Poco::SHA2Engine::SHA_512, 128, 64>;

std::string b64url(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder.rdbuf()->setLineLength(0);
  encoder << bytes;
  encoder.close();
  return out.str();
}

std::string b64urlDecode(const std::string& text) {
  std::istringstream in(text);
  Poco::Base64Decoder decoder(in, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  return std::string(std::istreambuf_iterator<char>(decoder), {});
}

template <class Engine>
std::string hmacB64(const std::string& key, const std::string& input) {
  Poco::HMACEngine<Engine> hmac(key);
  hmac.update(input);
  const auto& d = hmac.digest();
  return b64url(std::string(d.begin(), d.end()));
}

std::string header(const std::string& alg) { return R"({"alg":")" + alg + R"(","typ":"JWT"})"; }

std::int64_t now() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

/// Payload JSON. Every field is raw JSON text (quote strings yourself), nullopt = absent.
struct Payload {
  std::optional<std::string> sub = R"("user-42")";
  std::optional<std::string> email = R"("ada@example.com")";
  std::optional<std::string> iss = "\"" + kIssuer + "\"";
  std::optional<std::string> iat = std::to_string(now());
  std::optional<std::string> exp = std::to_string(now() + 600);
  std::string extra;  // appended verbatim, e.g. R"(,"pad":"...")"

  std::string json() const {
    std::string out = "{\"jti\":\"abc\"";
    auto add = [&](const char* name, const std::optional<std::string>& v) {
      if (v) out += ",\""s + name + "\":" + *v;
    };
    add("sub", sub);
    add("email", email);
    add("iss", iss);
    add("iat", iat);
    add("exp", exp);
    return out + extra + "}";
  }
};

/// header.payload.signature with an HMAC over the exact encoded bytes.
template <class Engine = Sha256>
std::string signedToken(const std::string& headerJson, const std::string& payloadJson,
                        const std::string& key = kSecret) {
  std::string input = b64url(headerJson) + "." + b64url(payloadJson);
  return input + "." + hmacB64<Engine>(key, input);
}

std::string signedToken(const Payload& p) { return signedToken(header("HS256"), p.json()); }

std::vector<std::string> splitDots(const std::string& token) {
  std::vector<std::string> parts(1);
  for (char c : token) {
    if (c == '.') parts.emplace_back();
    else parts.back() += c;
  }
  return parts;
}

class JwtTest : public ::testing::Test {
 protected:
  JwtService service{kSecret, kIssuer, kTtl};

  /// The rejection reason, or "<accepted>" (which no expectation uses) if it verified.
  std::string reasonFor(const std::string& token) const {
    std::string reason = "<unset>";
    auto claims = service.verify(token, &reason);
    return claims ? "<accepted>" : reason;
  }
};

// ---- construction -------------------------------------------------------------------------

TEST(JwtServiceConstruction, SecretMustBeAtLeast32Bytes) {
  EXPECT_THROW(JwtService(std::string(31, 'k'), kIssuer, kTtl), std::invalid_argument);
  EXPECT_THROW(JwtService("", kIssuer, kTtl), std::invalid_argument);
  EXPECT_NO_THROW(JwtService(std::string(32, 'k'), kIssuer, kTtl));
}

TEST(JwtServiceConstruction, TtlMustBePositive) {
  EXPECT_THROW(JwtService(kSecret, kIssuer, 0), std::invalid_argument);
  EXPECT_THROW(JwtService(kSecret, kIssuer, -5), std::invalid_argument);
}

// ---- the happy path -----------------------------------------------------------------------

TEST_F(JwtTest, IssuedTokenVerifiesWithItsClaims) {
  std::int64_t before = now();
  std::string token = service.issue("user-1", "ada@example.com");
  std::int64_t after = now();

  std::string reason = "stale value from an earlier call";
  auto claims = service.verify(token, &reason);
  ASSERT_TRUE(claims) << reason;
  EXPECT_EQ(reason, "");
  EXPECT_EQ(claims->userId, "user-1");
  EXPECT_EQ(claims->email, "ada@example.com");
  EXPECT_GE(claims->issuedAt, before);
  EXPECT_LE(claims->issuedAt, after);
  EXPECT_EQ(claims->expiresAt - claims->issuedAt, kTtl);
  EXPECT_TRUE(service.verify(token).has_value());  // reason pointer is optional
}

TEST_F(JwtTest, IssuedTokenIsHs256WithAllRequiredClaims) {
  std::string token = service.issue("user-1", "ada@example.com");
  ASSERT_EQ(splitDots(token).size(), 3u);
  Poco::JWT::Token parsed(token);
  EXPECT_EQ(parsed.getAlgorithm(), "HS256");
  EXPECT_EQ(parsed.getSubject(), "user-1");
  EXPECT_EQ(parsed.getIssuer(), kIssuer);
  EXPECT_EQ(parsed.payload().getValue<std::string>("email"), "ada@example.com");
  EXPECT_FALSE(parsed.getId().empty());
  // Whole-second integers, not Poco's default fractional doubles.
  EXPECT_TRUE(parsed.payload().get("iat").isInteger());
  EXPECT_TRUE(parsed.payload().get("exp").isInteger());
  // The signature is an HMAC-SHA256 of the first two segments under our secret.
  auto parts = splitDots(token);
  EXPECT_EQ(parts[2], hmacB64<Sha256>(kSecret, parts[0] + "." + parts[1]));
}

TEST_F(JwtTest, EachTokenGetsItsOwnJti) {
  Poco::JWT::Token a(service.issue("u", "e@x"));
  Poco::JWT::Token b(service.issue("u", "e@x"));
  EXPECT_NE(a.getId(), b.getId());
}

TEST_F(JwtTest, UnusualEmailSurvivesTheRoundTrip) {
  std::string email = "o\"brien\\+tag@exämple.com";
  auto claims = service.verify(service.issue("user-\"1\"", email));
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->email, email);
  EXPECT_EQ(claims->userId, "user-\"1\"");
}

TEST_F(JwtTest, IssueRefusesAnEmptySubject) {
  EXPECT_THROW(service.issue("", "a@b"), std::invalid_argument);
}

TEST_F(JwtTest, HandCraftedTokenIsAcceptedSoRejectionTestsMeanSomething) {
  // Every rejection test below changes exactly one thing relative to this token.
  Payload p;
  auto claims = service.verify(signedToken(p));
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->userId, "user-42");
  EXPECT_EQ(claims->email, "ada@example.com");
  EXPECT_EQ(claims->expiresAt, std::stoll(*p.exp));
}

TEST_F(JwtTest, EmailAndIatAreOptional) {
  Payload p;
  p.email.reset();
  p.iat.reset();
  auto claims = service.verify(signedToken(p));
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->email, "");
  EXPECT_EQ(claims->issuedAt, 0);
}

// ---- algorithm ----------------------------------------------------------------------------

TEST_F(JwtTest, RejectsAlgNoneWithoutSignature) {
  std::string unsignedToken = b64url(header("none")) + "." + b64url(Payload().json()) + ".";
  EXPECT_EQ(reasonFor(unsignedToken), "unsupported algorithm");
}

TEST_F(JwtTest, RejectsAlgNoneEvenWithAValidHmac) {
  for (std::string alg : {"none", "None", "NONE", "nOnE"}) {
    EXPECT_EQ(reasonFor(signedToken(header(alg), Payload().json())), "unsupported algorithm") << alg;
  }
}

TEST_F(JwtTest, RejectsOtherHmacAlgorithmsEvenWhenCorrectlySigned) {
  EXPECT_EQ(reasonFor(signedToken<Sha384>(header("HS384"), Payload().json())), "unsupported algorithm");
  EXPECT_EQ(reasonFor(signedToken<Sha512>(header("HS512"), Payload().json())), "unsupported algorithm");
}

TEST_F(JwtTest, RejectsAsymmetricAlgorithmsSignedWithTheSecretAsHmacKey) {
  // Algorithm confusion: the attacker labels an HMAC-signed token RS256/ES256 hoping the
  // verifier treats the shared secret as a public key. Signature bytes are a valid HS256.
  for (std::string alg : {"RS256", "ES256", "PS256"}) {
    EXPECT_EQ(reasonFor(signedToken(header(alg), Payload().json())), "unsupported algorithm") << alg;
  }
}

TEST_F(JwtTest, RejectsMissingMisspelledOrNonStringAlg) {
  std::string payload = Payload().json();
  EXPECT_EQ(reasonFor(signedToken(R"({"typ":"JWT"})", payload)), "unsupported algorithm");
  EXPECT_EQ(reasonFor(signedToken(header("hs256"), payload)), "unsupported algorithm");
  EXPECT_EQ(reasonFor(signedToken(header("HS256 "), payload)), "unsupported algorithm");
  EXPECT_EQ(reasonFor(signedToken(R"({"alg":256})", payload)), "unsupported algorithm");
  EXPECT_EQ(reasonFor(signedToken(R"({"alg":["HS256"]})", payload)), "unsupported algorithm");
}

// ---- signature ----------------------------------------------------------------------------

TEST_F(JwtTest, RejectsTokensSignedWithAnotherSecret) {
  EXPECT_EQ(reasonFor(signedToken(header("HS256"), Payload().json(), kSecret + "x")), "bad signature");
  JwtService other(std::string(32, 'z'), kIssuer, kTtl);
  EXPECT_EQ(reasonFor(other.issue("user-1", "a@b")), "bad signature");
}

TEST_F(JwtTest, RejectsATamperedPayload) {
  auto parts = splitDots(service.issue("user-1", "ada@example.com"));
  std::string payload = b64urlDecode(parts[1]);
  auto at = payload.find("user-1");
  ASSERT_NE(at, std::string::npos);
  payload.replace(at, 6, "admin1");
  EXPECT_EQ(reasonFor(parts[0] + "." + b64url(payload) + "." + parts[2]), "bad signature");
}

TEST_F(JwtTest, RejectsATamperedHeader) {
  // Same alg, different header bytes: the signature covers the header too.
  auto parts = splitDots(service.issue("user-1", "a@b"));
  std::string otherHeader = b64url(R"({"alg":"HS256","typ":"JWT","kid":"x"})");
  EXPECT_EQ(reasonFor(otherHeader + "." + parts[1] + "." + parts[2]), "bad signature");
}

TEST_F(JwtTest, RejectsAlteredTruncatedOrMissingSignatures) {
  std::string token = service.issue("user-1", "a@b");
  std::string flipped = token;
  char& c = flipped[flipped.rfind('.') + 10];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(reasonFor(flipped), "bad signature");
  EXPECT_EQ(reasonFor(token.substr(0, token.size() - 4)), "bad signature");
  EXPECT_EQ(reasonFor(token.substr(0, token.rfind('.') + 1)), "bad signature");
}

TEST_F(JwtTest, RejectsANonCanonicalSpellingOfTheRightSignature) {
  // The last of 43 base64 chars carries 2 padding bits; flipping one gives a string that a
  // lenient decoder maps to the very same 32 bytes. It is not the token we issued.
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string token = service.issue("user-1", "a@b");
  std::string variant = token;
  variant.back() = alphabet[alphabet.find(token.back()) ^ 1];
  auto sig = [](const std::string& t) { return t.substr(t.rfind('.') + 1); };
  ASSERT_EQ(b64urlDecode(sig(variant)), b64urlDecode(sig(token)));  // same bytes, really
  EXPECT_EQ(reasonFor(variant), "bad signature");
}

// ---- time ---------------------------------------------------------------------------------

TEST_F(JwtTest, RejectsExpiredTokensWithZeroLeeway) {
  Payload past;
  past.exp = std::to_string(now() - 1);
  EXPECT_EQ(reasonFor(signedToken(past)), "token expired");

  // exp == now is already expired (exp <= now); a verifier with any leeway accepts it.
  Payload edge;
  edge.exp = std::to_string(now());
  EXPECT_EQ(reasonFor(signedToken(edge)), "token expired");

  Payload longAgo;
  longAgo.exp = "1";
  EXPECT_EQ(reasonFor(signedToken(longAgo)), "token expired");
}

TEST_F(JwtTest, RejectsTokensWithoutExp) {
  Payload p;
  p.exp.reset();
  EXPECT_EQ(reasonFor(signedToken(p)), "malformed token");
}

TEST_F(JwtTest, RejectsExpThatIsNotAnInteger) {
  // Each would be "valid forever" or far in the future under a lenient conversion.
  for (std::string exp : {R"("99999999999")", "99999999999.5", "true", "null", "1e30", "18446744073709551615",
                          R"({"t":99999999999})"}) {
    Payload p;
    p.exp = exp;
    EXPECT_EQ(reasonFor(signedToken(p)), "malformed token") << exp;
  }
}

// ---- issuer / subject ---------------------------------------------------------------------

TEST_F(JwtTest, RejectsAWrongOrMissingIssuer) {
  for (std::optional<std::string> iss :
       {std::optional<std::string>(R"("evil-issuer")"), std::optional<std::string>(R"("codecouncil-test ")"),
        std::optional<std::string>("42"), std::optional<std::string>()}) {
    Payload p;
    p.iss = iss;
    EXPECT_EQ(reasonFor(signedToken(p)), "wrong issuer") << iss.value_or("<absent>");
  }
}

TEST_F(JwtTest, RejectsATokenIssuedBySameSecretForAnotherIssuer) {
  JwtService sibling(kSecret, "another-service", kTtl);
  EXPECT_EQ(reasonFor(sibling.issue("user-1", "a@b")), "wrong issuer");
}

TEST_F(JwtTest, RejectsAMissingEmptyOrNonStringSubject) {
  for (std::optional<std::string> sub : {std::optional<std::string>(), std::optional<std::string>(R"("")"),
                                         std::optional<std::string>("42"), std::optional<std::string>("null")}) {
    Payload p;
    p.sub = sub;
    EXPECT_EQ(reasonFor(signedToken(p)), "missing subject") << sub.value_or("<absent>");
  }
}

TEST_F(JwtTest, RejectsANonStringEmail) {
  Payload p;
  p.email = "[1,2]";
  EXPECT_EQ(reasonFor(signedToken(p)), "malformed token");
}

// ---- garbage ------------------------------------------------------------------------------

TEST_F(JwtTest, RejectsGarbageAndBrokenFraming) {
  std::string good = signedToken(Payload());
  auto parts = splitDots(good);
  const std::string inputs[] = {
      "",
      "garbage",
      "a.b",
      "..",
      "...",
      ".b.c",
      "a..c",
      good + ".extra",                                  // four segments
      good + "\n",                                      // trailing junk
      " " + good,                                       // leading junk
      good + "=",                                       // padding is not base64url-JWS
      parts[0] + "." + parts[1] + "." + parts[2] + "\0"s,  // embedded NUL
      "!!!." + parts[1] + "." + parts[2],               // not base64url
      b64url("not json") + "." + parts[1] + "." + parts[2],
      b64url("[1,2,3]") + "." + parts[1] + "." + parts[2],  // JSON, but not an object
      "eyJhbGciOiJIUzI1NiJ9.e." + parts[2],            // impossible base64 length
  };
  for (const auto& token : inputs) {
    EXPECT_EQ(reasonFor(token), "malformed token") << token;
  }
}

TEST_F(JwtTest, RejectsAnUnparseablePayloadEvenIfSigned) {
  EXPECT_EQ(reasonFor(signedToken(header("HS256"), "not json")), "malformed token");
  EXPECT_EQ(reasonFor(signedToken(header("HS256"), R"({"sub":"x",)")), "malformed token");
  EXPECT_EQ(reasonFor(signedToken(header("HS256"), "[]")), "malformed token");
}

TEST_F(JwtTest, RejectsHugeInputs) {
  EXPECT_EQ(reasonFor(std::string(JwtService::kMaxTokenBytes + 1, 'a')), "malformed token");
  EXPECT_EQ(reasonFor(std::string(1 << 20, 'a')), "malformed token");
}

TEST_F(JwtTest, RejectsDeeplyNestedJsonWithinTheSizeLimit) {
  // ~6.7 KiB once encoded: it reaches the JSON parser, which must refuse it, not recurse.
  std::string nested(5000, '[');
  std::string deepPayload = signedToken(header("HS256"), nested);
  ASSERT_LE(deepPayload.size(), JwtService::kMaxTokenBytes);
  EXPECT_EQ(reasonFor(deepPayload), "malformed token");
  std::string deepHeader = signedToken(R"({"alg":"HS256","x":)" + nested, Payload().json());
  ASSERT_LE(deepHeader.size(), JwtService::kMaxTokenBytes);
  EXPECT_EQ(reasonFor(deepHeader), "malformed token");
}

TEST_F(JwtTest, SizeLimitIsEightKibEvenForCorrectlySignedTokens) {
  // Grow a valid token one padding byte at a time and find both sides of the limit.
  std::string largestAccepted, smallestTooBig;
  for (std::size_t pad = 5000; smallestTooBig.empty(); ++pad) {
    Payload p;
    p.extra = R"(,"pad":")" + std::string(pad, 'x') + "\"";
    std::string token = signedToken(p);
    if (token.size() <= JwtService::kMaxTokenBytes) largestAccepted = token;
    else smallestTooBig = token;
  }
  ASSERT_GE(largestAccepted.size(), JwtService::kMaxTokenBytes - 3);
  EXPECT_EQ(reasonFor(largestAccepted), "<accepted>");
  EXPECT_EQ(reasonFor(smallestTooBig), "malformed token");
}

// ---- concurrency --------------------------------------------------------------------------

TEST_F(JwtTest, ConcurrentVerifyCallsGiveConsistentAnswers) {
  std::string good = service.issue("user-1", "a@b");
  std::string bad = good;
  bad[bad.size() / 2] = bad[bad.size() / 2] == 'A' ? 'B' : 'A';
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        std::string reason;
        auto ok = service.verify(good, &reason);
        if (!ok || ok->userId != "user-1") ++wrong;
        if (service.verify(bad, &reason) || reason.empty()) ++wrong;
        if (service.verify(service.issue("u" + std::to_string(i), "e")).value_or(TokenClaims{}).userId !=
            "u" + std::to_string(i)) {
          ++wrong;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace cc::core
