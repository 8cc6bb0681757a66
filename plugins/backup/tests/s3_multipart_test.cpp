// Multipart upload of large backups (a single PutObject is refused above 5 GB), against the
// s3rver fake behind a small recording proxy: the proxy logs every request line, can drop a
// connection mid-body to simulate a failing part, and answers AbortMultipartUpload itself
// because s3rver 3.7.1 does not implement it (it replies 405 to DELETE ?uploadId).
#include "backup_test_support.hpp"
#include "digest.hpp"
#include "s3_client.hpp"
#include "s3rver_support.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include <fstream>
#include <functional>
#include <mutex>
#include <random>

using namespace backup_test;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

struct RecordedRequest {
  std::string method, target;
};

/// Decides, per request, whether the proxy drops the connection instead of forwarding it.
using DropRule = std::function<bool(const RecordedRequest&)>;

class RecordingProxy {
 public:
  RecordingProxy(int upstreamPort, DropRule drop)
      : state_(std::make_shared<State>()), socket_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    state_->upstreamPort = upstreamPort;
    state_->drop = std::move(drop);
    server_ = std::make_unique<Poco::Net::TCPServer>(new Factory(state_), socket_);
    server_->start();
  }
  ~RecordingProxy() { server_->stop(); }
  int port() const { return socket_.address().port(); }
  std::vector<RecordedRequest> requests() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->log;
  }
  /// Requests whose target contains `needle` and whose method is `method`.
  std::size_t count(const std::string& method, const std::string& needle) const {
    std::size_t n = 0;
    for (auto& r : requests()) n += r.method == method && r.target.find(needle) != std::string::npos;
    return n;
  }

 private:
  struct State {
    int upstreamPort = 0;
    DropRule drop;
    std::mutex mutex;
    std::vector<RecordedRequest> log;
  };

  // One request per connection: the client opens a new session for every S3 call.
  class Connection : public Poco::Net::TCPServerConnection {
   public:
    Connection(const Poco::Net::StreamSocket& s, std::shared_ptr<State> state)
        : TCPServerConnection(s), state_(std::move(state)) {}
    void run() override {
      auto& client = socket();
      std::string head, rest;
      if (!readHead(client, head, rest)) return;
      RecordedRequest req;
      std::istringstream firstLine(head.substr(0, head.find("\r\n")));
      firstLine >> req.method >> req.target;
      {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->log.push_back(req);
      }
      if (state_->drop && state_->drop(req)) {
        client.close();  // mid-body: the client is still sending the part
        return;
      }
      if (req.method == "DELETE" && req.target.find("uploadId=") != std::string::npos) {
        std::string reply = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
        client.sendBytes(reply.data(), static_cast<int>(reply.size()));
        return;
      }
      forward(client, head, rest);
    }

   private:
    static bool readHead(Poco::Net::StreamSocket& s, std::string& head, std::string& rest) {
      char buf[8192];
      std::string data;
      while (data.find("\r\n\r\n") == std::string::npos) {
        int n = s.receiveBytes(buf, sizeof buf);
        if (n <= 0) return false;
        data.append(buf, static_cast<std::size_t>(n));
      }
      auto end = data.find("\r\n\r\n") + 4;
      head = data.substr(0, end);
      rest = data.substr(end);
      return true;
    }
    static std::uint64_t contentLength(const std::string& head) {
      std::string lower = head;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto at = lower.find("\r\ncontent-length:");
      return at == std::string::npos ? 0 : std::stoull(head.substr(at + 17));
    }
    // Forces Connection: close upstream so that the reply ends at EOF (whatever its framing).
    static std::string withConnectionClose(const std::string& head) {
      std::istringstream in(head);
      std::string line, out;
      while (std::getline(in, line)) {
        if (line == "\r" || line.empty()) break;
        std::string lower = line;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower.rfind("connection:", 0) == 0) continue;
        out += line + "\n";
      }
      return out + "Connection: close\r\n\r\n";
    }
    void forward(Poco::Net::StreamSocket& client, const std::string& head, const std::string& rest) {
      Poco::Net::StreamSocket upstream(
          Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(state_->upstreamPort)));
      std::string h = withConnectionClose(head);
      upstream.sendBytes(h.data(), static_cast<int>(h.size()));
      if (!rest.empty()) upstream.sendBytes(rest.data(), static_cast<int>(rest.size()));
      std::uint64_t remaining = contentLength(head) - std::min<std::uint64_t>(rest.size(), contentLength(head));
      char buf[65536];
      while (remaining > 0) {
        int n = client.receiveBytes(buf, static_cast<int>(std::min<std::uint64_t>(remaining, sizeof buf)));
        if (n <= 0) return;
        upstream.sendBytes(buf, n);
        remaining -= static_cast<std::uint64_t>(n);
      }
      for (int n; (n = upstream.receiveBytes(buf, sizeof buf)) > 0;) client.sendBytes(buf, n);
    }
    std::shared_ptr<State> state_;
  };

  class Factory : public Poco::Net::TCPServerConnectionFactory {
   public:
    explicit Factory(std::shared_ptr<State> state) : state_(std::move(state)) {}
    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& s) override {
      return new Connection(s, state_);
    }

   private:
    std::shared_ptr<State> state_;
  };

  std::shared_ptr<State> state_;
  Poco::Net::ServerSocket socket_;
  std::unique_ptr<Poco::Net::TCPServer> server_;
};

