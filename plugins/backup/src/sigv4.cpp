#include "sigv4.hpp"

#include "digest.hpp"

#include <algorithm>
#include <cctype>

namespace cc::backup {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Canonical header values: leading and trailing blanks removed, inner runs of blanks
// collapsed to one space.
std::string canonicalValue(const std::string& value) {
  std::string out;
  bool blank = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out += ' ';
    blank = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string uriEncode(const std::string& text, bool encodeSlash) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encodeSlash)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string amzDate(std::time_t when) {
  std::tm tm{};
  gmtime_r(&when, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

SignedRequest signV4(const SigningRequest& request, const AwsCredentials& credentials, const std::string& region,
                     const std::string& service, const std::string& date) {
  SignedRequest out;

  std::vector<std::pair<std::string, std::string>> query;
  for (auto& [k, v] : request.query) query.emplace_back(uriEncode(k, true), uriEncode(v, true));
  std::sort(query.begin(), query.end());
  std::string canonicalQuery;
  for (auto& [k, v] : query) canonicalQuery += (canonicalQuery.empty() ? "" : "&") + k + "=" + v;

  std::map<std::string, std::string> headers;  // sorted by lower-case name
  for (auto& [k, v] : request.headers) headers[lower(k)] = canonicalValue(v);
  std::string canonicalHeaders;
  for (auto& [k, v] : headers) {
    canonicalHeaders += k + ":" + v + "\n";
    out.signedHeaders += (out.signedHeaders.empty() ? "" : ";") + k;
  }

  out.canonicalRequest = request.method + "\n" + request.canonicalUri + "\n" + canonicalQuery + "\n" +
                         canonicalHeaders + "\n" + out.signedHeaders + "\n" + request.payloadHash;

  std::string day = date.substr(0, 8);
  std::string scope = day + "/" + region + "/" + service + "/aws4_request";
  out.stringToSign = "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + sha256Hex(out.canonicalRequest);

  // The signing key is an HMAC chain: date -> region -> service -> "aws4_request".
  std::string key = hmacSha256("AWS4" + credentials.secretAccessKey, day);
  key = hmacSha256(key, region);
  key = hmacSha256(key, service);
  key = hmacSha256(key, "aws4_request");
  out.signature = toHex(hmacSha256(key, out.stringToSign));
  out.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyId + "/" + scope +
                      ", SignedHeaders=" + out.signedHeaders + ", Signature=" + out.signature;
  return out;
}

}  // namespace cc::backup
