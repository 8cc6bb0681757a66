#include "core/plugins/plugin_context.hpp"

namespace cc::core {

PluginContext::PluginContext(HostServices& host, std::string name, ConfigNode config)
    : host_(host),
      name_(std::move(name)),
      config_(std::move(config)),
      routes_(*host.pipeline, name_),
      scheduler_(*host.scheduler, name_),
      events_(*host.bus, name_),
      services_(*host.services, name_),
      logger_(Poco::Logger::get("plugin." + name_)) {}

void PluginContext::removeHandlers() {
  host_.pipeline->removeOwner(name_);
  host_.scheduler->removeOwner(name_);
  host_.bus->unsubscribeOwner(name_);
}

void PluginContext::unregisterAll() {
  host_.pipeline->removeOwner(name_);
  host_.scheduler->removeOwner(name_);
  host_.bus->removeOwner(name_);
  host_.services->removeOwner(name_);
}

}  // namespace cc::core
