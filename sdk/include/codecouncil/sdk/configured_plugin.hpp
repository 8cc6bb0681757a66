#pragma once
// cc::ConfiguredPlugin<Settings>: a plugin whose config is declared once, in Settings::describe
// (config_reader.hpp), and handed to start() bound and checked.
//
//   struct Settings {
//     std::string greeting = "Hello";
//     static void describe(cc::ConfigReader& r, Settings& s) { r.string("greeting", s.greeting); }
//   };
//   class HelloPlugin : public cc::ConfiguredPlugin<Settings> {
//     void declare(cc::Declarations& d, const Settings& settings) override;  // routes, jobs, ...
//     void start(cc::Context& ctx, const Settings& settings) override;  // copy what you keep
//   };
//
// validate() reports every problem before any plugin starts; declare(d) and start(ctx) bind
// again (the config was valid) and call declare(d, settings) and start(ctx, settings): what a
// plugin declares may depend on its settings (a job only when its schedule is set). Optional static hooks on Settings:
//   static void finish(Settings& s);   derived values (trim a URL, an environment fallback)
//   static void check(const Settings& s, const cc::ConfigNode& config, cc::ConfigErrors& errors);
//                                      checks across keys; locate with config["key"]
// Nothing here changes the Plugin interface: this is a Plugin like any other.
#include <codecouncil/sdk/config_reader.hpp>
#include <codecouncil/sdk/plugin.hpp>

namespace cc {

template <class Settings>
class ConfiguredPlugin : public Plugin {
 public:
  void validate(const ConfigNode& config, ConfigErrors& errors) final { loadConfig<Settings>(config, errors); }
  void declare(Declarations& d) final { declare(d, loadConfig<Settings>(d.config())); }
  void start(Context& ctx) final { start(ctx, loadConfig<Settings>(ctx.config())); }
  /// The default: everything is registered in start() (Plugin::declare()).
  virtual void declare(Declarations& d, const Settings& settings) { (void)settings, d.registersInStart(); }
  virtual void start(Context& ctx, const Settings& settings) = 0;
};

}  // namespace cc
