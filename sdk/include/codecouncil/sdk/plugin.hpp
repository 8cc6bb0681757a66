#pragma once
// A plugin is one class derived from cc::Plugin, exported with CODECOUNCIL_PLUGIN(Class).
//
// Lifecycle (Drogon's order, Envoy's validation):
//   validate(config, errors)  every enabled plugin, before anything is created; no side effects
//   declare(d)                every enabled plugin, right after validate; records routes,
//                             middleware, jobs, topics, subscriptions, commands and provided
//                             services (declarations.hpp); no side effects. Listings stop here.
//   start(ctx)                dependencies first; builds the runtime state (members) the
//                             declared handlers use, provides services; then the host installs
//                             the declared handlers
//   stop()                    exact reverse of the start order; the plugin's handlers are
//                             removed before it is called (context.hpp, "Lifetimes")
#include <codecouncil/sdk/commands.hpp>
#include <codecouncil/sdk/config.hpp>
#include <codecouncil/sdk/context.hpp>
#include <codecouncil/sdk/declarations.hpp>
#include <codecouncil/sdk/version.hpp>

#include <string>
#include <vector>

namespace cc {

class Plugin {
 public:
  virtual ~Plugin() = default;

  virtual std::string name() const = 0;
  virtual std::string version() const = 0;
  /// Plugins that must be enabled and started first; without them this plugin does not start.
  virtual std::vector<std::string> dependencies() const { return {}; }
  /// Plugins started first when enabled; this plugin starts without them (and says so).
  virtual std::vector<std::string> optionalDependencies() const { return {}; }

  /// Report every problem in `config` to `errors`. Must not touch anything outside.
  virtual void validate(const ConfigNode& config, ConfigErrors& errors) { (void)config, (void)errors; }
  /// Everything the plugin will register (declarations.hpp). Must not touch anything outside:
  /// no database, threads, files or network. The default keeps the pre-declare() behaviour:
  /// everything is registered in start() and listings cannot show it.
  virtual void declare(Declarations& d) { d.registersInStart(); }
  /// Subcommands of the `codecouncil` binary; called for every enabled plugin. Superseded by
  /// Declarations::commands(); still called, for plugins written before declare().
  virtual void registerCommands(Commands& commands) { (void)commands; }
  virtual void start(Context& ctx) = 0;
  virtual void stop() {}
};

/// The one C symbol a plugin library exports. The first two fields never move, so the host
/// can read them from any plugin and refuse a mismatch before touching the rest.
struct PluginEntry {
  int abiVersion;
  const char* buildSignature;
  const char* sdkVersion;
  Plugin* (*create)();
  void (*destroy)(Plugin*);
};

}  // namespace cc

#define CODECOUNCIL_PLUGIN_ENTRY_SYMBOL codecouncil_plugin_entry

/// Exports `Class` (default-constructible, derived from cc::Plugin) as this library's plugin.
#define CODECOUNCIL_PLUGIN(Class)                                                              \
  extern "C" __attribute__((visibility("default"))) const ::cc::PluginEntry*                 \
  codecouncil_plugin_entry() {                                                                 \
    static const ::cc::PluginEntry entry{                                                      \
        ::cc::kSdkAbiVersion, CODECOUNCIL_BUILD_SIGNATURE, CODECOUNCIL_SDK_VERSION,           \
        []() -> ::cc::Plugin* { return new Class(); }, [](::cc::Plugin* p) { delete p; }};     \
    return &entry;                                                                             \
  }
