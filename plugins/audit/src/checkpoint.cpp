#include "checkpoint.hpp"

#include "hash_chain.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <sstream>
#include <stdexcept>

namespace cc::audit {

namespace {

bool isHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char ch : s)
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  return true;
}

std::int64_t integerField(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (!o->has(key)) throw std::invalid_argument("field '" + key + "' is missing");
  Poco::Dynamic::Var v = o->get(key);
  if (!v.isInteger()) throw std::invalid_argument("field '" + key + "' is not an integer");
  std::int64_t n = v.convert<std::int64_t>();
  if (n < 0) throw std::invalid_argument("field '" + key + "' is negative");
  return n;
}

std::string requiredTextField(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (!o->has(key)) throw std::invalid_argument("field '" + key + "' is missing");
  Poco::Dynamic::Var v = o->get(key);
  if (!v.isString()) throw std::invalid_argument("field '" + key + "' is not a string");
  return v.toString();
}

}  // namespace

std::string signedText(const Checkpoint& c) {
  std::string out = "audit-checkpoint-v1;";
  appendField(out, std::to_string(c.number));
  appendField(out, std::to_string(c.seq));
  appendField(out, std::to_string(c.count));
  appendField(out, c.headHash);
  appendField(out, c.time);
  appendField(out, c.previousSignature);
  return out;
}

std::string hmacSha256Hex(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  static const char* digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    hex += digits[mac[i] >> 4];
    hex += digits[mac[i] & 0xf];
  }
  return hex;
}

void sign(Checkpoint& c, const std::string& key) { c.signature = hmacSha256Hex(key, signedText(c)); }

bool constantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool signatureValid(const Checkpoint& c, const std::string& key) {
  return constantTimeEquals(hmacSha256Hex(key, signedText(c)), c.signature);
}

std::string toJson(const Checkpoint& c) {
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("format", "codecouncil-audit-checkpoint/1");
  o.set("number", c.number);
  o.set("seq", c.seq);
  o.set("count", c.count);
  o.set("headHash", c.headHash);
  o.set("time", c.time);
  o.set("previousSignature", c.previousSignature);
  o.set("signature", c.signature);
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

Checkpoint checkpointFromJson(const std::string& json) {
  Poco::JSON::Object::Ptr o;
  try {
    Poco::JSON::Parser parser;
    o = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception&) {
    throw std::invalid_argument("not a JSON object");
  }
  if (!o) throw std::invalid_argument("not a JSON object");
  Checkpoint c;
  c.number = integerField(o, "number");
  c.seq = integerField(o, "seq");
  c.count = integerField(o, "count");
  c.headHash = requiredTextField(o, "headHash");
  c.time = requiredTextField(o, "time");
  c.previousSignature = requiredTextField(o, "previousSignature");
  c.signature = requiredTextField(o, "signature");
  if (!isHex64(c.headHash)) throw std::invalid_argument("field 'headHash' is not 64 lower-case hex digits");
  if (!isHex64(c.signature)) throw std::invalid_argument("field 'signature' is not 64 lower-case hex digits");
  if (!c.previousSignature.empty() && !isHex64(c.previousSignature))
    throw std::invalid_argument("field 'previousSignature' is not 64 lower-case hex digits");
  return c;
}

}  // namespace cc::audit
