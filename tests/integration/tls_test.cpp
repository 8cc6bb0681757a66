// The optional HTTPS listener, with a certificate made for the test.
#include "support/host_process.hpp"

#include <Poco/Net/AcceptCertificateHandler.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>

#include <gtest/gtest.h>

using namespace cc::test;

TEST(Tls, ServesHttpsBesideHttp) {
  HostProcess host;
  auto cert = host.dir().path() / "cert.pem";
  auto key = host.dir().path() / "key.pem";
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout " + key.string() +
                    " -out " + cert.string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  int tlsPort = freePort();
  std::string config = readFile(host.configPath());
  config.replace(config.find("  shutdown_grace_seconds: 5\n"), 27,
                 "  shutdown_grace_seconds: 5\n  tls:\n    enabled: true\n    port: " + std::to_string(tlsPort) +
                     "\n    certificate: " + cert.string() + "\n    private_key: " + key.string() + "\n");
  writeFile(host.configPath(), config);
  ASSERT_TRUE(host.start()) << host.output();

  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                                       Poco::Net::Context::VERIFY_NONE);
  Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(tlsPort), ctx);
  Poco::Net::HTTPRequest req("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(req);
  Poco::Net::HTTPResponse res;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(res), body);
  EXPECT_EQ(res.getStatus(), 200);
  EXPECT_NE(body.find("\"ok\""), std::string::npos);
  EXPECT_EQ(host.get("/healthz").status, 200);  // plain HTTP still there
  EXPECT_EQ(host.stop(), 0);
}

TEST(Tls, MissingCertificateIsAClearStartError) {
  HostProcess host;
  std::string config = readFile(host.configPath());
  config.replace(config.find("  shutdown_grace_seconds: 5\n"), 27,
                 "  shutdown_grace_seconds: 5\n  tls:\n    enabled: true\n    port: " + std::to_string(freePort()) +
                     "\n    certificate: /nonexistent/cert.pem\n    private_key: /nonexistent/key.pem\n");
  writeFile(host.configPath(), config);
  EXPECT_FALSE(host.start());
  EXPECT_NE(host.output().find("HTTPS"), std::string::npos) << host.output();
}
