#pragma once
// The one tolerant reader for event payloads. Another plugin's payload is input: a subscriber
// reads it with cc::EventFields(event).string("userId") / .integer("amount") and never
// throws inside the publisher's call. Numbers sent as text are read as numbers and the
// reverse; an absent, null or unreadable field gives the default.
#include <codecouncil/sdk/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace cc {

class EventFields {
 public:
  explicit EventFields(json::ObjectPtr payload) : payload_(std::move(payload)) {}
  template <typename E, typename = decltype(std::declval<const E&>().payload)>
  explicit EventFields(const E& event) : payload_(event.payload) {}

  /// True when the field is present and not null.
  bool has(const std::string& key) const { return payload_ && payload_->has(key) && !payload_->isNull(key); }

  /// Text of a string, integer or boolean field (4900 -> "4900"); objects, arrays -> fallback.
  std::string string(const std::string& key, const std::string& fallback = {}) const {
    if (!has(key)) return fallback;
    try {
      Poco::Dynamic::Var v = payload_->get(key);
      if (v.isString() || v.isNumeric() || v.isBoolean()) return v.toString();
    } catch (const std::exception&) {
    }
    return fallback;
  }

  /// An integer field, or one sent as the whole text of an integer ("4900").
  std::optional<std::int64_t> integer(const std::string& key) const {
    if (!has(key)) return std::nullopt;
    try {
      Poco::Dynamic::Var v = payload_->get(key);
      if (v.isInteger()) return v.convert<std::int64_t>();
      if (v.isString()) {
        std::string s = v.toString();
        std::size_t used = 0;
        long long n = std::stoll(s, &used);
        if (used == s.size()) return n;
      }
    } catch (const std::exception&) {
    }
    return std::nullopt;
  }
  std::int64_t integer(const std::string& key, std::int64_t fallback) const { return integer(key).value_or(fallback); }

  /// A boolean field, or one sent as "true" / "false".
  bool boolean(const std::string& key, bool fallback = false) const {
    if (!has(key)) return fallback;
    try {
      Poco::Dynamic::Var v = payload_->get(key);
      if (v.isBoolean()) return v.convert<bool>();
      if (v.isString()) {
        std::string s = v.toString();
        if (s == "true") return true;
        if (s == "false") return false;
      }
    } catch (const std::exception&) {
    }
    return fallback;
  }

 private:
  json::ObjectPtr payload_;
};

}  // namespace cc
