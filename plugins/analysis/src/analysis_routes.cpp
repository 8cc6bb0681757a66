#include "analysis_routes.hpp"

#include "analysis_request.hpp"

#include <codecouncil/sdk/query_params.hpp>

namespace cc::analysis {
namespace {

constexpr int kMaxPageSize = 100;
constexpr int kMaxOffset = 1000000000;

void analyze(AnalysisService& service, const AnalysisConfig& config, Request& req, Response& res) {
  const User& user = req.requireUser();
  AnalysisInput input = parseAnalysisRequest(req.body, config);
  RunOutcome outcome = service.run(user, input, req);
  auto record = toJson(outcome.record, true);
  record->set("creditsRemaining", outcome.balance);
  if (outcome.record.status == "completed") {
    res.json(201, record);
    return;
  }
  // The analyzer (an upstream service) failed, not the client: 502, with the refunded run.
  auto body = json::object();
  body->set("error", "analysis failed: " + outcome.record.error + "; " + std::to_string(outcome.record.credits) +
                         (outcome.record.credits == 1 ? " credit was" : " credits were") + " refunded");
  body->set("analysis", record);
  res.json(502, body);
}

}  // namespace

PageParams pageParams(const Request& req) {
  PageParams p;
  p.limit = intQueryParam(req, "limit", p.limit, 1, kMaxPageSize);
  p.offset = intQueryParam(req, "offset", p.offset, 0, kMaxOffset);
  return p;
}

void addRoutes(Routes& routes, const std::shared_ptr<AnalysisService>& service, const AnalysisConfig& config) {
  routes.add(
      "POST", "/api/gemini/analyze",
      [&service, config](Request& req, Response& res) { analyze(*service, config, req, res); },
      // Tagged, not known by path: the ratelimit plugin counts every call as an analysis run.
      {Access::User, config.maxBodyBytes, {route_tag::kAnalysisRun}});

  routes.add(
      "GET", "/api/analyses",
      [&service](Request& req, Response& res) {
        const User& user = req.requireUser();
        PageParams p = pageParams(req);
        AnalysisPage page = service->store().list(user.id, p.limit, p.offset);
        auto items = json::array();
        for (auto& r : page.items) items->add(toJson(r, false));
        auto o = json::object();
        o->set("analyses", items);
        o->set("total", page.total);
        o->set("limit", page.limit);
        o->set("offset", page.offset);
        res.json(200, o);
      },
      {Access::User});

  routes.add(
      "GET", "/api/analyses/:id",
      [&service](Request& req, Response& res) {
        const User& user = req.requireUser();
        // Someone else's run answers exactly like a missing one, so ids cannot be probed.
        auto record = service->store().find(user.id, req.param("id"));
        if (!record) throw HttpError(404, "analysis not found");
        res.json(200, toJson(*record, true));
      },
      {Access::User});
}

}  // namespace cc::analysis
