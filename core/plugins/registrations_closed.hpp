#pragma once
// What ctx.http(), ctx.scheduler() and ctx.events() become in start() for a plugin that
// declares (Plugin::declare()): registering there is refused, so what the listings show from
// the declarations is all a served host installs. Publishing and reading still work.
#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/http.hpp>
#include <codecouncil/sdk/scheduler.hpp>

#include <stdexcept>
#include <string>

namespace cc::core {

/// "plugin audit declares what it registers: add the route GET /x in declare(), not in start()".
inline std::logic_error registeredInStart(const std::string& plugin, const std::string& what) {
  return std::logic_error("plugin " + plugin + " declares what it registers (declare()): add the " + what +
                          " in declare(), not in start(), so listings show it");
}

class ClosedRoutes : public Routes {
 public:
  explicit ClosedRoutes(std::string owner) : owner_(std::move(owner)) {}
  void add(const std::string& method, const std::string& pattern, Handler, RouteOptions) override {
    throw registeredInStart(owner_, "route " + method + " " + pattern);
  }
  void use(const std::string& name, int, Middleware) override { throw registeredInStart(owner_, "middleware " + name); }

 private:
  std::string owner_;
};

class ClosedScheduler : public Scheduler {
 public:
  explicit ClosedScheduler(std::string owner) : owner_(std::move(owner)) {}
  void cron(const std::string& name, const std::string&, Job, JobOptions) override {
    throw registeredInStart(owner_, "job " + name);
  }
  void every(const std::string& name, std::chrono::seconds, Job, JobOptions) override {
    throw registeredInStart(owner_, "job " + name);
  }

 private:
  std::string owner_;
};

class ClosedEvents : public Events {
 public:
  ClosedEvents(Events& inner, std::string owner) : inner_(inner), owner_(std::move(owner)) {}
  using Events::publish;
  void declare(const TopicSpec& topic) override { throw registeredInStart(owner_, "topic " + topic.name); }
  void publish(const std::string& topic, json::ObjectPtr payload) override { inner_.publish(topic, std::move(payload)); }
  void publish(const std::string& topic, json::ObjectPtr payload, const Request& origin) override {
    inner_.publish(topic, std::move(payload), origin);
  }
  void subscribe(const std::string& topic, EventHandler) override {
    throw registeredInStart(owner_, "subscription to " + topic);
  }
  std::optional<TopicDeclaration> declaration(const std::string& topic) const override { return inner_.declaration(topic); }
  std::uint64_t handlerFailures() const override { return inner_.handlerFailures(); }

 private:
  Events& inner_;
  std::string owner_;
};

}  // namespace cc::core
