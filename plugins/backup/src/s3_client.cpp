#include "s3_client.hpp"

#include "atomic_file.hpp"
#include "digest.hpp"
#include "fd_io.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace cc::backup {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string xmlElement(const std::string& xml, const std::string& name) {
  auto open = xml.find("<" + name + ">");
  if (open == std::string::npos) return "";
  open += name.size() + 2;
  auto close = xml.find("</" + name + ">", open);
  return close == std::string::npos ? "" : xml.substr(open, close - open);
}

std::unique_ptr<Poco::Net::HTTPClientSession> connect(const std::string& scheme, const std::string& host,
                                                      unsigned short port, int timeoutSeconds) {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (scheme == "https") {
    static Poco::Net::Context::Ptr context = [] {
      Poco::Net::initializeSSL();
      return Poco::Net::Context::Ptr(new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                                            Poco::Net::Context::VERIFY_RELAXED, 9, true));
    }();
    session = std::make_unique<Poco::Net::HTTPSClientSession>(host, port, context);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(host, port);
  }
  session->setTimeout(Poco::Timespan(timeoutSeconds, 0));
  return session;
}

}  // namespace

AwsCredentials credentialsFromEnvironment() {
  AwsCredentials c{env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN")};
  if (c.accessKeyId.empty() || c.secretAccessKey.empty())
    throw std::runtime_error("S3 upload is configured but AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set");
  return c;
}

S3Client::S3Client(S3Settings settings, AwsCredentials credentials, std::function<std::time_t()> clock)
    : settings_(std::move(settings)), credentials_(std::move(credentials)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::time(nullptr); };
}

S3Client::Location S3Client::locate(const std::string& key) const {
  Location loc;
  std::string baseHost;
  if (settings_.endpoint.empty()) {
    loc.scheme = "https";
    baseHost = "s3." + settings_.region + ".amazonaws.com";
    loc.port = 443;
  } else {
    Poco::URI uri(settings_.endpoint);
    loc.scheme = uri.getScheme().empty() ? "https" : uri.getScheme();
    baseHost = uri.getHost();
    loc.port = uri.getPort();
    if (baseHost.empty()) throw std::runtime_error("S3 endpoint '" + settings_.endpoint + "' has no host");
  }
  std::string encodedKey = uriEncode(key, false);
  if (settings_.pathStyle) {
    loc.host = baseHost;
    loc.path = "/" + uriEncode(settings_.bucket, true) + (key.empty() ? "" : "/" + encodedKey);
  } else {
    loc.host = settings_.bucket + "." + baseHost;
    loc.path = "/" + encodedKey;
  }
  bool defaultPort = (loc.scheme == "https" && loc.port == 443) || (loc.scheme == "http" && loc.port == 80);
  loc.hostHeader = defaultPort ? loc.host : loc.host + ":" + std::to_string(loc.port);
  return loc;
}

std::string S3Client::objectUrl(const std::string& key) const {
  auto loc = locate(key);
  return loc.scheme + "://" + loc.hostHeader + loc.path;
}

