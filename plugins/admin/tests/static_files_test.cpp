// The dashboard's file server: only plain files inside web_root, whatever the path says.
#include "static_files.hpp"

#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <filesystem>

using cc::admin::StaticFiles;
namespace fs = std::filesystem;

TEST(StaticFiles, SafePathsArePlainNames) {
  EXPECT_TRUE(StaticFiles::safeRelativePath(""));
  EXPECT_TRUE(StaticFiles::safeRelativePath("app.js"));
  EXPECT_TRUE(StaticFiles::safeRelativePath("vendor/chart.umd.js"));
  for (const char* bad : {"..", "../secret", "vendor/../../x", "./app.js", ".env", "vendor/.hidden", "a//b", "a/",
                          "a\\..\\b", "c:/windows", "a\nb"})
    EXPECT_FALSE(StaticFiles::safeRelativePath(bad)) << bad;
  EXPECT_FALSE(StaticFiles::safeRelativePath(std::string(600, 'a')));
}

TEST(StaticFiles, ServesFilesInsideTheRootOnly) {
  cc::test::TempDir dir;
  fs::create_directories(dir.path() / "web" / "vendor");
  cc::test::writeFile(dir.path() / "web" / "index.html", "<h1>hi</h1>");
  cc::test::writeFile(dir.path() / "web" / "vendor" / "lib.js", "var x;");
  cc::test::writeFile(dir.path() / "secret.txt", "password");
  fs::create_symlink(dir.path() / "secret.txt", dir.path() / "web" / "link.txt");
  StaticFiles files(dir.path() / "web");

  cc::Response index;
  files.serve("", index);
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<h1>hi</h1>");
  EXPECT_EQ(index.contentType, "text/html; charset=utf-8");
  EXPECT_NE(index.header("Content-Security-Policy").find("script-src 'self'"), std::string::npos);

  cc::Response js;
  files.serve("vendor/lib.js", js);
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.contentType, "text/javascript; charset=utf-8");

  for (const char* bad : {"../secret.txt", "link.txt", "vendor", "missing.css", "vendor/../../secret.txt"}) {
    cc::Response r;
    files.serve(bad, r);
    EXPECT_EQ(r.status, 404) << bad;
    EXPECT_EQ(r.body.find("password"), std::string::npos) << bad;
  }
}

TEST(StaticFiles, MissingRootIsA404NotACrash) {
  StaticFiles files("/nonexistent/admin/web");
  EXPECT_FALSE(files.rootExists());
  cc::Response r;
  files.serve("", r);
  EXPECT_EQ(r.status, 404);
}

TEST(StaticFiles, ContentTypes) {
  EXPECT_EQ(StaticFiles::contentType("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(StaticFiles::contentType("a.svg"), "image/svg+xml");
  EXPECT_EQ(StaticFiles::contentType("a.bin"), "application/octet-stream");
}
