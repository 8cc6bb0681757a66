#include "core/http/utf8.hpp"

#include <codecouncil/sdk/text.hpp>

namespace cc::core {

// One decoder for the host and the plugins: the SDK's (codecouncil/sdk/text.hpp).
bool isValidUtf8(std::string_view s) { return text::isValidUtf8(s); }

std::string replaceInvalidUtf8(std::string_view s) { return text::replaceInvalidUtf8(s, "?"); }

std::string escapeInvalidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = text::detail::sequenceLength(s, i);
    if (len == 0) {
      text::detail::appendHexEscape(out, static_cast<unsigned char>(s[i]));
      ++i;
    } else {
      out.append(s, i, len);
      i += len;
    }
  }
  return out;
}

}  // namespace cc::core