S3Client::Response S3Client::send(const std::string& method, const std::string& key, const Query& query,
                                     std::map<std::string, std::string> headers, const std::string& payloadHash,
                                     std::uint64_t bodySize, const BodyWriter& writeBody,
                                     const BodyReader& readBody) {
  auto loc = locate(key);
  SigningRequest sr;
  sr.method = method;
  sr.canonicalUri = loc.path;
  sr.query = query;
  sr.payloadHash = payloadHash;
  sr.headers = std::move(headers);
  sr.headers["host"] = loc.hostHeader;
  sr.headers["x-amz-content-sha256"] = payloadHash;
  sr.headers["x-amz-date"] = amzDate(clock_());
  if (!credentials_.sessionToken.empty()) sr.headers["x-amz-security-token"] = credentials_.sessionToken;
  auto signed_ = signV4(sr, credentials_, settings_.region, "s3", sr.headers["x-amz-date"]);

  // The same encoding as the canonical query string, so what is signed is what is sent.
  std::string target = loc.path;
  for (std::size_t i = 0; i < query.size(); ++i)
    target += (i == 0 ? "?" : "&") + uriEncode(query[i].first, true) + "=" + uriEncode(query[i].second, true);

  auto session = connect(loc.scheme, loc.host, loc.port, settings_.timeoutSeconds);
  Poco::Net::HTTPRequest req(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
  for (auto& [k, v] : sr.headers) req.set(k, v);
  req.set("Authorization", signed_.authorization);
  if (writeBody || method == "PUT" || method == "POST") req.setContentLength64(static_cast<Poco::Int64>(bodySize));
  std::ostream& body = session->sendRequest(req);
  if (writeBody) writeBody(body);
  Poco::Net::HTTPResponse res;
  std::istream& in = session->receiveResponse(res);
  Response out;
  out.status = res.getStatus();
  out.contentLength = res.getContentLength64();
  if (readBody && out.status / 100 == 2) readBody(in, out.contentLength);
  else if (method != "HEAD") Poco::StreamCopier::copyToString(in, out.body);
  out.etag = res.get("ETag", "");
  out.storageClass = res.get("x-amz-storage-class", "STANDARD");
  return out;
}

namespace {

std::string describeFailure(const std::string& operation, const std::string& url, int status, const std::string& body) {
  std::string code = xmlElement(body, "Code"), message = xmlElement(body, "Message");
  return "S3 " + operation + " " + url + " failed: HTTP " + std::to_string(status) + (code.empty() ? "" : " " + code) +
         (message.empty() ? "" : ": " + message);
}

// Copies `size` bytes from `in` (already positioned) to `out` in blocks, never holding more.
void copyRange(std::istream& in, std::ostream& out, std::uint64_t size) {
  std::vector<char> block(64 * 1024);
  while (size > 0) {
    auto n = static_cast<std::streamsize>(std::min<std::uint64_t>(size, block.size()));
    if (!in.read(block.data(), n)) throw std::runtime_error("short read while uploading");
    out.write(block.data(), n);
    size -= static_cast<std::uint64_t>(n);
  }
}

std::string sha256RangeHex(const std::string& path, std::uint64_t offset, std::uint64_t size) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + path);
  file.seekg(static_cast<std::streamoff>(offset));
  Sha256 hash;
  std::vector<char> block(64 * 1024);
  while (size > 0) {
    auto n = static_cast<std::streamsize>(std::min<std::uint64_t>(size, block.size()));
    if (!file.read(block.data(), n)) throw std::runtime_error("short read of " + path);
    hash.update(block.data(), static_cast<std::size_t>(n));
    size -= static_cast<std::uint64_t>(n);
  }
  return hash.finishHex();
}

std::string xmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

}  // namespace

void S3Client::putFile(const std::string& key, const std::string& path, const std::string& contentType) {
  if (std::filesystem::file_size(path) > settings_.multipartThresholdBytes)
    putMultipart(key, path, contentType);
  else
    putSingle(key, path, contentType);
}

void S3Client::putSingle(const std::string& key, const std::string& path, const std::string& contentType) {
  std::string payloadHash = sha256FileHex(path);
  auto size = std::filesystem::file_size(path);
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + path);
  auto res = send("PUT", key, {}, {{"x-amz-storage-class", settings_.storageClass}, {"content-type", contentType}},
                  payloadHash, size, [&](std::ostream& body) { Poco::StreamCopier::copyStream(file, body); });
  if (res.status / 100 != 2) throw std::runtime_error(describeFailure("PutObject", objectUrl(key), res.status, res.body));
}

std::string S3Client::uploadPart(const std::string& key, const std::string& uploadId, const std::string& path,
                                 int partNumber, std::uint64_t offset, std::uint64_t size) {
  std::string hash = sha256RangeHex(path, offset, size);
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + path);
  file.seekg(static_cast<std::streamoff>(offset));
  auto res = send("PUT", key, {{"partNumber", std::to_string(partNumber)}, {"uploadId", uploadId}}, {}, hash, size,
                  [&](std::ostream& body) { copyRange(file, body, size); });
  if (res.status / 100 != 2) throw std::runtime_error(describeFailure("UploadPart", objectUrl(key), res.status, res.body));
  if (res.etag.empty()) throw std::runtime_error("S3 UploadPart " + objectUrl(key) + " returned no ETag");
  return res.etag;
}

