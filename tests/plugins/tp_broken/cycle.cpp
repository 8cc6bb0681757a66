// Two copies of this plugin depend on each other: a dependency cycle.
#include <codecouncil/sdk/sdk.hpp>

class CyclePlugin : public cc::Plugin {
 public:
  std::string name() const override { return CYCLE_SELF; }
  std::string version() const override { return "0.0.1"; }
  std::vector<std::string> dependencies() const override { return {CYCLE_OTHER}; }
  void declare(cc::Declarations&) override {}  // registers nothing (never starts: the cycle stops it)
  void start(cc::Context&) override {}
};

CODECOUNCIL_PLUGIN(CyclePlugin)
