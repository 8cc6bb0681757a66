// Small pure pieces: config checks, web_root resolution, daily series, LIKE escaping.
#include "admin_config.hpp"
#include "day_series.hpp"
#include "user_directory.hpp"

#include <gtest/gtest.h>

namespace {

cc::ConfigNode yaml(const std::string& text) {
  return cc::ConfigNode(YAML::Load(text), "plugins[0].config", std::make_shared<const std::string>("test.yaml"));
}

}  // namespace

TEST(AdminConfig, AcceptsDefaultsAndReportsEveryProblem) {
  cc::ConfigErrors ok;
  cc::admin::validateConfig(yaml("{}"), ok);
  EXPECT_TRUE(ok.empty()) << ok.joined();

  cc::ConfigErrors errors;
  cc::admin::validateConfig(yaml("{ web_root: '', recent_count: 0, series_days: 1000, max_page_size: x, colour: red }"),
                            errors);
  std::string all = errors.joined();
  EXPECT_EQ(errors.list().size(), 5u) << all;
  EXPECT_NE(all.find("web_root"), std::string::npos);
  EXPECT_NE(all.find("recent_count"), std::string::npos);
  EXPECT_NE(all.find("series_days"), std::string::npos);
  EXPECT_NE(all.find("max_page_size"), std::string::npos);
  EXPECT_NE(all.find("unknown key 'colour'"), std::string::npos);
}

TEST(AdminConfig, RelativeWebRootIsResolvedAgainstTheConfigFolder) {
  auto s = cc::admin::readSettings(yaml("{}"), "/srv/cc/config");
  EXPECT_EQ(s.webRoot, "/srv/cc/plugins/admin/web");
  EXPECT_EQ(cc::admin::readSettings(yaml("{ web_root: /opt/web }"), "/srv/cc/config").webRoot, "/opt/web");
  EXPECT_EQ(s.recentCount, 10);
  EXPECT_EQ(s.seriesDays, 30);
  EXPECT_EQ(s.flushSeconds, 5);
}

TEST(DaySeries, LastDaysCrossMonthAndYearBoundaries) {
  auto days = cc::admin::lastDays("2025-03-01", 3);
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(days[0], "2025-02-27");
  EXPECT_EQ(days[1], "2025-02-28");
  EXPECT_EQ(days[2], "2025-03-01");
  EXPECT_EQ(cc::admin::lastDays("2024-01-01", 2)[0], "2023-12-31");
  EXPECT_EQ(cc::admin::lastDays("2024-03-01", 2)[0], "2024-02-29");
}

TEST(DaySeries, FillsMissingDaysWithZero) {
  auto series = cc::admin::dailySeries({"2025-01-01", "2025-01-02"}, {{"2025-01-02", 5}, {"2024-12-31", 9}});
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ(series->getObject(0)->getValue<std::int64_t>("count"), 0);
  EXPECT_EQ(series->getObject(1)->getValue<std::int64_t>("count"), 5);
  EXPECT_EQ(series->getObject(1)->getValue<std::string>("date"), "2025-01-02");
}

TEST(AdminConfig, ExportRowCapIsBounded) {
  cc::ConfigErrors errors;
  cc::admin::validateConfig(yaml("{ max_export_rows: 0 }"), errors);
  EXPECT_EQ(errors.list().size(), 1u) << errors.joined();
  EXPECT_NE(errors.joined().find("max_export_rows"), std::string::npos);
  cc::ConfigErrors big;
  cc::admin::validateConfig(yaml("{ max_export_rows: 1000001 }"), big);
  EXPECT_EQ(big.list().size(), 1u) << big.joined();
  cc::ConfigErrors ok;
  cc::admin::validateConfig(yaml("{ max_export_rows: 5 }"), ok);
  EXPECT_TRUE(ok.empty()) << ok.joined();
}
