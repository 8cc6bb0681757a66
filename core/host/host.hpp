#pragma once
// The running host: config -> logging -> database -> plugins loaded and validated ->
// migrations -> routes -> plugins started -> scheduler -> HTTP. Shutdown runs the other way:
// stop accepting, drain, stop the scheduler, stop plugins in reverse, close the database.
#include "core/auth/auth_guards.hpp"
#include "core/auth/jwt.hpp"
#include "core/auth/user_directory.hpp"
#include "core/auth/user_store.hpp"
#include "core/config/host_config.hpp"
#include "core/db/database_impl.hpp"
#include "core/events/event_bus.hpp"
#include "core/http/http_server.hpp"
#include "core/http/pipeline.hpp"
#include "core/mail/outbox_dispatcher.hpp"
#include "core/mail/outbox_mailer.hpp"
#include "core/plugins/plugin_manager.hpp"
#include "core/scheduler/job_scheduler.hpp"
#include "core/services/service_registry.hpp"

#include <prometheus/registry.h>

#include <map>
#include <memory>

namespace cc::core {

class Host {
 public:
  explicit Host(HostConfig config);
  ~Host();

  /// Everything up to (not including) starting plugins and serving: open the database, load
  /// and validate plugins, apply migrations. Throws with a message for the operator.
  void prepare(bool applyMigrations = true);
  /// Starts plugins, the scheduler and HTTP; returns once listening.
  void start();
  /// Blocks until SIGTERM/SIGINT, then shuts down.
  void waitForTermination();
  void shutdown();

  int runMigrationsOnly();
  /// Plugins, routes, jobs, topics and services from the declarations alone: no database is
  /// opened, no plugin started, no thread started, no file written.
  int listPlugins(std::ostream& out);
  /// Loads, validates and declares the plugins and installs their declarations into host
  /// objects that never serve, run or connect (for `events`). Throws on a plugin error.
  /// Returns the plugins whose records did not fit, one line each.
  std::vector<std::string> prepareListing();
  /// Loads, validates and declares the plugins and collects their commands (for `help`).
  void prepareCommands();
  /// Enabled plugins that register in start() (no declare()): listings cannot show their parts.
  std::vector<std::string> pluginsRegisteringInStart() const;
  int promoteUser(const std::string& email, std::ostream& out);
  /// Runs a plugin-provided subcommand; returns -1 when no plugin provides `name`.
  int runPluginCommand(const std::string& name, const std::vector<std::string>& args);
  std::vector<std::pair<std::string, std::string>> pluginCommands();
  /// After prepare(): starts the plugins, so their jobs are registered, but not the scheduler's
  /// loop, mail or HTTP (for `codecouncil jobs`). The destructor stops them again.
  JobScheduler& startPluginsForCommand();

  const HostConfig& config() const { return config_; }
  /// After prepare(): the bus with core's topics, and the plugins' once they have started.
  EventBus& eventBus() { return *bus_; }
  /// After prepareListing(): the jobs the plugins declared, in a scheduler that never runs.
  const JobScheduler& jobScheduler() const { return *scheduler_; }
  int port() const { return server_ ? server_->port() : 0; }

 private:
  /// The host objects plugins reach through their Context.
  void createServices(const HostInfo& info);
  HostInfo hostInfo(const std::string& instanceId) const;
  void loadAndDeclare(const HostInfo& info);
  std::vector<std::string> installListing();
  void checkServerSessions();
  void setupJwt();
  void registerCoreRoutes();
  void collectPluginCommands();

  HostConfig config_;
  Poco::Logger& log_;
  HostServices services_;
  std::unique_ptr<PooledDatabase> db_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<EventBus> bus_;
  std::unique_ptr<ServiceRegistry> registry_;
  std::unique_ptr<JobScheduler> scheduler_;
  std::unique_ptr<OutboxMailer> mailer_;
  std::unique_ptr<OutboxDispatcher> dispatcher_;
  std::shared_ptr<prometheus::Registry> metrics_;
  std::unique_ptr<UserStore> users_;
  std::unique_ptr<UserDirectory> userDirectory_;  ///< cc::Users for plugins
  std::unique_ptr<AuthGuards> authGuards_;
  std::unique_ptr<JwtService> jwt_;
  std::unique_ptr<PluginManager> plugins_;
  std::unique_ptr<HttpServer> server_;
  struct CommandEntry {
    std::string plugin, summary;
    Command command;
  };
  std::map<std::string, CommandEntry> commands_;
  bool started_ = false;
};

/// Logging to stderr through an async channel, at the configured level.
void setupLogging(const std::string& level);
/// Writes out every log line queued so far (the log channel is asynchronous), so a message
/// printed to stderr next comes after the lines that explain it.
void flushLog();

}  // namespace cc::core
