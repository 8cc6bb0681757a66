#include "core/http/client_address.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <stdexcept>

namespace cc::core {
namespace {

// A header can list many hops; a real chain has a handful. Walking stops after this many
// items, so a huge header costs no more than a short one (the answer is then a trusted hop).
constexpr int kMaxForwardedItems = 32;

constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; the longest valid IPv6 text is 45 characters.
  if (text.empty() || text.size() > 45 || text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string s(text);
  IpAddress a;
  if (::inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
  unsigned char v6[16];
  if (::inet_pton(AF_INET6, s.c_str(), v6) != 1) return std::nullopt;
  if (std::memcmp(v6, kMappedPrefix, sizeof kMappedPrefix) == 0) {
    std::memcpy(a.bytes.data(), v6 + 12, 4);
    return a;
  }
  a.v6 = true;
  std::memcpy(a.bytes.data(), v6, 16);
  return a;
}

std::string IpAddress::toString() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buffer, sizeof buffer);
  return buffer;
}

std::optional<IpNetwork> IpNetwork::parse(std::string_view text, std::string& error) {
  const auto slash = text.find('/');
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) {
    error = "'" + std::string(text) + "' is not an IP address or CIDR network (e.g. 10.0.0.0/8, 2001:db8::/32)";
    return std::nullopt;
  }
  // Written as IPv6 but IPv4-mapped (::ffff:10.0.0.0/104): the prefix counts IPv6 bits.
  const bool writtenAsV6 = text.substr(0, slash).find(':') != std::string_view::npos;
  const int writtenBits = writtenAsV6 ? 128 : 32;
  IpNetwork n{*address, address->bits()};
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    int prefix = 0;
    bool ok = !digits.empty() && digits.size() <= 3;
    for (char c : digits) {
      ok = ok && c >= '0' && c <= '9';
      if (ok) prefix = prefix * 10 + (c - '0');
    }
    if (!ok || prefix > writtenBits) {
      error = "'" + std::string(text) + "' has an invalid prefix length (0-" + std::to_string(writtenBits) + ")";
      return std::nullopt;
    }
    n.prefix = prefix - (writtenBits - address->bits());
    if (n.prefix < 0) {
      error = "'" + std::string(text) + "' reaches outside the IPv4-mapped range (prefix below 96)";
      return std::nullopt;
    }
  }
  IpNetwork masked = n;
  for (int bit = masked.prefix; bit < masked.base.bits(); ++bit)
    masked.base.bytes[bit / 8] &= static_cast<unsigned char>(~(0x80u >> (bit % 8)));
  if (masked.base.bytes != n.base.bytes) {
    error = "'" + std::string(text) + "' has bits set after the /" + std::to_string(n.prefix) + " prefix (did you mean " +
            masked.base.toString() + "/" + std::to_string(n.prefix) + "?)";
    return std::nullopt;
  }
  return n;
}

bool IpNetwork::contains(const IpAddress& address) const {
  if (address.v6 != base.v6) return false;
  const int whole = prefix / 8;
  if (std::memcmp(address.bytes.data(), base.bytes.data(), static_cast<std::size_t>(whole)) != 0) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xff00u >> rest);
  return (address.bytes[whole] & mask) == (base.bytes[whole] & mask);
}

TrustedProxies TrustedProxies::fromStrings(const std::vector<std::string>& entries) {
  std::vector<IpNetwork> networks;
  for (const auto& entry : entries) {
    std::string error;
    auto n = IpNetwork::parse(entry, error);
    if (!n) throw std::invalid_argument("server.trusted_proxies: " + error);
    networks.push_back(*n);
  }
  return TrustedProxies(std::move(networks));
}

bool TrustedProxies::contains(const IpAddress& address) const {
  for (const auto& n : networks_)
    if (n.contains(address)) return true;
  return false;
}

std::string resolveClientAddress(const std::string& peer, std::string_view forwardedFor,
                                 const TrustedProxies& trusted) {
  if (trusted.empty() || forwardedFor.empty()) return peer;
  auto peerAddress = IpAddress::parse(peer);
  if (!peerAddress || !trusted.contains(*peerAddress)) return peer;

  // The rightmost item was added by the proxy nearest to us, so it is the most trusted one;
  // each trusted hop vouches for the item to its left.
  std::string client = peerAddress->toString();
  std::string_view rest = forwardedFor;
  for (int walked = 0; walked < kMaxForwardedItems && !rest.empty(); ++walked) {
    const auto comma = rest.rfind(',');
    const std::string_view item = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (item.empty()) continue;
    auto address = IpAddress::parse(item);
    if (!address) break;  // garbage: keep the last address a trusted hop gave us
    client = address->toString();
    if (!trusted.contains(*address)) break;  // the first untrusted hop is the client
  }
  return client;
}

}  // namespace cc::core
