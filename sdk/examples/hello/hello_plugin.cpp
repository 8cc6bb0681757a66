// The smallest useful plugin: one typed config key, one route, one event.
#include <codecouncil/sdk/sdk.hpp>

namespace {

// The config, declared once: the key, its type and its default (the member's initial value).
struct HelloSettings {
  std::string greeting = "Hello";
  static void describe(cc::ConfigReader& r, HelloSettings& s) { r.string("greeting", s.greeting); }
};

// validate(), declare(d) and start(ctx) come from ConfiguredPlugin, with the settings bound.
class HelloPlugin : public cc::ConfiguredPlugin<HelloSettings> {
 public:
  std::string name() const override { return "hello"; }
  std::string version() const override { return "1.0.0"; }

  // What it will register, with no side effects (`codecouncil plugins` stops here).
  void declare(cc::Declarations& d, const HelloSettings& settings) override {
    d.topic({"hello_greeted", {}, "someone was greeted"});  // only this plugin may publish it
    d.http().add("GET", "/api/hello/:name", [this, greeting = settings.greeting](cc::Request& req, cc::Response& res) {
      auto body = cc::json::object();
      body->set("message", greeting + ", " + req.param("name") + "!");
      res.json(200, body);
      events_->publish("hello_greeted", cc::json::object(), req);  // set in start(): handlers run after it
    }, {cc::Access::Public});
  }
  void start(cc::Context& ctx, const HelloSettings& settings) override {
    events_ = &ctx.events();
    ctx.log().info("hello plugin ready, greeting '{}'", settings.greeting);
  }

 private:
  cc::Events* events_ = nullptr;
};

}  // namespace

CODECOUNCIL_PLUGIN(HelloPlugin)
