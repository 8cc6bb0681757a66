#pragma once
// AWS Signature Version 4 (header form), as described in AWS's "Signature Version 4 signing
// process" and S3's "Authenticating requests: Using the Authorization header".
#include <ctime>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace cc::backup {

struct AwsCredentials {
  std::string accessKeyId;
  std::string secretAccessKey;
  std::string sessionToken;  ///< optional (temporary credentials); sent as x-amz-security-token
};

struct SigningRequest {
  std::string method;        ///< "PUT"
  std::string canonicalUri;  ///< the path, already URI-encoded (see uriEncode), e.g. "/bucket/a%24b"
  std::vector<std::pair<std::string, std::string>> query;  ///< decoded names and values
  std::map<std::string, std::string> headers;  ///< names in any case; must include host and x-amz-date
  std::string payloadHash;   ///< hex SHA-256 of the body (or "UNSIGNED-PAYLOAD")
};

struct SignedRequest {
  std::string canonicalRequest;
  std::string stringToSign;
  std::string signedHeaders;  ///< "host;x-amz-date"
  std::string signature;      ///< hex
  std::string authorization;  ///< the Authorization header value
};

/// Signs `request` for `region`/`service` at `amzDate` ("20150830T123600Z").
SignedRequest signV4(const SigningRequest& request, const AwsCredentials& credentials, const std::string& region,
                     const std::string& service, const std::string& amzDate);

/// RFC 3986 encoding as SigV4 wants it: unreserved characters kept, everything else %XX
/// (upper-case); '/' kept unless encodeSlash.
std::string uriEncode(const std::string& text, bool encodeSlash);

/// "20150830T123600Z" for a Unix time.
std::string amzDate(std::time_t when);

}  // namespace cc::backup
