// Declares typed config with a required key; used to check that every error is reported together.
#include <codecouncil/sdk/sdk.hpp>

struct BadConfigSettings {
  int limit = 1;
  std::string mode = "fast";
  static void describe(cc::ConfigReader& r, BadConfigSettings& s) {
    r.integer("limit", 1, 10, s.limit, /*required=*/true).oneOf("mode", {"fast", "safe"}, s.mode);
  }
};

class BadConfigPlugin : public cc::ConfiguredPlugin<BadConfigSettings> {
 public:
  std::string name() const override { return "tp_bad_config"; }
  std::string version() const override { return "0.0.1"; }
  void declare(cc::Declarations&, const BadConfigSettings&) override {}  // registers nothing
  void start(cc::Context&, const BadConfigSettings&) override {}
};

CODECOUNCIL_PLUGIN(BadConfigPlugin)
