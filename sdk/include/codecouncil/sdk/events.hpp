#pragma once
// In-process event bus. Plugins cooperate through topics instead of calling each other:
// one plugin publishes "payment_failed", another records it, a third counts it.
//
// Delivery is synchronous, in subscription order, on the publisher's thread. A handler that
// throws is logged and counted; it never breaks the publisher or the other handlers.
#include <codecouncil/sdk/http.hpp>
#include <codecouncil/sdk/json.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace cc {

struct Event {
  std::string topic;
  json::ObjectPtr payload;  ///< shared by all handlers: treat as read-only
  std::string source;       ///< name of the publishing plugin ("core" for the host)
};

using EventHandler = std::function<void(const Event&)>;

class Events {
 public:
  virtual ~Events() = default;
  virtual void publish(const std::string& topic, json::ObjectPtr payload) = 0;
  /// As publish(), adding userId, ip, userAgent and requestId from `origin` when absent.
  virtual void publish(const std::string& topic, json::ObjectPtr payload, const Request& origin) = 0;
  /// topic "*" receives every event.
  virtual void subscribe(const std::string& topic, EventHandler handler) = 0;
  /// How many handler calls have thrown since the host started, across the whole bus (every
  /// plugin's handlers), for a plugin that exports it as a metric (event_handler_failures_total).
  virtual std::uint64_t handlerFailures() const = 0;
};

}  // namespace cc