void S3Client::putMultipart(const std::string& key, const std::string& path, const std::string& contentType) {
  static const std::string kEmptyHash = sha256Hex("");
  const std::uint64_t size = std::filesystem::file_size(path);
  const std::uint64_t partSize = std::max<std::uint64_t>(settings_.partSizeBytes, 1);
  const std::uint64_t partCount = std::max<std::uint64_t>((size + partSize - 1) / partSize, 1);
  if (partCount > 10000)
    throw std::runtime_error("S3 multipart upload of " + path + " needs " + std::to_string(partCount) +
                             " parts (more than 10000): raise s3.part_size_bytes");

  auto created = send("POST", key, {{"uploads", ""}},
                      {{"x-amz-storage-class", settings_.storageClass}, {"content-type", contentType}}, kEmptyHash, 0,
                      nullptr);
  std::string uploadId = xmlElement(created.body, "UploadId");
  if (created.status / 100 != 2 || uploadId.empty())
    throw std::runtime_error(describeFailure("CreateMultipartUpload", objectUrl(key), created.status, created.body));

  try {
    std::string completeXml = "<CompleteMultipartUpload>";
    for (std::uint64_t i = 0; i < partCount; ++i) {
      int number = static_cast<int>(i + 1);
      std::uint64_t offset = i * partSize, length = std::min(partSize, size - offset);
      std::string etag;
      for (int attempt = 1;; ++attempt) {
        try {
          etag = uploadPart(key, uploadId, path, number, offset, length);
          break;
        } catch (const std::exception& e) {
          if (attempt >= std::max(settings_.partAttempts, 1))
            throw std::runtime_error("part " + std::to_string(number) + "/" + std::to_string(partCount) +
                                     " failed after " + std::to_string(attempt) + " attempts: " + e.what());
          // A short, growing pause: a transient network or 5xx hiccup usually clears quickly.
          std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
        }
      }
      completeXml += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + xmlEscape(etag) +
                     "</ETag></Part>";
    }
    completeXml += "</CompleteMultipartUpload>";
    auto done = send("POST", key, {{"uploadId", uploadId}}, {{"content-type", "application/xml"}},
                     sha256Hex(completeXml), completeXml.size(), [&](std::ostream& body) { body << completeXml; });
    // S3 may answer 200 and still report an error in the body.
    if (done.status / 100 != 2 || done.body.find("<Error>") != std::string::npos)
      throw std::runtime_error(describeFailure("CompleteMultipartUpload", objectUrl(key), done.status, done.body));
  } catch (const std::exception& e) {
    // Uploaded parts are billed until the upload is completed or aborted: never leave them.
    std::string abortNote;
    try {
      auto aborted = send("DELETE", key, {{"uploadId", uploadId}}, {}, kEmptyHash, 0, nullptr);
      abortNote = aborted.status / 100 == 2
                      ? "multipart upload aborted"
                      : "AbortMultipartUpload also failed: HTTP " + std::to_string(aborted.status) +
                            " (parts of upload " + uploadId + " may remain)";
    } catch (const std::exception& abortError) {
      abortNote = std::string("AbortMultipartUpload also failed: ") + abortError.what() + " (parts of upload " +
                  uploadId + " may remain)";
    }
    throw std::runtime_error("S3 multipart upload of " + objectUrl(key) + " failed: " + e.what() + "; " + abortNote);
  }
}

S3ObjectInfo S3Client::head(const std::string& key) {
  static const std::string kEmptyHash = sha256Hex("");
  auto res = send("HEAD", key, {}, {}, kEmptyHash, 0, nullptr);
  if (res.status == 404) throw S3NoSuchObject("S3 object " + objectUrl(key) + " does not exist (HeadObject: HTTP 404)");
  if (res.status != 200)
    throw std::runtime_error("S3 HeadObject " + objectUrl(key) + " failed: HTTP " + std::to_string(res.status));
  S3ObjectInfo info;
  info.size = static_cast<std::uint64_t>(res.contentLength);
  info.storageClass = res.storageClass;
  info.etag = res.etag;
  return info;
}

namespace {

// The five predefined entities and numeric references S3 uses in ListObjectsV2 keys.
std::string xmlUnescape(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    auto end = text.find(';', i);
    if (end == std::string::npos) throw std::runtime_error("malformed XML entity in an S3 listing");
    std::string entity = text.substr(i + 1, end - i - 1);
    if (entity == "amp") out += '&';
    else if (entity == "lt") out += '<';
    else if (entity == "gt") out += '>';
    else if (entity == "quot") out += '"';
    else if (entity == "apos") out += '\'';
    else if (entity.size() > 1 && entity[0] == '#') {
      unsigned long code = entity[1] == 'x' ? std::stoul(entity.substr(2), nullptr, 16) : std::stoul(entity.substr(1));
      if (code == 0 || code > 0x7f) throw std::runtime_error("unsupported character reference in an S3 listing");
      out += static_cast<char>(code);
    } else {
      throw std::runtime_error("unknown XML entity &" + entity + "; in an S3 listing");
    }
    i = end;
  }
  return out;
}

