#include "support/test_certificates.hpp"

#include <cstdlib>

namespace cc::test {

std::optional<LoopbackCertificate> makeLoopbackCertificate(const std::filesystem::path& dir, const std::string& name,
                                                           const std::string& dnsName) {
  LoopbackCertificate c{(dir / (name + ".pem")).string(), (dir / (name + ".key")).string()};
  std::string subject = dnsName.empty() ? "/CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1"
                                        : "/CN=" + dnsName + " -addext subjectAltName=DNS:" + dnsName;
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj " + subject + " -keyout '" +
                    c.privateKeyFile + "' -out '" + c.certificateFile + "' >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return std::nullopt;
  return c;
}

}  // namespace cc::test
