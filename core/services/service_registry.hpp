#pragma once
// Named services between plugins. A service stays registered until its provider stops.
#include <codecouncil/sdk/services.hpp>

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>

namespace cc::core {

class ServiceRegistry {
 public:
  void provide(const std::string& owner, const std::string& name, std::shared_ptr<void> service);
  std::shared_ptr<void> find(const std::string& name) const;
  void removeOwner(const std::string& owner);

 private:
  struct Entry {
    std::string owner;
    std::shared_ptr<void> service;
  };
  mutable std::shared_mutex mutex_;
  std::map<std::string, Entry> services_;
};

class PluginServices : public Services {
 public:
  PluginServices(ServiceRegistry& r, std::string owner) : registry_(r), owner_(std::move(owner)) {}
  void provideRaw(const std::string& name, std::shared_ptr<void> service) override {
    registry_.provide(owner_, name, std::move(service));
  }
  std::shared_ptr<void> findRaw(const std::string& name) const override { return registry_.find(name); }

 private:
  ServiceRegistry& registry_;
  std::string owner_;
};

}  // namespace cc::core
