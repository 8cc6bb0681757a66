// Test plugin that requires tp_echo and uses its service; records start/stop order.
#include <codecouncil/sdk/sdk.hpp>

#include <fstream>

namespace {

struct Greeter {
  static constexpr const char* kServiceName = "tp_echo.greeter";
  std::string greeting;
  std::string greet(const std::string& who) const { return greeting + ", " + who; }
};

class DependentPlugin : public cc::Plugin {
 public:
  std::string name() const override { return "tp_dependent"; }
  std::string version() const override { return "0.1.0"; }
  std::vector<std::string> dependencies() const override { return {"tp_echo"}; }
  std::vector<std::string> optionalDependencies() const override { return {"tp_optional_absent"}; }

  void start(cc::Context& ctx) override {
    log_ = ctx.host().dataDir + "/lifecycle.log";
    append("start tp_dependent");
    auto greeter = ctx.services().get<Greeter>();
    if (!greeter) throw std::runtime_error("tp_echo.greeter service missing");
    ctx.http().add("GET", "/api/test/greet", [greeter](cc::Request&, cc::Response& res) {
      auto o = cc::json::object();
      o->set("message", greeter->greet("dependent"));
      res.json(200, o);
    }, {cc::Access::Public});
  }
  void stop() override { append("stop tp_dependent"); }

 private:
  void append(const std::string& line) {
    std::ofstream(log_, std::ios::app) << line << "\n";
  }
  std::string log_;
};

}  // namespace

CODECOUNCIL_PLUGIN(DependentPlugin)
