// Streamed bodies (cc::Response::stream) through the real host and real sockets: chunked and
// byte-exact at any size in little memory, one piece per socket write (a slow or gone client
// stops the writer, never the server), a throwing writer truncates the body, HEAD and HTTP/1.0,
// TLS, and no writer outliving the plugin at shutdown. The routes are tests/plugins/tp_stream's.
#include "support/host_process.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

using namespace cc::test;
using Clock = std::chrono::steady_clock;

namespace {

std::string streamPlugin() {
  return "  - name: tp_stream\n    path: " + testPluginDir() + "/libcc_tp_stream.so\n";
}

// tp_stream's line i (stream_plugin.cpp, appendStreamLine).
std::string expectedLines(long from, long to) {
  std::string out;
  out.reserve(static_cast<std::size_t>(to - from) * 95);
  for (long i = from; i < to; ++i) {
    char number[32];
    std::snprintf(number, sizeof number, "line %09ld ", i);
    out += number;
    out.append(79, static_cast<char>('a' + i % 26));
    out += '\n';
  }
  return out;
}

// A plain socket speaking HTTP by hand: the tests need to read slowly, stop reading, hang up
// mid-body and see the chunk framing, which an HTTP client library hides.
class Wire {
 public:
  explicit Wire(int port, int receiveBuffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ >= 0 && receiveBuffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) hangUp();
  }
  ~Wire() { hangUp(); }
  Wire(const Wire&) = delete;
  Wire& operator=(const Wire&) = delete;

  bool send(const std::string& bytes) {
    return fd_ >= 0 && ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  /// Appends to `got` until `enough(got)`, the peer closes (closed() is then true) or the timeout.
  void read(std::string& got, int timeoutMs, const std::function<bool(const std::string&)>& enough = {}) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
    while (fd_ >= 0 && !closed_ && !(enough && enough(got)) && Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buffer[65536];
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      got.append(buffer, static_cast<std::size_t>(n));
    }
  }
  bool closed() const { return closed_; }
  void hangUp() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

std::string request(const std::string& method, const std::string& target, const std::string& version = "HTTP/1.1",
                    const std::string& extra = "") {
  return method + " " + target + " " + version + "\r\nHost: test\r\n" + extra + "\r\n";
}

std::string headOf(const std::string& answer) { return answer.substr(0, answer.find("\r\n\r\n") + 4); }
std::string afterHead(const std::string& answer) {
  auto end = answer.find("\r\n\r\n");
  return end == std::string::npos ? "" : answer.substr(end + 4);
}
bool hasHeader(const std::string& head, const std::string& line) { return head.find("\r\n" + line + "\r\n") != std::string::npos; }

/// A chunked body decoded: its bytes, how many chunks, whether the last chunk came, and what
/// followed it (the next answer on a kept-alive connection).
struct Chunks {
  std::string body;
  int count = 0;
  bool ended = false;
  std::string rest;
};
Chunks decodeChunks(const std::string& framed) {
  Chunks c;
  std::size_t at = 0;
  while (true) {
    auto lineEnd = framed.find("\r\n", at);
    if (lineEnd == std::string::npos) return c;
    std::size_t size = std::stoul(framed.substr(at, lineEnd - at), nullptr, 16);
    if (size == 0) {
      if (framed.compare(lineEnd, 4, "\r\n\r\n") != 0) return c;
      c.ended = true;
      c.rest = framed.substr(lineEnd + 4);
      return c;
    }
    if (framed.size() < lineEnd + 2 + size + 2) return c;
    c.body.append(framed, lineEnd + 2, size);
    ++c.count;
    at = lineEnd + 2 + size + 2;
  }
}
bool chunkedBodyEnded(const std::string& answer) {
  auto end = answer.find("\r\n\r\n");
  return end != std::string::npos && answer.find("\r\n0\r\n\r\n", end) != std::string::npos;
}

long statusField(const HostProcess& host, const std::string& tag, const std::string& field) {
  auto r = host.get("/api/test/stream/status?tag=" + tag);
  return r.status == 200 ? std::stol(jsonField(r.body, field)) : -1;
}
bool waitFor(const std::function<bool()>& done, int timeoutMs) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

/// A /proc/<pid>/status field in kB (VmRSS, VmHWM).
long procStatusKb(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

class StreamedResponse : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    host_ = new HostProcess(streamPlugin(), "server:\n  threads: 2\n  write_timeout_seconds: 30\n");
    ASSERT_TRUE(host_->start()) << host_->output();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(host_->stop(), 0) << host_->output();
    delete host_;
  }
  static HostProcess* host_;
};
HostProcess* StreamedResponse::host_ = nullptr;

}  // namespace

