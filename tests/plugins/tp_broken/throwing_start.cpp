// Registers a route, then throws in start(): the host must roll the route back.
#include <codecouncil/sdk/sdk.hpp>

class ThrowingStart : public cc::Plugin {
 public:
  std::string name() const override { return "tp_throwing_start"; }
  std::string version() const override { return "0.0.1"; }
  void start(cc::Context& ctx) override {
    ctx.http().add("GET", "/api/test/half-started", [](cc::Request&, cc::Response& res) { res.text(200, "should not exist"); },
                   {cc::Access::Public});
    throw std::runtime_error("database of wishes unavailable");
  }
};

CODECOUNCIL_PLUGIN(ThrowingStart)
