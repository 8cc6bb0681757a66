#pragma once
// In-process event bus. Plugins cooperate through topics instead of calling each other:
// one plugin publishes "payment_failed", another records it, a third counts it.
//
// Every topic is declared by the one plugin that publishes it (or by core, for core's
// topics: core_topics.hpp). A publish of a topic this plugin did not declare is refused, so
// each delivery's `publisher` is the plugin that declared the topic, never a forger.
//
// Delivery is synchronous, in subscription order, on the publisher's thread, and bundled
// publishers publish only after their own transaction has committed. A handler that throws is
// logged and counted; it never breaks the publisher or the other handlers.
#include <codecouncil/sdk/event_fields.hpp>
#include <codecouncil/sdk/http.hpp>
#include <codecouncil/sdk/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cc {

enum class FieldType { String, Integer, Number, Boolean, Any };

/// "string", "integer", "number", "boolean" or "any": how messages and listings name a type.
inline const char* fieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::String: return "string";
    case FieldType::Integer: return "integer";
    case FieldType::Number: return "number";
    case FieldType::Boolean: return "boolean";
    case FieldType::Any: break;
  }
  return "any";
}

struct FieldSpec {
  std::string name;
  FieldType type = FieldType::String;
  bool required = false;
};

/// How much an event matters to whoever watches the system. The publisher says it once, in
/// the declaration; every subscriber (a trail of events, an alerting hook, a dashboard) reads
/// the same word instead of keeping its own table of other plugins' topics.
enum class Severity { Info, Warning, Error, Critical };

/// "info", "warning", "error" or "critical": how listings, logs and configs name a severity.
constexpr const char* severityName(Severity severity) {
  switch (severity) {
    case Severity::Info: return "info";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
    case Severity::Critical: break;
  }
  return "critical";
}

/// The severity a name denotes (nullopt: not one of info, warning, error, critical), for
/// configs and tests that name severities as text.
inline std::optional<Severity> severityNamed(std::string_view name) {
  for (Severity s : {Severity::Info, Severity::Warning, Severity::Error, Severity::Critical})
    if (name == severityName(s)) return s;
  return std::nullopt;
}

/// What an event is about: the kind of thing it changed or concerns, and which payload field
/// names the one it is about.
struct EventResource {
  std::string type;     ///< e.g. user, subscription, payment, system
  std::string idField;  ///< payload field holding the resource's id ("" = the event names none)
};

/// A topic and its payload. Publishing with a request as origin adds the request context
/// (userId, ip, userAgent, requestId): those fields need not be declared.
///
/// severity and resource describe the event for any subscriber; a subscriber decides what it
/// does with them (and its own config may override them). Both are optional: nullopt means the
/// publisher does not say, and each subscriber applies its own default.
struct TopicSpec {
  std::string name;
  std::vector<FieldSpec> fields;
  std::string description;
  std::optional<Severity> severity;
  std::optional<EventResource> resource;
};

/// A declared topic as the bus knows it (for `codecouncil events` and subscribers).
struct TopicDeclaration {
  TopicSpec spec;
  std::string publisher;  ///< the declaring plugin, "core" for the host
};

struct Event {
  std::string topic;
  json::ObjectPtr payload;  ///< shared by all handlers: treat as read-only
  std::string publisher;    ///< verified by the host: the plugin that declared and published it
  /// The topic's declaration (set on every delivery from the bus): subscribers such as a trail
  /// read its fields, severity and resource instead of knowing other plugins' topics.
  std::shared_ptr<const TopicSpec> spec;
};

using EventHandler = std::function<void(const Event&)>;

class Events {
 public:
  virtual ~Events() = default;
  /// Makes this plugin the topic's only publisher. Throws std::logic_error when another
  /// plugin (or core) declared it already: the plugin's start fails with that message.
  virtual void declare(const TopicSpec& topic) = 0;
  /// Throws std::logic_error (and logs) when this plugin did not declare the topic, or the
  /// payload misses a required field or has one of the wrong type; nothing is delivered then.
  virtual void publish(const std::string& topic, json::ObjectPtr payload) = 0;
  /// As publish(), adding userId, ip, userAgent and requestId from `origin` when absent.
  virtual void publish(const std::string& topic, json::ObjectPtr payload, const Request& origin) = 0;
  void publish(const TopicSpec& topic, json::ObjectPtr payload) { publish(topic.name, std::move(payload)); }
  void publish(const TopicSpec& topic, json::ObjectPtr payload, const Request& origin) {
    publish(topic.name, std::move(payload), origin);
  }
  /// topic "*" receives every event.
  virtual void subscribe(const std::string& topic, EventHandler handler) = 0;
  /// The declaration of a topic (nullopt: nobody declared it).
  virtual std::optional<TopicDeclaration> declaration(const std::string& topic) const = 0;
  /// How many handler calls have thrown since the host started, across the whole bus (every
  /// plugin's handlers), for a plugin that exports it as a metric (event_handler_failures_total).
  virtual std::uint64_t handlerFailures() const = 0;
};

}  // namespace cc
