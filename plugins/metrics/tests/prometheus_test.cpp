// A real Prometheus (the Debian `prometheus` binary) scrapes a running host, plus a fake
// node_exporter and postgres_exporter served by this test. Then every PromQL example of the
// enterprise guide and every expression of every Grafana dashboard must parse and return
// data, and the alert rules must load.
#include "metrics_test_support.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include <gtest/gtest.h>

#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

using namespace cc::test;
using namespace metrics_test;
namespace fs = std::filesystem;

namespace {

// What node_exporter and postgres_exporter expose, reduced to the series the alerts and
// dashboards use (names and labels as those exporters publish them).
const char* kExporterMetrics = R"(# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 1000
node_cpu_seconds_total{cpu="0",mode="user"} 100
# TYPE node_memory_MemAvailable_bytes gauge
node_memory_MemAvailable_bytes 4e+09
# TYPE node_memory_MemTotal_bytes gauge
node_memory_MemTotal_bytes 8e+09
# TYPE node_filesystem_avail_bytes gauge
node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 5e+10
# TYPE node_filesystem_size_bytes gauge
node_filesystem_size_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 1e+11
# TYPE pg_up gauge
pg_up 1
# TYPE pg_stat_activity_count gauge
pg_stat_activity_count{datname="codecouncil",state="active"} 3
pg_stat_activity_count{datname="codecouncil",state="idle"} 5
# TYPE pg_stat_activity_max_tx_duration gauge
pg_stat_activity_max_tx_duration{datname="codecouncil",state="active"} 0.25
# TYPE pg_stat_database_xact_commit counter
pg_stat_database_xact_commit{datid="16384",datname="codecouncil"} 12345
# TYPE pg_database_size_bytes gauge
pg_database_size_bytes{datname="codecouncil"} 8.5e+07
)";

class ExporterHandler : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& res) override {
    res.setContentType("text/plain; version=0.0.4");
    res.sendBuffer(kExporterMetrics, std::strlen(kExporterMetrics));
  }
};

class ExporterFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new ExporterHandler;
  }
};

// The prometheus binary, started on a free loopback port with its own storage dir.
class PrometheusProcess {
 public:
  PrometheusProcess(const fs::path& dir, const std::string& config) : port_(freePort()) {
    writeFile(dir / "prometheus.yml", config);
    fs::create_directories(dir / "data");
    std::string log = (dir / "prometheus.log").string();
    logPath_ = log;
    std::vector<std::string> args{"prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
                                  "--storage.tsdb.path=" + (dir / "data").string(),
                                  "--web.listen-address=127.0.0.1:" + std::to_string(port_)};
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~PrometheusProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  int port() const { return port_; }
  std::string log() const { return readFile(logPath_); }

  /// GET /api/v1/<path>; the parsed JSON answer.
  Poco::JSON::Object::Ptr api(const std::string& pathAndQuery) const {
    auto r = http(port_, "GET", "/api/v1/" + pathAndQuery);
    Poco::JSON::Parser parser;
    return parser.parse(r.body).extract<Poco::JSON::Object::Ptr>();
  }
  Poco::JSON::Object::Ptr query(const std::string& promql) const {
    std::string encoded;
    Poco::URI::encode(promql, "&=+?#%/ ", encoded);
    return api("query?query=" + encoded);
  }

 private:
  int port_;
  int pid_ = -1;
  std::string logPath_;
};

std::size_t resultCount(const Poco::JSON::Object::Ptr& answer) {
  if (answer->getValue<std::string>("status") != "success") return 0;
  auto data = answer->getObject("data");
  auto result = data->get("result");
  if (result.type() == typeid(Poco::JSON::Array::Ptr)) return result.extract<Poco::JSON::Array::Ptr>()->size();
  return 1;  // scalar
}

std::string show(const Poco::JSON::Object::Ptr& answer) {
  std::ostringstream out;
  answer->stringify(out);
  return out.str();
}

// Every "expr" of every panel target in a dashboard, with Grafana's interval variables set.
void collectExpressions(const Poco::Dynamic::Var& node, std::vector<std::string>& out) {
  if (node.type() == typeid(Poco::JSON::Object::Ptr)) {
    auto o = node.extract<Poco::JSON::Object::Ptr>();
    for (auto& [key, value] : *o) {
      if (key == "expr" && value.isString()) out.push_back(value.toString());
      else collectExpressions(value, out);
    }
  } else if (node.type() == typeid(Poco::JSON::Array::Ptr)) {
    for (auto& item : *node.extract<Poco::JSON::Array::Ptr>()) collectExpressions(item, out);
  }
}

std::string withGrafanaVariables(std::string expr) {
  for (auto [var, value] : {std::pair{"$__rate_interval", "1m"}, {"$__interval", "15s"}, {"$__range", "1h"}}) {
    for (std::size_t at; (at = expr.find(var)) != std::string::npos;) expr.replace(at, std::strlen(var), value);
  }
  return expr;
}

}  // namespace

