#pragma once
// Type-safe log lines: `ctx.log().info("granted {} credits to {}", amount, userId)`.
//
// std::format's `{}` placeholders, checked while compiling: a format string with more or fewer
// `{}` than arguments, a stray `{`/`}` or an argument with no text form does not compile (GCC 12
// has no <format>; fmt would be a new dependency of every plugin, and logging needs only `{}`).
// Poco's printf-style calls (`ctx.logger().error("%s", x)`) still work but are deprecated: a
// wrong conversion (`%Ld` with an int64) compiles and prints "[ERRFMT]" at run time.
//
// Supported: `{}` per argument, `{{` and `}}` for literal braces. No format specs ({:x}, {0}).
// Argument types: strings (std::string, string_view, const char*), bool, char, integers,
// floating point, and anything with `std::ostream << value`. Control characters in arguments
// are escaped by the host's log formatter, as for every log line.
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <charconv>
#include <concepts>
#include <cstddef>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

namespace cc {

namespace format_detail {

// Not constexpr on purpose: reaching one of these while checking a format string at compile
// time makes the call ill-formed, and the compiler's error names the function, i.e. the reason.
inline void format_string_has_more_arguments_than_placeholders() {}
inline void format_string_has_more_placeholders_than_arguments() {}
inline void format_string_has_a_brace_that_is_not_a_placeholder_use_double_braces_for_literals() {}

/// The number of `{}` in `text`; calls one of the functions above for a malformed string.
constexpr std::size_t countPlaceholders(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{') {
      if (i + 1 < text.size() && text[i + 1] == '{') {
        ++i;
      } else if (i + 1 < text.size() && text[i + 1] == '}') {
        ++count;
        ++i;
      } else {
        format_string_has_a_brace_that_is_not_a_placeholder_use_double_braces_for_literals();
      }
    } else if (text[i] == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}')
        ++i;
      else
        format_string_has_a_brace_that_is_not_a_placeholder_use_double_braces_for_literals();
    }
  }
  return count;
}

template <class T>
concept Streamable = requires(std::ostream& out, const T& value) { out << value; };

template <class T>
inline constexpr bool kAlwaysFalse = false;

template <class T>
void append(std::string& out, const T& value) {
  using V = std::decay_t<T>;
  if constexpr (std::is_same_v<V, bool>) {
    out += value ? "true" : "false";
  } else if constexpr (std::is_same_v<V, char>) {
    out += value;
  } else if constexpr (std::is_same_v<V, const char*> || std::is_same_v<V, char*>) {
    const char* p = value;  // arrays decay here too
    out += p ? std::string_view(p) : std::string_view("(null)");
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    out += std::string_view(value);
  } else if constexpr (std::is_arithmetic_v<V>) {
    char buffer[64];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
  } else if constexpr (Streamable<V>) {
    std::ostringstream stream;
    stream << value;
    out += stream.str();
  } else {
    static_assert(kAlwaysFalse<V>, "cc::format: this argument type has no text form (pass a string, a number, or a type with operator<<)");
  }
}

}  // namespace format_detail

/// A format string checked against its argument types while compiling (like std::format_string).
template <class... Args>
class FormatString {
 public:
  template <class S>
    requires std::convertible_to<const S&, std::string_view>
  consteval FormatString(const S& text) : text_(text) {  // NOLINT: implicit, like std::format_string
    std::size_t placeholders = format_detail::countPlaceholders(text_);
    if (placeholders > sizeof...(Args)) format_detail::format_string_has_more_placeholders_than_arguments();
    if (placeholders < sizeof...(Args)) format_detail::format_string_has_more_arguments_than_placeholders();
  }
  constexpr std::string_view get() const { return text_; }

 private:
  std::string_view text_;
};

/// The deduced argument types, kept out of deduction from the format string itself.
template <class... Args>
using format_string = FormatString<std::type_identity_t<const Args&>...>;

/// The text of a checked format string with each `{}` replaced by the next argument.
template <class... Args>
std::string format(format_string<Args...> fmt, const Args&... args) {
  std::string_view text = fmt.get();
  std::string out;
  out.reserve(text.size() + 16 * sizeof...(Args));
  std::size_t pos = 0;
  // Copies the literal text up to the next placeholder (unescaping {{ and }}), then the argument.
  auto literalUntilPlaceholder = [&] {
    while (pos < text.size()) {
      char c = text[pos];
      if (c == '{' && pos + 1 < text.size() && text[pos + 1] == '}') {
        pos += 2;
        return;
      }
      if ((c == '{' || c == '}') && pos + 1 < text.size() && text[pos + 1] == c) ++pos;
      out += c;
      ++pos;
    }
  };
  ((literalUntilPlaceholder(), format_detail::append(out, args)), ...);
  literalUntilPlaceholder();
  return out;
}

/// A plugin's logger with checked `{}` formatting. Cheap to copy; the text is only formatted
/// when the level is enabled.
class Log {
 public:
  explicit Log(Poco::Logger& logger) : logger_(&logger) {}

  template <class... Args>
  void debug(format_string<Args...> fmt, const Args&... args) const {
    write(Poco::Message::PRIO_DEBUG, fmt, args...);
  }
  template <class... Args>
  void info(format_string<Args...> fmt, const Args&... args) const {
    write(Poco::Message::PRIO_INFORMATION, fmt, args...);
  }
  template <class... Args>
  void warning(format_string<Args...> fmt, const Args&... args) const {
    write(Poco::Message::PRIO_WARNING, fmt, args...);
  }
  template <class... Args>
  void error(format_string<Args...> fmt, const Args&... args) const {
    write(Poco::Message::PRIO_ERROR, fmt, args...);
  }

  /// The Poco logger underneath, for code that takes one.
  Poco::Logger& poco() const { return *logger_; }

 private:
  template <class... Args>
  void write(Poco::Message::Priority priority, format_string<Args...> fmt, const Args&... args) const {
    if (!logger_->is(priority)) return;
    logger_->log(Poco::Message(logger_->name(), cc::format<Args...>(fmt, args...), priority));
  }

  Poco::Logger* logger_;
};

}  // namespace cc
