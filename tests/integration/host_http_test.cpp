// The real host binary, no plugins: health, readiness, HTTP error behaviour, request ids.
#include "support/host_process.hpp"

#include <Poco/Net/StreamSocket.h>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cstdint>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace cc::test;

class HostHttp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    host_ = new HostProcess();
    ASSERT_TRUE(host_->start()) << host_->output();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(host_->stop(), 0) << host_->output();
    delete host_;
  }
  static HostProcess* host_;
};
HostProcess* HostHttp::host_ = nullptr;

TEST_F(HostHttp, HealthAndReadiness) {
  auto h = host_->get("/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(jsonField(h.body, "status"), "ok");
  auto r = host_->get("/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jsonField(r.body, "database"), "ok");
}

TEST_F(HostHttp, UnknownPathIs404Json) {
  auto r = host_->get("/api/nothing/here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_NE(jsonField(r.body, "error").find("/api/nothing/here"), std::string::npos);
}

TEST_F(HostHttp, WrongMethodIs405WithAllow) {
  auto r = http(host_->port(), "DELETE", "/api/auth/me");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "GET");
  EXPECT_FALSE(jsonField(r.body, "error").empty());
}

TEST_F(HostHttp, RequestIdIsGeneratedOrEchoed) {
  auto generated = host_->get("/healthz");
  EXPECT_GE(generated.header("x-request-id").size(), 16u);
  auto echoed = http(host_->port(), "GET", "/healthz", "", {{"X-Request-Id", "abc-123.x"}});
  EXPECT_EQ(echoed.header("x-request-id"), "abc-123.x");
  // Anything that could smuggle into logs is replaced.
  auto replaced = http(host_->port(), "GET", "/healthz", "", {{"X-Request-Id", "bad id;<script>"}});
  EXPECT_NE(replaced.header("x-request-id"), "bad id;<script>");
}

TEST_F(HostHttp, OversizedBodyIs413) {
  std::string big(2 * 1024 * 1024, 'x');
  auto r = http(host_->port(), "POST", "/api/auth/signup", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(jsonField(r.body, "error").find("too large"), std::string::npos);
}

TEST_F(HostHttp, AccessLogLinePerRequest) {
  http(host_->port(), "GET", "/healthz", "", {{"X-Request-Id", "log-line-check-1"}});
  // The log channel is asynchronous; give it a moment.
  for (int i = 0; i < 50 && host_->output().find("log-line-check-1") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto out = host_->output();
  auto pos = out.find("id=log-line-check-1");
  ASSERT_NE(pos, std::string::npos) << out;
  auto lineStart = out.rfind('\n', pos);
  std::string line = out.substr(lineStart + 1, pos - lineStart);
  EXPECT_NE(line.find("GET /healthz 200"), std::string::npos) << line;
}

TEST_F(HostHttp, PostWithoutContentLengthHasAnEmptyBody) {
  // A raw request with neither Content-Length nor chunked encoding must not hang.
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(host_->port())));
  socket.setReceiveTimeout(Poco::Timespan(5, 0));
  std::string request = "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  socket.sendBytes(request.data(), static_cast<int>(request.size()));
  char buffer[4096];
  int n = socket.receiveBytes(buffer, sizeof buffer);
  ASSERT_GT(n, 0);
  std::string answer(buffer, static_cast<std::size_t>(n));
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
}

// The start-up line sends operators only to pages this host serves: without the metrics and
// admin plugins it names neither; with metrics on it names /metrics and its plugin.
TEST_F(HostHttp, StartLineNamesNoPageOfAPluginThatIsOff) {
  ASSERT_TRUE(host_->waitForOutput("health: http://localhost:")) << host_->output();
  EXPECT_EQ(host_->output().find("/metrics"), std::string::npos) << host_->output();
  EXPECT_EQ(host_->output().find("/admin"), std::string::npos) << host_->output();

  HostProcess withMetrics(bundledPlugin("metrics", "{}"));
  ASSERT_TRUE(withMetrics.start()) << withMetrics.output();
  EXPECT_TRUE(withMetrics.waitForOutput("metrics: http://localhost:" + std::to_string(withMetrics.port()) +
                                        "/metrics (metrics)"))
      << withMetrics.output();
  EXPECT_EQ(withMetrics.output().find("/admin"), std::string::npos) << withMetrics.output();
  EXPECT_EQ(withMetrics.stop(), 0) << withMetrics.output();
}

// The harness itself: a port another process took between freePort() and the host's bind
// (seen in CI with many tests running at once) costs a restart on a new port, not the test.
TEST(HostProcessHarness, StartsOnAnotherPortWhenItsPortWasTaken) {
  HostProcess host;
  const int planned = host.port();
  // Bound, not listening, without SO_REUSEADDR: what an outgoing connection's local port is.
  const int squatter = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(squatter, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(planned));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(squatter, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_NE(host.port(), planned);
  EXPECT_NE(host.output().find("Address already in use"), std::string::npos) << host.output();
  EXPECT_EQ(host.get("/healthz").status, 200);
  EXPECT_EQ(host.stop(), 0) << host.output();
  ::close(squatter);
}
