// deploy/nginx.conf in front of the real host, run by Debian's nginx: the audit log records the
// address nginx saw (not the proxy's, not an X-Forwarded-For the client made up), and /metrics
// is not reachable through the proxy. The test changes only what a test machine must (ports,
// host address, certificate paths) and checks that each of those changes applied, so the file
// cannot drift away from what runs here.
#include "support/host_process.hpp"
#include "support/test_certificates.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <functional>
#include <regex>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

using namespace cc::test;

namespace {

const std::string kSpoofed = "203.0.113.77";

std::string nginxBinary() {
  for (const char* candidate : {"/usr/sbin/nginx", "/usr/bin/nginx"})
    if (::access(candidate, X_OK) == 0) return candidate;
  return "";
}

/// Replaces every match of `pattern` in `text`; fails the test when nothing matched.
void replaceRequired(std::string& text, const std::string& pattern, const std::string& replacement) {
  std::regex re(pattern, std::regex::multiline);
  ASSERT_TRUE(std::regex_search(text, re)) << "deploy/nginx.conf no longer has a line matching " << pattern;
  text = std::regex_replace(text, re, replacement);
}

/// deploy/nginx.conf with the upstream, the listeners and the certificate made local.
std::string adaptedSiteConfig(int hostPort, int httpPort, int httpsPort, const LoopbackCertificate& cert) {
  std::string conf = readFile(sourceDir() + "/deploy/nginx.conf");
  std::string local = "127.0.0.1:";
  // The first upstream server becomes the host under test; the other example hosts go.
  replaceRequired(conf, R"(^\s*server\s+10\.0\.0\.11:5000;)", "    server " + local + std::to_string(hostPort) + ";");
  replaceRequired(conf, R"(^\s*server\s+10\.0\.0\.\d+:5000;\n)", "");
  replaceRequired(conf, R"(^\s*listen\s+\[::\]:\d+[^;]*;\n)", "");  // test machines may lack IPv6
  replaceRequired(conf, R"(listen\s+80;)", "listen " + local + std::to_string(httpPort) + ";");
  replaceRequired(conf, R"(listen\s+443 ssl http2;)", "listen " + local + std::to_string(httpsPort) + " ssl http2;");
  replaceRequired(conf, R"(ssl_certificate\s+\S+;)", "ssl_certificate " + cert.certificateFile + ";");
  replaceRequired(conf, R"(ssl_certificate_key\s+\S+;)", "ssl_certificate_key " + cert.privateKeyFile + ";");
  return conf;
}

/// The smallest complete nginx.conf around the site file: everything nginx writes stays in `dir`.
std::string mainConfig(const std::filesystem::path& dir) {
  std::string d = dir.string();
  std::string conf = "worker_processes 1;\ndaemon off;\npid " + d + "/nginx.pid;\nerror_log " + d + "/error.log info;\n";
  if (::geteuid() == 0) conf += "user root;\n";  // workers must read the temp dirs made by root
  conf += "events { worker_connections 256; }\nhttp {\n  access_log " + d + "/access.log;\n";
  for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
    conf += "  " + std::string(temp) + "_temp_path " + d + "/tmp_" + temp + ";\n";
  conf += "  include " + d + "/codecouncil.conf;\n}\n";
  return conf;
}

/// `nginx` in the foreground, as this test's child.
class Nginx {
 public:
  explicit Nginx(std::filesystem::path dir) : dir_(std::move(dir)) {}
  ~Nginx() { stop(); }