/// Incompressible content, so the size on the wire is the size of the file.
std::string writeRandomFile(const std::filesystem::path& path, std::uint64_t size) {
  std::mt19937_64 rng(42);
  std::ofstream out(path, std::ios::binary);
  std::vector<std::uint64_t> block(8192);
  for (std::uint64_t written = 0; written < size;) {
    for (auto& w : block) w = rng();
    auto n = std::min<std::uint64_t>(size - written, block.size() * sizeof(std::uint64_t));
    out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
    written += n;
  }
  return path.string();
}

class S3Multipart : public ::testing::Test {
 protected:
  void SetUp() override {
    // A dropped connection while sending a part must be an error, not a SIGPIPE of this test.
    std::signal(SIGPIPE, SIG_IGN);
    std::string script = s3rverScript();
    if (script.empty()) GTEST_SKIP() << "npm could not install s3rver (see build/test-node/s3rver/npm-install.log)";
    server_ = std::make_unique<S3rver>(script, s3data_.str());
    ASSERT_TRUE(server_->waitReady()) << "s3rver did not start";
  }
  void startProxy(DropRule drop = nullptr) { proxy_ = std::make_unique<RecordingProxy>(server_->port(), drop); }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(proxy_->port()); }
  cc::backup::S3Client client(std::uint64_t threshold = 5 * kMiB) const {
    cc::backup::S3Settings s3;
    s3.bucket = "backups";
    s3.endpoint = endpoint();
    s3.pathStyle = true;
    s3.multipartThresholdBytes = threshold;
    s3.partSizeBytes = 5 * kMiB;
    return cc::backup::S3Client(s3, {"S3RVER", "S3RVER", ""});
  }
  std::map<std::string, std::string> awsEnv() const {
    return {{"AWS_ACCESS_KEY_ID", "S3RVER"},
            {"AWS_SECRET_ACCESS_KEY", "S3RVER-secret-value"},
            {"AWS_S3_BACKUP_BUCKET", "backups"},
            {"AWS_REGION", "us-east-1"},
            {"AWS_ENDPOINT_URL", endpoint()}};
  }
  std::string stored(const std::string& key) const {
    return (s3data_.path() / "backups" / (key + "._S3rver_object")).string();
  }

  cc::test::TempDir s3data_, work_;
  std::unique_ptr<S3rver> server_;
  std::unique_ptr<RecordingProxy> proxy_;
};

const DropRule kDropEveryPart2 = [](const RecordedRequest& r) {
  return r.method == "PUT" && r.target.find("partNumber=2&") != std::string::npos;
};

}  // namespace

TEST_F(S3Multipart, LargeFileArrivesByteIdenticalInSeveralParts) {
  startProxy();
  std::string file = writeRandomFile(work_.path() / "big.sql.gz", 12 * kMiB + 123);
  auto s3 = client();
  s3.putFile("big.sql.gz", file, "application/gzip");

  EXPECT_EQ(proxy_->count("POST", "/backups/big.sql.gz?uploads="), 1u);
  EXPECT_EQ(proxy_->count("PUT", "?partNumber="), 3u);  // 5 + 5 + 2 MiB
  for (int n = 1; n <= 3; ++n) EXPECT_EQ(proxy_->count("PUT", "?partNumber=" + std::to_string(n) + "&uploadId="), 1u);
  EXPECT_EQ(proxy_->count("POST", "/backups/big.sql.gz?uploadId="), 1u);
  EXPECT_EQ(proxy_->count("PUT", "/backups/big.sql.gz HTTP"), 0u) << "no single PutObject";
  EXPECT_EQ(proxy_->count("DELETE", ""), 0u);

  ASSERT_TRUE(std::filesystem::exists(stored("big.sql.gz")));
  EXPECT_EQ(cc::backup::sha256FileHex(stored("big.sql.gz")), cc::backup::sha256FileHex(file));
  auto info = s3.head("big.sql.gz");
  EXPECT_EQ(info.size, 12 * kMiB + 123);
  EXPECT_EQ(info.storageClass, "GLACIER");  // given at CreateMultipartUpload
}

