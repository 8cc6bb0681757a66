#pragma once
// Synchronous in-process event bus. Handlers run on the publisher's thread in subscription
// order; a throwing handler is logged and counted and never reaches the publisher. Each topic
// has one declared publisher: a publish by anyone else, of an undeclared topic, or with a
// payload that breaks the declaration is refused (logged, thrown, never delivered).
#include <codecouncil/sdk/events.hpp>

#include <Poco/Logger.h>

#include <atomic>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace cc::core {

class EventBus {
 public:
  explicit EventBus(Poco::Logger& log) : log_(log) {}

  /// Throws std::logic_error when another owner declared the topic already.
  void declare(const std::string& owner, const TopicSpec& spec);
  /// Throws std::logic_error (after logging it) when `publisher` did not declare the topic or
  /// the payload misses a required field or has one of the wrong type.
  void publish(const std::string& publisher, const std::string& topic, json::ObjectPtr payload);
  void subscribe(const std::string& owner, const std::string& topic, EventHandler handler);
  /// Removes the owner's subscriptions and declarations (plugin stopped or failed to start).
  void removeOwner(const std::string& owner);
  /// Removes only the owner's subscriptions (a plugin about to stop keeps its topics).
  void unsubscribeOwner(const std::string& owner);

  std::optional<TopicDeclaration> declaration(const std::string& topic) const;
  /// Every declared topic, by name.
  std::vector<TopicDeclaration> declarations() const;
  /// The owners subscribed to a topic ("*" subscribers included), in subscription order.
  std::vector<std::string> subscribers(const std::string& topic) const;
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
  struct Declared {
    std::string publisher;
    std::shared_ptr<const TopicSpec> spec;  ///< shared with every delivery of the topic
  };
  std::map<std::string, Declared> declarations_;
  std::atomic<std::uint64_t> failures_{0};
};

/// The view of the bus one plugin gets: publishes carry its name, subscriptions its ownership.
class PluginEvents : public Events {
 public:
  PluginEvents(EventBus& bus, std::string owner) : bus_(bus), owner_(std::move(owner)) {}
  using Events::publish;
  void publish(const std::string& topic, json::ObjectPtr payload) override { bus_.publish(owner_, topic, payload); }
  void publish(const std::string& topic, json::ObjectPtr payload, const Request& origin) override {
    EventBus::addRequestContext(payload, origin);
    bus_.publish(owner_, topic, payload);
  }
  void declare(const TopicSpec& spec) override { bus_.declare(owner_, spec); }
  void subscribe(const std::string& topic, EventHandler handler) override { bus_.subscribe(owner_, topic, std::move(handler)); }
  std::optional<TopicDeclaration> declaration(const std::string& topic) const override { return bus_.declaration(topic); }
  std::uint64_t handlerFailures() const override { return bus_.handlerFailures(); }

 private:
  EventBus& bus_;
  std::string owner_;
};

}  // namespace cc::core
