// mail.tls against the real binary: the host queues a mail (through the tp_mailer test plugin)
// and its outbox delivers it to FakeSmtpServer on 127.0.0.1. `starttls_required` must send a
// server that does not offer STARTTLS nothing but EHLO and QUIT (a man in the middle can strip
// the offer, RFC 3207 section 6), keep the mail queued with the reason and retry it; with
// STARTTLS it delivers over a verified TLS session. `starttls` (opportunistic) still sends in
// clear when the offer is missing.
#include "support/fake_smtp_server.hpp"
#include "support/host_process.hpp"
#include "support/test_certificates.hpp"

#include <gtest/gtest.h>

#include <Poco/String.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

using cc::test::FakeSmtpServer;
using cc::test::HostProcess;

namespace {

const std::string kUser = "mailer";
const std::string kPassword = "smtp-Pa55word-never-logged";
constexpr const char* kRefusal = "did not offer STARTTLS and mail.tls is starttls_required: nothing was sent";

bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

FakeSmtpServer::Options authServer() {
  FakeSmtpServer::Options o;
  o.user = kUser;
  o.password = kPassword;
  return o;
}

bool sent(const std::vector<std::string>& commands, const std::string& verb) {
  return std::find(commands.begin(), commands.end(), verb) != commands.end();
}

class MailTls : public ::testing::Test {
 protected:
  /// Certificates for the fake server, made once per test program; skips without openssl.
  void needCertificates() {
    static cc::test::TempDir dir;
    static auto trusted = cc::test::makeLoopbackCertificate(dir.path(), "trusted");
    static auto other = cc::test::makeLoopbackCertificate(dir.path(), "other");
    static auto elsewhere = cc::test::makeLoopbackCertificate(dir.path(), "elsewhere", "mail.example.com");
    if (!trusted || !other || !elsewhere) GTEST_SKIP() << "the openssl tool is needed to make test certificates";
    trusted_ = *trusted;
    other_ = *other;
    elsewhere_ = *elsewhere;
  }

  /// The host with `mailLines` (indented by two spaces) added to its mail section. The
  /// password reaches the host through the environment, never argv.
  std::unique_ptr<HostProcess> startHost(const FakeSmtpServer& smtp, const std::string& mailLines,
                                         std::map<std::string, std::string> env = {}) {
    std::string plugins = "  - name: tp_mailer\n    path: " + cc::test::testPluginDir() +
                          "/libcc_tp_mailer.so\n    migrations: \"\"\n";
    std::string mail = "mail:\n  smtp_host: 127.0.0.1\n  smtp_port: " + std::to_string(smtp.port()) +
                       "\n  smtp_user: " + kUser + "\n  smtp_password: ${TEST_SMTP_PASSWORD}\n"
                       "  retry_interval_seconds: 1\n" + mailLines;
    auto host = std::make_unique<HostProcess>(plugins, mail);
    env["TEST_SMTP_PASSWORD"] = kPassword;
    EXPECT_TRUE(host->start(env)) << host->output();
    return host;
  }

  void queue(const HostProcess& host, const std::string& to) {
    auto r = host.post("/api/test/mail", R"({"to":")" + to + R"(","subject":"hello","text":"secret body 4711"})");
    ASSERT_EQ(r.status, 202) << r.body;
  }

  std::string outbox(const HostProcess& host, const std::string& column) {
    auto rows = cc::test::queryStrings(host.databaseUrl(), "SELECT " + column + " FROM mail_outbox");
    return rows.empty() ? "" : rows.front();
  }

  std::string lastError(const HostProcess& host) { return outbox(host, "COALESCE(\"lastError\", '')"); }

  /// Refused without a byte of the mail or the credentials on the wire, kept queued with the
  /// reason, and tried again later.
  void expectRefusedAndRetried(HostProcess& host, const FakeSmtpServer& smtp) {
    ASSERT_TRUE(host.waitForOutput(kRefusal, 15000)) << host.output();
    ASSERT_TRUE(waitUntil([&] {
      std::string attempts = outbox(host, "attempts");
      return !attempts.empty() && std::stoi(attempts) >= 2;
    })) << "not retried\n" << host.output();
    EXPECT_EQ(outbox(host, "status"), "pending");
    EXPECT_NE(lastError(host).find(kRefusal), std::string::npos) << lastError(host);
    auto commands = smtp.commands();
    EXPECT_TRUE(sent(commands, "EHLO"));
    EXPECT_FALSE(sent(commands, "AUTH PLAIN")) << "credentials went out in clear";
    EXPECT_FALSE(sent(commands, "AUTH LOGIN")) << "credentials went out in clear";
    EXPECT_FALSE(sent(commands, "MAIL")) << "the mail went out in clear";
    EXPECT_EQ(smtp.messageCount(), 0u);
    host.stop();
    std::string output = host.output();
    EXPECT_NE(output.find("failed (attempt 1 of 10)"), std::string::npos) << output;  // counted as a failure
    EXPECT_EQ(output.find(kPassword), std::string::npos) << "the password was logged";
    EXPECT_EQ(output.find("secret body 4711"), std::string::npos) << "the body was logged";
  }