TEST(MetricsPrometheus, GuideQueriesDashboardsAndRulesWorkAgainstALiveHost) {
  if (std::system("command -v prometheus >/dev/null 2>&1") != 0) GTEST_SKIP() << "prometheus is not installed";

  // The host, with a route that fails (tp_echo) and fake billing figures.
  HostProcess host(echoEntry() + feederEntry() + metricsEntry());
  ASSERT_TRUE(host.start()) << host.output();
  host.post("/api/test/metrics/billing",
            R"({"active":3,"mrrCents":24291,"byPlan":{"startup_monthly":2,"enterprise_annual":1}})");
  for (int i = 0; i < 5; ++i) host.get("/api/test/echo/w" + std::to_string(i));
  host.get("/api/test/throw");
  host.get("/no/such/route");  // 404, unmatched
  host.get("/api/auth/me");    // 401
  publish(host, "payment_succeeded", R"({"amount":4900})");
  publish(host, "payment_failed", R"({"errorCode":"card_declined"})");
  publish(host, "subscription_created", R"({"plan":"startup_monthly"})");
  publish(host, "subscription_canceled", R"({"plan":"startup_monthly"})");
  publish(host, "backup_succeeded", "{}");
  ASSERT_TRUE(waitUntil([&] { return valueOf(scrape(host), "subscriptions_active") == 3; }, std::chrono::seconds(5)));

  // The fake exporters.
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  int exporterPort = socket.address().port();
  Poco::Net::HTTPServer exporter(new ExporterFactory, socket, new Poco::Net::HTTPServerParams);
  exporter.start();

  TempDir dir;
  fs::copy_file(fs::path(sourceDir()) / "monitoring" / "alert_rules.yml", dir.path() / "alert_rules.yml");
  std::string target = "127.0.0.1:";
  PrometheusProcess prometheus(dir.path(), "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                           "rule_files: [alert_rules.yml]\n"
                                           "scrape_configs:\n"
                                           "  - job_name: codecouncil\n    static_configs: [{targets: ['" +
                                               target + std::to_string(host.port()) +
                                               "']}]\n"
                                               "  - job_name: node\n    static_configs: [{targets: ['" +
                                               target + std::to_string(exporterPort) +
                                               "']}]\n"
                                               "  - job_name: postgres\n    static_configs: [{targets: ['" +
                                               target + std::to_string(exporterPort) + "']}]\n");

  // Ready once every target has been scraped a few times (rate() needs two samples).
  bool ready = waitUntil(
      [&] {
        try {
          auto a = prometheus.query("count_over_time(up[1m]) >= 4");
          return resultCount(a) == 3;
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(ready) << prometheus.log();
  // Traffic while Prometheus watches, so rates are not all zero.
  for (int i = 0; i < 5; ++i) host.get("/api/test/echo/later" + std::to_string(i));
  host.get("/api/test/throw");
  std::this_thread::sleep_for(std::chrono::seconds(2));

  // Every PromQL example of the guide, verbatim.
  const std::vector<std::string> guide{
      "rate(http_requests_total[5m])",
      "rate(http_requests_total{status=~\"5..\"}[5m]) / rate(http_requests_total[5m]) * 100",
      "histogram_quantile(0.95, http_request_duration_seconds_bucket)",
      "db_connection_pool_used / (db_connection_pool_used + db_connection_pool_available)",
      "rate(stripe_payment_succeeded_total[30d]) * subscription_mrr_amount",
      "(rate(subscription_canceled_total[30d]) / subscription_count) * 100",
  };
  for (auto& q : guide) {
    auto answer = prometheus.query(q);
    EXPECT_EQ(answer->getValue<std::string>("status"), "success") << q << "\n" << show(answer);
    EXPECT_GT(resultCount(answer), 0u) << "no data for the guide's " << q << "\n" << show(answer);
  }
  // The recording rules find their series in a live scrape: the latency SLI needs the bucket
  // le="0.3" exactly as the plugin writes it, and the guide's subscription_count is recorded
  // from subscriptions_active (the plugin no longer exports that name itself).
  for (const char* recorded : {"job:slo_availability_errors:ratio_rate5m", "job:slo_availability_errors:ratio_rate3d",
                               "job:slo_latency_errors:ratio_rate5m", "job:slo_latency_errors:ratio_rate3d",
                               "subscription_count"}) {
    bool found = waitUntil([&] { return resultCount(prometheus.query(recorded)) > 0; }, std::chrono::seconds(10));
    EXPECT_TRUE(found) << "no data recorded for " << recorded << "\n" << show(prometheus.query(recorded));
  }
  EXPECT_EQ(resultCount(prometheus.query("subscription_count == 3")), 1u) << show(prometheus.query("subscription_count"));
  // The request rate really counts the route that was called.
  auto echo = prometheus.query("sum(rate(http_requests_total{route=\"/api/test/echo/:word\"}[5m])) > 0");
  EXPECT_EQ(resultCount(echo), 1u) << show(echo);

  // Every expression of every dashboard.
  std::size_t checked = 0;
  for (auto& file : fs::directory_iterator(fs::path(sourceDir()) / "monitoring" / "grafana" / "dashboards")) {
    if (file.path().extension() != ".json") continue;
    Poco::JSON::Parser parser;
    std::vector<std::string> expressions;
    collectExpressions(parser.parse(readFile(file.path())), expressions);
    EXPECT_FALSE(expressions.empty()) << file.path();
    for (auto& expr : expressions) {
      auto answer = prometheus.query(withGrafanaVariables(expr));
      EXPECT_EQ(answer->getValue<std::string>("status"), "success") << file.path() << ": " << expr;
      EXPECT_GT(resultCount(answer), 0u) << file.path().filename() << ": no data for " << expr << "\n" << show(answer);
      ++checked;
    }
  }
  EXPECT_GE(checked, 20u);

  // The alert rules load in the real server and evaluate without errors.
  auto rules = prometheus.api("rules");
  std::size_t alerts = 0;
  for (auto& group : *rules->getObject("data")->getArray("groups")) {
    for (auto& rule : *group.extract<Poco::JSON::Object::Ptr>()->getArray("rules")) {
      auto r = rule.extract<Poco::JSON::Object::Ptr>();
      EXPECT_EQ(r->getValue<std::string>("health"), "ok") << show(r);
      ++alerts;
    }
  }
  EXPECT_GE(alerts, 8u) << show(rules);
  exporter.stop();
  EXPECT_EQ(host.stop(), 0);
}
