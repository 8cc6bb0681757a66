#pragma once
// A minimal S3 client: PutObject from a file and HeadObject, signed with SigV4. Speaks to
// AWS (virtual-hosted or path-style) or to any S3-compatible endpoint (s3rver in tests).
#include "backup_settings.hpp"
#include "sigv4.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace cc::backup {

/// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional AWS_SESSION_TOKEN; throws when missing.
AwsCredentials credentialsFromEnvironment();

struct S3ObjectInfo {
  std::uint64_t size = 0;
  std::string storageClass;  ///< "STANDARD" when S3 sends no x-amz-storage-class header
  std::string etag;
};

class S3Client {
 public:
  S3Client(S3Settings settings, AwsCredentials credentials, std::function<std::time_t()> clock = nullptr);

  /// Uploads the file with the configured storage class: one PutObject, or a multipart upload
  /// when the file is larger than multipartThresholdBytes. Throws std::runtime_error with S3's
  /// error code and message (never the credentials).
  void putFile(const std::string& key, const std::string& path, const std::string& contentType);
  S3ObjectInfo head(const std::string& key);

  /// "https://bucket.s3.us-east-1.amazonaws.com/key" or "<endpoint>/bucket/key" (for messages).
  std::string objectUrl(const std::string& key) const;

 private:
  struct Location {
    std::string scheme, host, hostHeader, path;
    unsigned short port = 443;
  };
  Location locate(const std::string& key) const;

  using Query = std::vector<std::pair<std::string, std::string>>;
  struct Response {
    int status = 0;
    std::string body;
    std::string etag;
    std::int64_t contentLength = -1;
    std::string storageClass;  ///< x-amz-storage-class, "STANDARD" when absent
  };
  /// Writes the request body (exactly the announced size) to the connection.
  using BodyWriter = std::function<void(std::ostream&)>;
  /// One signed request; the body, if any, is streamed by `writeBody`.
  Response send(const std::string& method, const std::string& key, const Query& query,
                std::map<std::string, std::string> headers, const std::string& payloadHash, std::uint64_t bodySize,
                const BodyWriter& writeBody);
  void putSingle(const std::string& key, const std::string& path, const std::string& contentType);
  void putMultipart(const std::string& key, const std::string& path, const std::string& contentType);
  std::string uploadPart(const std::string& key, const std::string& uploadId, const std::string& path, int partNumber,
                         std::uint64_t offset, std::uint64_t size);

  S3Settings settings_;
  AwsCredentials credentials_;
  std::function<std::time_t()> clock_;
};

}  // namespace cc::backup
