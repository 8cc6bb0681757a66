#pragma once
// One committed audit row as an RFC 5424 syslog message (docs/audit-log.md "Forwarding to
// syslog"):
//
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [audit@32473 id="..." ...] BOM{...}
//
// where the JSON is the entry's export record (record_json.hpp) plus its hash.
//
// Every value comes from outside and is made safe here: header fields are PRINTUSASCII or "-",
// PARAM-VALUEs are valid UTF-8 with '"', '\' and ']' escaped and control characters written as
// \xNN text, the MSG is valid UTF-8 JSON on one line. Whatever the row holds, the result is one
// well-formed message of at most `maxBytes` bytes (the JSON is cut to fit, never the header).
#include "hash_chain.hpp"

#include <cstddef>
#include <string>

namespace cc::audit {

/// The SD-ID of the entry's structured data. 32473 is the private enterprise number RFC 5612
/// reserves for examples and documentation; a SIEM matches on the whole "audit@32473".
inline constexpr const char* kSyslogSdId = "audit@32473";

/// What is the same in every message of one host.
struct SyslogOrigin {
  int facility = 16;                ///< local0
  std::string hostname = "-";       ///< PRINTUSASCII, at most 255
  std::string appName = "codecouncil";
  std::string procId = "-";
};

/// RFC 5424 severity for an audit severity: critical 2, error 3, warning 4, info 6.
int syslogSeverity(const std::string& auditSeverity);

/// `hostname` cut to RFC 5424's HOSTNAME (printable ASCII, at most 255), or "-".
std::string syslogHostname(const std::string& hostname);

struct SyslogMessage {
  std::string text;
  bool truncated = false;  ///< the JSON part was cut to fit maxBytes
};

/// The message for `row` (its hash included). `maxBytes` must leave room for the header and
/// structured data (at most about 2.6 KiB: each PARAM-VALUE is cut to 255 bytes).
SyslogMessage formatSyslogMessage(const ChainRow& row, const SyslogOrigin& origin, std::size_t maxBytes);

}  // namespace cc::audit
