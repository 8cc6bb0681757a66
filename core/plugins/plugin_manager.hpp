#pragma once
// Loads, validates, orders, starts and stops the plugins listed in the config.
//
//   load      every enabled plugin's library (ABI and signature checked)
//   validate  every loaded plugin's config; all problems reported together
//   order     dependencies first (topological); a cycle or a missing dependency names them
//   declare   every loaded plugin records its routes, jobs, topics, ... (no side effects);
//             the listings stop here and install the records into scratch host objects
//   start     in that order; topics go in before a plugin's start(), its handlers after it
//             succeeded; a failing required plugin stops the start (the ones already
//             started are stopped in reverse); a failing optional one is skipped loudly,
//             with every plugin that requires it
//   stop      exact reverse of the recorded start order
#include "core/config/host_config.hpp"
#include "core/db/migrations.hpp"
#include "core/plugins/plugin_context.hpp"
#include "core/plugins/plugin_declarations.hpp"
#include "core/plugins/plugin_library.hpp"

#include <codecouncil/sdk/commands.hpp>

#include <Poco/Logger.h>

#include <memory>
#include <string>
#include <vector>

namespace cc::core {

enum class PluginStatus { Disabled, Loaded, Started, Failed, Skipped, Stopped };
const char* toString(PluginStatus s);

struct PluginInfo {
  std::string name;
  std::string version;
  std::string path;
  bool optional = false;
  PluginStatus status = PluginStatus::Disabled;
  std::string error;
  std::vector<std::string> dependencies;
  std::vector<std::string> optionalDependencies;
};

class PluginStartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PluginManager {
 public:
  PluginManager(const HostConfig& config, Poco::Logger& log);
  ~PluginManager();

  /// Load, validate and order. Throws PluginStartError listing every problem of required plugins.
  void load();
  /// After load(): every loaded plugin's declare(). A throwing declare() fails the plugin like
  /// a config error (PluginStartError for a required one).
  void declare(const HostInfo& info, const ConfigNode& hostConfig);
  /// For the listings: installs every declared plugin's records without starting anything.
  /// Returns one line per plugin whose records did not fit (a duplicate route, a topic
  /// declared twice).
  std::vector<std::string> installDeclarations(HostServices& host);
  /// nullptr before declare() or for a plugin that did not load.
  const PluginDeclarations* declarations(const std::string& name) const;
  /// Migration folders of the loaded plugins, in start order.
  std::vector<MigrationSource> migrationSources() const;
  void registerCommands(const std::string& pluginName, Commands& commands);
  void start(HostServices& host);
  void stop();

  std::vector<PluginInfo> plugins() const;
  bool active(const std::string& name) const;
  /// Builds a Context for a plugin that is loaded but not started (for its CLI commands).
  std::unique_ptr<PluginContext> commandContext(const std::string& name, HostServices& host) const;

 private:
  struct State;
  State* find(const std::string& name);
  const State* find(const std::string& name) const;
  void loadLibraries(std::vector<std::string>& fatal);
  std::string whereToFixPath(const PluginEntryConfig& entry) const;
  void reportMissingOptional(const State& s, const std::string& dep, const State* d);
  void validateConfigs(std::vector<std::string>& fatal);
  void resolveDependencies(std::vector<std::string>& fatal);
  void computeOrder(std::vector<std::string>& fatal);
  void fail(State& s, const std::string& error, std::vector<std::string>& fatal);
  void failDependents(const std::string& name, std::vector<std::string>* fatal);
  void stopOne(State& s);

  const HostConfig& config_;
  Poco::Logger& log_;
  std::vector<std::unique_ptr<State>> states_;
  std::vector<std::string> order_;    // start order of loaded plugins
  std::vector<std::string> started_;  // recorded start order
};

}  // namespace cc::core
