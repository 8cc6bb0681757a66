#include "core/plugins/plugin_declarations.hpp"

#include "core/scheduler/cron.hpp"
#include "core/scheduler/job_scheduler.hpp"

#include <stdexcept>

namespace cc::core {

PluginDeclarations::PluginDeclarations(std::string name, ConfigNode config, ConfigNode hostConfig, HostInfo info)
    : name_(std::move(name)), config_(std::move(config)), hostConfig_(std::move(hostConfig)), info_(std::move(info)) {}

// Checked while recording, so a listing reports a bad schedule as the plugin's declaration
// error, as serving would.
void PluginDeclarations::JobRecorder::cron(const std::string& name, const std::string& expression, Job job,
                                           JobOptions options) {
  CronExpression::parse(expression);  // throws std::invalid_argument with the reason
  d_.jobRecords_.push_back({name, expression, std::chrono::seconds(0), std::move(job), options});
}

void PluginDeclarations::JobRecorder::every(const std::string& name, std::chrono::seconds period, Job job,
                                            JobOptions options) {
  JobScheduler::checkInterval(d_.name_, name, period);
  d_.jobRecords_.push_back({name, std::nullopt, period, std::move(job), options});
}

void PluginDeclarations::installTopics(HostServices& host) const {
  for (auto& t : topics_) host.bus->declare(name_, t);
}

void PluginDeclarations::installHandlers(HostServices& host) const {
  for (auto& r : routeRecords_) host.pipeline->router().add(Route{r.method, r.pattern, name_, r.handler, r.options});
  for (auto& m : middlewareRecords_) host.pipeline->addMiddleware(MiddlewareEntry{m.name, name_, m.priority, m.middleware});
  for (auto& j : jobRecords_) {
    if (j.cron) host.scheduler->addCron(name_, j.name, *j.cron, j.job, j.options);
    else host.scheduler->addInterval(name_, j.name, j.period, j.job, j.options);
  }
  for (auto& s : subscriptions_) host.bus->subscribe(name_, s.topic, s.handler);
}

std::vector<std::string> PluginDeclarations::servicesNotProvided(const ServiceRegistry& registry) const {
  std::vector<std::string> missing;
  for (auto& s : services_)
    if (registry.providerOf(s.name) != name_) missing.push_back(s.name + " (v" + std::to_string(s.contractVersion) + ")");
  return missing;
}

void PluginDeclarations::forwardCommands(Commands& into) const {
  for (auto& c : commandRecords_) into.add(c.name, c.summary, c.command);
}

}  // namespace cc::core
