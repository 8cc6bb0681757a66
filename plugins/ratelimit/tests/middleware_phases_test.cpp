// The bundled middleware keeps its order under cc::phase: metrics observes (kObserve, the
// outermost layer) and ratelimit admits (kAdmission, inside it), so a request the limiter
// refuses early with 429 is still counted by the metrics plugin, with its final status.
#include "ratelimit_host.hpp"

#include <codecouncil/sdk/http.hpp>

#include <sstream>

using namespace cc::test;

namespace {

/// The value of one series in Prometheus text, -1 when absent.
double seriesValue(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  return -1;
}

}  // namespace

TEST(MiddlewarePhases, ObserveIsOutsideAdmission) {
  static_assert(cc::phase::kObserve < cc::phase::kAdmission && cc::phase::kAdmission < cc::phase::kDefault);
  // The values plugins built before the phases had (priority::kMetrics, kRateLimit, kDefault).
  EXPECT_EQ(cc::phase::kObserve, 100);
  EXPECT_EQ(cc::phase::kAdmission, 500);
  EXPECT_EQ(cc::phase::kDefault, 1000);
}

TEST(MiddlewarePhases, MetricsCountsTheRequestsRatelimitRefuses) {
  HostProcess host(rltest::plugins("{tiers: {free: {requests_per_day: 3, requests_per_month: 100}}}") +
                   bundledPlugin("metrics"));
  ASSERT_TRUE(host.start()) << host.output();
  std::string token = host.signup("phases@example.com");
  int ok = 0, refused = 0;
  for (int i = 0; i < 6; ++i) {
    int status = host.get("/api/auth/me", token).status;
    if (status == 200) ++ok;
    else if (status == 429) ++refused;
    else ADD_FAILURE() << "GET /api/auth/me answered " << status;
  }
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(refused, 3);
  auto scrape = host.get("/metrics");
  ASSERT_EQ(scrape.status, 200) << scrape.body;
  EXPECT_EQ(seriesValue(scrape.body, R"(http_requests_total{method="GET",route="/api/auth/me",status="429"})"), 3)
      << scrape.body;
  EXPECT_EQ(seriesValue(scrape.body, R"(http_requests_total{method="GET",route="/api/auth/me",status="200"})"), 3)
      << scrape.body;
}