// A temporary download file: removed unless it was published under its final name.
struct PartialDownload {
  std::string path;
  int fd = -1;
  ~PartialDownload() {
    if (fd >= 0) ::close(fd);
    if (!path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

void S3Client::download(const std::string& key, const std::string& destination) {
  static const std::string kEmptyHash = sha256Hex("");
  const std::string url = objectUrl(key);
  auto folder = std::filesystem::path(destination).parent_path();
  std::string dir = folder.empty() ? "." : folder.string();
  PartialDownload partial;
  partial.path = temporaryPathFor(dir, std::filesystem::path(destination).filename().string());
  partial.fd = ::open(partial.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (partial.fd < 0) {
    std::string why = std::strerror(errno);
    partial.path.clear();  // not ours to remove
    throw std::runtime_error("cannot create a download file in " + dir + ": " + why);
  }
  if (::fchmod(partial.fd, 0600) != 0) throw std::runtime_error("cannot chmod " + partial.path + ": " + std::strerror(errno));

  std::uint64_t received = 0;
  Response res;
  try {
    res = send("GET", key, {}, {}, kEmptyHash, 0, nullptr, [&](std::istream& in, std::int64_t announced) {
      std::vector<char> block(64 * 1024);
      while (in.read(block.data(), static_cast<std::streamsize>(block.size())) || in.gcount() > 0) {
        writeAll(partial.fd, reinterpret_cast<const unsigned char*>(block.data()), static_cast<std::size_t>(in.gcount()),
                 partial.path);
        received += static_cast<std::uint64_t>(in.gcount());
      }
      if (announced >= 0 && received != static_cast<std::uint64_t>(announced))
        throw std::runtime_error("the connection ended after " + std::to_string(received) + " of " +
                                 std::to_string(announced) + " bytes");
    });
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("S3 GetObject " + url + " failed: " + e.displayText());
  } catch (const std::exception& e) {
    throw std::runtime_error("S3 GetObject " + url + " failed: " + e.what());
  }
  if (res.status == 404) {
    std::string code = xmlElement(res.body, "Code");
    throw S3NoSuchObject("S3 object " + url + " does not exist (GetObject: HTTP 404" +
                             (code.empty() ? "" : " " + code) + ")");
  }
  if (res.status / 100 != 2) {
    std::string failure = describeFailure("GetObject", url, res.status, res.body);
    // An archived object (GLACIER, DEEP_ARCHIVE) must be restored in S3 before it can be read.
    if (failure.find("InvalidObjectState") != std::string::npos)
      failure += " (the object is archived: restore it in S3 first, e.g. aws s3api restore-object, then retry)";
    throw std::runtime_error(failure);
  }
  if (::fsync(partial.fd) != 0) throw std::runtime_error("cannot write " + partial.path + ": " + std::strerror(errno));
  int fd = partial.fd;
  partial.fd = -1;
  if (::close(fd) != 0) throw std::runtime_error("cannot write " + partial.path + ": " + std::strerror(errno));
  if (::rename(partial.path.c_str(), destination.c_str()) != 0)
    throw std::runtime_error("cannot create " + destination + ": " + std::strerror(errno));
  partial.path.clear();
  fsyncDirectory(dir);
}

std::vector<std::string> S3Client::listKeys(const std::string& prefix) {
  static const std::string kEmptyHash = sha256Hex("");
  std::vector<std::string> keys;
  std::string token;
  const std::string bucketUrl = objectUrl("");
  for (int page = 0;; ++page) {
    // A listing that never ends is a broken store: 10,000 pages are 10 million keys.
    if (page >= 10000) throw std::runtime_error("S3 ListObjectsV2 " + bucketUrl + " returned more than 10000 pages");
    Query query{{"list-type", "2"}, {"prefix", prefix}};
    if (!token.empty()) query.emplace_back("continuation-token", token);
    auto res = send("GET", "", query, {}, kEmptyHash, 0, nullptr);
    if (res.status / 100 != 2 || res.body.find("<Error>") != std::string::npos)
      throw std::runtime_error(describeFailure("ListObjectsV2", bucketUrl, res.status, res.body));
    for (auto at = res.body.find("<Contents>"); at != std::string::npos; at = res.body.find("<Contents>", at + 1)) {
      auto end = res.body.find("</Contents>", at);
      if (end == std::string::npos) break;
      std::string key = xmlUnescape(xmlElement(res.body.substr(at, end - at), "Key"));
      if (!key.empty()) keys.push_back(key);
    }
    if (xmlElement(res.body, "IsTruncated") != "true") break;
    token = xmlUnescape(xmlElement(res.body, "NextContinuationToken"));
    if (token.empty()) throw std::runtime_error("S3 ListObjectsV2 " + bucketUrl + " is truncated without a continuation token");
  }
  return keys;
}

}  // namespace cc::backup
