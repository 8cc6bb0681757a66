#include "core/services/service_registry.hpp"

#include <stdexcept>

namespace cc::core {

void ServiceRegistry::provide(const std::string& owner, const std::string& name, int contractVersion,
                              std::shared_ptr<void> service) {
  if (!service) throw std::invalid_argument("service '" + name + "' provided by " + owner + " is null");
  std::unique_lock lock(mutex_);
  auto it = services_.find(name);
  if (it != services_.end())
    throw std::invalid_argument("service '" + name + "' is already provided by " + it->second.owner);
  services_[name] = {owner, contractVersion, std::move(service)};
}

std::shared_ptr<void> ServiceRegistry::find(const std::string& consumer, const std::string& name,
                                            int contractVersion) const {
  std::string provider;
  int offered = 0;
  {
    std::shared_lock lock(mutex_);
    auto it = services_.find(name);
    if (it == services_.end()) return nullptr;
    if (it->second.contractVersion == contractVersion) return it->second.service;
    provider = it->second.owner;
    offered = it->second.contractVersion;
  }
  // Handing the object out would let the consumer call through a vtable of another layout.
  std::lock_guard lock(reportedMutex_);
  if (reported_.emplace(consumer, name).second)
    log_.error("plugin %s: service '%s' has contract version %d (provided by %s), but %s was built against "
               "version %d; it gets no service. Rebuild %s against %s's current contract header",
               consumer, name, offered, provider, consumer, contractVersion, consumer, provider);
  return nullptr;
}

void ServiceRegistry::removeOwner(const std::string& owner) {
  std::unique_lock lock(mutex_);
  for (auto it = services_.begin(); it != services_.end();)
    it = it->second.owner == owner ? services_.erase(it) : std::next(it);
}

std::string ServiceRegistry::providerOf(const std::string& name) const {
  std::shared_lock lock(mutex_);
  auto it = services_.find(name);
  return it == services_.end() ? std::string() : it->second.owner;
}

}  // namespace cc::core
