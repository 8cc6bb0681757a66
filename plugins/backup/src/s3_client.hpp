#pragma once
// A minimal S3 client: PutObject from a file, HeadObject, GetObject to a file and
// ListObjectsV2, signed with SigV4. Speaks to
// AWS (virtual-hosted or path-style) or to any S3-compatible endpoint (s3rver in tests).
#include "backup_settings.hpp"
#include "sigv4.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cc::backup {

/// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional AWS_SESSION_TOKEN; throws when missing.
AwsCredentials credentialsFromEnvironment();

/// GetObject of a key S3 does not have (HTTP 404).
struct S3NoSuchObject : std::runtime_error {
  using std::runtime_error::runtime_error;
};

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

  /// GetObject into `destination`: streamed to a private (0600) temporary file beside it and
  /// renamed over `destination` only once every announced byte arrived. A missing object
  /// ("S3 object <url> does not exist"), any other S3 error, a short body or a lost
  /// connection throws std::runtime_error and leaves nothing behind.
  void download(const std::string& key, const std::string& destination);

  /// ListObjectsV2 under `prefix`, every page: the keys, in S3's (lexicographic) order.
  std::vector<std::string> listKeys(const std::string& prefix);

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
  /// Reads a 2xx response body (announced length, -1 when unknown) instead of it being kept in
  /// Response::body; error bodies are always kept, for their message.
  using BodyReader = std::function<void(std::istream&, std::int64_t contentLength)>;
  /// One signed request; the body, if any, is streamed by `writeBody`. An empty key addresses
  /// the bucket itself (ListObjectsV2).
  Response send(const std::string& method, const std::string& key, const Query& query,
                std::map<std::string, std::string> headers, const std::string& payloadHash, std::uint64_t bodySize,
                const BodyWriter& writeBody, const BodyReader& readBody = nullptr);
  void putSingle(const std::string& key, const std::string& path, const std::string& contentType);
  void putMultipart(const std::string& key, const std::string& path, const std::string& contentType);
  std::string uploadPart(const std::string& key, const std::string& uploadId, const std::string& path, int partNumber,
                         std::uint64_t offset, std::uint64_t size);

  S3Settings settings_;
  AwsCredentials credentials_;
  std::function<std::time_t()> clock_;
};

}  // namespace cc::backup
