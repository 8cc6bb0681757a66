#pragma once
// What the host gives a plugin. Owned by the host, it outlives the plugin. Everything a
// plugin registers through it is recorded against that plugin and removed when it stops.
//
// Lifetimes (SDK 2.0, with Plugin::declare()):
//   Plugin object  created when its library loads, destroyed when the host exits; it outlives
//                  every handler it declared and every call of them.
//   Context        created just before start(), lives until the host exits: start() may keep
//                  `&ctx` (and &ctx.db(), &ctx.events(), &ctx.logger()) in members.
//   Declarations   only during declare(): keep nothing of it; handlers recorded there live on.
//   Handlers       (routes, middleware, jobs, subscriptions declared in declare()) capture
//                  `this` and read members. The host installs them after start() returned and
//                  removes them before stop() is called; HTTP has drained and the scheduler
//                  has stopped before any plugin stops. So a handler runs only between the end
//                  of start() and the beginning of stop(), and every member start() created is
//                  there while it runs. A plugin whose start() throws has none installed.
//   Captured objects  a handler captures `this` (and values from the settings), never
//                  objects of its own; the state lives in members, like a Drogon controller.
//   State          members created in start() (std::unique_ptr / std::shared_ptr), released
//                  in stop() after the threads they own are stopped and their queues flushed.
//                  stop() runs after the stop() of every plugin that depends on this one, so
//                  a service it provided is no longer used by then.
//   Services       provide<T>() in start() what declare() announced with provides<T>(); a
//                  dependent calls get<T>() in its start() and may keep the pointer until its
//                  stop().
// A plugin that declares registers nothing more in start(): http().add/use, scheduler() and
// events().declare/subscribe throw std::logic_error there (its start fails), so listings show
// all it serves. One written before declare() (the default declare()) registers in start() as
// before; listings cannot show that part.
#include <codecouncil/sdk/config.hpp>
#include <codecouncil/sdk/database.hpp>
#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/http.hpp>
#include <codecouncil/sdk/log.hpp>
#include <codecouncil/sdk/mailer.hpp>
#include <codecouncil/sdk/scheduler.hpp>
#include <codecouncil/sdk/services.hpp>
#include <codecouncil/sdk/users.hpp>
#include <codecouncil/sdk/waiting.hpp>

#include <Poco/Logger.h>
#include <prometheus/registry.h>

#include <string>

namespace cc {

struct HostInfo {
  std::string version;      ///< the host's version
  std::string environment;  ///< "development", "production", ...
  std::string instanceId;   ///< unique per running process
  std::string configDir;    ///< folder of the config file; relative paths resolve against it
  std::string dataDir;      ///< writable folder for files the host keeps
  std::string configFile;
};

class Context {
 public:
  virtual ~Context() = default;

  virtual const std::string& pluginName() const = 0;
  /// The plugin's `config:` node from the YAML file (may be undefined).
  virtual const ConfigNode& config() const = 0;
  /// The whole config file (read-only), for plugins that need host settings.
  virtual const ConfigNode& hostConfig() const = 0;
  virtual const HostInfo& host() const = 0;
  /// Whether another plugin is enabled and started (for optional cooperation).
  virtual bool pluginActive(const std::string& name) const = 0;

  virtual Database& db() = 0;
  virtual Routes& http() = 0;
  virtual Scheduler& scheduler() = 0;
  virtual Events& events() = 0;
  virtual Services& services() = 0;
  virtual Mailer& mailer() = 0;
  /// The plugin's Poco logger. Its printf-style calls (`logger().error("%s", x)`) are
  /// deprecated: a wrong conversion compiles and logs "[ERRFMT]". Write lines through log().
  virtual Poco::Logger& logger() = 0;
  /// The same logger with `{}` formatting checked while compiling (log.hpp). Not virtual:
  /// adding it changed no vtable.
  Log log() { return Log(logger()); }
  virtual prometheus::Registry& metrics() = 0;
  /// The host's user accounts (SDK 2.0): the only way a plugin reads or changes "User".
  virtual Users& users() = 0;
  /// Waiting for another thread's work without holding the request's thread (SDK 2.0,
  /// waiting.hpp); outside a request it blocks the calling thread.
  virtual Waiting& waiting() = 0;
};

}  // namespace cc
