#include "analysis_request.hpp"

#include "utf8_text.hpp"

#include <codecouncil/sdk/json.hpp>

namespace cc::analysis {
namespace {

constexpr std::size_t kMaxLanguageBytes = 32;
constexpr std::size_t kMaxFilenameBytes = 255;

bool hasControlCharacters(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7F) return true;
  return false;
}

std::string optionalLabel(const json::ObjectPtr& body, const std::string& key, std::size_t maxBytes) {
  std::string value = json::optionalString(body, key).value_or("");
  if (value.size() > maxBytes) throw HttpError(400, key + " must be at most " + std::to_string(maxBytes) + " bytes");
  if (hasControlCharacters(value) || !isValidUtf8(value))
    throw HttpError(400, key + " must be plain text without control characters");
  return value;
}

}  // namespace

std::string whyNotText(const std::string& code) {
  if (code.find('\0') != std::string::npos) return "code contains NUL bytes: send source text, not binary data";
  if (!isValidUtf8(code)) return "code is not valid UTF-8 text: send source text, not binary data";
  std::size_t control = 0;
  for (unsigned char c : code)
    if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\v') || c == 0x7F) ++control;
  // Source code has next to no control characters; a tenth of them means a binary blob.
  if (control * 10 > code.size()) return "code looks like binary data, not source text";
  return "";
}

AnalysisInput parseAnalysisRequest(const std::string& body, const AnalysisConfig& config) {
  json::ObjectPtr o = json::parseObject(body);
  if (!o->has("code") || o->isNull("code")) throw HttpError(400, "code is required");
  if (!o->get("code").isString()) throw HttpError(400, "code must be a string");
  AnalysisInput input;
  input.code = o->get("code").toString();
  if (input.code.find_first_not_of(" \t\r\n\f\v") == std::string::npos)
    throw HttpError(400, "code must not be empty");
  if (input.code.size() > config.maxCodeBytes)
    throw HttpError(413, "code is " + std::to_string(input.code.size()) + " bytes; the limit is " +
                             std::to_string(config.maxCodeBytes) + " bytes");
  if (std::string why = whyNotText(input.code); !why.empty()) throw HttpError(400, why);
  input.language = optionalLabel(o, "language", kMaxLanguageBytes);
  for (auto& c : input.language) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  input.filename = optionalLabel(o, "filename", kMaxFilenameBytes);
  return input;
}

}  // namespace cc::analysis
