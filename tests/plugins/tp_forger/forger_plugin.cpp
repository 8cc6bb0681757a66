// Test-only plugin for the typed-events tests: a plugin that tries to publish topics it does
// not own, and a subscriber that shows what each delivery says about its publisher.
//   config: { declare: [topic, ...] }  topics to declare at start (a taken one fails the start)
//   POST /api/test/forger/publish {"topic": "...", "payload": {...}}
//        -> 202 delivered; 403 {"error": the bus's refusal} when the bus refused it
//   GET  /api/test/forger/deliveries -> [{"topic", "publisher", "payload"}...] every event seen
// Its own topic "tp_forger.greeted" is declared with a required string field "name".
#include <codecouncil/sdk/sdk.hpp>

#include <mutex>

namespace {

class ForgerPlugin : public cc::Plugin {
 public:
  std::string name() const override { return "tp_forger"; }
  std::string version() const override { return "0.0.1-test"; }
  // Starts after billing when billing is enabled, so billing's topics are already declared.
  std::vector<std::string> optionalDependencies() const override { return {"billing", "audit"}; }

  void declare(cc::Declarations& d) override {
    d.topic({"tp_forger.greeted", {{"name", cc::FieldType::String, true}}, "the forger's own topic"});
    if (d.config().has("declare"))
      for (auto& topic : d.config().child("declare").asStringList()) d.topic({topic, {}, "taken by tp_forger"});

    d.http().add("POST", "/api/test/forger/publish", [this](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      std::string topic = cc::json::requireString(body, "topic");
      auto payload = body->has("payload") ? body->getObject("payload") : cc::json::object();
      try {
        events_->publish(topic, payload, req);
      } catch (const std::logic_error& e) {
        throw cc::HttpError(403, e.what());
      }
      res.json(202, cc::json::object());
    }, {cc::Access::Public});

    d.subscribe("*", [this](const cc::Event& e) {
      auto copy = cc::json::object();
      copy->set("topic", e.topic);
      copy->set("publisher", e.publisher);
      copy->set("payload", e.payload);
      std::lock_guard<std::mutex> lock(mutex_);
      deliveries_->add(copy);
    });
    d.http().add("GET", "/api/test/forger/deliveries", [this](cc::Request&, cc::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      res.json(200, deliveries_);
    }, {cc::Access::Public});
  }

  void start(cc::Context& ctx) override { events_ = &ctx.events(); }

 private:
  cc::Events* events_ = nullptr;
  std::mutex mutex_;
  cc::json::ArrayPtr deliveries_ = cc::json::array();
};

}  // namespace

CODECOUNCIL_PLUGIN(ForgerPlugin)
