// The smallest useful plugin: one typed config key, one route, one event.
#include <codecouncil/sdk/sdk.hpp>

namespace {

// The config, declared once: the key, its type and its default (the member's initial value).
struct HelloSettings {
  std::string greeting = "Hello";
  static void describe(cc::ConfigReader& r, HelloSettings& s) { r.string("greeting", s.greeting); }
};

// validate() (every problem, before anything starts) and start(ctx) come from ConfiguredPlugin.
class HelloPlugin : public cc::ConfiguredPlugin<HelloSettings> {
 public:
  std::string name() const override { return "hello"; }
  std::string version() const override { return "1.0.0"; }

  void start(cc::Context& ctx, const HelloSettings& settings) override {
    std::string greeting = settings.greeting;
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
