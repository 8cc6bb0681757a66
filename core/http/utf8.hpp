#pragma once
// UTF-8 well-formedness (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
// Request text reaches SQL, JSON and logs: PostgreSQL refuses ill-formed text with an error
// and Poco's JSON writer copies bytes as they are, so the host checks it at the edge.
// The decoder is the SDK's (codecouncil/sdk/text.hpp), shared with the plugins.
#include <string>
#include <string_view>

namespace cc::core {

/// True when `s` is well-formed UTF-8; checks without allocating (runs on every request).
bool isValidUtf8(std::string_view s);

/// `s` with each byte of an ill-formed sequence replaced by '?' (valid text is unchanged).
std::string replaceInvalidUtf8(std::string_view s);

/// `s` with each byte of an ill-formed sequence written as the text \xNN (valid text is
/// unchanged): for header values, where the bytes a client sent are evidence (audit, logs).
std::string escapeInvalidUtf8(std::string_view s);

}  // namespace cc::core
