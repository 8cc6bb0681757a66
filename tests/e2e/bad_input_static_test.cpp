// Path traversal against the admin dashboard's static files (issue 10): GET /admin/*path
// serves files from the admin plugin's web_root only. The host here serves a COPY of the
// dashboard folder that holds symlinks pointing outside it, next to a marker file just
// outside the folder; no request may ever return the marker, the host's config (its JWT
// secret) or /etc/passwd. There is no SPA fallback (docs/admin.md): an unknown path is a
// 404 JSON error, and a 200 is only ever the exact bytes of a file inside the copy.
// Each test runs on SQLite and, when CC_TEST_POSTGRES_URL is set, on PostgreSQL.
#include "bad_input_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>

using namespace cc::badinput;
using cc::test::HttpResult;

namespace {

namespace fs = std::filesystem;

// The marker's content never appears in any request we send, so finding it in an answer
// can only mean the file was read.
const std::string kMarker = "MARKER-outside-the-web-root-7f3a9c";

/// A request line sent byte for byte: the HTTP client must not normalise "../" or re-encode.
std::string rawRequest(const std::string& method, const std::string& target) {
  return method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
}

class BadInputStatic : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == "postgres") {
      if (cc::test::postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
      url = cc::test::createPostgresDatabase("badstatic");
    }
    buildWebRootWithEscapes();
    h = std::make_unique<AttackHost>(url, webRoot.string());
    std::string error;
    ASSERT_TRUE(h->start(error)) << error;
    ASSERT_FALSE(h->jwtSecret.empty());
    // Links that point at the host's config and at /etc/passwd, made once the config exists.
    fs::create_symlink(h->host.configPath(), webRoot / "config.yaml");
    fs::create_symlink("/etc/passwd", webRoot / "passwd.txt");
    runner = std::make_unique<AttackRunner>(*h);
    indexHtml = cc::test::readFile(webRoot / "index.html");
    ASSERT_FALSE(indexHtml.empty());
  }

  /// <tmp>/web is a copy of plugins/admin/web; <tmp>/outside-marker.txt sits right beside
  /// it; <tmp>/web holds links to the marker file and to <tmp> itself.
  void buildWebRootWithEscapes() {
    webRoot = outer.path() / "web";
    fs::copy(fs::path(cc::test::sourceDir()) / "plugins/admin/web", webRoot, fs::copy_options::recursive);
    cc::test::writeFile(outer.path() / "outside-marker.txt", kMarker + "\n");
    fs::create_symlink(outer.path() / "outside-marker.txt", webRoot / "escape-absolute.txt");
    fs::create_symlink("../outside-marker.txt", webRoot / "escape-relative.txt");
    fs::create_symlink("..", webRoot / "escape-dir");
    fs::create_symlink(outer.path(), webRoot / "escape-dir-absolute");
  }

  /// Nothing from outside the web root in any answer: not the marker, not the config's JWT
  /// secret, not /etc/passwd's first line.
  std::function<void(const HttpResult&)> leaksNothing() const {
    return [marker = kMarker, secret = h->jwtSecret](const HttpResult& r) {
      EXPECT_EQ(r.body.find(marker), std::string::npos) << "served the marker file outside the web root";
      EXPECT_EQ(r.body.find(secret), std::string::npos) << "served the host's config file";
      EXPECT_EQ(r.body.find("root:x:0:0"), std::string::npos) << "served /etc/passwd";
    };
  }

  /// An attack on `target` sent as a raw request line; 404 (no such file) unless told.
  Attack traversal(const std::string& target, std::set<int> statuses = {404}, const std::string& method = "GET") const {
    Attack a;
    a.name = method + " " + target.substr(0, 100);
    a.method = method;
    a.path = target;
    a.rawRequest = rawRequest(method, target);
    a.statuses = std::move(statuses);
    a.check = leaksNothing();
    return a;
  }

  /// A request that must answer 200 with exactly the bytes of `file` inside the web root.
  Attack servesExactly(const std::string& target, const std::string& file, const std::string& method = "GET") const {
    Attack a = traversal(target, {200}, method);
    a.jsonError = false;
    a.check = [leaks = leaksNothing(), content = cc::test::readFile(webRoot / file), method](const HttpResult& r) {
      leaks(r);
      EXPECT_EQ(r.body, method == "HEAD" ? std::string() : content) << "not the exact bytes of the file";
      EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
    };
    return a;
  }

  cc::test::TempDir outer;  // declared first: it outlives the host that serves from it
  fs::path webRoot;
  std::string indexHtml;
  std::unique_ptr<AttackHost> h;
  std::unique_ptr<AttackRunner> runner;
};

