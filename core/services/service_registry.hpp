#pragma once
// Named services between plugins. A service stays registered until its provider stops.
// Each carries the contract version its provider was compiled with; a consumer compiled
// against another version gets nullptr (and the log says why) rather than a stale vtable.
#include <codecouncil/sdk/services.hpp>

#include <Poco/Logger.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <utility>

namespace cc::core {

class ServiceRegistry {
 public:
  explicit ServiceRegistry(Poco::Logger& log = Poco::Logger::get("codecouncil.services")) : log_(log) {}

  void provide(const std::string& owner, const std::string& name, int contractVersion, std::shared_ptr<void> service);
  /// nullptr when absent or when `contractVersion` differs from the provider's; the latter is
  /// logged as an error once per consumer and service.
  std::shared_ptr<void> find(const std::string& consumer, const std::string& name, int contractVersion) const;
  void removeOwner(const std::string& owner);
  /// The plugin that provides `name`; empty when nobody does.
  std::string providerOf(const std::string& name) const;

 private:
  struct Entry {
    std::string owner;
    int contractVersion = 0;
    std::shared_ptr<void> service;
  };
  Poco::Logger& log_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, Entry> services_;
  mutable std::mutex reportedMutex_;
  mutable std::set<std::pair<std::string, std::string>> reported_;  // (consumer, service) mismatches logged
};

class PluginServices : public Services {
 public:
  PluginServices(ServiceRegistry& r, std::string owner) : registry_(r), owner_(std::move(owner)) {}
  void provideRaw(const std::string& name, int contractVersion, std::shared_ptr<void> service) override {
    registry_.provide(owner_, name, contractVersion, std::move(service));
  }
  std::shared_ptr<void> findRaw(const std::string& name, int contractVersion) const override {
    return registry_.find(owner_, name, contractVersion);
  }

 private:
  ServiceRegistry& registry_;
  std::string owner_;
};

}  // namespace cc::core
