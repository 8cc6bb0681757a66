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

  void start(cc::Context& ctx) override {
    cc::Events* events = &ctx.events();
    events->declare({"tp_forger.greeted", {{"name", cc::FieldType::String, true}}, "the forger's own topic"});
    if (ctx.config().has("declare"))
      for (auto& topic : ctx.config().child("declare").asStringList()) events->declare({topic, {}, "taken by tp_forger"});

    ctx.http().add("POST", "/api/test/forger/publish", [events](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      std::string topic = cc::json::requireString(body, "topic");
      auto payload = body->has("payload") ? body->getObject("payload") : cc::json::object();
      try {
        events->publish(topic, payload, req);
      } catch (const std::logic_error& e) {
        throw cc::HttpError(403, e.what());
      }
      res.json(202, cc::json::object());
    }, {cc::Access::Public});

    ctx.events().subscribe("*", [this](const cc::Event& e) {
      auto copy = cc::json::object();
      copy->set("topic", e.topic);
      copy->set("publisher", e.publisher);
      copy->set("payload", e.payload);
      std::lock_guard<std::mutex> lock(mutex_);
      deliveries_->add(copy);
    });
    ctx.http().add("GET", "/api/test/forger/deliveries", [this](cc::Request&, cc::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      res.json(200, deliveries_);
    }, {cc::Access::Public});
  }

 private:
  std::mutex mutex_;
  cc::json::ArrayPtr deliveries_ = cc::json::array();
};

}  // namespace

CODECOUNCIL_PLUGIN(ForgerPlugin)
