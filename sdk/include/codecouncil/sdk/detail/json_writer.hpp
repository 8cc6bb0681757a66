#pragma once
// The writer behind cc::json::stringify() (json.hpp). Not part of what a plugin calls: kept
// apart so json.hpp stays a page an author can read.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/NumberFormatter.h>

#include <sstream>
#include <string>
#include <string_view>
#include <typeinfo>

namespace cc::json {

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

inline void appendObject(std::string& out, const Poco::JSON::Object& o) {
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

inline void appendArray(std::string& out, const Poco::JSON::Array& a) {
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
  if (type == typeid(Poco::JSON::Object::Ptr)) {
    const Poco::JSON::Object::Ptr& o = v.extract<Poco::JSON::Object::Ptr>();
    if (o.isNull()) out += "null"; else appendObject(out, *o);
    return;
  }
  if (type == typeid(Poco::JSON::Array::Ptr)) {
    const Poco::JSON::Array::Ptr& a = v.extract<Poco::JSON::Array::Ptr>();
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

}  // namespace cc::json