TEST_F(S3Multipart, FileAtTheThresholdStaysASinglePut) {
  startProxy();
  std::string file = writeRandomFile(work_.path() / "small.sql.gz", 5 * kMiB);
  client().putFile("small.sql.gz", file, "application/gzip");
  auto log = proxy_->requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].method, "PUT");
  EXPECT_EQ(log[0].target, "/backups/small.sql.gz");
  EXPECT_EQ(cc::backup::sha256FileHex(stored("small.sql.gz")), cc::backup::sha256FileHex(file));
}

TEST_F(S3Multipart, TransientPartFailureIsRetried) {
  auto failures = std::make_shared<int>(0);
  startProxy([failures](const RecordedRequest& r) { return kDropEveryPart2(r) && (*failures)++ == 0; });
  std::string file = writeRandomFile(work_.path() / "big.sql.gz", 12 * kMiB);
  client().putFile("big.sql.gz", file, "application/gzip");
  EXPECT_EQ(proxy_->count("PUT", "?partNumber=2&"), 2u);
  EXPECT_EQ(proxy_->count("DELETE", ""), 0u);
  EXPECT_EQ(cc::backup::sha256FileHex(stored("big.sql.gz")), cc::backup::sha256FileHex(file));
}

TEST_F(S3Multipart, PartFailingEveryAttemptAbortsTheUpload) {
  startProxy(kDropEveryPart2);
  std::string file = writeRandomFile(work_.path() / "big.sql.gz", 12 * kMiB);
  std::string error;
  try {
    client().putFile("big.sql.gz", file, "application/gzip");
  } catch (const std::exception& e) {
    error = e.what();
  }
  EXPECT_NE(error.find("part 2/3 failed after 3 attempts"), std::string::npos) << error;
  EXPECT_NE(error.find("multipart upload aborted"), std::string::npos) << error;

  EXPECT_EQ(proxy_->count("PUT", "?partNumber=2&"), 3u);
  EXPECT_EQ(proxy_->count("PUT", "?partNumber=3&"), 0u) << "no part is sent after a part gave up";
  EXPECT_EQ(proxy_->count("POST", "?uploadId="), 0u) << "never completed";
  // The abort names the upload S3 created.
  std::string uploadId;
  for (auto& r : proxy_->requests())
    if (r.method == "PUT" && r.target.find("uploadId=") != std::string::npos)
      uploadId = r.target.substr(r.target.find("uploadId=") + 9);
  ASSERT_FALSE(uploadId.empty());
  EXPECT_EQ(proxy_->count("DELETE", "/backups/big.sql.gz?uploadId=" + uploadId), 1u);
  EXPECT_FALSE(std::filesystem::exists(stored("big.sql.gz")));
}

TEST_F(S3Multipart, BackupRunUsesMultipartAboveTheConfiguredThreshold) {
  startProxy();
  cc::test::TempDir backups;
  cc::test::HostProcess host(pluginYaml(backups.str(), "s3: { multipart_threshold_bytes: 1 }"));
  auto r = run(host.configPath(), {"backup"}, awsEnv());
  ASSERT_EQ(r.exitCode, 0) << r.output;
  auto dumps = filesEndingWith(backups.str(), ".sql.gz");
  ASSERT_EQ(dumps.size(), 1u);
  std::string key = std::filesystem::path(dumps[0]).filename().string();
  EXPECT_EQ(proxy_->count("POST", "/backups/" + key + "?uploads="), 1u);
  EXPECT_EQ(proxy_->count("PUT", "/backups/" + key + "?partNumber=1&"), 1u);  // a small last part is allowed
  EXPECT_EQ(cc::backup::sha256FileHex(stored(key)), cc::backup::sha256FileHex(dumps[0]));
}

TEST_F(S3Multipart, FailingPartFailsTheBackupRunWithAClearReason) {
  startProxy([](const RecordedRequest& r) { return r.method == "PUT" && r.target.find("partNumber=1&") != std::string::npos; });
  cc::test::TempDir backups;
  cc::test::HostProcess host(pluginYaml(backups.str(), "s3: { multipart_threshold_bytes: 1, part_attempts: 2 }"));
  auto r = run(host.configPath(), {"backup"}, awsEnv());
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("part 1/1 failed after 2 attempts"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("multipart upload aborted"), std::string::npos) << r.output;
  EXPECT_EQ(proxy_->count("DELETE", "?uploadId="), 1u);
  // The local backup is complete and kept: only the off-site copy failed.
  EXPECT_EQ(filesEndingWith(backups.str(), ".sql.gz").size(), 1u);
  EXPECT_EQ(cc::test::queryStrings(host.databaseUrl(), "SELECT status FROM backup_runs"),
            std::vector<std::string>{"failed"});
}
