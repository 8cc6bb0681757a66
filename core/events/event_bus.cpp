#include "core/events/event_bus.hpp"

#include <codecouncil/sdk/text.hpp>

#include <algorithm>
#include <mutex>

namespace cc::core {

void EventBus::publish(const std::string& source, const std::string& topic, json::ObjectPtr payload) {
  if (!payload) payload = json::object();
  // Payloads carry request text into audit rows, metrics and logs. Whatever a publisher put
  // in, handlers see valid UTF-8 (PostgreSQL refuses the whole row otherwise); a repaired
  // payload is a copy, the publisher's object is left alone.
  Event event{topic, text::withValidUtf8(payload), source};
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
      log_.error("event %s from %s: handler of %s failed: %s", topic, source, s->owner, std::string(e.what()));
    } catch (...) {
      ++failures_;
      log_.error("event %s from %s: handler of %s failed", topic, source, s->owner);
    }
  }
}

void EventBus::subscribe(const std::string& owner, const std::string& topic, EventHandler handler) {
  std::unique_lock lock(mutex_);
  subscriptions_.push_back({owner, topic, std::move(handler)});
}

void EventBus::removeOwner(const std::string& owner) {
  std::unique_lock lock(mutex_);
  subscriptions_.erase(std::remove_if(subscriptions_.begin(), subscriptions_.end(),
                                      [&](const Subscription& s) { return s.owner == owner; }),
                       subscriptions_.end());
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
