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
  bool registerInStart = false;  ///< also add a route through ctx in start(), which the host refuses
  static void describe(cc::ConfigReader& r, EchoSettings& s) {
    r.string("greeting", s.greeting).integer("job_seconds", 0, 3600, s.jobSeconds).boolean("fail_start", s.failStart);
    r.boolean("register_in_start", s.registerInStart);
  }
};

class EchoPlugin : public cc::ConfiguredPlugin<EchoSettings> {
 public:
  std::string name() const override { return "tp_echo"; }
  std::string version() const override { return "1.2.3"; }

  // Everything it registers, declared before anything exists; handlers capture `this` and
  // read the members start() fills in (context.hpp, "Lifetimes").
  void declare(cc::Declarations& d, const EchoSettings& settings) override {
    d.commands().add("echo-count", "count rows written by the echo job", [](cc::Context& ctx, const std::vector<std::string>& args) {
      auto s = ctx.db().session();
      int n = 0;
      s << "SELECT COUNT(*) FROM tp_job_effects", into(n), now;
      std::printf("echo-count %d args=%zu\n", n, args.size());
      return 0;
    });
    d.provides<Greeter>();

    d.http().add("GET", "/api/test/echo/:word", [this](cc::Request& req, cc::Response& res) {
      auto o = cc::json::object();
      o->set("word", req.param("word"));
      o->set("greeting", greeter_->greet(req.param("word")));
      o->set("route", req.routeTemplate);
      res.json(200, o);
    }, {cc::Access::Public});

    // Shows a request header as a handler sees it (the socket layer's text checks).
    d.http().add("GET", "/api/test/header/:name", [](cc::Request& req, cc::Response& res) {
      auto o = cc::json::object();
      o->set("value", req.header(req.param("name")));
      res.json(200, o);
    }, {cc::Access::Public});

    d.http().add("POST", "/api/test/body", [](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      auto o = cc::json::object();
      o->set("text", cc::json::requireString(body, "text"));
      o->set("user", req.requireUser().email);
      res.json(200, o);
    }, {cc::Access::User, 64});

    d.http().add("GET", "/api/test/admin", [](cc::Request&, cc::Response& res) { res.text(200, "admin ok"); },
                 {cc::Access::Admin});
    d.http().add("GET", "/api/test/throw", [](cc::Request&, cc::Response&) { throw std::runtime_error("boom"); },
                 {cc::Access::Public});
    d.http().add("GET", "/api/test/slow", [](cc::Request&, cc::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      res.text(200, "slow done");
    }, {cc::Access::Public});

    // Middleware: tags every response, and records the order it ran in.
    d.http().use("tp_echo.tag", cc::phase::kDefault, [](cc::Request& req, cc::Response& res, const cc::Next& next) {
      next();
      res.setHeader("X-Echo-Route", req.routeTemplate.empty() ? "-" : req.routeTemplate);
    });

    // Events: every user_signup is recorded in the plugin's own table.
    d.subscribe("user_signup", [this](const cc::Event& e) {
      auto s = db_->session();
      std::string userId = e.payload->getValue<std::string>("userId");
      std::string topic = e.topic;
      s << db_->sql("INSERT INTO tp_events (topic, \"userId\") VALUES (?, ?)"), use(topic), use(userId), now;
    });

    if (settings.jobSeconds > 0) {
      d.scheduler().every("tick", std::chrono::seconds(settings.jobSeconds), [this](const cc::JobRun& run) {
        auto s = db_->session();
        std::string slot = run.slot, inst = instance_;
        s << db_->sql("INSERT INTO tp_job_effects (slot, instance) VALUES (?, ?)"), use(slot), use(inst), now;
      });
    }
  }

  void start(cc::Context& ctx, const EchoSettings& settings) override {
    db_ = &ctx.db();
    instance_ = ctx.host().instanceId;
    greeter_ = std::make_shared<Greeter>();
    greeter_->greeting = settings.greeting;
    ctx.services().provide<Greeter>(greeter_);
    if (settings.failStart) throw std::runtime_error("tp_echo was told to fail");
    if (settings.registerInStart)
      ctx.http().add("GET", "/api/test/late", [](cc::Request&, cc::Response& res) { res.text(200, "late"); },
                     {cc::Access::Public});
  }

  void stop() override { greeter_.reset(); }

 private:
  cc::Database* db_ = nullptr;
  std::string instance_;
  std::shared_ptr<Greeter> greeter_;
};

}  // namespace

CODECOUNCIL_PLUGIN(EchoPlugin)
