#include "syslog_settings.hpp"

#include <array>
#include <cstdlib>
#include <utility>

namespace cc::audit {

namespace {

// RFC 5424 section 6.2.1, codes 0..23 (13 is "log audit", 14 "log alert", 15 "clock daemon").
constexpr std::array<std::pair<const char*, int>, 24> kFacilities = {{
    {"kern", 0},    {"user", 1},    {"mail", 2},    {"daemon", 3},  {"auth", 4},    {"syslog", 5},
    {"lpr", 6},     {"news", 7},    {"uucp", 8},    {"cron", 9},    {"authpriv", 10}, {"ftp", 11},
    {"ntp", 12},    {"audit", 13},  {"alert", 14},  {"clock", 15},  {"local0", 16}, {"local1", 17},
    {"local2", 18}, {"local3", 19}, {"local4", 20}, {"local5", 21}, {"local6", 22}, {"local7", 23},
}};

// sockaddr_un's sun_path holds 108 bytes with the terminating NUL.
constexpr std::size_t kMaxSocketPath = 107;

std::string facilityNames() {
  std::string out;
  for (auto& [name, code] : kFacilities) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

// "host:port", "[v6]:port": the host part is not resolved here (DNS may be down at start-up;
// the sender retries), only its shape and the port are checked.
std::string tcpAddressProblem(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return "must be host:port (e.g. siem.example.com:514)";
  std::string host = address.substr(0, colon), port = address.substr(colon + 1);
  if (host.front() == '[' ? host.back() != ']' : host.find(':') != std::string::npos)
    return "must be host:port, with an IPv6 address in brackets ([::1]:514)";
  if (!isPrintUsAscii(host, 253)) return "has a host name that is not printable ASCII";
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::atoi(port.c_str()) < 1 || std::atoi(port.c_str()) > 65535)
    return "must end in a port between 1 and 65535";
  return "";
}

std::string unixAddressProblem(const std::string& address) {
  if (address.empty() || address.front() != '/') return "must be an absolute socket path (e.g. /dev/log)";
  if (address.size() > kMaxSocketPath)
    return "is longer than a socket path can be (" + std::to_string(kMaxSocketPath) + " bytes)";
  if (address.find('\0') != std::string::npos) return "must not contain NUL";
  return "";
}

}  // namespace

int syslogFacilityCode(const std::string& name) {
  for (auto& [n, code] : kFacilities)
    if (name == n) return code;
  return -1;
}

bool isPrintUsAscii(const std::string& s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (unsigned char c : s)
    if (c < 33 || c > 126) return false;
  return true;
}

void SyslogSettings::describe(ConfigReader& r, SyslogSettings& s) {
  r.boolean("enabled", s.enabled)
      .oneOf("transport", {"tcp", "unix"}, s.transport)
      .string("address", s.address)
      .value("facility",
             [&s](const ConfigNode& n, ConfigErrors& errors) {
               std::string name = n.asString();
               int code = syslogFacilityCode(name);
               if (code < 0) errors.add(n, "must be a syslog facility name: " + facilityNames());
               else {
                 s.facility = name;
                 s.facilityCode = code;
               }
             })
      .value("app_name",
             [&s](const ConfigNode& n, ConfigErrors& errors) {
               std::string v = n.asString();
               if (!isPrintUsAscii(v, 48)) errors.add(n, "must be 1 to 48 printable ASCII characters without spaces");
               else s.appName = v;
             })
      .value("hostname",
             [&s](const ConfigNode& n, ConfigErrors& errors) {
               std::string v = n.asString();  // "": the machine's name
               if (!v.empty() && !isPrintUsAscii(v, 255))
                 errors.add(n, "must be 1 to 255 printable ASCII characters without spaces, or empty for the machine's name");
               else s.hostname = v;
             })
      .integer("queue_max", 1, 1000000, s.queueMax)
      .integer("max_message_bytes", 4096, 65507, s.maxMessageBytes)
      .integer("reconnect_max_seconds", 1, 3600, s.reconnectMaxSeconds)
      .integer("shutdown_flush_ms", 0, 60000, s.shutdownFlushMs)
      .check([&s](const ConfigNode& node, ConfigErrors& errors) {
        ConfigNode address = node["address"];
        if (!address.defined()) {
          if (s.enabled) errors.add(node["enabled"], "needs syslog.address (tcp: host:port, unix: a socket path)");
          return;
        }
        std::string problem = s.transport == "unix" ? unixAddressProblem(s.address) : tcpAddressProblem(s.address);
        if (!problem.empty()) errors.add(address, problem + " for transport " + s.transport);
      });
}

}  // namespace cc::audit
