// The socket layer of the real host under slow, idle, many and malformed clients: idle and
// slow connections hold no request thread, every wait has a deadline, the connection count
// is bounded, and protocol errors get JSON answers.
#include "support/host_process.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace cc::test;
using Clock = std::chrono::steady_clock;

namespace {

// A raw client socket: the tests need partial requests, silence and exact bytes, which an
// HTTP client library would not send.
class RawClient {
 public:
  /// `receiveBuffer` > 0 sets SO_RCVBUF before connecting, so the window the host may fill is small.
  explicit RawClient(int port, int receiveBuffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ >= 0 && receiveBuffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(RawClient&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  RawClient& operator=(RawClient&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  RawClient(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  int localPort() const {
    sockaddr_in addr{};
    socklen_t size = sizeof addr;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &size) != 0) return 0;
    return ntohs(addr.sin_port);
  }
  /// Sends what the socket takes without blocking; false once it takes nothing more.
  bool sendSome(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT) > 0;
  }
  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  /// Reads until `done(text)` holds, the peer closes, or the timeout; returns what came.
  std::string receive(int timeoutMs, const std::function<bool(const std::string&)>& done = {}) {
    std::string text;
    auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
    closedByPeer_ = false;
    while (Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
      if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
      char buffer[8192];
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closedByPeer_ = true;
        break;
      }
      text.append(buffer, static_cast<std::size_t>(n));
      if (done && done(text)) break;
    }
    return text;
  }
  /// One whole answer (headers and Content-Length body).
  std::string answer(int timeoutMs = 5000) { return receive(timeoutMs, completeAnswer); }
  bool closedByPeer() const { return closedByPeer_; }

  static bool completeAnswer(const std::string& text) {
    auto end = text.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    auto cl = text.find("Content-Length: ");
    if (cl == std::string::npos || cl > end) return true;
    std::size_t length = std::stoul(text.substr(cl + 16));
    return text.size() >= end + 4 + length;
  }

 private:
  int fd_ = -1;
  bool closedByPeer_ = false;
};

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}

int statusOf(const std::string& answer) {
  if (answer.rfind("HTTP/1.", 0) != 0 || answer.size() < 12) return 0;
  return std::stoi(answer.substr(9, 3));
}

std::string bodyOf(const std::string& answer) {
  auto end = answer.find("\r\n\r\n");
  return end == std::string::npos ? "" : answer.substr(end + 4);
}

long millisSince(Clock::time_point t) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

// The test opens thousands of sockets; the usual soft limit of 1024 descriptors is too low.
void raiseDescriptorLimit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

// The state of the host's end of the connection between `hostPort` and `clientPort`, as the
// kernel reports it in /proc/net/tcp{,6} ("01" ESTABLISHED, "04" FIN_WAIT1 once the host
// closed with data still unsent, ...); "" when the host holds no such socket any more. Lets a
// test see the host close a connection whose client reads nothing.
std::string hostSideState(int hostPort, int clientPort) {
  char local[8], remote[8];
  std::snprintf(local, sizeof local, ":%04X", hostPort);
  std::snprintf(remote, sizeof remote, ":%04X", clientPort);
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // column titles
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, localAddress, remoteAddress, state;
      fields >> slot >> localAddress >> remoteAddress >> state;
      if (localAddress.size() > 5 && remoteAddress.size() > 5 &&
          localAddress.compare(localAddress.size() - 5, 5, local) == 0 &&
          remoteAddress.compare(remoteAddress.size() - 5, 5, remote) == 0)
        return state;
    }
  }
  return "";
}

}  // namespace

// With two request threads, 2,000 connections that sent half a request header and wait
// leave the host free to answer a new client at once: an idle connection holds no thread.
// (Poco's thread-per-connection server answered nobody with 100 such connections.)
TEST(HttpConnections, SlowClientsHoldNoThread) {
  raiseDescriptorLimit();
  HostProcess host("  []", "server:\n  threads: 2\n  header_timeout_seconds: 60\n");
  ASSERT_TRUE(host.start()) << host.output();

  std::vector<RawClient> slow;
  slow.reserve(2000);
  for (int i = 0; i < 2000; ++i) {
    RawClient c(host.port());
    ASSERT_TRUE(c.connected()) << "connection " << i;
    ASSERT_TRUE(c.send("GET /api/subscriptions/plans HTTP/1.1\r\nHost: x\r\n"));
    slow.push_back(std::move(c));
  }
  for (int round = 0; round < 5; ++round) {
    auto started = Clock::now();
    RawClient fresh(host.port());
    ASSERT_TRUE(fresh.send(get("/healthz")));
    std::string answer = fresh.answer(5000);
    EXPECT_EQ(statusOf(answer), 200) << answer;
    EXPECT_LT(millisSince(started), 1000) << "round " << round;
  }
  // The slow clients are still connected and can finish their requests.
  ASSERT_TRUE(slow[7].send("\r\n"));
  EXPECT_EQ(statusOf(slow[7].answer()), 404);
}