// 200,000 lines (19 MB) come byte-exact as one chunk per piece with the last chunk, while the
// host's resident memory grows by a fraction of the body: no piece waits in memory for the client.
TEST_F(StreamedResponse, LargeStreamArrivesWholeAndChunkedInLittleMemory) {
  const long lines = 200000, perPiece = 500;
  const long rssBefore = procStatusKb(host_->pid(), "VmRSS");
  Wire wire(host_->port());
  ASSERT_TRUE(wire.send(request("GET", "/api/test/stream/lines?tag=large&lines=200000&per_piece=500")));
  std::string answer;
  long rssPeak = 0;
  for (int i = 0; i < 600 && !chunkedBodyEnded(answer) && !wire.closed(); ++i) {
    wire.read(answer, 100, chunkedBodyEnded);
    rssPeak = std::max(rssPeak, procStatusKb(host_->pid(), "VmRSS"));
  }
  const std::string head = headOf(answer);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 ", 0), 0u) << head;
  EXPECT_TRUE(hasHeader(head, "Transfer-Encoding: chunked")) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_TRUE(hasHeader(head, "X-Stream-Lines: 200000")) << head;
  EXPECT_TRUE(hasHeader(head, "Content-Type: text/plain; charset=utf-8")) << head;
  Chunks chunks = decodeChunks(afterHead(answer));
  EXPECT_TRUE(chunks.ended);
  EXPECT_EQ(chunks.count, lines / perPiece);
  const std::string expected = expectedLines(0, lines);
  EXPECT_EQ(chunks.body.size(), expected.size());
  EXPECT_TRUE(chunks.body == expected) << "the streamed body differs from the lines sent";
  EXPECT_LT((rssPeak - rssBefore) * 1024, static_cast<long>(expected.size()) / 4)
      << "RSS grew from " << rssBefore << " kB to " << rssPeak << " kB for a " << expected.size() << "-byte body";
  EXPECT_TRUE(waitFor([] { return statusField(*host_, "large", "destroyed") == 1; }, 5000));
  EXPECT_EQ(statusField(*host_, "large", "calls"), lines / perPiece);
  EXPECT_EQ(statusField(*host_, "large", "live"), 0);
}

// A client that stops reading holds one piece and the socket buffers, no thread: others are
// answered at once, and its writer is not called again until the client reads. When it does,
// the body arrives whole.
TEST_F(StreamedResponse, SlowReaderStopsItsWriterNotOthers) {
  Wire slow(host_->port(), 4096);
  ASSERT_TRUE(slow.send(request("GET", "/api/test/stream/lines?tag=slow&lines=200000&per_piece=100")));
  ASSERT_TRUE(waitFor([] { return statusField(*host_, "slow", "calls") > 0; }, 5000));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // let the socket buffers fill
  for (int i = 0; i < 5; ++i) {
    auto started = Clock::now();
    EXPECT_EQ(host_->get("/healthz").status, 200);
    EXPECT_LT(Clock::now() - started, std::chrono::milliseconds(1000)) << "round " << i;
  }
  const long stalled = statusField(*host_, "slow", "calls");
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_EQ(statusField(*host_, "slow", "calls"), stalled) << "the writer ran ahead of a client that reads nothing";
  EXPECT_LT(stalled, 2000) << "the whole body was produced for a client that reads nothing";
  EXPECT_EQ(statusField(*host_, "slow", "live"), 1);

  std::string answer;
  slow.read(answer, 60000, chunkedBodyEnded);
  Chunks chunks = decodeChunks(afterHead(answer));
  EXPECT_TRUE(chunks.ended);
  EXPECT_TRUE(chunks.body == expectedLines(0, 200000)) << "the slow client's body differs";
  EXPECT_TRUE(waitFor([] { return statusField(*host_, "slow", "destroyed") == 1; }, 5000));
  EXPECT_EQ(statusField(*host_, "slow", "calls"), 2000);
}

