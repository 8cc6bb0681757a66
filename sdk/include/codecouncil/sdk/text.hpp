#pragma once
// Text from outside (headers, bodies, file names, other plugins' payloads) made safe to store
// and to log. PostgreSQL refuses ill-formed UTF-8 in text (SQLSTATE 22021) and the whole row
// with it; a CR, LF or ESC copied into a log line forges lines or drives the terminal. These
// helpers repair instead of refusing, so the evidence (a stored row, a log line) survives.
//
// UTF-8 well-formedness is RFC 3629's: no overlongs, no surrogates, nothing above U+10FFFF.
#include <codecouncil/sdk/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace cc::text {

namespace detail {

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 when it is ill-formed.
inline std::size_t sequenceLength(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  const std::size_t len = (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (len == 3 && ((c == 0xE0 && b(i + 1) < 0xA0) || (c == 0xED && b(i + 1) >= 0xA0))) return 0;  // overlong, surrogate
  if (len == 4 && ((c == 0xF0 && b(i + 1) < 0x90) || (c == 0xF4 && b(i + 1) >= 0x90))) return 0;  // overlong, > U+10FFFF
  return len;
}

inline void appendHexEscape(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

}  // namespace detail

/// U+FFFD, what an ill-formed byte becomes inside JSON text.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

/// True when `s` is well-formed UTF-8. Does not allocate.
inline bool isValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = detail::sequenceLength(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

/// `s` with each byte of an ill-formed sequence replaced by `replacement` (valid text is
/// returned unchanged).
inline std::string replaceInvalidUtf8(std::string_view s, std::string_view replacement = kReplacementCharacter) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = detail::sequenceLength(s, i);
    if (len == 0) {
      out += replacement;
      ++i;
    } else {
      out.append(s, i, len);
      i += len;
    }
  }
  return out;
}

/// True when escapeControls() would change `s`. Does not allocate (runs on every log line).
inline bool needsEscaping(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return true;
    const std::size_t len = detail::sequenceLength(s, i);
    if (len == 0) return true;
    if (len == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) return true;  // C1 control
    i += len;
  }
  return false;
}

/// `s` as one printable line of valid UTF-8, for a log line or a one-line column: CR, LF and
/// TAB become \r \n \t; other C0 controls and DEL become \xNN (ESC is \x1b); C1 controls
/// (U+0080-U+009F, which some terminals obey) become \u0080-\u009f; each byte of an ill-formed
/// UTF-8 sequence becomes \xNN. Everything else, backslashes included, is unchanged, so
/// ordinary text reads as it was sent.
inline std::string escapeControls(std::string_view s) {
  if (!needsEscaping(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 16);
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = detail::sequenceLength(s, i);
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7F || len == 0) detail::appendHexEscape(out, c);
    else if (len == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto code = static_cast<unsigned char>(s[i + 1]);
      out += "\\u00";
      out += kHex[code >> 4];
      out += kHex[code & 0xF];
    } else {
      out.append(s, i, len);
      i += len;
      continue;
    }
    i += (len == 0 ? 1 : len);
  }
  return out;
}

namespace detail {

inline bool jsonNeedsRepair(const Poco::Dynamic::Var& v);

inline bool objectNeedsRepair(const json::Object& o) {
  for (const auto& [key, value] : o)
    if (!isValidUtf8(key) || jsonNeedsRepair(value)) return true;
  return false;
}

inline bool jsonNeedsRepair(const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) return false;
  const std::type_info& type = v.type();
  if (type == typeid(std::string)) return !isValidUtf8(v.extract<std::string>());
  if (type == typeid(json::ObjectPtr)) {
    const auto& o = v.extract<json::ObjectPtr>();
    return !o.isNull() && objectNeedsRepair(*o);
  }
  if (type == typeid(json::ArrayPtr)) {
    const auto& a = v.extract<json::ArrayPtr>();
    if (a.isNull()) return false;
    for (const auto& item : *a)
      if (jsonNeedsRepair(item)) return true;
  }
  return false;
}

inline Poco::Dynamic::Var repairedJson(const Poco::Dynamic::Var& v);

inline json::ObjectPtr repairedObject(const json::Object& o) {
  auto copy = json::object();
  for (const auto& [key, value] : o) copy->set(replaceInvalidUtf8(key), repairedJson(value));
  return copy;
}

inline Poco::Dynamic::Var repairedJson(const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) return v;
  const std::type_info& type = v.type();
  if (type == typeid(std::string)) return replaceInvalidUtf8(v.extract<std::string>());
  if (type == typeid(json::ObjectPtr)) {
    const auto& o = v.extract<json::ObjectPtr>();
    return o.isNull() ? v : Poco::Dynamic::Var(repairedObject(*o));
  }
  if (type == typeid(json::ArrayPtr)) {
    const auto& a = v.extract<json::ArrayPtr>();
    if (a.isNull()) return v;
    auto copy = json::array();
    for (const auto& item : *a) copy->add(repairedJson(item));
    return copy;
  }
  return v;
}

}  // namespace detail

/// `o` itself when every key and string in it (at any depth) is valid UTF-8; otherwise a deep
/// copy in which each ill-formed byte is U+FFFD. The original is never modified (an event
/// payload is shared with the publisher). Control characters stay: JSON escapes them.
inline json::ObjectPtr withValidUtf8(const json::ObjectPtr& o) {
  if (o.isNull() || !detail::objectNeedsRepair(*o)) return o;
  return detail::repairedObject(*o);
}

}  // namespace cc::text
