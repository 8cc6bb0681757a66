#include "s3_client.hpp"

#include "digest.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

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
    loc.path = "/" + uriEncode(settings_.bucket, true) + "/" + encodedKey;
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

void S3Client::putFile(const std::string& key, const std::string& path, const std::string& contentType) {
  auto loc = locate(key);
  std::string payloadHash = sha256FileHex(path);
  auto size = std::filesystem::file_size(path);
  SigningRequest sr;
  sr.method = "PUT";
  sr.canonicalUri = loc.path;
  sr.payloadHash = payloadHash;
  sr.headers = {{"host", loc.hostHeader},
                {"x-amz-content-sha256", payloadHash},
                {"x-amz-date", amzDate(clock_())},
                {"x-amz-storage-class", settings_.storageClass},
                {"content-type", contentType}};
  if (!credentials_.sessionToken.empty()) sr.headers["x-amz-security-token"] = credentials_.sessionToken;
  auto signed_ = signV4(sr, credentials_, settings_.region, "s3", sr.headers["x-amz-date"]);

  auto session = connect(loc.scheme, loc.host, loc.port, settings_.timeoutSeconds);
  Poco::Net::HTTPRequest req("PUT", loc.path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (auto& [k, v] : sr.headers) req.set(k, v);
  req.set("Authorization", signed_.authorization);
  req.setContentLength(static_cast<std::streamsize>(size));
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + path);
  std::ostream& body = session->sendRequest(req);
  Poco::StreamCopier::copyStream(file, body);
  Poco::Net::HTTPResponse res;
  std::istream& in = session->receiveResponse(res);
  std::string text;
  Poco::StreamCopier::copyToString(in, text);
  if (res.getStatus() / 100 != 2) {
    std::string code = xmlElement(text, "Code"), message = xmlElement(text, "Message");
    throw std::runtime_error("S3 PutObject " + objectUrl(key) + " failed: HTTP " + std::to_string(res.getStatus()) +
                             (code.empty() ? "" : " " + code) + (message.empty() ? "" : ": " + message));
  }
}

S3ObjectInfo S3Client::head(const std::string& key) {
  auto loc = locate(key);
  static const std::string kEmptyHash = sha256Hex("");
  SigningRequest sr;
  sr.method = "HEAD";
  sr.canonicalUri = loc.path;
  sr.payloadHash = kEmptyHash;
  sr.headers = {{"host", loc.hostHeader}, {"x-amz-content-sha256", kEmptyHash}, {"x-amz-date", amzDate(clock_())}};
  if (!credentials_.sessionToken.empty()) sr.headers["x-amz-security-token"] = credentials_.sessionToken;
  auto signed_ = signV4(sr, credentials_, settings_.region, "s3", sr.headers["x-amz-date"]);

  auto session = connect(loc.scheme, loc.host, loc.port, settings_.timeoutSeconds);
  Poco::Net::HTTPRequest req("HEAD", loc.path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (auto& [k, v] : sr.headers) req.set(k, v);
  req.set("Authorization", signed_.authorization);
  session->sendRequest(req);
  Poco::Net::HTTPResponse res;
  session->receiveResponse(res);
  if (res.getStatus() != 200)
    throw std::runtime_error("S3 HeadObject " + objectUrl(key) + " failed: HTTP " + std::to_string(res.getStatus()));
  S3ObjectInfo info;
  info.size = static_cast<std::uint64_t>(res.getContentLength64());
  info.storageClass = res.get("x-amz-storage-class", "STANDARD");
  info.etag = res.get("ETag", "");
  return info;
}

}  // namespace cc::backup
