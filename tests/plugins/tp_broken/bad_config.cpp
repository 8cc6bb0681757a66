// Validates its config with a schema; used to check that every error is reported together.
#include <codecouncil/sdk/sdk.hpp>

class BadConfigPlugin : public cc::Plugin {
 public:
  std::string name() const override { return "tp_bad_config"; }
  std::string version() const override { return "0.0.1"; }
  void validate(const cc::ConfigNode& config, cc::ConfigErrors& errors) override {
    cc::ConfigSchema().integer("limit", 1, 10, true).oneOf("mode", {"fast", "safe"}).check(config, errors);
  }
  void start(cc::Context&) override {}
};

CODECOUNCIL_PLUGIN(BadConfigPlugin)