// A connection that sends nothing, or half a header, is closed after header_timeout_seconds.
TEST(HttpConnections, HeaderTimeoutClosesSilentAndPartialConnections) {
  HostProcess host("  []", "server:\n  header_timeout_seconds: 1\n");
  ASSERT_TRUE(host.start()) << host.output();

  RawClient silent(host.port());
  RawClient partial(host.port());
  ASSERT_TRUE(partial.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  auto started = Clock::now();
  // Dribbling bytes does not extend the deadline: it covers the whole header.
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    partial.send("X-Slow: 1\r\n");
  }
  EXPECT_EQ(silent.receive(5000), "");
  EXPECT_TRUE(silent.closedByPeer());
  EXPECT_EQ(partial.receive(5000), "");
  EXPECT_TRUE(partial.closedByPeer());
  EXPECT_LT(millisSince(started), 4000);
  // The same host still serves.
  RawClient fresh(host.port());
  ASSERT_TRUE(fresh.send(get("/healthz")));
  EXPECT_EQ(statusOf(fresh.answer()), 200);
}

// Between two requests a kept-alive connection may idle keep_alive_timeout_seconds.
TEST(HttpConnections, IdleKeepAliveConnectionIsClosed) {
  HostProcess host("  []", "server:\n  keep_alive_timeout_seconds: 1\n");
  ASSERT_TRUE(host.start()) << host.output();
  RawClient c(host.port());
  ASSERT_TRUE(c.send(get("/healthz")));
  EXPECT_EQ(statusOf(c.answer()), 200);
  ASSERT_TRUE(c.send(get("/healthz")));  // kept alive: a second request on the same socket
  EXPECT_EQ(statusOf(c.answer()), 200);
  auto started = Clock::now();
  EXPECT_EQ(c.receive(5000), "");
  EXPECT_TRUE(c.closedByPeer());
  EXPECT_GE(millisSince(started), 700);
  EXPECT_LT(millisSince(started), 3000);
}

// A body that stops arriving is abandoned after body_timeout_seconds.
TEST(HttpConnections, StalledBodyIsAbandoned) {
  HostProcess host("  []", "server:\n  body_timeout_seconds: 1\n");
  ASSERT_TRUE(host.start()) << host.output();
  RawClient c(host.port());
  ASSERT_TRUE(c.send("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: 100\r\n\r\n{\"email\":"));
  auto started = Clock::now();
  EXPECT_EQ(c.receive(5000), "");
  EXPECT_TRUE(c.closedByPeer());
  EXPECT_LT(millisSince(started), 3000);
}

// Deadlines are enforced by one periodic sweep over the open connections (every 250 ms,
// core/http/server_limits.hpp), not by a timer per read: each wait ends within the timeout
// plus one sweep interval. Without the sweep nothing would close these connections.
constexpr long kSweepIntervalMs = 250;
// What a loaded test machine may add on top (scheduling, the client's own polling).
constexpr long kSlackMs = 750;

// A slowloris client that sends one header byte per second never completes its header and
// is closed at header_timeout_seconds, however long it keeps sending.
TEST(HttpConnections, HeaderTrickledOneBytePerSecondIsClosedAtTheDeadline) {
  HostProcess host("  []", "server:\n  header_timeout_seconds: 2\n");
  ASSERT_TRUE(host.start()) << host.output();
  RawClient c(host.port());
  ASSERT_TRUE(c.connected());
  const std::string header = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(64, 'a');
  auto started = Clock::now();
  bool closed = false;
  for (std::size_t i = 0; i < header.size() && millisSince(started) < 8000 && !closed; ++i) {
    c.send(header.substr(i, 1));
    c.receive(1000);  // one byte per second; returns early when the host closes
    closed = c.closedByPeer();
  }
  long after = millisSince(started);
  EXPECT_TRUE(closed) << "still open after " << after << " ms of one byte per second";
  EXPECT_GE(after, 2000 - 100);
  EXPECT_LT(after, 2000 + kSweepIntervalMs + kSlackMs);
}

