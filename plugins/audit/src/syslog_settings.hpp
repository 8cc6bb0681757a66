#pragma once
// The `syslog:` section of the audit plugin's config: where new entries are forwarded for a
// SIEM (docs/audit-log.md "Forwarding to syslog"). Off by default; every key is checked before
// the host starts, so a typo in the collector's address fails at start-up, not at 3 a.m.
#include <codecouncil/sdk/config_reader.hpp>

#include <string>

namespace cc::audit {

struct SyslogSettings {
  bool enabled = false;
  std::string transport = "tcp";   ///< tcp (RFC 6587 octet counting) | unix (datagrams, like /dev/log)
  std::string address;             ///< tcp: "host:port"; unix: an absolute socket path
  std::string facility = "local0";
  int facilityCode = 16;           ///< derived from `facility`
  std::string appName = "codecouncil";
  std::string hostname;            ///< "" : the machine's host name
  int queueMax = 10000;
  int maxMessageBytes = 8192;      ///< one message without its "LEN " prefix; the JSON part is cut to fit
  int reconnectMaxSeconds = 30;    ///< the cap of the doubling pause between connection attempts
  int shutdownFlushMs = 2000;      ///< how long stop() keeps sending what is queued

  static void describe(ConfigReader& r, SyslogSettings& s);
};

/// RFC 5424 facility code for a name (kern ... local7), or -1.
int syslogFacilityCode(const std::string& name);

/// True when `s` is 1..max characters of PRINTUSASCII (%d33-126), what RFC 5424 allows in
/// HOSTNAME, APP-NAME and MSGID.
bool isPrintUsAscii(const std::string& s, std::size_t max);

}  // namespace cc::audit
