#pragma once
// JSON helpers for request and response bodies. Parsing failures become HttpError(400),
// so handlers can write `auto body = json::parseObject(req.body);` and nothing else.
#include <codecouncil/sdk/detail/json_writer.hpp>
#include <codecouncil/sdk/http_error.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <optional>
#include <string>
#include <typeinfo>

namespace cc::json {

using Object = Poco::JSON::Object;
using ObjectPtr = Poco::JSON::Object::Ptr;
using Array = Poco::JSON::Array;
using ArrayPtr = Poco::JSON::Array::Ptr;

inline ObjectPtr object() { return new Poco::JSON::Object(); }
inline ArrayPtr array() { return new Poco::JSON::Array(); }

/// Parses `text` as a JSON object; anything else is a 400 with a clear message.
inline ObjectPtr parseObject(const std::string& text) {
  if (text.empty()) throw HttpError(400, "request body must be a JSON object");
  Poco::Dynamic::Var parsed;
  try {
    Poco::JSON::Parser parser;
    parsed = parser.parse(text);
  } catch (const std::exception&) {
    throw HttpError(400, "request body is not valid JSON");
  }
  if (parsed.type() != typeid(ObjectPtr)) throw HttpError(400, "request body must be a JSON object");
  return parsed.extract<ObjectPtr>();
}

/// Compact JSON text of a value (objects' keys sorted, as Poco orders them; the same text as
/// Poco's Stringifier, several times faster: detail/json_writer.hpp).
inline std::string stringify(const Poco::Dynamic::Var& value) {
  std::string out;
  out.reserve(256);
  detail::appendValue(out, value);
  return out;
}

/// A required string field; 400 when missing, not a string or empty.
inline std::string requireString(const ObjectPtr& body, const std::string& key) {
  if (!body->has(key) || body->isNull(key)) throw HttpError(400, key + " is required");
  Poco::Dynamic::Var v = body->get(key);
  if (!v.isString()) throw HttpError(400, key + " must be a string");
  std::string s = v.toString();
  if (s.empty()) throw HttpError(400, key + " must not be empty");
  return s;
}

inline std::optional<std::string> optionalString(const ObjectPtr& body, const std::string& key) {
  if (!body->has(key) || body->isNull(key)) return std::nullopt;
  Poco::Dynamic::Var v = body->get(key);
  if (!v.isString()) throw HttpError(400, key + " must be a string");
  return v.toString();
}

inline bool requireBool(const ObjectPtr& body, const std::string& key) {
  if (!body->has(key) || body->isNull(key)) throw HttpError(400, key + " is required");
  Poco::Dynamic::Var v = body->get(key);
  if (!v.isBoolean()) throw HttpError(400, key + " must be true or false");
  return v.convert<bool>();
}

inline std::optional<bool> optionalBool(const ObjectPtr& body, const std::string& key) {
  if (!body->has(key) || body->isNull(key)) return std::nullopt;
  return requireBool(body, key);
}

}  // namespace cc::json
