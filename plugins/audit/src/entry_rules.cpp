#include "entry_rules.hpp"

#include <codecouncil/sdk/text.hpp>

#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cctype>

namespace cc::audit {

namespace {

constexpr std::size_t kMaxFieldBytes = 512;
constexpr std::size_t kMaxMetadataBytes = 64 * 1024;

bool looksSecret(std::string key) {
  key = lowerAscii(key);
  for (const char* word : {"password", "secret", "token", "authorization", "apikey", "api_key", "cardnumber",
                           "card_number", "cvc"})
    if (key.find(word) != std::string::npos) return true;
  return false;
}

// Replaces the values of secret-looking keys, at any depth.
void redact(const Poco::Dynamic::Var& value) {
  if (value.type() == typeid(json::ObjectPtr)) {
    auto obj = value.extract<json::ObjectPtr>();
    for (auto& key : obj->getNames()) {
      if (looksSecret(key)) obj->set(key, "[redacted]");
      else redact(obj->get(key));
    }
  } else if (value.type() == typeid(json::ArrayPtr)) {
    auto arr = value.extract<json::ArrayPtr>();
    for (std::size_t i = 0; i < arr->size(); ++i) redact(arr->get(i));
  }
}

// Cuts at a UTF-8 character boundary so the stored text stays valid UTF-8.
std::string cut(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  s.resize(end);
  return s;
}

// A JSON object with valid UTF-8 in every key and string. Ill-formed bytes become U+FFFD
// before parsing (so the structure survives them: Poco's parser refuses the whole text
// otherwise), and the parsed tree is checked again: the parser is not ours to trust.
json::ObjectPtr parseOrWrap(const std::string& raw) {
  const std::string repaired = text::replaceInvalidUtf8(raw);
  try {
    Poco::JSON::Parser parser;
    auto parsed = parser.parse(repaired.empty() ? "{}" : repaired);
    if (parsed.type() == typeid(json::ObjectPtr)) return text::withValidUtf8(parsed.extract<json::ObjectPtr>());
  } catch (const std::exception&) {
  }
  auto wrapped = json::object();
  wrapped->set("raw", cut(repaired, kMaxFieldBytes));
  return wrapped;
}

}  // namespace

bool isSeverity(const std::string& s) {
  return std::find(kSeverities.begin(), kSeverities.end(), s) != kSeverities.end();
}
bool isResourceType(const std::string& s) {
  return std::find(kResourceTypes.begin(), kResourceTypes.end(), s) != kResourceTypes.end();
}

std::string metadataFromPayload(const json::ObjectPtr& payload, const std::string& source) {
  auto meta = json::object();
  if (payload) {
    for (auto& key : payload->getNames()) {
      if (key == "ip" || key == "userAgent" || key == "requestId") continue;
      meta->set(key, payload->get(key));
    }
  }
  if (!meta->has("source") && !source.empty()) meta->set("source", source);
  // The payload is shared with other handlers: redact a deep copy, never the original.
  auto copy = parseOrWrap(json::stringify(text::withValidUtf8(meta)));
  redact(copy);
  return json::stringify(copy);
}

AuditEntry normalizeEntry(AuditEntry entry) {
  json::ObjectPtr meta = parseOrWrap(entry.metadata);
  auto invalid = json::object();
  if (!isSeverity(entry.severity)) {
    invalid->set("severity", cut(text::replaceInvalidUtf8(entry.severity), kMaxFieldBytes));
    entry.severity = "warning";
  }
  if (!isResourceType(entry.resourceType)) {
    invalid->set("resourceType", cut(text::replaceInvalidUtf8(entry.resourceType), kMaxFieldBytes));
    entry.resourceType = "system";
  }
  if (entry.action.empty()) {
    invalid->set("action", "");
    entry.action = "unknown";
  }
  if (invalid->size() > 0) meta->set("invalid", invalid);
  redact(meta);
  entry.metadata = json::stringify(meta);
  if (entry.metadata.size() > kMaxMetadataBytes) {
    auto small = json::object();
    small->set("truncated", true);
    small->set("bytes", static_cast<std::int64_t>(entry.metadata.size()));
    entry.metadata = json::stringify(small);
  }
  // One-line columns: a database may refuse ill-formed UTF-8 and NUL (the whole row with them),
  // and a CR or ESC would forge lines wherever the value is shown. Escaped, not dropped:
  // "curl\xff" still says what was sent.
  for (std::string* field : {&entry.userId, &entry.action, &entry.resourceId, &entry.ip, &entry.userAgent,
                             &entry.requestId})
    *field = cut(text::escapeControls(*field), kMaxFieldBytes);
  return entry;
}

}  // namespace cc::audit
