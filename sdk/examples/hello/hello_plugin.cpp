// The smallest useful plugin: one validated config key, one route, one event.
#include <codecouncil/sdk/sdk.hpp>

namespace {

class HelloPlugin : public cc::Plugin {
 public:
  std::string name() const override { return "hello"; }
  std::string version() const override { return "1.0.0"; }

  // Called before anything starts; report every problem, touch nothing.
  void validate(const cc::ConfigNode& config, cc::ConfigErrors& errors) override {
    cc::ConfigSchema().string("greeting").check(config, errors);
  }

  void start(cc::Context& ctx) override {
    std::string greeting = ctx.config().getString("greeting", "Hello");
    cc::Events* events = &ctx.events();
    events->declare({"hello_greeted", {}, "someone was greeted"});  // only this plugin may publish it
    ctx.http().add("GET", "/api/hello/:name", [greeting, events](cc::Request& req, cc::Response& res) {
      auto body = cc::json::object();
      body->set("message", greeting + ", " + req.param("name") + "!");
      res.json(200, body);
      events->publish("hello_greeted", cc::json::object(), req);
    }, {cc::Access::Public});
    ctx.log().info("hello plugin ready, greeting '{}'", greeting);
  }
};

}  // namespace

CODECOUNCIL_PLUGIN(HelloPlugin)