// An idle kept-alive connection is closed by the sweep within keep_alive_timeout_seconds
// plus one sweep interval, and not before the timeout.
TEST(HttpConnections, IdleKeepAliveConnectionIsClosedWithinTimeoutPlusSweepInterval) {
  HostProcess host("  []", "server:\n  keep_alive_timeout_seconds: 1\n");
  ASSERT_TRUE(host.start()) << host.output();
  RawClient c(host.port());
  ASSERT_TRUE(c.send(get("/healthz")));
  ASSERT_EQ(statusOf(c.answer()), 200);
  auto started = Clock::now();
  EXPECT_EQ(c.receive(5000), "");
  EXPECT_TRUE(c.closedByPeer());
  EXPECT_GE(millisSince(started), 1000 - 100);
  EXPECT_LT(millisSince(started), 1000 + kSweepIntervalMs + kSlackMs);
}

// A connection that keeps making progress is never closed by the sweep: each step moves
// its deadline (requests every 400 ms for 3 s with a 1 s keep-alive timeout; a body sent a
// byte every 300 ms with a 1 s body timeout, each read bringing bytes in time).
TEST(HttpConnections, ConnectionsThatMakeProgressOutliveTheirTimeouts) {
  HostProcess host("  []", "server:\n  keep_alive_timeout_seconds: 1\n  body_timeout_seconds: 1\n  header_timeout_seconds: 1\n");
  ASSERT_TRUE(host.start()) << host.output();
  RawClient c(host.port());
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(c.send(get("/healthz"))) << "request " << i;
    ASSERT_EQ(statusOf(c.answer()), 200) << "request " << i;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
  }
  const std::string body = R"({"email":"a@b.c"})";
  ASSERT_TRUE(c.send("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  for (char byte : body) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_TRUE(c.send(std::string(1, byte)));
  }
  std::string answer = c.answer();
  EXPECT_EQ(statusOf(answer), 400) << answer;  // the body arrived whole: a real answer, not a close
}

