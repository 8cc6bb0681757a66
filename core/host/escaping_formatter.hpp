#pragma once
// The log's formatter: Poco's PatternFormatter, with the message text made one printable
// line first. Log messages quote request paths, headers, plugin and database errors; a CR/LF
// in them (GET /x%0d%0a...) would forge a log line and an ESC would drive the terminal that
// shows it (OWASP: encode CR, LF and other control characters). They are written as \r, \n,
// \x1b, ... instead (cc::text::escapeControls), for every logger, in one place.
//
// Multi-line texts meant for the operator (configuration errors, "cannot start plugins:")
// are printed to stderr by main(), outside the logger, and stay readable.
#include <Poco/PatternFormatter.h>

namespace cc::core {

class EscapingPatternFormatter : public Poco::PatternFormatter {
 public:
  explicit EscapingPatternFormatter(const std::string& pattern) : Poco::PatternFormatter(pattern) {}
  void format(const Poco::Message& msg, std::string& text) override;
};

}  // namespace cc::core
