#pragma once
// Self-signed certificates for 127.0.0.1, made with the openssl tool, for fake TLS servers
// (SMTP STARTTLS) that the host under test must verify.
#include <filesystem>
#include <optional>
#include <string>

namespace cc::test {

struct LoopbackCertificate {
  std::string certificateFile;  ///< PEM; also usable as the CA file that trusts it
  std::string privateKeyFile;   ///< PEM, unencrypted
};

/// Writes <dir>/<name>.pem and <dir>/<name>.key, a self-signed certificate valid for two days,
/// for CN and IP SAN 127.0.0.1 or, with `dnsName`, for that host name only (a certificate that
/// must not be accepted for 127.0.0.1). nullopt when the openssl tool is missing or fails.
std::optional<LoopbackCertificate> makeLoopbackCertificate(const std::filesystem::path& dir, const std::string& name,
                                                           const std::string& dnsName = "");

}  // namespace cc::test
