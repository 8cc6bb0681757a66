#pragma once
// UTF-8 checks. Code must arrive as text: JSON can carry any byte sequence through \u
// escapes, and a stored result must always serialise back to valid JSON.
#include <string>

namespace cc::analysis {

bool isValidUtf8(const std::string& text);
/// Invalid sequences replaced by U+FFFD, so text from outside (Gemini's reply) is always valid.
std::string sanitizeUtf8(const std::string& text);
/// Cuts at most `maxBytes` without splitting a character.
std::string truncateUtf8(const std::string& text, std::size_t maxBytes);

}  // namespace cc::analysis
