#pragma once
// Opaque page cursors for keyset-paged list routes (`?cursor=` from a previous page's
// `nextCursor`). A cursor holds the last row's key; clients must treat it as opaque, so the key
// can change without breaking them. Every plugin used to hand-write its own base64url text with
// its own checks; a cursor is request input like any other, so one rule decides what is one.
//
// Wire format: base64url without padding of `<version><sep>[<scope><sep>]<field><sep>...`.
// Whole numbers are decimal (non-negative, at most 18 digits, optionally zero-padded to a fixed
// width); text fields are valid UTF-8 without control characters or the separator. decode()
// accepts exactly what encode() makes: the version, the scope, the number and kinds of fields,
// and the canonical text of each must match, or the answer is nullopt.
//
// A cursor is not signed. It is a position, never an authority: a client that edits one can
// only ask for another page of what it may read anyway; the scope (say, the user whose list it
// is) catches a cursor reused on another list, it is no access check.
#include <codecouncil/sdk/http_error.hpp>
#include <codecouncil/sdk/text.hpp>

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace cc {

/// One field of a cursor: a whole number (>= 0) or a text.
using CursorValue = std::variant<std::int64_t, std::string>;
enum class CursorField { Number, Text };

class OpaqueCursor {
 public:
  struct Format {
    std::string version;              ///< 1 to 8 letters and digits ("t1"); change it when the fields change
    std::vector<CursorField> fields;  ///< what follows the version (and the scope)
    char separator = '|';             ///< printable ASCII, not a letter or digit
    std::size_t numberDigits = 0;     ///< > 0: numbers zero-padded to exactly this many digits
    std::size_t maxChars = 512;       ///< longer input is refused before it is decoded
  };

  /// The largest number a field holds: 18 digits always fit an int64.
  static constexpr std::int64_t kMaxNumber = 999'999'999'999'999'999;

  /// Throws std::invalid_argument for a format that could not round-trip.
  explicit OpaqueCursor(Format format) : f_(std::move(format)) {
    if (f_.version.empty() || f_.version.size() > 8 || !isAlnum(f_.version))
      throw std::invalid_argument("cursor version must be 1 to 8 letters and digits");
    if (f_.separator <= ' ' || f_.separator > '~' || isAlnum(std::string_view(&f_.separator, 1)))
      throw std::invalid_argument("cursor separator must be printable ASCII punctuation");
    if (f_.fields.empty()) throw std::invalid_argument("a cursor needs at least one field");
    if (f_.numberDigits > 18) throw std::invalid_argument("cursor numbers have at most 18 digits");
  }

  /// The cursor of `values` (one per field, of the field's kind), bound to `scope` when it is
  /// not empty. Throws std::invalid_argument for values decode() would refuse: a caller's bug,
  /// never a client's input.
  std::string encode(const std::vector<CursorValue>& values, std::string_view scope = {}) const {
    if (values.size() != f_.fields.size()) throw std::invalid_argument("cursor values do not match its fields");
    std::string raw = f_.version;
    if (!scope.empty()) {
      if (!isCleanText(scope)) throw std::invalid_argument("cursor scope is not clean text");
      raw += f_.separator;
      raw += scope;
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
      raw += f_.separator;
      if (f_.fields[i] == CursorField::Number) {
        const auto* n = std::get_if<std::int64_t>(&values[i]);
        if (!n || *n < 0 || *n > kMaxNumber) throw std::invalid_argument("cursor number out of range");
        raw += numberText(*n);
      } else {
        const auto* s = std::get_if<std::string>(&values[i]);
        if (!s || !isCleanText(*s)) throw std::invalid_argument("cursor text is not clean text");
        raw += *s;
      }
    }
    std::ostringstream out;
    Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    encoder.rdbuf()->setLineLength(0);
    encoder << raw;
    encoder.close();
    std::string cursor = out.str();
    if (cursor.size() > f_.maxChars) throw std::invalid_argument("cursor longer than its format's maxChars");
    return cursor;
  }

  /// The values in `cursor` when encode() made it with this format and `scope`; nullopt for
  /// anything else. Never throws for any input.
  std::optional<std::vector<CursorValue>> decode(std::string_view cursor, std::string_view scope = {}) const {
    auto parts = split(cursor);
    if (!parts) return std::nullopt;
    const std::size_t scoped = scope.empty() ? 0 : 1;
    if (parts->size() != 1 + scoped + f_.fields.size() || (*parts)[0] != f_.version) return std::nullopt;
    if (scoped && (*parts)[1] != scope) return std::nullopt;
    std::vector<CursorValue> values;
    for (std::size_t i = 0; i < f_.fields.size(); ++i) {
      const std::string& part = (*parts)[1 + scoped + i];
      if (f_.fields[i] == CursorField::Text) {
        values.emplace_back(part);
        continue;
      }
      if (part.empty() || part.size() > 18 || part.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
      values.emplace_back(static_cast<std::int64_t>(std::stoll(part)));
    }
    try {
      // Only the canonical text: no second spelling of a position (leading zeros, other
      // trailing bits in the last base64 character) passes as a cursor this format made.
      if (encode(values, scope) != cursor) return std::nullopt;
    } catch (const std::invalid_argument&) {
      return std::nullopt;
    }
    return values;
  }

  /// decode(), but a 400 for anything else: "cursor belongs to <otherScope>" when the cursor is
  /// well-formed but bound to another scope (and `otherScope` is given), else `invalid`.
  std::vector<CursorValue> decodeOr400(std::string_view cursor, std::string_view scope, const std::string& invalid,
                                       const std::string& otherScope = "") const {
    if (auto values = decode(cursor, scope)) return std::move(*values);
    if (!otherScope.empty() && !scope.empty()) {
      auto parts = split(cursor);
      if (parts && parts->size() == 2 + f_.fields.size() && (*parts)[0] == f_.version && (*parts)[1] != scope)
        throw HttpError(400, "cursor belongs to " + otherScope);
    }
    throw HttpError(400, invalid);
  }

  const Format& format() const { return f_; }

 private:
  static bool isAlnum(std::string_view s) {
    for (char c : s)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
    return true;
  }

  bool isCleanText(std::string_view s) const {
    if (!text::isValidUtf8(s)) return false;
    for (unsigned char c : s)
      if (c < 0x20 || c == 0x7f || c == static_cast<unsigned char>(f_.separator)) return false;
    return true;
  }

  std::string numberText(std::int64_t n) const {
    std::string digits = std::to_string(n);
    if (digits.size() < f_.numberDigits) digits.insert(0, f_.numberDigits - digits.size(), '0');
    return digits;
  }

  /// The decoded text split at the separator; nullopt when it is not base64url of clean text.
  std::optional<std::vector<std::string>> split(std::string_view cursor) const {
    if (cursor.empty() || cursor.size() > f_.maxChars || cursor.size() % 4 == 1) return std::nullopt;
    for (char c : cursor) {
      bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) return std::nullopt;
    }
    std::string raw;
    try {
      std::istringstream in{std::string(cursor)};
      Poco::Base64Decoder decoder(in, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
      raw.assign(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (!text::isValidUtf8(raw)) return std::nullopt;
    std::vector<std::string> parts(1);
    for (char c : raw) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
      if (c == f_.separator) parts.emplace_back();
      else parts.back() += c;
    }
    return parts;
  }

  Format f_;
};

}  // namespace cc
