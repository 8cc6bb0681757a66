// /admin serves the dashboard's files from web_root, and nothing outside it.
#include "admin_test_support.hpp"

using namespace cc::admin::test;

class Dashboard : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    host_ = new HostProcess(adminPlugin());
    ASSERT_TRUE(host_->start()) << host_->output();
  }
  static void TearDownTestSuite() {
    host_->stop();
    delete host_;
  }
  static HostProcess* host_;
};
HostProcess* Dashboard::host_ = nullptr;

TEST_F(Dashboard, ServesThePageAndItsAssets) {
  for (const char* path : {"/admin", "/admin/"}) {
    auto r = host_->get(path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("/admin/app.js"), std::string::npos);
  }
  auto js = host_->get("/admin/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.header("Content-Type"), "text/javascript; charset=utf-8");
  auto chart = host_->get("/admin/vendor/chart.umd.js");
  EXPECT_EQ(chart.status, 200);
  EXPECT_NE(chart.body.find("Chart.js v4"), std::string::npos);
  EXPECT_EQ(host_->get("/admin/app.css").status, 200);
}

TEST_F(Dashboard, RefusesPathsOutsideTheFolder) {
  for (const char* path : {"/admin/../CMakeLists.txt", "/admin/%2e%2e/CMakeLists.txt", "/admin/vendor/../../CMakeLists.txt",
                           "/admin/..%2fCMakeLists.txt", "/admin/.hidden", "/admin/nope.js", "/admin/vendor"}) {
    auto r = host_->get(path);
    EXPECT_GE(r.status, 400) << path;
    EXPECT_LT(r.status, 500) << path;
    EXPECT_EQ(r.body.find("codecouncil_add_plugin"), std::string::npos) << path;
  }
}

TEST(DashboardConfig, MissingWebRootIsA404AndAWarning) {
  HostProcess host(bundledPlugin("admin", "{ web_root: /nonexistent/web }"));
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_EQ(host.get("/admin").status, 404);
  EXPECT_TRUE(host.waitForOutput("does not exist")) << host.output();
}

TEST(DashboardConfig, BadConfigStopsTheHostWithEveryProblem) {
  HostProcess host(bundledPlugin("admin", "{ recent_count: 0, colour: red }"));
  EXPECT_FALSE(host.start());
  EXPECT_NE(host.output().find("recent_count"), std::string::npos) << host.output();
  EXPECT_NE(host.output().find("colour"), std::string::npos) << host.output();
}