TEST_P(BadInputStatic, TheCopiedDashboardIsServedSoRefusalsAreForTheirPathAlone) {
  // Controls: the copy is what the host serves, including through a symlink that stays
  // inside it, so every 404 below comes from the guard and not from a wrong web_root.
  fs::create_symlink("index.html", webRoot / "inside-link.html");
  runner->run({
      servesExactly("/admin", "index.html"),
      servesExactly("/admin/", "index.html"),
      servesExactly("/admin/index.html", "index.html"),
      servesExactly("/admin/app.js", "app.js"),
      servesExactly("/admin/inside-link.html", "index.html"),
      servesExactly("/admin//index.html", "index.html"),  // empty segments are dropped by the router
      servesExactly("/admin/index.html/", "index.html"),
  });
  auto r = cc::test::http(h->host.port(), "GET", "/admin/index.html");
  EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
}

TEST_P(BadInputStatic, DotDotInEveryEncodingNeverLeavesTheWebRoot) {
  std::vector<Attack> attacks;
  for (const std::string& up : {"../", "..%2f", "..%2F", "%2e%2e/", "%2E%2E%2F", ".%2e/", "%2e./", "%252e%252e/",
                                "%252e%252e%252f", "..%252f", "....//", "...//", ".../", "..;/", "%c0%ae%c0%ae/",
                                "%uff0e%uff0e/", "..%c0%af", "..%5c", "..\\", "%2e%2e%5c"}) {
    for (const std::string& target : {"outside-marker.txt", "web/index.html"}) {
      // One level up is the marker's folder; deeper chains reach the file system root.
      std::string chain;
      for (int depth = 0; depth < 8; ++depth) chain += up;
      for (const std::string& prefix : {"/admin/", "/admin/app.js/", "/admin/vendor/"}) {
        // 400: an encoding that decodes to invalid UTF-8 or a malformed escape.
        attacks.push_back(traversal(prefix + up + target, {400, 404}));
        attacks.push_back(traversal(prefix + chain + "etc/passwd", {400, 404}));
      }
    }
  }
  // A chain that climbs out and back in names a real file inside the web root; the guard
  // refuses the ".." segments anyway rather than resolving them.
  attacks.push_back(traversal("/admin/../admin/index.html"));
  attacks.push_back(traversal("/admin/vendor/../index.html"));
  attacks.push_back(traversal("/admin/./index.html"));
  attacks.push_back(traversal("/admin/%2e/index.html"));
  runner->run(attacks);
}

TEST_P(BadInputStatic, AbsolutePathsBackslashesNulAndHiddenFilesAreRefused) {
  std::vector<Attack> attacks;
  for (const std::string& p : std::vector<std::string>{"/admin//etc/passwd", "/admin/%2fetc%2fpasswd", "/admin/%2F%2Fetc%2Fpasswd", "/admin///etc/passwd",
        "/admin/" + (outer.path() / "outside-marker.txt").string(), "/admin/%2f" + percentEncode(outer.str()) + "%2foutside-marker.txt",
        "/admin/file:%2f%2f%2fetc%2fpasswd", "/admin/C:%5cWindows%5cwin.ini", "/admin/..%5c..%5coutside-marker.txt",
        "/admin/index.html%00", "/admin/index.html%00.png", "/admin/%00", "/admin/index%00.html",
        "/admin/index.html%0a", "/admin/index.html%20", "/admin/.hidden", "/admin/.%2e", "/admin/%2e",
        "/admin/index.html/.", "/admin/vendor", "/admin/vendor/"}) {
    attacks.push_back(traversal(p, {400, 404}));
  }
  // A raw backslash and a raw NUL in the request line (Poco refuses the NUL itself).
  attacks.push_back(traversal("/admin/..\\..\\outside-marker.txt", {400, 404}));
  attacks.push_back(traversal("/admin/.\\index.html", {400, 404}));
  attacks.push_back(traversal("/admin/\\..\\outside-marker.txt", {400, 404}));
  runner->run(attacks);
}