  /// Refused before AUTH: the TLS session could not be verified.
  void expectCertificateRefused(const HostProcess& host, const FakeSmtpServer& smtp) {
    ASSERT_TRUE(waitUntil([&] { return !lastError(host).empty(); })) << host.output();
    EXPECT_NE(Poco::toLower(lastError(host)).find("certificate"), std::string::npos)
        << lastError(host);
    EXPECT_EQ(outbox(host, "status"), "pending");
    EXPECT_FALSE(sent(smtp.commands(), "AUTH PLAIN"));
    EXPECT_EQ(smtp.messageCount(), 0u);
  }

  cc::test::LoopbackCertificate trusted_, other_, elsewhere_;
};

TEST_F(MailTls, RequiredSendsNothingToAServerThatDoesNotOfferStartTls) {
  FakeSmtpServer smtp(authServer());  // no STARTTLS in its EHLO, as after a stripping attacker
  auto host = startHost(smtp, "  tls: starttls_required\n");
  queue(*host, "ann@example.com");
  expectRefusedAndRetried(*host, smtp);
}

TEST_F(MailTls, ProductionDefaultsToStartTlsRequired) {
  FakeSmtpServer smtp(authServer());
  auto host = startHost(smtp, "", {{"CODECOUNCIL_ENV", "production"}});  // no mail.tls key
  queue(*host, "ben@example.com");
  expectRefusedAndRetried(*host, smtp);
}

TEST_F(MailTls, RequiredDeliversOverVerifiedTls) {
  needCertificates();
  auto options = authServer();
  options.tlsCertificateFile = trusted_.certificateFile;
  options.tlsKeyFile = trusted_.privateKeyFile;
  FakeSmtpServer smtp(options);
  auto host = startHost(smtp, "  tls: starttls_required\n  ca_file: " + trusted_.certificateFile + "\n");
  queue(*host, "cat@example.com");
  ASSERT_TRUE(smtp.waitForMessages(1, std::chrono::seconds(15))) << host->output();
  auto mail = smtp.messages().at(0);
  EXPECT_TRUE(mail.tls);
  EXPECT_EQ(mail.authUser, kUser);  // the server forgets a pre-TLS AUTH, so this came after
  EXPECT_EQ(mail.body, "secret body 4711\n");
  auto commands = smtp.commands();
  auto starttls = std::find(commands.begin(), commands.end(), "STARTTLS");
  ASSERT_NE(starttls, commands.end());
  EXPECT_GT(std::find(commands.begin(), commands.end(), "AUTH PLAIN"), starttls);
  ASSERT_TRUE(waitUntil([&] { return outbox(*host, "status") == "sent"; })) << host->output();
}

TEST_F(MailTls, RequiredRefusesACertificateTheCaFileDoesNotVouchFor) {
  needCertificates();
  auto options = authServer();
  options.tlsCertificateFile = other_.certificateFile;  // an impostor's self-signed certificate
  options.tlsKeyFile = other_.privateKeyFile;
  FakeSmtpServer smtp(options);
  auto host = startHost(smtp, "  tls: starttls_required\n  ca_file: " + trusted_.certificateFile + "\n");
  queue(*host, "dan@example.com");
  expectCertificateRefused(*host, smtp);
}

TEST_F(MailTls, RequiredRefusesACertificateForAnotherHostName) {
  needCertificates();
  auto options = authServer();
  options.tlsCertificateFile = elsewhere_.certificateFile;  // trusted, but for mail.example.com
  options.tlsKeyFile = elsewhere_.privateKeyFile;
  FakeSmtpServer smtp(options);
  auto host = startHost(smtp, "  tls: starttls_required\n  ca_file: " + elsewhere_.certificateFile + "\n");
  queue(*host, "dora@example.com");
  expectCertificateRefused(*host, smtp);
}

TEST_F(MailTls, OpportunisticStartTlsStillSendsInClearWhenNotOffered) {
  FakeSmtpServer smtp(authServer());
  auto host = startHost(smtp, "  tls: starttls\n");
  queue(*host, "eve@example.com");
  ASSERT_TRUE(smtp.waitForMessages(1, std::chrono::seconds(15))) << host->output();
  auto mail = smtp.messages().at(0);
  EXPECT_FALSE(mail.tls);
  EXPECT_EQ(mail.authUser, kUser);
  EXPECT_TRUE(host->waitForOutput("does not offer STARTTLS; authenticating without encryption")) << host->output();
  ASSERT_TRUE(waitUntil([&] { return outbox(*host, "status") == "sent"; })) << host->output();
}

TEST_F(MailTls, OpportunisticStartTlsUpgradesWhenOffered) {
  needCertificates();
  auto options = authServer();
  options.tlsCertificateFile = trusted_.certificateFile;
  options.tlsKeyFile = trusted_.privateKeyFile;
  FakeSmtpServer smtp(options);
  auto host = startHost(smtp, "  tls: starttls\n  ca_file: " + trusted_.certificateFile + "\n");
  queue(*host, "fay@example.com");
  ASSERT_TRUE(smtp.waitForMessages(1, std::chrono::seconds(15))) << host->output();
  EXPECT_TRUE(smtp.messages().at(0).tls);
}

TEST_F(MailTls, MissingCaFileIsAConfigErrorWithItsLocation) {
  HostProcess host("  []", "mail:\n  smtp_host: 127.0.0.1\n  ca_file: /nonexistent/ca.pem\n");
  ASSERT_FALSE(host.start());
  std::string output = host.output();
  EXPECT_NE(output.find("mail.ca_file"), std::string::npos) << output;
  EXPECT_NE(output.find("is not a readable file: /nonexistent/ca.pem"), std::string::npos) << output;
}

}  // namespace
