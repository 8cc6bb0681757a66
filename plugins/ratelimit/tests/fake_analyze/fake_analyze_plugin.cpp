// Test-only stand-in for the analysis plugin: POST /api/gemini/analyze answers 200 and is
// tagged as an analysis run like the real one; POST /api/fake-analyze/metered is another
// plugin's route with the same tag (the limiter must count it by the tag alone); and every
// rate_limit_exceeded event is kept in memory and listed at GET /api/fake-analyze/events
// (public, so reading it with no token is never counted by the limiter).
#include <codecouncil/sdk/sdk.hpp>

#include <mutex>

namespace {

class FakeAnalyzePlugin : public cc::Plugin {
 public:
  std::string name() const override { return "fake_analyze"; }
  std::string version() const override { return "0.0.1"; }

  void declare(cc::Declarations& d) override {
    auto answer = [](cc::Request& req, cc::Response& res) {
      auto o = cc::json::object();
      o->set("analysis", "ok");
      o->set("userId", req.requireUser().id);
      res.json(200, o);
    };
    d.http().add("POST", "/api/gemini/analyze", answer, {cc::Access::User, 0, {cc::route_tag::kAnalysisRun}});
    d.http().add("POST", "/api/fake-analyze/metered", answer, {cc::Access::User, 0, {cc::route_tag::kAnalysisRun}});

    d.subscribe("rate_limit_exceeded", [this](const cc::Event& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      events_->add(e.payload);
    });
    d.http().add("GET", "/api/fake-analyze/events", [this](cc::Request&, cc::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      res.json(200, events_);
    }, {cc::Access::Public});
  }
  // Nothing to create: the handlers use only members that exist from construction.
  void start(cc::Context&) override {}

 private:
  std::mutex mutex_;
  cc::json::ArrayPtr events_ = cc::json::array();
};

}  // namespace

CODECOUNCIL_PLUGIN(FakeAnalyzePlugin)
