#pragma once
// The cc::Context each plugin receives: host services seen through the plugin's name, so
// every route, middleware, job, subscription and service is recorded against its owner.
#include "core/events/event_bus.hpp"
#include "core/fibers/fiber_waiting.hpp"
#include "core/http/pipeline.hpp"
#include "core/scheduler/job_scheduler.hpp"
#include "core/plugins/registrations_closed.hpp"
#include "core/services/service_registry.hpp"

#include <codecouncil/sdk/context.hpp>

#include <functional>

namespace cc::core {

/// What the host shares with every plugin. Owned by the host; outlives every plugin.
struct HostServices {
  HostInfo info;
  ConfigNode hostConfig;
  Database* db = nullptr;
  Pipeline* pipeline = nullptr;
  JobScheduler* scheduler = nullptr;
  EventBus* bus = nullptr;
  ServiceRegistry* services = nullptr;
  Mailer* mailer = nullptr;
  Users* users = nullptr;
  prometheus::Registry* metrics = nullptr;
  std::function<bool(const std::string&)> pluginActive;
};

class PluginRoutes : public Routes {
 public:
  PluginRoutes(Pipeline& p, std::string owner) : pipeline_(p), owner_(std::move(owner)) {}
  void add(const std::string& method, const std::string& pattern, Handler handler, RouteOptions options) override {
    pipeline_.router().add(Route{method, pattern, owner_, std::move(handler), options});
  }
  void use(const std::string& name, int priority, Middleware middleware) override {
    pipeline_.addMiddleware(MiddlewareEntry{name, owner_, priority, std::move(middleware)});
  }

 private:
  Pipeline& pipeline_;
  std::string owner_;
};

class PluginContext : public Context {
 public:
  PluginContext(HostServices& host, std::string name, ConfigNode config);

  const std::string& pluginName() const override { return name_; }
  const ConfigNode& config() const override { return config_; }
  const ConfigNode& hostConfig() const override { return host_.hostConfig; }
  const HostInfo& host() const override { return host_.info; }
  bool pluginActive(const std::string& name) const override { return host_.pluginActive && host_.pluginActive(name); }
  Database& db() override { return *host_.db; }
  Routes& http() override { return closed_ ? static_cast<Routes&>(closedRoutes_) : routes_; }
  Scheduler& scheduler() override { return closed_ ? static_cast<Scheduler&>(closedScheduler_) : scheduler_; }
  Events& events() override { return closed_ ? static_cast<Events&>(closedEvents_) : events_; }
  Services& services() override { return services_; }
  Mailer& mailer() override { return *host_.mailer; }
  Poco::Logger& logger() override { return logger_; }
  prometheus::Registry& metrics() override { return *host_.metrics; }
  Users& users() override { return *host_.users; }
  Waiting& waiting() override { return fiberWaiting(); }

  /// Removes everything this plugin registered (used on stop and on a failed start).
  void unregisterAll();
  /// For a plugin that declares: routes, middleware, jobs, topics and subscriptions registered
  /// through this context are refused from now on (registrations_closed.hpp).
  void closeRegistrations() { closed_ = true; }
  /// Removes its routes, middleware, jobs and subscriptions, keeping topics and services
  /// (before stop(): nothing calls into the plugin while it stops).
  void removeHandlers();

 private:
  HostServices& host_;
  std::string name_;
  ConfigNode config_;
  PluginRoutes routes_;
  PluginScheduler scheduler_;
  PluginEvents events_;
  PluginServices services_;
  ClosedRoutes closedRoutes_{name_};
  ClosedScheduler closedScheduler_{name_};
  ClosedEvents closedEvents_{events_, name_};
  bool closed_ = false;
  Poco::Logger& logger_;
};

}  // namespace cc::core
