#include "core/http/utf8.hpp"

#include <codecouncil/sdk/text.hpp>

namespace cc::core {

// One decoder for the host and the plugins: the SDK's (codecouncil/sdk/text.hpp).
bool isValidUtf8(std::string_view s) { return text::isValidUtf8(s); }

std::string replaceInvalidUtf8(std::string_view s) { return text::replaceInvalidUtf8(s, "?"); }

}  // namespace cc::core
