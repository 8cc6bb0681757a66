#pragma once
// cc::Declarations: what a plugin will register, said before anything exists (SDK 2.0).
//
// The host calls Plugin::declare(d) for every enabled plugin right after validate(), before
// it opens the database or starts anything. Listings (`codecouncil plugins`, `events`,
// `help`) call declare() and nothing else, so they open no database, start no thread and
// write no file. declare() must therefore only record: no database, threads, files, network.
//
// Handlers recorded here capture `this` (like a Drogon controller): the plugin object
// outlives them, and the state they read is created in start() (context.hpp, "Lifetimes").
// The host installs them only after start() succeeded; a plugin whose start() fails serves
// none of them. Topics are installed just before start(), so start() may publish them.
#include <codecouncil/sdk/commands.hpp>
#include <codecouncil/sdk/config.hpp>
#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/http.hpp>
#include <codecouncil/sdk/scheduler.hpp>
#include <codecouncil/sdk/services.hpp>

#include <string>

namespace cc {

struct HostInfo;

class Declarations {
 public:
  virtual ~Declarations() = default;

  virtual const std::string& pluginName() const = 0;
  /// The plugin's `config:` node (ConfiguredPlugin hands it over bound as Settings).
  virtual const ConfigNode& config() const = 0;
  virtual const ConfigNode& hostConfig() const = 0;
  /// Version, environment and folders; instanceId is empty in a listing.
  virtual const HostInfo& host() const = 0;

  /// Routes and middleware, as Context::http() takes them.
  virtual Routes& http() = 0;
  /// Jobs, as Context::scheduler() takes them.
  virtual Scheduler& scheduler() = 0;
  /// Subcommands of the `codecouncil` binary (replaces Plugin::registerCommands).
  virtual Commands& commands() = 0;
  /// Makes this plugin the topic's only publisher (as Events::declare).
  virtual void topic(const TopicSpec& topic) = 0;
  /// topic "*" receives every event.
  virtual void subscribe(const std::string& topic, EventHandler handler) = 0;
  /// Says start() provides this service (it still calls ctx.services().provide<T>(ptr)); a
  /// start() that does not is a failed start.
  virtual void providesRaw(const std::string& name, int contractVersion) = 0;
  template <class T>
  void provides() {
    providesRaw(T::kServiceName, contractVersionOf<T>());
  }

  /// The default Plugin::declare() says this: the plugin registers everything in start(), as
  /// before declare() existed. It still works when served; listings cannot show its routes,
  /// jobs or subscriptions without starting it, and say so.
  virtual void registersInStart() = 0;
};

}  // namespace cc
