#pragma once
// What one plugin's declare() recorded (cc::Declarations), and how it is installed into the
// host's pipeline, scheduler and bus. Recording touches nothing outside this object, so the
// listings run declare() alone; serving installs the same records, so a listing shows exactly
// what a served host registers.
#include "core/plugins/plugin_context.hpp"

#include <codecouncil/sdk/declarations.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cc::core {

class PluginDeclarations : public Declarations {
 public:
  PluginDeclarations(std::string name, ConfigNode config, ConfigNode hostConfig, HostInfo info);

  const std::string& pluginName() const override { return name_; }
  const ConfigNode& config() const override { return config_; }
  const ConfigNode& hostConfig() const override { return hostConfig_; }
  const HostInfo& host() const override { return info_; }
  Routes& http() override { return routes_; }
  Scheduler& scheduler() override { return jobs_; }
  Commands& commands() override { return commands_; }
  void topic(const TopicSpec& topic) override { topics_.push_back(topic); }
  void subscribe(const std::string& topic, EventHandler handler) override {
    subscriptions_.push_back({topic, std::move(handler)});
  }
  void providesRaw(const std::string& name, int contractVersion) override { services_.push_back({name, contractVersion}); }
  void registersInStart() override { registersInStart_ = true; }

  /// True for a plugin written before declare(): its registrations appear only once started.
  bool registersEverythingInStart() const { return registersInStart_; }
  /// Topics go in before start(), so start() may publish them.
  void installTopics(HostServices& host) const;
  /// Routes, middleware, jobs and subscriptions go in once start() succeeded. Throws (a bad
  /// cron expression, a duplicate route) with the plugin's registrations left for the caller
  /// to remove.
  void installHandlers(HostServices& host) const;
  /// Every service declared with provides<T>() that start() did not provide, as "name (vN)".
  std::vector<std::string> servicesNotProvided(const ServiceRegistry& registry) const;
  void forwardCommands(Commands& into) const;

  struct ProvidedService {
    std::string name;
    int contractVersion = 0;
  };
  const std::vector<ProvidedService>& providedServices() const { return services_; }

 private:
  struct RouteRecord {
    std::string method, pattern;
    Handler handler;
    RouteOptions options;
  };
  struct MiddlewareRecord {
    std::string name;
    int priority = 0;
    Middleware middleware;
  };
  struct JobRecord {
    std::string name;
    std::optional<std::string> cron;  // else every `period`
    std::chrono::seconds period{0};
    Job job;
    JobOptions options;
  };
  struct SubscriptionRecord {
    std::string topic;
    EventHandler handler;
  };
  struct CommandRecord {
    std::string name, summary;
    Command command;
  };

  class RouteRecorder : public Routes {
   public:
    explicit RouteRecorder(PluginDeclarations& d) : d_(d) {}
    void add(const std::string& method, const std::string& pattern, Handler handler, RouteOptions options) override {
      d_.routeRecords_.push_back({method, pattern, std::move(handler), std::move(options)});
    }
    void use(const std::string& name, int priority, Middleware middleware) override {
      d_.middlewareRecords_.push_back({name, priority, std::move(middleware)});
    }

   private:
    PluginDeclarations& d_;
  };
  class JobRecorder : public Scheduler {
   public:
    explicit JobRecorder(PluginDeclarations& d) : d_(d) {}
    void cron(const std::string& name, const std::string& expression, Job job, JobOptions options) override;
    void every(const std::string& name, std::chrono::seconds period, Job job, JobOptions options) override;

   private:
    PluginDeclarations& d_;
  };
  class CommandRecorder : public Commands {
   public:
    explicit CommandRecorder(PluginDeclarations& d) : d_(d) {}
    void add(const std::string& name, const std::string& summary, Command command) override {
      d_.commandRecords_.push_back({name, summary, std::move(command)});
    }

   private:
    PluginDeclarations& d_;
  };

  std::string name_;
  ConfigNode config_, hostConfig_;
  HostInfo info_;
  RouteRecorder routes_{*this};
  JobRecorder jobs_{*this};
  CommandRecorder commands_{*this};
  std::vector<RouteRecord> routeRecords_;
  std::vector<MiddlewareRecord> middlewareRecords_;
  std::vector<JobRecord> jobRecords_;
  std::vector<TopicSpec> topics_;
  std::vector<SubscriptionRecord> subscriptions_;
  std::vector<CommandRecord> commandRecords_;
  std::vector<ProvidedService> services_;
  bool registersInStart_ = false;
};

}  // namespace cc::core
