// The files of monitoring/ that no tool of ours checks: Grafana provisioning and dashboards
// (raw JSON, fixed datasource uid, the guide's seven dashboards) and the two compose files.
#include "support/test_env.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <yaml-cpp/yaml.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

using namespace cc::test;
namespace fs = std::filesystem;

namespace {

fs::path monitoring() { return fs::path(sourceDir()) / "monitoring"; }
const std::string kDatasourceUid = "codecouncil-prometheus";

// Every "datasource" object's uid anywhere in the dashboard.
void datasourceUids(const Poco::Dynamic::Var& node, std::set<std::string>& out) {
  if (node.type() == typeid(Poco::JSON::Object::Ptr)) {
    auto o = node.extract<Poco::JSON::Object::Ptr>();
    for (auto& [key, value] : *o) {
      if (key == "datasource" && value.type() == typeid(Poco::JSON::Object::Ptr))
        out.insert(value.extract<Poco::JSON::Object::Ptr>()->optValue<std::string>("uid", "<none>"));
      else if (key == "datasource")
        out.insert("<not an object: " + value.toString() + ">");
      else
        datasourceUids(value, out);
    }
  } else if (node.type() == typeid(Poco::JSON::Array::Ptr)) {
    for (auto& item : *node.extract<Poco::JSON::Array::Ptr>()) datasourceUids(item, out);
  }
}

}  // namespace

TEST(MonitoringFiles, DatasourceHasTheFixedUidAndPointsAtPrometheus) {
  YAML::Node ds = YAML::LoadFile((monitoring() / "grafana/provisioning/datasources/prometheus.yml").string());
  ASSERT_EQ(ds["datasources"].size(), 1u);
  EXPECT_EQ(ds["datasources"][0]["uid"].as<std::string>(), kDatasourceUid);
  EXPECT_EQ(ds["datasources"][0]["type"].as<std::string>(), "prometheus");
  EXPECT_EQ(ds["datasources"][0]["url"].as<std::string>(), "http://prometheus:9090");
  YAML::Node dash = YAML::LoadFile((monitoring() / "grafana/provisioning/dashboards/codecouncil.yml").string());
  EXPECT_EQ(dash["providers"][0]["options"]["path"].as<std::string>(), "/var/lib/grafana/dashboards");
}

TEST(MonitoringFiles, TheSevenDashboardsAreRawJsonOnTheFixedDatasource) {
  std::set<std::string> titles, uids;
  for (auto& file : fs::directory_iterator(monitoring() / "grafana/dashboards")) {
    SCOPED_TRACE(file.path().filename().string());
    std::string text = readFile(file.path());
    EXPECT_EQ(text.find("${DS_"), std::string::npos) << "exported-for-sharing JSON does not load when provisioned";
    Poco::JSON::Parser parser;
    auto d = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
    EXPECT_TRUE(d->isNull("id")) << "provisioned dashboards need id: null";
    uids.insert(d->getValue<std::string>("uid"));
    titles.insert(d->getValue<std::string>("title"));
    std::set<std::string> sources;
    datasourceUids(d, sources);
    EXPECT_EQ(sources, std::set<std::string>{kDatasourceUid});
    auto panels = d->getArray("panels");
    ASSERT_TRUE(panels);
    EXPECT_GE(panels->size(), 3u);
  }
  EXPECT_EQ(uids.size(), 7u);
  EXPECT_EQ(titles, (std::set<std::string>{"CodeCouncil / Request Rate", "CodeCouncil / Error Rate",
                                           "CodeCouncil / API Latency", "CodeCouncil / Database",
                                           "CodeCouncil / Subscriptions", "CodeCouncil / Payments",
                                           "CodeCouncil / Resource Usage"}));
}

TEST(MonitoringFiles, ComposeFilesStartTheStackOnTheGuidesPorts) {
  YAML::Node app = YAML::LoadFile((monitoring() / "docker-compose.yml").string());
  EXPECT_TRUE(app["services"]["codecouncil"]);
  EXPECT_TRUE(app["services"]["postgres"]);
  YAML::Node mon = YAML::LoadFile((monitoring() / "docker-compose.monitoring.yml").string());
  auto ports = [&](const char* service) { return mon["services"][service]["ports"][0].as<std::string>(); };
  EXPECT_EQ(ports("prometheus"), "9090:9090");
  EXPECT_EQ(ports("grafana"), "3001:3000");
  EXPECT_EQ(ports("alertmanager"), "9093:9093");
  EXPECT_TRUE(mon["services"]["node-exporter"]);
  EXPECT_TRUE(mon["services"]["postgres-exporter"]);
  // The scrape targets are the compose service names.
  std::string prometheus = readFile(monitoring() / "prometheus.yml");
  for (const char* target : {"codecouncil:5000", "node-exporter:9100", "postgres-exporter:9187", "alertmanager:9093"})
    EXPECT_NE(prometheus.find(target), std::string::npos) << target;
  EXPECT_NE(prometheus.find("scrape_interval: 15s"), std::string::npos);
}