// A client that hangs up mid-body: the writer is not called any more and is destroyed.
TEST_F(StreamedResponse, ClientGoneMidStreamDestroysTheWriter) {
  {
    Wire leaving(host_->port());
    ASSERT_TRUE(leaving.send(request("GET", "/api/test/stream/lines?tag=gone&lines=1000000&per_piece=100")));
    std::string answer;
    leaving.read(answer, 5000, [](const std::string& got) { return got.size() > 200000; });
    ASSERT_GT(answer.size(), 200000u);
  }
  EXPECT_TRUE(waitFor([] { return statusField(*host_, "gone", "destroyed") == 1; }, 5000))
      << "the writer of a client that left is still alive";
  EXPECT_EQ(statusField(*host_, "gone", "live"), 0);
  const long calls = statusField(*host_, "gone", "calls");
  EXPECT_LT(calls, 10000);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(statusField(*host_, "gone", "calls"), calls);
}

// A writer that throws after three pieces: the client gets those pieces without the last
// chunk and the connection closes; the status was 200 and stays so; the error is logged with
// the request id, and the host goes on serving.
TEST_F(StreamedResponse, ThrowingWriterTruncatesTheBodyAndIsLogged) {
  Wire wire(host_->port());
  ASSERT_TRUE(wire.send(request("GET", "/api/test/stream/lines?tag=throw&lines=100&per_piece=10&throw_after=3",
                                "HTTP/1.1", "X-Request-Id: stream-throw-1\r\n")));
  std::string answer;
  wire.read(answer, 5000);
  EXPECT_TRUE(wire.closed()) << "the connection stayed open after the writer failed";
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 ", 0), 0u) << answer.substr(0, 200);
  Chunks chunks = decodeChunks(afterHead(answer));
  EXPECT_FALSE(chunks.ended) << "a failed stream ended with the last chunk, as if complete";
  EXPECT_EQ(chunks.count, 3);
  EXPECT_EQ(chunks.body, expectedLines(0, 30));
  EXPECT_TRUE(host_->waitForOutput("request stream-throw-1 GET /api/test/stream/lines?tag=throw&lines=100&per_piece=10"
                                   "&throw_after=3: streaming the body failed after 2850 bytes: stream broke on purpose"))
      << host_->output();
  EXPECT_TRUE(waitFor([] { return statusField(*host_, "throw", "destroyed") == 1; }, 5000));
  EXPECT_EQ(host_->get("/healthz").status, 200);
}

// HEAD: the head only, the writer never called (and destroyed); the connection stays usable,
// and a stream's last chunk leaves it ready for the next request. Empty pieces are skipped,
// not sent as a zero-length chunk (which would end the body).
TEST_F(StreamedResponse, HeadSendsNoBodyAndKeepAliveFollowsAStream) {
  Wire wire(host_->port());
  ASSERT_TRUE(wire.send(request("HEAD", "/api/test/stream/lines?tag=head&lines=1000")));
  std::string head;
  wire.read(head, 5000, [](const std::string& got) { return got.find("\r\n\r\n") != std::string::npos; });
  EXPECT_EQ(head.rfind("HTTP/1.1 200 ", 0), 0u) << head;
  EXPECT_EQ(afterHead(head), "");
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
  EXPECT_TRUE(waitFor([] { return statusField(*host_, "head", "destroyed") == 1; }, 5000));
  EXPECT_EQ(statusField(*host_, "head", "calls"), 0);

  ASSERT_TRUE(wire.send(request("GET", "/api/test/stream/lines?tag=empty&lines=50&per_piece=7&empty_pieces=1") +
                        request("GET", "/healthz")));
  std::string answers;
  wire.read(answers, 5000, [](const std::string& got) { return got.find("\"ok\"") != std::string::npos; });
  EXPECT_EQ(answers.rfind("HTTP/1.1 200 ", 0), 0u) << "bytes followed the HEAD answer: " << answers.substr(0, 100);
  Chunks chunks = decodeChunks(afterHead(answers));
  EXPECT_TRUE(chunks.ended);
  EXPECT_EQ(chunks.count, 8);
  EXPECT_EQ(chunks.body, expectedLines(0, 50));
  EXPECT_EQ(chunks.rest.rfind("HTTP/1.1 200 ", 0), 0u) << chunks.rest;
  EXPECT_EQ(statusField(*host_, "empty", "calls"), 16);
}

