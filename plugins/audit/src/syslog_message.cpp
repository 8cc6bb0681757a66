#include "syslog_message.hpp"

#include "syslog_settings.hpp"

#include <codecouncil/audit/record_json.hpp>
#include <codecouncil/sdk/json.hpp>
#include <codecouncil/sdk/text.hpp>

#include <regex>

namespace cc::audit {

namespace {

constexpr std::size_t kMaxParamBytes = 255;
constexpr std::size_t kMaxMsgId = 32;
constexpr std::string_view kBom = "\xEF\xBB\xBF";

// The database's clock format (Database::nowSql) is already RFC 3339 with a fraction and Z.
bool isRfc3339(const std::string& t) {
  static const std::regex kTimestamp(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z)");
  return std::regex_match(t, kTimestamp);
}

// Drops a trailing partial UTF-8 sequence left by cutting at `end`.
std::size_t characterBoundary(const std::string& s, std::size_t end) {
  if (end >= s.size()) return s.size();
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return end;
}

// RFC 5424 PARAM-VALUE: valid UTF-8; '"', '\' and ']' escaped with a backslash. Controls are
// legal there but break line-oriented collectors, so they become \xNN text (the backslash of
// which is escaped in turn). Cut to kMaxParamBytes at a character boundary, never inside an
// escape, so the structured data of a message has a bounded size.
std::string paramValue(const std::string& raw) {
  std::string out;
  for (char c : text::escapeControls(raw)) {
    if (c == '"' || c == '\\' || c == ']') out += '\\';
    out += c;
  }
  if (out.size() <= kMaxParamBytes) return out;
  out.resize(characterBoundary(out, kMaxParamBytes));
  std::size_t backslashes = 0;
  while (backslashes < out.size() && out[out.size() - 1 - backslashes] == '\\') ++backslashes;
  if (backslashes % 2 == 1) out.pop_back();  // the first half of an escape
  return out;
}

void addParam(std::string& sd, const char* name, const std::optional<std::string>& value) {
  if (!value) return;
  sd += ' ';
  sd += name;
  sd += "=\"";
  sd += paramValue(*value);
  sd += '"';
}

// The row as the export reads it ("" for a NULL column, which recordJson writes as null).
AuditRecord recordOf(const ChainRow& row) {
  AuditRecord r;
  r.id = row.id;
  r.userId = row.userId.value_or("");
  r.action = row.action;
  r.severity = row.severity;
  r.resourceType = row.resourceType;
  r.resourceId = row.resourceId.value_or("");
  r.metadata = row.metadata;
  r.ip = row.ip.value_or("");
  r.userAgent = row.userAgent.value_or("");
  r.requestId = row.requestId.value_or("");
  r.createdAt = row.createdAt;
  return r;
}

// The entry exactly as the export writes it (record_json.hpp: same fields, names, values, and
// the same repair of ill-formed UTF-8), plus the row's hash so a SIEM can check it against
// `codecouncil audit verify`. The JSON writer escapes controls, so it is one line.
std::string messageJson(const ChainRow& row) {
  json::ObjectPtr o = recordJson(recordOf(row));
  o->set("hash", text::replaceInvalidUtf8(row.hash));
  return json::stringify(o);
}

}  // namespace

int syslogSeverity(const std::string& auditSeverity) {
  if (auditSeverity == "critical") return 2;
  if (auditSeverity == "error") return 3;
  if (auditSeverity == "warning") return 4;
  return 6;
}

std::string syslogHostname(const std::string& hostname) {
  std::string out;
  for (unsigned char c : hostname)
    if (c >= 33 && c <= 126 && out.size() < 255) out += static_cast<char>(c);
  return out.empty() ? "-" : out;
}

SyslogMessage formatSyslogMessage(const ChainRow& row, const SyslogOrigin& origin, std::size_t maxBytes) {
  std::string msg = "<" + std::to_string(origin.facility * 8 + syslogSeverity(row.severity)) + ">1 ";
  msg += isRfc3339(row.createdAt) ? row.createdAt : "-";
  msg += ' ';
  msg += isPrintUsAscii(origin.hostname, 255) ? origin.hostname : "-";
  msg += ' ';
  msg += isPrintUsAscii(origin.appName, 48) ? origin.appName : "-";
  msg += ' ';
  msg += isPrintUsAscii(origin.procId, 128) ? origin.procId : "-";
  msg += ' ';
  msg += isPrintUsAscii(row.action, kMaxMsgId) ? row.action : "-";
  msg += " [";
  msg += kSyslogSdId;
  addParam(msg, "id", std::to_string(row.id));
  addParam(msg, "action", row.action);
  addParam(msg, "severity", row.severity);
  addParam(msg, "resourceType", row.resourceType);
  addParam(msg, "resourceId", row.resourceId);
  addParam(msg, "userId", row.userId);
  addParam(msg, "requestId", row.requestId);
  addParam(msg, "hash", row.hash);
  msg += "] ";
  msg += kBom;

  SyslogMessage out;
  std::string body = messageJson(row);
  std::size_t room = maxBytes > msg.size() ? maxBytes - msg.size() : 0;
  if (body.size() > room) {
    body.resize(characterBoundary(body, room));
    out.truncated = true;
  }
  out.text = std::move(msg) + body;
  return out;
}

}  // namespace cc::audit
