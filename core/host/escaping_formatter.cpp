#include "core/host/escaping_formatter.hpp"

#include <codecouncil/sdk/text.hpp>

#include <Poco/Message.h>

namespace cc::core {

void EscapingPatternFormatter::format(const Poco::Message& msg, std::string& text) {
  if (!text::needsEscaping(msg.getText())) return Poco::PatternFormatter::format(msg, text);
  Poco::Message escaped(msg);  // copied only for the rare line that needs it
  escaped.setText(text::escapeControls(msg.getText()));
  Poco::PatternFormatter::format(escaped, text);
}

}  // namespace cc::core