// HTTP/1.0 knows no chunks: the body comes as it is and ends when the host closes.
TEST_F(StreamedResponse, Http10GetsTheBodyUntilClose) {
  Wire wire(host_->port());
  ASSERT_TRUE(wire.send(request("GET", "/api/test/stream/lines?tag=old&lines=5000&per_piece=64", "HTTP/1.0")));
  std::string answer;
  wire.read(answer, 10000);
  EXPECT_TRUE(wire.closed());
  const std::string head = headOf(answer);
  EXPECT_EQ(head.rfind("HTTP/1.0 200 ", 0), 0u) << head;
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_TRUE(afterHead(answer) == expectedLines(0, 5000)) << "the HTTP/1.0 body differs";
}

// Over TLS, read by an HTTP client library that decodes the chunks itself.
TEST(StreamedResponseTls, StreamsOverHttps) {
  HostProcess host(streamPlugin());
  auto cert = host.dir().path() / "cert.pem";
  auto key = host.dir().path() / "key.pem";
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout " + key.string() +
                    " -out " + cert.string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  int tlsPort = freePort();
  std::string config = readFile(host.configPath());
  config.replace(config.find("  shutdown_grace_seconds: 5\n"), 27,
                 "  shutdown_grace_seconds: 5\n  tls:\n    enabled: true\n    port: " + std::to_string(tlsPort) +
                     "\n    certificate: " + cert.string() + "\n    private_key: " + key.string() + "\n");
  writeFile(host.configPath(), config);
  ASSERT_TRUE(host.start()) << host.output();

  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                                       Poco::Net::Context::VERIFY_NONE);
  Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(tlsPort), ctx);
  Poco::Net::HTTPRequest req("GET", "/api/test/stream/lines?tag=tls&lines=20000&per_piece=300",
                             Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(req);
  Poco::Net::HTTPResponse res;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(res), body);
  EXPECT_EQ(res.getStatus(), 200);
  EXPECT_TRUE(res.getChunkedTransferEncoding());
  EXPECT_TRUE(body == expectedLines(0, 20000)) << "the body over TLS differs (" << body.size() << " bytes)";
  EXPECT_EQ(host.stop(), 0) << host.output();
}

// Shutdown with a stream in flight to a client that reads nothing: the server closes it after
// the grace period and destroys its writer before the plugin is stopped and unloaded.
TEST(StreamedResponseShutdown, WritersAreDestroyedBeforeThePluginStops) {
  HostProcess host(streamPlugin(), "server:\n  shutdown_grace_seconds: 1\n");
  ASSERT_TRUE(host.start()) << host.output();
  Wire stalled(host.port(), 4096);
  ASSERT_TRUE(stalled.send(request("GET", "/api/test/stream/lines?tag=shutdown&lines=1000000&per_piece=100")));
  ASSERT_TRUE(waitFor([&] { return statusField(host, "shutdown", "calls") > 0; }, 5000));
  EXPECT_EQ(statusField(host, "shutdown", "live"), 1);
  EXPECT_EQ(host.stop(), 0) << host.output();
  EXPECT_NE(host.output().find("tp_stream stops with 0 writers alive"), std::string::npos) << host.output();
}