  /// Runs `nginx -t`, then starts it; the output explains a failure.
  bool start(int probePort, std::string& output) {
    std::string base = nginxBinary() + " -p " + dir_.string() + " -e " + (dir_ / "error.log").string() + " -c " +
                       (dir_ / "nginx.conf").string();
    if (std::system((base + " -t > " + (dir_ / "check.log").string() + " 2>&1").c_str()) != 0) {
      output = readFile(dir_ / "check.log");
      return false;
    }
    std::vector<std::string> args{nginxBinary(), "-p", dir_.string(), "-e", (dir_ / "error.log").string(),
                                  "-c", (dir_ / "nginx.conf").string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, (dir_ / "stdout.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      output = "posix_spawn failed";
      return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        if (http(probePort, "GET", "/").status != 0) return true;  // the redirect listener answers
      } catch (const std::exception&) {
        // not listening yet
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    output = readFile(dir_ / "error.log") + readFile(dir_ / "stdout.log");
    return false;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGQUIT);  // graceful: workers finish, then the master exits
    int status = 0;
    for (int i = 0; i < 100 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

struct CurlResult {
  int status = 0;
  std::string body;
};

/// One HTTPS request through nginx with curl, verifying nginx's certificate, from the loopback
/// address `from` (all of 127/8 reaches the loopback interface), with a client-made
/// X-Forwarded-For.
CurlResult curlThroughProxy(int httpsPort, const std::string& from, const std::string& method, const std::string& path,
                            const std::string& body, const std::string& certificate) {
  std::string cmd = "curl -sS --path-as-is --max-time 20 --cacert " + certificate + " --interface " + from + " -X " + method +
                    " -H 'X-Forwarded-For: " + kSpoofed + "' -H 'Content-Type: application/json'" +
                    (body.empty() ? std::string() : " --data '" + body + "'") + " -w '\\n%{http_code}' 'https://127.0.0.1:" +
                    std::to_string(httpsPort) + path + "' 2>&1";
  CurlResult r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  std::string out;
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  ::pclose(pipe);
  auto lastLine = out.rfind('\n');
  if (lastLine == std::string::npos) return CurlResult{0, out};
  r.body = out.substr(0, lastLine);
  try {
    r.status = std::stoi(out.substr(lastLine + 1));
  } catch (const std::exception&) {
    r.body = out;
  }
  return r;
}

bool waitFor(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace

TEST(NginxProxy, AuditRecordsTheAddressNginxSawAndMetricsStayBehindIt) {
  if (nginxBinary().empty()) GTEST_SKIP() << "nginx is not installed (scripts/lib/common.sh installs nginx-light)";
  if (std::system("command -v curl >/dev/null 2>&1") != 0) GTEST_SKIP() << "curl is not installed";

  // The host trusts only the proxy's address, as deploy/nginx.conf's comment says to.
  HostProcess host(bundledPlugin("audit") + bundledPlugin("metrics"), "server:\n  trusted_proxies: [127.0.0.1]\n");
  ASSERT_TRUE(host.start()) << host.output();

  TempDir dir;
  auto cert = makeLoopbackCertificate(dir.path(), "proxy");
  ASSERT_TRUE(cert) << "the openssl tool could not make a certificate";
  const int httpPort = freePort(), httpsPort = freePort();
  std::string site = adaptedSiteConfig(host.port(), httpPort, httpsPort, *cert);
  if (::testing::Test::HasFatalFailure()) return;
  writeFile(dir.path() / "codecouncil.conf", site);
  writeFile(dir.path() / "nginx.conf", mainConfig(dir.path()));
  Nginx nginx(dir.path());
  std::string why;
  ASSERT_TRUE(nginx.start(httpPort, why)) << why;

  // Plain HTTP only redirects to HTTPS.
  auto redirect = http(httpPort, "GET", "/api/auth/me");
  EXPECT_EQ(redirect.status, 301);
  EXPECT_EQ(redirect.header("location").rfind("https://", 0), 0u) << redirect.header("location");

  // A failed login from 127.0.0.3 that claims to come from kSpoofed: the host must record
  // 127.0.0.3, the address nginx accepted the connection from.
  auto login = [&](const std::string& from, const std::string& email) {
    return curlThroughProxy(httpsPort, from, "POST", "/api/auth/login",
                            "{\"email\":\"" + email + "\",\"password\":\"wrong guess\"}", cert->certificateFile);
  };
  auto other = login("127.0.0.3", "far@example.com");
  EXPECT_EQ(other.status, 401) << other.body;
  // The same from 127.0.0.1, an address the host trusts as a proxy: a proxy that appended to the
  // client's header ($proxy_add_x_forwarded_for) would let this client name itself kSpoofed.
  auto near = login("127.0.0.1", "near@example.com");
  EXPECT_EQ(near.status, 401) << near.body;

  auto auditedIp = [&](const std::string& email) {
    return queryStrings(host.databaseUrl(), "SELECT ip FROM \"AuditLog\" WHERE action = 'login_failed' AND metadata "
                                            "LIKE '%" + email + "%'");
  };
  ASSERT_TRUE(waitFor([&] { return auditedIp("far@example.com").size() == 1 && auditedIp("near@example.com").size() == 1; }))
      << host.output();
  EXPECT_EQ(auditedIp("far@example.com")[0], "127.0.0.3") << "the audit log must hold the client nginx saw";
  EXPECT_EQ(auditedIp("near@example.com")[0], "127.0.0.1");
  EXPECT_TRUE(queryStrings(host.databaseUrl(), "SELECT ip FROM \"AuditLog\" WHERE ip = '" + kSpoofed + "'").empty())
      << "a client-made X-Forwarded-For reached the audit log";
  // The per-address login throttle counts the same address.
  EXPECT_EQ(queryStrings(host.databaseUrl(),
                         "SELECT COUNT(*) FROM auth_throttle WHERE scope = 'login_address' AND subject = '127.0.0.3'")[0],
            "1");

  // /metrics answers on the host's own port (Prometheus scrapes there), never through nginx,
  // however the path is spelled.
  auto direct = host.get("/metrics");
  ASSERT_EQ(direct.status, 200);
  ASSERT_NE(direct.body.find("http_requests_total"), std::string::npos);
  for (const std::string path : {"/metrics", "/metrics/", "/metrics?format=text", "//metrics", "/%6Detrics",
                                 "/api/../metrics", "/./metrics"}) {
    auto r = curlThroughProxy(httpsPort, "127.0.0.1", "GET", path, "", cert->certificateFile);
    EXPECT_EQ(r.status, 404) << path << ": " << r.body.substr(0, 200);
    EXPECT_EQ(r.body.find("http_requests_total"), std::string::npos) << path;
  }
  // The rest of the API is served through it.
  auto health = curlThroughProxy(httpsPort, "127.0.0.1", "GET", "/healthz", "", cert->certificateFile);
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(host.stop(), 0);
}
