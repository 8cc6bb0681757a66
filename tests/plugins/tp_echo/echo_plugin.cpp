// Test plugin exercising every SDK facility: typed config, routes with params, middleware,
// a service, events, a scheduled job with a database effect, its own migrations, a command.
#include <codecouncil/sdk/sdk.hpp>

#include <atomic>
#include <cstdio>
#include <thread>

using namespace Poco::Data::Keywords;

namespace {

struct Greeter {
  static constexpr const char* kServiceName = "tp_echo.greeter";
  std::string greeting;
  std::string greet(const std::string& who) const { return greeting + ", " + who; }
};

struct EchoSettings {
  std::string greeting = "hello";
  int jobSeconds = 0;
  bool failStart = false;
  static void describe(cc::ConfigReader& r, EchoSettings& s) {
    r.string("greeting", s.greeting).integer("job_seconds", 0, 3600, s.jobSeconds).boolean("fail_start", s.failStart);
  }
};

class EchoPlugin : public cc::ConfiguredPlugin<EchoSettings> {
 public:
  std::string name() const override { return "tp_echo"; }
  std::string version() const override { return "1.2.3"; }

  void registerCommands(cc::Commands& commands) override {
    commands.add("echo-count", "count rows written by the echo job", [](cc::Context& ctx, const std::vector<std::string>& args) {
      auto s = ctx.db().session();
      int n = 0;
      s << "SELECT COUNT(*) FROM tp_job_effects", into(n), now;
      std::printf("echo-count %d args=%zu\n", n, args.size());
      return 0;
    });
  }

  void start(cc::Context& ctx, const EchoSettings& settings) override {
    auto greeter = std::make_shared<Greeter>();
    greeter->greeting = settings.greeting;
    ctx.services().provide<Greeter>(greeter);

    ctx.http().add("GET", "/api/test/echo/:word", [greeter](cc::Request& req, cc::Response& res) {
      auto o = cc::json::object();
      o->set("word", req.param("word"));
      o->set("greeting", greeter->greet(req.param("word")));
      o->set("route", req.routeTemplate);
      res.json(200, o);
    }, {cc::Access::Public});

    // Shows a request header as a handler sees it (the socket layer's text checks).
    ctx.http().add("GET", "/api/test/header/:name", [](cc::Request& req, cc::Response& res) {
      auto o = cc::json::object();
      o->set("value", req.header(req.param("name")));
      res.json(200, o);
    }, {cc::Access::Public});

    ctx.http().add("POST", "/api/test/body", [](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      auto o = cc::json::object();
      o->set("text", cc::json::requireString(body, "text"));
      o->set("user", req.requireUser().email);
      res.json(200, o);
    }, {cc::Access::User, 64});

    ctx.http().add("GET", "/api/test/admin", [](cc::Request&, cc::Response& res) { res.text(200, "admin ok"); },
                   {cc::Access::Admin});
    ctx.http().add("GET", "/api/test/throw", [](cc::Request&, cc::Response&) { throw std::runtime_error("boom"); },
                   {cc::Access::Public});
    ctx.http().add("GET", "/api/test/slow", [](cc::Request&, cc::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      res.text(200, "slow done");
    }, {cc::Access::Public});

    // Middleware: tags every response, and records the order it ran in.
    ctx.http().use("tp_echo.tag", cc::phase::kDefault, [](cc::Request& req, cc::Response& res, const cc::Next& next) {
      next();
      res.setHeader("X-Echo-Route", req.routeTemplate.empty() ? "-" : req.routeTemplate);
    });

    // Events: every user_signup is recorded in the plugin's own table.
    cc::Database* db = &ctx.db();
    ctx.events().subscribe("user_signup", [db](const cc::Event& e) {
      auto s = db->session();
      std::string userId = e.payload->getValue<std::string>("userId");
      std::string topic = e.topic;
      s << db->sql("INSERT INTO tp_events (topic, \"userId\") VALUES (?, ?)"), use(topic), use(userId), now;
    });

    int seconds = settings.jobSeconds;
    if (seconds > 0) {
      std::string instance = ctx.host().instanceId;
      ctx.scheduler().every("tick", std::chrono::seconds(seconds), [db, instance](const cc::JobRun& run) {
        auto s = db->session();
        std::string slot = run.slot, inst = instance;
        s << db->sql("INSERT INTO tp_job_effects (slot, instance) VALUES (?, ?)"), use(slot), use(inst), now;
      });
    }
    if (settings.failStart) throw std::runtime_error("tp_echo was told to fail");
  }
};

}  // namespace

CODECOUNCIL_PLUGIN(EchoPlugin)
