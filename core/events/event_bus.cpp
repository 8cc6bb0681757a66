#include "core/events/event_bus.hpp"

#include <codecouncil/sdk/text.hpp>

#include <algorithm>
#include <mutex>
#include <stdexcept>

namespace cc::core {

namespace {

bool hasType(const Poco::Dynamic::Var& v, FieldType type) {
  switch (type) {
    case FieldType::String: return v.isString();
    case FieldType::Integer: return v.isInteger();
    case FieldType::Number: return v.isNumeric();
    case FieldType::Boolean: return v.isBoolean();
    case FieldType::Any: break;
  }
  return true;
}

// What is wrong with a payload against its declaration ("" = nothing). Fields not declared
// (the request context, extras) pass: the declaration is a floor, not a whitelist.
std::string payloadProblem(const TopicSpec& spec, const json::ObjectPtr& payload) {
  for (auto& f : spec.fields) {
    bool present = payload->has(f.name) && !payload->isNull(f.name);
    if (!present) {
      if (f.required) return "required field '" + f.name + "' is missing";
      continue;
    }
    if (!hasType(payload->get(f.name), f.type))
      return "field '" + f.name + "' must be " + (f.type == FieldType::Integer ? "an " : "a ") + fieldTypeName(f.type);
  }
  return {};
}

}  // namespace

void EventBus::declare(const std::string& owner, const TopicSpec& spec) {
  if (spec.name.empty() || spec.name == "*") throw std::logic_error("event topic name must not be empty or '*'");
  std::unique_lock lock(mutex_);
  auto it = declarations_.find(spec.name);
  if (it != declarations_.end() && it->second.publisher != owner)
    throw std::logic_error("event topic '" + spec.name + "' is already declared by " +
                           (it->second.publisher == "core" ? std::string("core") : "plugin '" + it->second.publisher + "'") +
                           "; only its declaring plugin may publish it");
  declarations_[spec.name] = Declared{owner, std::make_shared<const TopicSpec>(spec)};
}

void EventBus::publish(const std::string& publisher, const std::string& topic, json::ObjectPtr payload) {
  if (!payload) payload = json::object();
  std::string refusal;
  std::shared_ptr<const TopicSpec> spec;
  {
    std::shared_lock lock(mutex_);
    auto it = declarations_.find(topic);
    if (it == declarations_.end())
      refusal = "topic is not declared (declare it with ctx.events().declare() before publishing)";
    else if (it->second.publisher != publisher)
      refusal = "topic is declared by " + it->second.publisher + ", not by " + publisher;
    else if ((refusal = payloadProblem(*it->second.spec, payload)).empty())
      spec = it->second.spec;
  }
  if (!refusal.empty()) {
    log_.error("event %s from %s refused: %s", topic, publisher, refusal);
    throw std::logic_error("event '" + topic + "' from " + publisher + " refused: " + refusal);
  }
  // Payloads carry request text into audit rows, metrics and logs. Whatever a publisher put
  // in, handlers see valid UTF-8 (PostgreSQL refuses the whole row otherwise); a repaired
  // payload is a copy, the publisher's object is left alone.
  Event event{topic, text::withValidUtf8(payload), publisher, std::move(spec)};
  // Copy the matching handlers and run them unlocked, so a handler may publish or subscribe.
  std::vector<Subscription> targets;
  {
    std::shared_lock lock(mutex_);
    for (auto& s : subscriptions_)
      if (s.topic == topic || s.topic == "*") targets.push_back(s);
  }
  for (auto* s = targets.data(); s != targets.data() + targets.size(); ++s) {
    try {
      s->handler(event);
    } catch (const std::exception& e) {
      ++failures_;
      log_.error("event %s from %s: handler of %s failed: %s", topic, publisher, s->owner, std::string(e.what()));
    } catch (...) {
      ++failures_;
      log_.error("event %s from %s: handler of %s failed", topic, publisher, s->owner);
    }
  }
}

void EventBus::subscribe(const std::string& owner, const std::string& topic, EventHandler handler) {
  std::unique_lock lock(mutex_);
  subscriptions_.push_back({owner, topic, std::move(handler)});
}

void EventBus::removeOwner(const std::string& owner) {
  std::unique_lock lock(mutex_);
  for (auto it = declarations_.begin(); it != declarations_.end();)
    it = it->second.publisher == owner ? declarations_.erase(it) : std::next(it);
  subscriptions_.erase(std::remove_if(subscriptions_.begin(), subscriptions_.end(),
                                      [&](const Subscription& s) { return s.owner == owner; }),
                       subscriptions_.end());
}

void EventBus::unsubscribeOwner(const std::string& owner) {
  std::unique_lock lock(mutex_);
  subscriptions_.erase(std::remove_if(subscriptions_.begin(), subscriptions_.end(),
                                      [&](const Subscription& s) { return s.owner == owner; }),
                       subscriptions_.end());
}

std::optional<TopicDeclaration> EventBus::declaration(const std::string& topic) const {
  std::shared_lock lock(mutex_);
  auto it = declarations_.find(topic);
  if (it == declarations_.end()) return std::nullopt;
  return TopicDeclaration{*it->second.spec, it->second.publisher};
}

std::vector<TopicDeclaration> EventBus::declarations() const {
  std::shared_lock lock(mutex_);
  std::vector<TopicDeclaration> all;
  for (auto& [name, d] : declarations_) all.push_back(TopicDeclaration{*d.spec, d.publisher});
  return all;
}

std::vector<std::string> EventBus::subscribers(const std::string& topic) const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> owners;
  for (auto& s : subscriptions_)
    if ((s.topic == topic || s.topic == "*") && std::find(owners.begin(), owners.end(), s.owner) == owners.end())
      owners.push_back(s.owner);
  return owners;
}

void EventBus::addRequestContext(json::ObjectPtr& payload, const Request& origin) {
  if (!payload) payload = json::object();
  if (!payload->has("userId") && origin.user) payload->set("userId", origin.user->id);
  // Header bytes are the client's: escaped here, at the edge, into one printable line of
  // valid UTF-8 ("curl\xff", "\x1b[31m"), so audit rows and logs keep what was sent.
  if (!payload->has("ip")) payload->set("ip", text::escapeControls(origin.remoteAddress));
  if (!payload->has("userAgent")) payload->set("userAgent", text::escapeControls(origin.header("user-agent")));
  if (!payload->has("requestId")) payload->set("requestId", origin.requestId);
}

}  // namespace cc::core
