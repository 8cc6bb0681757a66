#pragma once
// The client address of a request that came through reverse proxies, resolved the way
// nginx's realip module does with `set_real_ip_from <trusted>` and `real_ip_recursive on`:
// X-Forwarded-For is believed only when the TCP peer is a trusted proxy, and then the client
// is the rightmost address in it that is not itself trusted. A header from anyone else is
// ignored, so a client can never choose the address its rate limits and audit rows are
// keyed on.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cc::core {

/// An IPv4 or IPv6 address. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, what a dual-stack
/// socket reports for an IPv4 peer) are stored as the IPv4 address they carry, so one client
/// has one form.
struct IpAddress {
  bool v6 = false;
  std::array<unsigned char, 16> bytes{};  ///< network order; IPv4 uses the first 4

  /// Strict text forms only (inet_pton: dotted quad, RFC 4291 IPv6 without a zone); nullopt
  /// for anything else, including ports, brackets and surrounding spaces.
  static std::optional<IpAddress> parse(std::string_view text);
  /// Canonical text: "192.0.2.1", "2001:db8::1" (RFC 5952, via inet_ntop).
  std::string toString() const;
  int bits() const { return v6 ? 128 : 32; }
};

/// An address range in CIDR form ("10.0.0.0/8", "2001:db8::/32") or one address.
struct IpNetwork {
  IpAddress base;
  int prefix = 0;

  /// nullopt with a reason in `error` when `text` is not an address or a CIDR network, or
  /// when bits are set after the prefix ("10.1.2.3/8": almost always a typo for a host).
  static std::optional<IpNetwork> parse(std::string_view text, std::string& error);
  bool contains(const IpAddress& address) const;
};

/// The networks whose X-Forwarded-For is believed (server.trusted_proxies).
class TrustedProxies {
 public:
  TrustedProxies() = default;
  explicit TrustedProxies(std::vector<IpNetwork> networks) : networks_(std::move(networks)) {}
  /// Parses every entry; throws std::invalid_argument naming the first bad one (the config
  /// loader has already reported them with file:line, so this only guards direct use).
  static TrustedProxies fromStrings(const std::vector<std::string>& entries);

  bool empty() const { return networks_.empty(); }
  bool contains(const IpAddress& address) const;

 private:
  std::vector<IpNetwork> networks_;
};

/// The client address of a request from TCP peer `peer` carrying X-Forwarded-For value
/// `forwardedFor` ("" when absent).
///  - peer not trusted (or no trusted proxies): `peer`, unchanged; the header is ignored.
///  - peer trusted: walk the header from the right; skip empty items; stop at the first item
///    that is not an address (keep the last good one, as nginx does) or at the first address
///    that is not trusted (the client). When every item is trusted, the leftmost one.
/// Never throws; a malformed header can only leave the answer at a trusted address.
std::string resolveClientAddress(const std::string& peer, std::string_view forwardedFor,
                                 const TrustedProxies& trusted);

}  // namespace cc::core