// Only a few of server.threads run the event loop while requests are quick
// (core/http/loop_threads.hpp); handlers that block (here 24 that sleep 1.5 s, far more than
// the CPU count) get more threads within about a millisecond each, so they all run at once
// and a new client is still answered at once.
TEST(HttpConnections, BlockedHandlersBringInMoreThreads) {
  HostProcess host("  - name: tp_echo\n    path: " + testPluginDir() + "/libcc_tp_echo.so\n    migrations: " +
                       sourceDir() + "/tests/plugins/tp_echo/migrations\n    config: { greeting: hi }\n",
                   "server:\n  threads: 32\n");
  ASSERT_TRUE(host.start()) << host.output();
  constexpr int kBlocked = 24;
  std::vector<RawClient> slow;
  auto started = Clock::now();
  for (int i = 0; i < kBlocked; ++i) {
    slow.emplace_back(host.port());
    ASSERT_TRUE(slow.back().send(get("/api/test/slow")));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // all of them are asleep now
  auto asked = Clock::now();
  RawClient fresh(host.port());
  ASSERT_TRUE(fresh.send(get("/healthz")));
  EXPECT_EQ(statusOf(fresh.answer(5000)), 200);
  EXPECT_LT(millisSince(asked), 1000) << "a new client waited for the blocked handlers";
  for (int i = 0; i < kBlocked; ++i) EXPECT_EQ(statusOf(slow[i].answer(20000)), 200) << "request " << i;
  // One after another on two threads this would take 18 s.
  EXPECT_LT(millisSince(started), 1500 + 2500);
}

// Beyond server.max_connections a new connection gets a 503 JSON answer and is closed; the
// open ones are unaffected, and a slot that frees up is usable again.
TEST(HttpConnections, ConnectionCountIsBounded) {
  HostProcess host("  []", "server:\n  max_connections: 16\n  header_timeout_seconds: 60\n");
  ASSERT_TRUE(host.start()) << host.output();
  std::vector<RawClient> held;
  for (int i = 0; i < 15; ++i) {
    held.emplace_back(host.port());
    ASSERT_TRUE(held.back().connected());
  }
  // The sixteenth is answered once the host has also let go of the connections start() used
  // to poll /healthz (a closed one counts until the host has read its end): until then it may
  // be the one refused, which is the bound working, not the test's point.
  bool sixteenthServed = false;
  for (int attempt = 0; attempt < 100 && !sixteenthServed; ++attempt) {
    RawClient c(host.port());
    sixteenthServed = c.send(get("/healthz")) && statusOf(c.answer()) == 200;
    if (sixteenthServed) held.push_back(std::move(c));
    else std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(sixteenthServed) << "a sixteenth connection was never served";

  RawClient extra(host.port());
  std::string refused = extra.receive(5000);
  EXPECT_EQ(statusOf(refused), 503) << refused;
  EXPECT_EQ(bodyOf(refused), R"({"error":"too many open connections"})");
  EXPECT_TRUE(extra.closedByPeer());
  EXPECT_TRUE(host.waitForOutput("server.max_connections (16) connections are open"));

  ASSERT_TRUE(held[0].send(get("/healthz")));
  EXPECT_EQ(statusOf(held[0].answer()), 200);
  held.erase(held.begin() + 1);
  bool servedAgain = false;
  for (int attempt = 0; attempt < 50 && !servedAgain; ++attempt) {
    RawClient again(host.port());
    again.send(get("/healthz"));
    servedAgain = statusOf(again.answer()) == 200;
    if (!servedAgain) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(servedAgain);
}

TEST(HttpConnections, ProtocolErrorsGetJsonAnswers) {
  HostProcess host("  []", "server:\n  max_header_bytes: 2048\n");
  ASSERT_TRUE(host.start()) << host.output();

  RawClient bigHeader(host.port());
  ASSERT_TRUE(bigHeader.send(get("/healthz", "Authorization: Bearer " + std::string(4096, 'a') + "\r\n")));
  std::string a = bigHeader.answer();
  EXPECT_EQ(statusOf(a), 431) << a;
  EXPECT_NE(bodyOf(a).find("\"error\":\"request header fields too large (limit 2048 bytes)\""), std::string::npos) << a;
  EXPECT_NE(a.find("Content-Type: application/json"), std::string::npos) << a;

  RawClient longLine(host.port());
  ASSERT_TRUE(longLine.send(get("/api/" + std::string(3000, 'a'))));
  std::string l = longLine.answer();
  EXPECT_EQ(statusOf(l), 414) << l;
  EXPECT_NE(bodyOf(l).find("\"error\":\"request line too long (limit 2048 bytes)\""), std::string::npos) << l;

  RawClient garbage(host.port());
  ASSERT_TRUE(garbage.send("NOT HTTP AT ALL\r\n\r\n"));
  std::string b = garbage.answer();
  EXPECT_EQ(statusOf(b), 400) << b;
  EXPECT_NE(bodyOf(b).find("\"error\":\"malformed HTTP request"), std::string::npos) << b;

  RawClient badLength(host.port());
  ASSERT_TRUE(badLength.send("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"));
  EXPECT_EQ(statusOf(badLength.answer()), 400);

  RawClient controlInHeader(host.port());
  std::string withNul = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a";
  withNul += '\0';
  withNul += "b\r\n\r\n";
  ASSERT_TRUE(controlInHeader.send(withNul));
  EXPECT_EQ(statusOf(controlInHeader.answer()), 400);

  // Every one of them is in the access log, and the host still serves.
  EXPECT_TRUE(host.waitForOutput("- - 431"));
  RawClient fresh(host.port());
  ASSERT_TRUE(fresh.send(get("/healthz")));
  EXPECT_EQ(statusOf(fresh.answer()), 200);
}

// curl and other clients send `Expect: 100-continue` before a larger body and wait for it.
TEST(HttpConnections, ExpectContinueIsAnswered) {
  HostProcess host;
  ASSERT_TRUE(host.start()) << host.output();
  RawClient c(host.port());
  std::string body = R"({"email":"nobody@example.com","password":"wrong password"})";
  ASSERT_TRUE(c.send("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Expect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  std::string interim = c.receive(3000, [](const std::string& t) { return t.find("\r\n\r\n") != std::string::npos; });
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue\r\n", 0), 0u) << interim;
  ASSERT_TRUE(c.send(body));
  std::string answer = c.answer();
  EXPECT_EQ(statusOf(answer), 401) << answer;

  // Too large a declared body is refused before the body is sent.
  RawClient big(host.port());
  ASSERT_TRUE(big.send("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                       "Content-Length: 900000000\r\n\r\n"));
  std::string refused = big.answer();
  EXPECT_EQ(statusOf(refused), 413) << refused;
}

// Two requests in one write are answered in order on the same connection.
TEST(HttpConnections, PipelinedRequestsAreAnsweredInOrder) {
  HostProcess host;
  ASSERT_TRUE(host.start()) << host.output();
  RawClient c(host.port());
  ASSERT_TRUE(c.send(get("/healthz", "X-Request-Id: first\r\n") + get("/nowhere", "X-Request-Id: second\r\n")));
  std::string both = c.receive(5000, [](const std::string& t) {
    auto second = t.find("HTTP/1.1", 1);
    return second != std::string::npos && RawClient::completeAnswer(t.substr(second));
  });
  auto first = both.find("X-Request-Id: first");
  auto second = both.find("X-Request-Id: second");
  ASSERT_NE(first, std::string::npos) << both;
  ASSERT_NE(second, std::string::npos) << both;
  EXPECT_LT(first, second);
  EXPECT_EQ(statusOf(both), 200);
  EXPECT_EQ(statusOf(both.substr(both.find("HTTP/1.1", 1))), 404);
}

// Header values may carry bytes 0x80-0xFF (the parser allows obs-text); handlers, events,
// logs and SQL get them as valid UTF-8, with each ill-formed byte written as the text \xNN
// (an audit row keeps what was sent); repeated fields arrive joined.
TEST(HttpConnections, HeaderValuesReachHandlersAsValidUtf8Lists) {
  HostProcess host("  - name: tp_echo\n    path: " + testPluginDir() + "/libcc_tp_echo.so\n    migrations: " +
                   sourceDir() + "/tests/plugins/tp_echo/migrations\n    config: { greeting: hi }\n");
  ASSERT_TRUE(host.start()) << host.output();
  RawClient c(host.port());
  ASSERT_TRUE(c.send(get("/api/test/header/x-probe", "X-Probe: caf\xe9 \xff ok \xc3\xa9\r\n")));
  std::string a = c.answer();
  EXPECT_EQ(statusOf(a), 200) << a;
  EXPECT_EQ(jsonField(bodyOf(a), "value"), "caf\\xe9 \\xff ok \xc3\xa9");

  // A field sent on two lines is one list, in order (a proxy appending its own
  // X-Forwarded-For line must not hide the earlier hops).
  ASSERT_TRUE(c.send(get("/api/test/header/x-forwarded-for", "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For: 10.0.0.2\r\n")));
  std::string b = c.answer();
  EXPECT_EQ(jsonField(bodyOf(b), "value"), "203.0.113.7, 10.0.0.2") << b;
}

// A client that asks for large answers and never reads them (with a 4 KiB receive buffer)
// would hold its connection, its answer and a slot of server.max_connections for ever: the
// host closes it once writing an answer took server.write_timeout_seconds (plus one sweep
// interval), not before, and answers other clients meanwhile. 64 pipelined requests for the
// dashboard's 205 KiB chart library (13 MiB) are more than the kernel's socket buffers take.
TEST(HttpConnections, ClientThatStopsReadingIsClosedAtTheWriteTimeout) {
  HostProcess host(bundledPlugin("admin", "{ web_root: '" + sourceDir() + "/plugins/admin/web' }"),
                   "server:\n  write_timeout_seconds: 2\n");
  ASSERT_TRUE(host.start()) << host.output();
  ASSERT_EQ(host.get("/admin/vendor/chart.umd.js").status, 200);
  RawClient stuck(host.port(), 4096);
  ASSERT_TRUE(stuck.connected());
  std::string pipelined;
  for (int i = 0; i < 64; ++i) pipelined += get("/admin/vendor/chart.umd.js");
  ASSERT_TRUE(stuck.sendSome(pipelined));
  auto sent = Clock::now();
  const int clientPort = stuck.localPort();
  ASSERT_EQ(hostSideState(host.port(), clientPort), "01");

  // Others are served while the host's write is stuck.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  RawClient other(host.port());
  ASSERT_TRUE(other.send(get("/healthz")));
  EXPECT_EQ(statusOf(other.answer()), 200);
  EXPECT_EQ(hostSideState(host.port(), clientPort), "01") << "closed before the write timeout";

  long closedAfter = -1;
  while (millisSince(sent) < 10000) {
    if (hostSideState(host.port(), clientPort) != "01") {
      closedAfter = millisSince(sent);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GE(closedAfter, 0) << "the host kept a client that reads nothing for 10 s (write timeout 2 s)";
  EXPECT_GE(closedAfter, 2000 - 100);
  EXPECT_LT(closedAfter, 2000 + kSweepIntervalMs + kSlackMs);

  RawClient after(host.port());
  ASSERT_TRUE(after.send(get("/healthz")));
  EXPECT_EQ(statusOf(after.answer()), 200);
}
