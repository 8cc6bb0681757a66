#pragma once
// JSON helpers for request and response bodies. Parsing failures become HttpError(400),
// so handlers can write `auto body = json::parseObject(req.body);` and nothing else.
#include <codecouncil/sdk/http_error.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/NumberFormatter.h>

#include <optional>
#include <sstream>
#include <string>
#include <string_view>
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

namespace detail {

// Poco's Stringifier writes character by character through an ostream and copies every value
// it visits; on a small response that was most of the request's CPU (callgrind: 148,000
// instructions for the four-plan list). This writer appends to one string and handles the
// types handlers put into objects; anything else (doubles, dates, structs) still goes
// through Poco, so its formatting does not change.
inline void appendString(std::string& out, std::string_view s) {
  out += '"';
  std::size_t clean = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + clean, i - clean);
    clean = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: {
        static constexpr char kHex[] = "0123456789ABCDEF";  // upper case, as Poco writes it
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
      }
    }
  }
  out.append(s.data() + clean, s.size() - clean);
  out += '"';
}

template <typename Int>
inline bool appendIfInteger(std::string& out, const Poco::Dynamic::Var& v) {
  if (v.type() != typeid(Int)) return false;
  out += std::to_string(v.extract<Int>());
  return true;
}

inline void appendValue(std::string& out, const Poco::Dynamic::Var& v);

inline void appendObject(std::string& out, const Object& o) {
  out += '{';
  bool first = true;
  for (const auto& [key, value] : o) {  // key order as Poco writes it (sorted, the default)
    if (!first) out += ',';
    first = false;
    appendString(out, key);
    out += ':';
    appendValue(out, value);
  }
  out += '}';
}

inline void appendArray(std::string& out, const Array& a) {
  out += '[';
  bool first = true;
  for (const auto& value : a) {  // by reference: Array::get() copies each element
    if (!first) out += ',';
    first = false;
    appendValue(out, value);
  }
  out += ']';
}

inline void appendValue(std::string& out, const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) {
    out += "null";
    return;
  }
  const std::type_info& type = v.type();
  if (type == typeid(std::string)) return appendString(out, v.extract<std::string>());
  if (type == typeid(ObjectPtr)) {
    const ObjectPtr& o = v.extract<ObjectPtr>();
    if (o.isNull()) out += "null"; else appendObject(out, *o);
    return;
  }
  if (type == typeid(ArrayPtr)) {
    const ArrayPtr& a = v.extract<ArrayPtr>();
    if (a.isNull()) out += "null"; else appendArray(out, *a);
    return;
  }
  if (type == typeid(bool)) {
    out += v.extract<bool>() ? "true" : "false";
    return;
  }
  if (appendIfInteger<int>(out, v) || appendIfInteger<long>(out, v) || appendIfInteger<long long>(out, v) ||
      appendIfInteger<unsigned>(out, v) || appendIfInteger<unsigned long>(out, v) ||
      appendIfInteger<unsigned long long>(out, v))
    return;
  if (type == typeid(double)) {
    out += Poco::NumberFormatter::format(v.extract<double>());  // what Poco's Var conversion writes
    return;
  }
  std::ostringstream other;
  Poco::JSON::Stringifier::condense(v, other);
  out += other.str();
}

}  // namespace detail

/// Compact JSON text of a value (objects' keys sorted, as Poco orders them).
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
