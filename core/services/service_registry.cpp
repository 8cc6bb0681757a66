#include "core/services/service_registry.hpp"

#include <mutex>
#include <stdexcept>

namespace cc::core {

void ServiceRegistry::provide(const std::string& owner, const std::string& name, std::shared_ptr<void> service) {
  if (!service) throw std::invalid_argument("service '" + name + "' provided by " + owner + " is null");
  std::unique_lock lock(mutex_);
  auto it = services_.find(name);
  if (it != services_.end())
    throw std::invalid_argument("service '" + name + "' is already provided by " + it->second.owner);
  services_[name] = {owner, std::move(service)};
}

std::shared_ptr<void> ServiceRegistry::find(const std::string& name) const {
  std::shared_lock lock(mutex_);
  auto it = services_.find(name);
  return it == services_.end() ? nullptr : it->second.service;
}

void ServiceRegistry::removeOwner(const std::string& owner) {
  std::unique_lock lock(mutex_);
  for (auto it = services_.begin(); it != services_.end();)
    it = it->second.owner == owner ? services_.erase(it) : std::next(it);
}

}  // namespace cc::core