TEST_P(BadInputStatic, SymlinksOutOfTheWebRootAreNotFollowed) {
  runner->run({
      traversal("/admin/escape-absolute.txt"),
      traversal("/admin/escape-relative.txt"),
      traversal("/admin/escape-dir/outside-marker.txt"),
      // Out through the link and back in: the guard judges the real file, which is inside
      // the web root, so this is the dashboard's own index and nothing else.
      servesExactly("/admin/escape-dir/web/index.html", "index.html"),
      traversal("/admin/escape-dir/web/../outside-marker.txt"),
      traversal("/admin/escape-dir-absolute/outside-marker.txt"),
      traversal("/admin/config.yaml"),
      traversal("/admin/passwd.txt"),
      traversal("/admin/escape-dir"),
      traversal("/admin/escape-relative.txt?x=1"),
      traversal("/admin/%65scape-relative.txt"),  // an encoded letter decodes to the same link
  });
}

TEST_P(BadInputStatic, VeryLongNamesAreRefusedWithoutHarm) {
  std::vector<Attack> attacks;
  attacks.push_back(traversal("/admin/" + std::string(255, 'a') + ".html"));  // one byte above NAME_MAX
  attacks.push_back(traversal("/admin/" + std::string(600, 'a')));            // above the guard's 512 bytes
  std::string deep;
  for (int i = 0; i < 400; ++i) deep += "a/";
  attacks.push_back(traversal("/admin/" + deep + "index.html"));
  std::string deepUp;
  for (int i = 0; i < 2000; ++i) deepUp += "../";
  attacks.push_back(traversal("/admin/" + deepUp + "etc/passwd"));
  attacks.push_back(traversal("/admin/" + std::string(10000, 'a')));
  std::string encoded;
  for (int i = 0; i < 1000; ++i) encoded += "%2e%2e%2f";
  attacks.push_back(traversal("/admin/" + encoded + "etc/passwd", {400, 404}));
  // A request line above server.max_header_bytes (16 KiB) is refused by the socket layer
  // itself, before the host: 414 JSON, no 5xx, no crash, nothing read.
  attacks.push_back(traversal("/admin/" + std::string(20000, 'a'), {414}));
  runner->run(attacks);
}

TEST_P(BadInputStatic, OtherMethodsAndQueryStringsChangeNothing) {
  std::vector<Attack> attacks;
  // The route is GET only (HEAD follows GET): anything else is a 405 naming GET.
  for (const std::string& method : {"POST", "PUT", "DELETE", "PATCH"}) {
    for (const std::string& target : {"/admin/index.html", "/admin/../outside-marker.txt", "/admin/escape-relative.txt"}) {
      Attack a = traversal(target, {405}, method);
      a.check = [leaks = leaksNothing()](const HttpResult& r) {
        leaks(r);
        EXPECT_EQ(r.header("allow"), "GET");
      };
      attacks.push_back(a);
    }
  }
  // POST with a body, through the HTTP client.
  Attack post;
  post.name = "POST with a JSON body";
  post.method = "POST";
  post.path = "/admin/index.html";
  post.body = "{\"path\":\"../outside-marker.txt\"}";
  post.headers = {{"Content-Type", "application/json"}};
  post.statuses = {405};
  post.check = leaksNothing();
  attacks.push_back(post);
  // HEAD answers like GET without a body, and refuses what GET refuses.
  attacks.push_back(servesExactly("/admin/index.html", "index.html", "HEAD"));
  for (const std::string& target : {"/admin/../outside-marker.txt", "/admin/escape-relative.txt", "/admin/..%2fweb%2findex.html"}) {
    Attack a = traversal(target, {404}, "HEAD");
    a.jsonError = false;  // a HEAD answer has no body to parse
    attacks.push_back(a);
  }
  // A query string never selects the file: the path alone does.
  for (const std::string& query : std::vector<std::string>{"?path=../outside-marker.txt", "?file=%2e%2e%2foutside-marker.txt", "?x=/etc/passwd",
                                   "?%00=%00", "?a=" + std::string(4000, 'b'), "?../../outside-marker.txt"}) {
    attacks.push_back(servesExactly("/admin/index.html" + query, "index.html"));
    attacks.push_back(servesExactly("/admin/" + query, "index.html"));
    attacks.push_back(traversal("/admin/..%2foutside-marker.txt" + query));
  }
  // Invalid UTF-8 in the query is refused before any route runs.
  attacks.push_back(traversal("/admin/index.html?x=%ff%fe", {400}));
  runner->run(attacks);
}

INSTANTIATE_TEST_SUITE_P(Engines, BadInputStatic, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
