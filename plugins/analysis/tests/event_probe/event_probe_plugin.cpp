// Test-only plugin: keeps every analysis_completed / analysis_failed event in memory and lists
// them at GET /api/test/analysis-events (public), so tests can check topics and payloads.
#include <codecouncil/sdk/sdk.hpp>

#include <mutex>

namespace {

class EventProbePlugin : public cc::Plugin {
 public:
  std::string name() const override { return "analysis_event_probe"; }
  std::string version() const override { return "0.0.1-test"; }

  void declare(cc::Declarations& d) override {
    for (const char* topic : {"analysis_completed", "analysis_failed"}) {
      d.subscribe(topic, [this](const cc::Event& e) {
        auto copy = cc::json::object();
        copy->set("topic", e.topic);
        copy->set("publisher", e.publisher);
        copy->set("payload", e.payload);
        std::lock_guard<std::mutex> lock(mutex_);
        events_->add(copy);
      });
    }
    d.http().add("GET", "/api/test/analysis-events", [this](cc::Request&, cc::Response& res) {
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

CODECOUNCIL_PLUGIN(EventProbePlugin)
