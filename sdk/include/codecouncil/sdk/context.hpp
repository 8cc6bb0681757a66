#pragma once
// What the host gives a plugin. Owned by the host, it outlives the plugin. Everything a
// plugin registers through it is recorded against that plugin and removed when it stops.
#include <codecouncil/sdk/config.hpp>
#include <codecouncil/sdk/database.hpp>
#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/http.hpp>
#include <codecouncil/sdk/log.hpp>
#include <codecouncil/sdk/mailer.hpp>
#include <codecouncil/sdk/scheduler.hpp>
#include <codecouncil/sdk/services.hpp>
#include <codecouncil/sdk/users.hpp>

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
};

}  // namespace cc
