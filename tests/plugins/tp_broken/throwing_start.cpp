// Declares a route, then throws in start(): the host must never serve it. With
// `log_lines: N` it first logs N lines, so the asynchronous log is still busy when the start
// fails (the fatal message must still come after them).
#include <codecouncil/sdk/sdk.hpp>

class ThrowingStart : public cc::Plugin {
 public:
  std::string name() const override { return "tp_throwing_start"; }
  std::string version() const override { return "0.0.1"; }
  void declare(cc::Declarations& d) override {
    d.http().add("GET", "/api/test/half-started", [](cc::Request&, cc::Response& res) { res.text(200, "should not exist"); },
                 {cc::Access::Public});
  }
  void start(cc::Context& ctx) override {
    const auto lines = ctx.config().getInt("log_lines", 0);
    for (std::int64_t i = 0; i < lines; ++i) ctx.logger().information("wish %d of %d", static_cast<int>(i), static_cast<int>(lines));
    throw std::runtime_error("database of wishes unavailable");
  }
};

CODECOUNCIL_PLUGIN(ThrowingStart)
