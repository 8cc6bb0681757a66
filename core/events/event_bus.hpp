#pragma once
// Synchronous in-process event bus. Handlers run on the publisher's thread in subscription
// order; a throwing handler is logged and counted and never reaches the publisher.
#include <codecouncil/sdk/events.hpp>

#include <Poco/Logger.h>

#include <atomic>
#include <shared_mutex>
#include <string>
#include <vector>

namespace cc::core {

class EventBus {
 public:
  explicit EventBus(Poco::Logger& log) : log_(log) {}

  void publish(const std::string& source, const std::string& topic, json::ObjectPtr payload);
  void subscribe(const std::string& owner, const std::string& topic, EventHandler handler);
  void removeOwner(const std::string& owner);
  std::uint64_t handlerFailures() const { return failures_.load(); }

  /// Copies userId, ip, userAgent and requestId from a request into a payload (when absent);
  /// ip and userAgent with control characters and ill-formed UTF-8 escaped (\xff, \r).
  static void addRequestContext(json::ObjectPtr& payload, const Request& origin);

 private:
  struct Subscription {
    std::string owner;
    std::string topic;
    EventHandler handler;
  };
  Poco::Logger& log_;
  mutable std::shared_mutex mutex_;
  std::vector<Subscription> subscriptions_;
  std::atomic<std::uint64_t> failures_{0};
};

/// The view of the bus one plugin gets: publishes carry its name, subscriptions its ownership.
class PluginEvents : public Events {
 public:
  PluginEvents(EventBus& bus, std::string owner) : bus_(bus), owner_(std::move(owner)) {}
  void publish(const std::string& topic, json::ObjectPtr payload) override { bus_.publish(owner_, topic, payload); }
  void publish(const std::string& topic, json::ObjectPtr payload, const Request& origin) override {
    EventBus::addRequestContext(payload, origin);
    bus_.publish(owner_, topic, payload);
  }
  void subscribe(const std::string& topic, EventHandler handler) override { bus_.subscribe(owner_, topic, std::move(handler)); }
  std::uint64_t handlerFailures() const override { return bus_.handlerFailures(); }

 private:
  EventBus& bus_;
  std::string owner_;
};

}  // namespace cc::core
