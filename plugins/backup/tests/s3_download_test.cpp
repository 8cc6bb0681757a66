// S3Client::download against a loopback server speaking raw HTTP/1.1, for what s3rver cannot
// be made to do: a body cut short of its Content-Length, a connection dropped mid-body. Each
// must fail naming the object and leave no file, temporary or final; a whole body arrives as
// a private file; a 404 is S3NoSuchObject naming the URL.
#include "s3_client.hpp"
#include "support/test_env.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

namespace {

/// Answers one request with `response` (raw bytes), then closes the connection.
class OneShotServer {
 public:
  explicit OneShotServer(std::string response)
      : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)), response_(std::move(response)) {
    thread_ = std::thread([this] {
      try {
        Poco::Net::StreamSocket client = socket_.acceptConnection();
        std::string request;
        char buffer[4096];
        while (request.find("\r\n\r\n") == std::string::npos) {
          int n = client.receiveBytes(buffer, sizeof buffer);
          if (n <= 0) break;
          request.append(buffer, static_cast<std::size_t>(n));
        }
        request_ = request;
        client.sendBytes(response_.data(), static_cast<int>(response_.size()));
        client.shutdown();
        client.close();
      } catch (const std::exception&) {
      }
    });
  }
  ~OneShotServer() {
    if (thread_.joinable()) thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(socket_.address().port()); }
  std::string request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

 private:
  Poco::Net::ServerSocket socket_;
  std::string response_;
  std::string request_;
  std::thread thread_;
};

cc::backup::S3Client clientFor(const OneShotServer& server) {
  cc::backup::S3Settings s3;
  s3.bucket = "backups";
  s3.endpoint = server.endpoint();
  s3.pathStyle = true;
  s3.timeoutSeconds = 10;
  return cc::backup::S3Client(s3, {"AKIDEXAMPLE", "download-test-secret", ""});
}

std::vector<std::string> filesIn(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  return out;
}

const std::string kKey = "codecouncil-ai_development_20250115_020000.sql.gz";

}  // namespace

TEST(S3Download, WholeBodyArrivesAsAPrivateFileWithASignedGet) {
  cc::test::TempDir dir;
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello world");
  std::string destination = dir.str() + "/" + kKey;
  clientFor(server).download(kKey, destination);
  EXPECT_EQ(cc::test::readFile(destination), "hello world");
  EXPECT_EQ(std::filesystem::status(destination).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(filesIn(dir.str()), std::vector<std::string>{kKey});
  std::string request = server.request();
  EXPECT_EQ(request.rfind("GET /backups/" + kKey + " HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), std::string::npos) << request;
  EXPECT_EQ(request.find("download-test-secret"), std::string::npos) << request;
}

TEST(S3Download, ShortBodyFailsAndLeavesNothing) {
  cc::test::TempDir dir;
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\nonly ten b");
  std::string destination = dir.str() + "/" + kKey;
  try {
    clientFor(server).download(kKey, destination);
    FAIL() << "a short body was accepted";
  } catch (const std::runtime_error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("S3 GetObject " + server.endpoint() + "/backups/" + kKey + " failed"), std::string::npos)
        << message;
    EXPECT_NE(message.find("10 of 1000 bytes"), std::string::npos) << message;
  }
  EXPECT_TRUE(filesIn(dir.str()).empty());
}

TEST(S3Download, ConnectionDroppedBeforeTheBodyFailsAndLeavesNothing) {
  cc::test::TempDir dir;
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n");  // headers cut off too
  std::string destination = dir.str() + "/" + kKey;
  EXPECT_THROW(clientFor(server).download(kKey, destination), std::runtime_error);
  EXPECT_TRUE(filesIn(dir.str()).empty());
}

TEST(S3Download, MissingObjectNamesItsUrlAndLeavesNothing) {
  cc::test::TempDir dir;
  std::string body = "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>gone</Message></Error>";
  OneShotServer server("HTTP/1.1 404 Not Found\r\nContent-Length: " + std::to_string(body.size()) +
                       "\r\nConnection: close\r\n\r\n" + body);
  std::string destination = dir.str() + "/" + kKey;
  try {
    clientFor(server).download(kKey, destination);
    FAIL() << "a 404 was accepted";
  } catch (const cc::backup::S3NoSuchObject& e) {
    EXPECT_EQ(std::string(e.what()),
              "S3 object " + server.endpoint() + "/backups/" + kKey + " does not exist (GetObject: HTTP 404 NoSuchKey)");
  }
  EXPECT_TRUE(filesIn(dir.str()).empty());
}
