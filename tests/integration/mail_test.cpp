// The mail outbox end to end: OutboxMailer writes rows into a real (migrated) database,
// OutboxDispatcher delivers them over real SMTP to FakeSmtpServer on 127.0.0.1.
#include "core/db/database_impl.hpp"
#include "core/db/migrations.hpp"
#include "core/mail/outbox_dispatcher.hpp"
#include "core/mail/outbox_mailer.hpp"
#include "support/fake_smtp_server.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/String.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

using namespace Poco::Data::Keywords;
using cc::core::MailConfig;
using cc::core::OutboxDispatcher;
using cc::core::OutboxMailer;
using cc::test::FakeSmtpServer;
using namespace std::chrono_literals;

namespace {

const std::string kPassword = "s3cret-Pa55word";

// Keeps every log line so tests can look for what must (not) be logged.
class CapturingChannel : public Poco::Channel {
 public:
  void log(const Poco::Message& msg) override {
    std::lock_guard lock(mutex_);
    lines_.push_back({msg.getPriority(), msg.getText()});
  }
  std::vector<std::pair<Poco::Message::Priority, std::string>> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  int count(const std::string& text, Poco::Message::Priority priority) const {
    int n = 0;
    for (auto& [p, line] : lines())
      if (p == priority && line.find(text) != std::string::npos) ++n;
    return n;
  }
  bool contains(const std::string& text) const {
    for (auto& [p, line] : lines())
      if (line.find(text) != std::string::npos) return true;
    return false;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<Poco::Message::Priority, std::string>> lines_;
};

bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

double secondsBetween(const std::string& from, const std::string& to) {
  int tz = 0;
  auto a = Poco::DateTimeParser::parse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, from, tz);
  auto b = Poco::DateTimeParser::parse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, to, tz);
  return static_cast<double>((b - a).totalMilliseconds()) / 1000.0;
}

struct Row {
  Poco::Int64 id = 0;
  std::string status;
  int attempts = 0;
  std::string lastError;
  std::string nextAttemptAt;
  std::string createdAt;
  std::string sentAt;
};

std::vector<Row> rows(cc::Database& db, const std::string& where = "1 = 1") {
  auto s = db.session();
  std::vector<Poco::Int64> ids;
  std::vector<std::string> statuses, errors, next, created, sent;
  std::vector<int> attempts;
  s << "SELECT id, status, attempts, COALESCE(\"lastError\", ''), \"nextAttemptAt\", \"createdAt\","
       " COALESCE(\"sentAt\", '') FROM mail_outbox WHERE " + where + " ORDER BY id",
      into(ids), into(statuses), into(attempts), into(errors), into(next), into(created), into(sent), now;
  std::vector<Row> out;
  for (std::size_t i = 0; i < ids.size(); ++i)
    out.push_back({ids[i], statuses[i], attempts[i], errors[i], next[i], created[i], sent[i]});
  return out;
}

Row onlyRow(cc::Database& db) {
  auto all = rows(db);
  EXPECT_EQ(all.size(), 1u);
  return all.empty() ? Row{} : all.front();
}

std::string dbNow(cc::Database& db) {
  auto s = db.session();
  std::string value;
  s << "SELECT " + db.nowSql(), into(value), now;
  return value;
}

void execute(cc::Database& db, const std::string& sql) {
  auto s = db.session();
  s << sql, now;
}

MailConfig smtpConfig(const FakeSmtpServer& server) {
  MailConfig c;
  c.smtpHost = server.host();
  c.smtpPort = server.port();
  c.smtpUser = "mailer";
  c.smtpPassword = kPassword;
  c.tls = "starttls";
  c.retryIntervalSeconds = 1;
  c.maxAttempts = 3;
  return c;
}

FakeSmtpServer::Options authServer() {
  FakeSmtpServer::Options o;
  o.user = "mailer";
  o.password = kPassword;
  return o;
}

std::vector<cc::core::MigrationSource> coreMigrations() {
  return {{"core", cc::test::sourceDir() + "/migrations/core"}};
}

// Two hosts' dispatchers on one database (each with its own connection pool) race for the
// same 50 due messages; each must reach the server exactly once.
void expectExactlyOnceDelivery(cc::Database& host1, cc::Database& host2, Poco::Logger& log) {
  FakeSmtpServer server(authServer());
  MailConfig config = smtpConfig(server);
  OutboxMailer mailer(host1, config, log);
  constexpr int kMessages = 50;
  for (int i = 0; i < kMessages; ++i)
    ASSERT_TRUE(mailer.send({"user" + std::to_string(i) + "@example.com", "message " + std::to_string(i), "body", ""}));

  OutboxDispatcher first(host1, config, log), second(host2, config, log);
  first.start();
  second.start();
  ASSERT_TRUE(server.waitForMessages(kMessages, 20s)) << "received only " << server.messageCount();
  // Give a double delivery time to show up.
  ASSERT_TRUE(waitUntil([&] { return first.sent() + second.sent() >= kMessages; }, 5s));
  std::this_thread::sleep_for(1500ms);
  first.stop();
  second.stop();

  auto received = server.messages();
  EXPECT_EQ(received.size(), static_cast<std::size_t>(kMessages));
  std::set<std::string> subjects;
  for (auto& m : received) subjects.insert(m.subject);
  EXPECT_EQ(subjects.size(), static_cast<std::size_t>(kMessages));
  EXPECT_EQ(first.sent() + second.sent(), static_cast<std::uint64_t>(kMessages));
  auto all = rows(host1);
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kMessages));
  for (auto& r : all) {
    EXPECT_EQ(r.status, "sent") << "row " << r.id;
    EXPECT_EQ(r.attempts, 1) << "row " << r.id;
  }
}

struct TlsFiles {
  std::filesystem::path dir;
  std::string trustedCert, trustedKey;      // what SSL_CERT_FILE trusts
  std::string untrustedCert, untrustedKey;  // self-signed, trusted by nobody
  bool ok = false;
  ~TlsFiles() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

// Self-signed certificates for 127.0.0.1, made once per process with the openssl tool. The
// client's CA store is pointed at the trusted one through SSL_CERT_FILE (which OpenSSL
// reads when the sender's TLS context loads the default CAs). Null when openssl is missing.
const TlsFiles* tlsFiles() {
  static TlsFiles files = [] {
    TlsFiles f;
    f.dir = std::filesystem::temp_directory_path() /
            ("cc-mail-tls-" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString());
    std::filesystem::create_directories(f.dir);
    f.trustedCert = (f.dir / "trusted.pem").string();
    f.trustedKey = (f.dir / "trusted.key").string();
    f.untrustedCert = (f.dir / "untrusted.pem").string();
    f.untrustedKey = (f.dir / "untrusted.key").string();
    auto make = [](const std::string& cert, const std::string& key) {
      std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1"
                        " -addext subjectAltName=IP:127.0.0.1 -keyout '" + key + "' -out '" + cert + "' >/dev/null 2>&1";
      return std::system(cmd.c_str()) == 0;
    };
    f.ok = make(f.trustedCert, f.trustedKey) && make(f.untrustedCert, f.untrustedKey);
    if (f.ok) ::setenv("SSL_CERT_FILE", f.trustedCert.c_str(), 1);
    return f;
  }();
  return files.ok ? &files : nullptr;
}

class MailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cc-mail-" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString());
    std::filesystem::create_directories(dir_);
    url_ = "sqlite://" + (dir_ / "t.db").string();
    db_ = open();
    cc::core::applyMigrations(*db_, coreMigrations(), Poco::Logger::get("test"));

    channel_ = new CapturingChannel;
    std::string name = std::string("mail-test.") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    log_ = &Poco::Logger::get(name);
    log_->setChannel(channel_);  // an AutoPtr: the logger shares ownership
    log_->setLevel(Poco::Message::PRIO_DEBUG);  // debug lines must not leak secrets either
  }

  void TearDown() override {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::unique_ptr<cc::core::PooledDatabase> open() {
    cc::core::DatabaseConfig config;
    config.url = url_;
    return cc::core::openDatabase(config, dir_.string());
  }

  cc::Database& db() { return *db_; }
  Poco::Logger& log() { return *log_; }

  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<cc::core::PooledDatabase> db_;
  Poco::AutoPtr<CapturingChannel> channel_;
  Poco::Logger* log_ = nullptr;
};

TEST_F(MailTest, DeliversQueuedMailOverSmtp) {
  FakeSmtpServer server(authServer());
  MailConfig config = smtpConfig(server);
  OutboxMailer mailer(db(), config, log());
  ASSERT_TRUE(mailer.send({"alice@example.com", "Welcome aboard", "Hello Alice,\nyour account is ready.\n", ""}));
  EXPECT_EQ(onlyRow(db()).status, "pending");

  OutboxDispatcher dispatcher(db(), config, log());
  dispatcher.start();
  ASSERT_TRUE(server.waitForMessages(1, 10s));
  ASSERT_TRUE(waitUntil([&] { return onlyRow(db()).status == "sent"; }, 5s));
  dispatcher.stop();

  auto mail = server.messages().at(0);
  EXPECT_EQ(mail.from, "no-reply@codecouncil.local");
  EXPECT_EQ(mail.recipients, std::vector<std::string>{"alice@example.com"});
  EXPECT_EQ(mail.subject, "Welcome aboard");
  EXPECT_EQ(mail.body, "Hello Alice,\nyour account is ready.\n");
  EXPECT_EQ(mail.authUser, "mailer");
  EXPECT_EQ(mail.header("From"), "CodeCouncil <no-reply@codecouncil.local>");
  EXPECT_EQ(mail.header("To"), "<alice@example.com>");
  EXPECT_FALSE(mail.header("Date").empty());
  auto row = onlyRow(db());
  EXPECT_EQ(mail.header("Message-ID").rfind("<outbox." + std::to_string(row.id) + ".", 0), 0u) << mail.header("Message-ID");
  EXPECT_NE(mail.header("Message-ID").find("@codecouncil.local>"), std::string::npos);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_FALSE(row.sentAt.empty());
  EXPECT_EQ(dispatcher.sent(), 1u);
  EXPECT_EQ(dispatcher.failed(), 0u);
  auto commands = server.commands();
  EXPECT_NE(std::find(commands.begin(), commands.end(), "AUTH PLAIN"), commands.end());
  // tls "starttls" against a server that does not offer it: plain delivery, no STARTTLS sent.
  EXPECT_EQ(std::find(commands.begin(), commands.end(), "STARTTLS"), commands.end());
}

TEST_F(MailTest, UsesAuthLoginWhenPlainIsNotOffered) {
  auto options = authServer();
  options.authMechanisms = "LOGIN";
  FakeSmtpServer server(options);
  OutboxMailer mailer(db(), smtpConfig(server), log());
  OutboxDispatcher dispatcher(db(), smtpConfig(server), log());
  ASSERT_TRUE(mailer.send({"bob@example.com", "login", "text", ""}));
  dispatcher.runOnce();
  ASSERT_EQ(server.messageCount(), 1u) << onlyRow(db()).lastError;
  EXPECT_EQ(server.messages()[0].authUser, "mailer");
  auto commands = server.commands();
  EXPECT_NE(std::find(commands.begin(), commands.end(), "AUTH LOGIN"), commands.end());
}

TEST_F(MailTest, CarriesUtf8SubjectDotLinesAndLongLines) {
  FakeSmtpServer server(authServer());
  OutboxMailer mailer(db(), smtpConfig(server), log());
  OutboxDispatcher dispatcher(db(), smtpConfig(server), log());
  const std::string subject = "Grüße aus Köln ✓";
  const std::string body = "Zeile eins\n.\n..two dots\n.leading dot\n" + std::string(1500, 'x') + "\nÄnde\n";
  ASSERT_TRUE(mailer.send({"carol@example.com", subject, body, ""}));
  dispatcher.runOnce();
  ASSERT_EQ(server.messageCount(), 1u) << onlyRow(db()).lastError;
  auto mail = server.messages()[0];
  EXPECT_EQ(mail.subject, subject);
  EXPECT_EQ(mail.body, body);
}

TEST_F(MailTest, DedupeKeyPreventsADuplicate) {
  FakeSmtpServer server(authServer());
  OutboxMailer mailer(db(), smtpConfig(server), log());
  EXPECT_TRUE(mailer.send({"dave@example.com", "receipt", "paid", "stripe:evt_1:email"}));
  EXPECT_FALSE(mailer.send({"dave@example.com", "receipt again", "paid", "stripe:evt_1:email"}));
  EXPECT_TRUE(mailer.send({"dave@example.com", "other receipt", "paid", "stripe:evt_2:email"}));
  ASSERT_EQ(rows(db()).size(), 2u);

  OutboxDispatcher dispatcher(db(), smtpConfig(server), log());
  dispatcher.runOnce();
  dispatcher.runOnce();
  auto received = server.messages();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].subject, "receipt");
  EXPECT_EQ(received[1].subject, "other receipt");
}

TEST_F(MailTest, EmptyDedupeKeyIsStoredAsNullAndNeverDeduplicates) {
  OutboxMailer mailer(db(), MailConfig{}, log());
  EXPECT_TRUE(mailer.send({"erin@example.com", "one", "text", ""}));
  EXPECT_TRUE(mailer.send({"erin@example.com", "one", "text", ""}));
  EXPECT_EQ(rows(db(), "\"dedupeKey\" IS NULL").size(), 2u);
}

TEST_F(MailTest, RejectsHeaderInjectionAndMalformedRecipients) {
  OutboxMailer mailer(db(), MailConfig{}, log());
  EXPECT_THROW(mailer.send({"eve@example.com\r\nBcc: all@example.com", "hi", "text", ""}), std::invalid_argument);
  EXPECT_THROW(mailer.send({"eve@example.com\nBcc: all@example.com", "hi", "text", ""}), std::invalid_argument);
  EXPECT_THROW(mailer.send({"eve@example.com", "hi\r\nBcc: all@example.com", "text", ""}), std::invalid_argument);
  EXPECT_THROW(mailer.send({"eve@example.com", "hi\rthere", "text", ""}), std::invalid_argument);
  EXPECT_THROW(mailer.send({"not-an-address", "hi", "text", ""}), std::invalid_argument);
  EXPECT_THROW(mailer.send({"a@b.com, c@d.com", "hi", "text", ""}), std::invalid_argument);
  EXPECT_THROW(mailer.send({"Eve <eve@example.com>", "hi", "text", ""}), std::invalid_argument);
  EXPECT_THROW(mailer.send({"", "hi", "text", ""}), std::invalid_argument);
  auto s = db().session();
  EXPECT_THROW(mailer.send(s, {"eve@example.com", "a\nb", "text", ""}), std::invalid_argument);
  EXPECT_TRUE(rows(db()).empty());
  // The body may hold anything, and a plain address with a plus and subdomain is fine.
  EXPECT_TRUE(mailer.send({"eve+tag@mail.example.co.uk", "fine", "line\r\nBcc: not a header\n", ""}));
}

TEST_F(MailTest, SessionOverloadFollowsTheCallersTransaction) {
  OutboxMailer mailer(db(), MailConfig{}, log());
  {
    auto s = db().session();
    db().begin(s);
    EXPECT_TRUE(mailer.send(s, {"frank@example.com", "rolled back", "text", "key-1"}));
    db().rollback(s);
  }
  EXPECT_TRUE(rows(db()).empty());

  db().transaction([&](Poco::Data::Session& s) {
    EXPECT_TRUE(mailer.send(s, {"frank@example.com", "committed", "text", "key-1"}));
    EXPECT_FALSE(mailer.send(s, {"frank@example.com", "duplicate", "text", "key-1"}));
  });
  auto all = rows(db());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].status, "pending");
}

TEST_F(MailTest, TemporaryFailureIsRetriedUntilTheServerRecovers) {
  FakeSmtpServer server(authServer());
  server.setFailData(true);
  MailConfig config = smtpConfig(server);
  config.maxAttempts = 10;
  config.retryIntervalSeconds = 2;  // room to look at the row between two attempts
  OutboxMailer mailer(db(), config, log());
  ASSERT_TRUE(mailer.send({"grace@example.com", "retry me", "text", ""}));

  OutboxDispatcher dispatcher(db(), config, log());
  dispatcher.start();
  ASSERT_TRUE(waitUntil([&] { return onlyRow(db()).attempts >= 1; }, 10s));
  auto failedOnce = onlyRow(db());
  EXPECT_EQ(failedOnce.status, "pending");
  EXPECT_NE(failedOnce.lastError.find("451"), std::string::npos) << failedOnce.lastError;
  EXPECT_GT(failedOnce.nextAttemptAt, failedOnce.createdAt);
  EXPECT_GE(server.rejectedData(), 1);

  server.setFailData(false);
  ASSERT_TRUE(server.waitForMessages(1, 10s));
  ASSERT_TRUE(waitUntil([&] { return onlyRow(db()).status == "sent"; }, 5s));
  dispatcher.stop();
  auto row = onlyRow(db());
  EXPECT_GE(row.attempts, 2);
  EXPECT_EQ(row.lastError, "");
  EXPECT_EQ(server.messageCount(), 1u);
  EXPECT_GE(dispatcher.retried(), 1u);
  EXPECT_EQ(dispatcher.sent(), 1u);
  EXPECT_GE(channel_->count("failed (attempt 1 of 10)", Poco::Message::PRIO_WARNING), 1);
}

TEST_F(MailTest, RetryDelayDoublesAndIsCappedAtAnHour) {
  FakeSmtpServer server(authServer());
  server.setFailData(true);
  MailConfig config = smtpConfig(server);
  config.retryIntervalSeconds = 1000;
  config.maxAttempts = 10;
  OutboxMailer mailer(db(), config, log());
  OutboxDispatcher dispatcher(db(), config, log());
  ASSERT_TRUE(mailer.send({"heidi@example.com", "backoff", "text", ""}));

  // attempt n waits 1000 * 2^(n-1) s, never more than 3600 s
  const double expected[] = {1000, 2000, 3600, 3600};
  for (double delay : expected) {
    execute(db(), "UPDATE mail_outbox SET \"nextAttemptAt\" = '2000-01-01T00:00:00.000Z'");  // due now
    dispatcher.runOnce();
    auto row = onlyRow(db());
    ASSERT_EQ(row.status, "pending");
    EXPECT_NEAR(secondsBetween(dbNow(db()), row.nextAttemptAt), delay, 5.0) << "attempt " << row.attempts;
  }
  EXPECT_EQ(onlyRow(db()).attempts, 4);
  // Not due yet: another pass must not try again.
  dispatcher.runOnce();
  EXPECT_EQ(onlyRow(db()).attempts, 4);
  EXPECT_EQ(server.rejectedData(), 4);
}

TEST_F(MailTest, GivesUpAfterMaxAttempts) {
  FakeSmtpServer server(authServer());
  server.setFailData(true);
  MailConfig config = smtpConfig(server);
  config.maxAttempts = 2;
  OutboxMailer mailer(db(), config, log());
  ASSERT_TRUE(mailer.send({"ivan@example.com", "doomed", "text", ""}));

  OutboxDispatcher dispatcher(db(), config, log());
  dispatcher.start();
  ASSERT_TRUE(waitUntil([&] { return onlyRow(db()).status == "failed"; }, 15s)) << onlyRow(db()).status;
  std::this_thread::sleep_for(1500ms);  // a failed row must not be tried again
  dispatcher.stop();
  auto row = onlyRow(db());
  EXPECT_EQ(row.status, "failed");
  EXPECT_EQ(row.attempts, 2);
  EXPECT_NE(row.lastError.find("451"), std::string::npos);
  EXPECT_EQ(server.rejectedData(), 2);
  EXPECT_EQ(server.messageCount(), 0u);
  EXPECT_EQ(dispatcher.failed(), 1u);
  EXPECT_EQ(channel_->count("mail " + std::to_string(row.id) + " to ivan@example.com failed after 2 attempts",
                            Poco::Message::PRIO_ERROR),
            1);
}

TEST_F(MailTest, UnreachableServerCountsAsAFailedAttempt) {
  int closedPort = 0;
  {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    closedPort = probe.address().port();
  }
  MailConfig config;
  config.smtpHost = "127.0.0.1";
  config.smtpPort = closedPort;
  config.retryIntervalSeconds = 60;
  OutboxMailer mailer(db(), config, log());
  OutboxDispatcher dispatcher(db(), config, log());
  ASSERT_TRUE(mailer.send({"judy@example.com", "nobody home", "text", ""}));
  dispatcher.runOnce();
  auto row = onlyRow(db());
  EXPECT_EQ(row.status, "pending");
  EXPECT_EQ(row.attempts, 1);
  EXPECT_FALSE(row.lastError.empty());
}

TEST_F(MailTest, WithoutSmtpHostMailStaysPendingAndIsLoggedOnce) {
  FakeSmtpServer server;  // running, but not configured: must never be contacted
  MailConfig config;      // smtpHost empty
  config.smtpPort = server.port();
  OutboxMailer mailer(db(), config, log());
  OutboxDispatcher dispatcher(db(), config, log());
  dispatcher.start();
  ASSERT_TRUE(mailer.send({"kim@example.com", "Reset your password", "secret body text", ""}));
  dispatcher.notify();
  ASSERT_TRUE(waitUntil(
      [&] { return channel_->count("mail to kim@example.com queued, SMTP not configured: Reset your password",
                                   Poco::Message::PRIO_INFORMATION) >= 1; },
      5s));
  std::this_thread::sleep_for(2500ms);  // a few more passes
  ASSERT_TRUE(mailer.send({"lee@example.com", "Second", "more text", ""}));
  ASSERT_TRUE(waitUntil([&] { return channel_->contains("mail to lee@example.com queued"); }, 5s));
  std::this_thread::sleep_for(1200ms);
  dispatcher.stop();

  EXPECT_EQ(channel_->count("mail to kim@example.com queued", Poco::Message::PRIO_INFORMATION), 1);
  EXPECT_EQ(channel_->count("mail to lee@example.com queued", Poco::Message::PRIO_INFORMATION), 1);
  EXPECT_FALSE(channel_->contains("secret body text"));
  for (auto& row : rows(db())) {
    EXPECT_EQ(row.status, "pending");
    EXPECT_EQ(row.attempts, 0);
  }
  EXPECT_EQ(server.connections(), 0);
  EXPECT_EQ(dispatcher.sent(), 0u);
}

TEST_F(MailTest, TwoDispatchersDeliverEachMessageExactlyOnceOnSqlite) {
  auto secondHost = open();
  expectExactlyOnceDelivery(db(), *secondHost, log());
}

TEST_F(MailTest, MailStuckInSendingForTenMinutesIsDeliveredAgain) {
  FakeSmtpServer server(authServer());
  MailConfig config = smtpConfig(server);
  // A host died mid-send 11 minutes ago; another is still sending since a minute ago.
  auto s = db().session();
  std::string crashed = "2000-01-01T00:00:00.000Z", busy = dbNow(db());
  s << "INSERT INTO mail_outbox (recipient, subject, body, status, attempts, \"nextAttemptAt\", \"createdAt\")"
       " VALUES ('mia@example.com', 'crashed', 'text', 'sending', 0, ?, ?)",
      use(crashed), use(crashed), now;
  s << "INSERT INTO mail_outbox (recipient, subject, body, status, attempts, \"nextAttemptAt\", \"createdAt\")"
       " VALUES ('mia@example.com', 'busy', 'text', 'sending', 0, ?, ?)",
      use(busy), use(busy), now;

  OutboxDispatcher dispatcher(db(), config, log());
  dispatcher.runOnce();
  auto received = server.messages();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].subject, "crashed");
  auto all = rows(db());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].status, "sent");
  EXPECT_EQ(all[1].status, "sending");
}

TEST_F(MailTest, StopIsPromptEvenWhileTheServerHangs) {
  FakeSmtpServer server(authServer());
  server.setSilent(true);  // accepts, never greets: the client waits on its 10 s timeout
  MailConfig config = smtpConfig(server);
  OutboxMailer mailer(db(), config, log());
  OutboxDispatcher dispatcher(db(), config, log());
  ASSERT_TRUE(mailer.send({"nina@example.com", "hung", "text", ""}));
  dispatcher.start();
  ASSERT_TRUE(waitUntil([&] { return server.connections() >= 1; }, 5s));
  std::this_thread::sleep_for(200ms);

  auto started = std::chrono::steady_clock::now();
  dispatcher.stop();
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, 1500ms) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  auto row = onlyRow(db());
  EXPECT_EQ(row.status, "pending");  // handed back, not counted as a failed attempt
  EXPECT_EQ(row.attempts, 0);
}

TEST_F(MailTest, NotifyDeliversWithoutWaitingForTheNextTick) {
  FakeSmtpServer server(authServer());
  MailConfig config = smtpConfig(server);
  OutboxMailer mailer(db(), config, log());
  OutboxDispatcher dispatcher(db(), config, log());
  mailer.onQueued([&] { dispatcher.notify(); });
  dispatcher.start();
  std::this_thread::sleep_for(150ms);  // the first pass is over; the next tick is ~1 s away
  auto queued = std::chrono::steady_clock::now();
  ASSERT_TRUE(mailer.send({"oscar@example.com", "fast", "text", ""}));
  ASSERT_TRUE(server.waitForMessages(1, 5s));
  auto took = std::chrono::steady_clock::now() - queued;
  dispatcher.stop();
  EXPECT_LT(took, 600ms) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
}

TEST_F(MailTest, OfferedStartTlsThatFailsIsNeverDowngradedToPlainText) {
  auto options = authServer();
  options.offerStartTls = true;  // advertised, then refused with 454
  FakeSmtpServer server(options);
  MailConfig config = smtpConfig(server);
  OutboxMailer mailer(db(), config, log());
  OutboxDispatcher dispatcher(db(), config, log());
  ASSERT_TRUE(mailer.send({"pat@example.com", "tls please", "text", ""}));
  dispatcher.runOnce();
  auto row = onlyRow(db());
  EXPECT_EQ(row.status, "pending");
  EXPECT_NE(row.lastError.find("STARTTLS"), std::string::npos) << row.lastError;
  auto commands = server.commands();
  EXPECT_NE(std::find(commands.begin(), commands.end(), "STARTTLS"), commands.end());
  EXPECT_EQ(std::find(commands.begin(), commands.end(), "AUTH PLAIN"), commands.end());
  EXPECT_EQ(server.messageCount(), 0u);
}

TEST_F(MailTest, StartTlsEncryptsBeforeAuthenticating) {
  const TlsFiles* tls = tlsFiles();
  if (!tls) GTEST_SKIP() << "openssl tool not available to make a test certificate";
  auto options = authServer();
  options.tlsCertificateFile = tls->trustedCert;
  options.tlsKeyFile = tls->trustedKey;
  FakeSmtpServer server(options);
  MailConfig config = smtpConfig(server);
  OutboxMailer mailer(db(), config, log());
  OutboxDispatcher dispatcher(db(), config, log());
  ASSERT_TRUE(mailer.send({"tina@example.com", "over tls", "encrypted text", ""}));
  dispatcher.runOnce();
  ASSERT_EQ(server.messageCount(), 1u) << onlyRow(db()).lastError;
  auto mail = server.messages()[0];
  EXPECT_TRUE(mail.tls);
  EXPECT_EQ(mail.authUser, "mailer");  // the server forgets pre-TLS AUTH, so this came after
  EXPECT_EQ(mail.body, "encrypted text\n");
  auto commands = server.commands();
  auto starttls = std::find(commands.begin(), commands.end(), "STARTTLS");
  auto auth = std::find(commands.begin(), commands.end(), "AUTH PLAIN");
  ASSERT_NE(starttls, commands.end());
  EXPECT_GT(auth, starttls);
  EXPECT_EQ(std::count(commands.begin(), commands.end(), "EHLO"), 2);  // again after TLS
}

TEST_F(MailTest, StartTlsWithAnUntrustedCertificateDeliversNothing) {
  const TlsFiles* tls = tlsFiles();
  if (!tls) GTEST_SKIP() << "openssl tool not available to make a test certificate";
  auto options = authServer();
  options.tlsCertificateFile = tls->untrustedCert;
  options.tlsKeyFile = tls->untrustedKey;
  FakeSmtpServer server(options);
  MailConfig config = smtpConfig(server);
  OutboxMailer mailer(db(), config, log());
  OutboxDispatcher dispatcher(db(), config, log());
  ASSERT_TRUE(mailer.send({"uma@example.com", "spoofed server", "text", ""}));
  dispatcher.runOnce();
  EXPECT_EQ(server.messageCount(), 0u);
  auto row = onlyRow(db());
  EXPECT_EQ(row.status, "pending");
  EXPECT_EQ(row.attempts, 1);
  EXPECT_NE(Poco::toLower(row.lastError).find("certificate"), std::string::npos) << row.lastError;
  auto commands = server.commands();
  EXPECT_EQ(std::find(commands.begin(), commands.end(), "AUTH PLAIN"), commands.end());
}

TEST_F(MailTest, TlsNoneNeverAsksForStartTls) {
  auto options = authServer();
  options.offerStartTls = true;
  FakeSmtpServer server(options);
  MailConfig config = smtpConfig(server);
  config.tls = "none";
  OutboxMailer mailer(db(), config, log());
  OutboxDispatcher dispatcher(db(), config, log());
  ASSERT_TRUE(mailer.send({"quinn@example.com", "plain", "text", ""}));
  dispatcher.runOnce();
  ASSERT_EQ(server.messageCount(), 1u) << onlyRow(db()).lastError;
  auto commands = server.commands();
  EXPECT_EQ(std::find(commands.begin(), commands.end(), "STARTTLS"), commands.end());
}

TEST_F(MailTest, NeverLogsOrStoresThePasswordOrTheBody) {
  auto options = authServer();
  options.password = "the-server-wants-another";
  options.echoCredentials = true;  // 535 repeats what the client sent
  FakeSmtpServer server(options);
  MailConfig config = smtpConfig(server);
  config.maxAttempts = 2;
  const std::string body = "confidential body 4711";
  OutboxMailer mailer(db(), config, log());
  OutboxDispatcher dispatcher(db(), config, log());
  ASSERT_TRUE(mailer.send({"rita@example.com", "creds", body, ""}));
  dispatcher.runOnce();
  execute(db(), "UPDATE mail_outbox SET \"nextAttemptAt\" = '2000-01-01T00:00:00.000Z'");
  dispatcher.runOnce();

  auto row = onlyRow(db());
  EXPECT_EQ(row.status, "failed");
  EXPECT_NE(row.lastError.find("535"), std::string::npos) << row.lastError;
  EXPECT_EQ(row.lastError.find(kPassword), std::string::npos) << row.lastError;
  EXPECT_FALSE(channel_->lines().empty());
  EXPECT_FALSE(channel_->contains(kPassword));
  EXPECT_FALSE(channel_->contains(body));
}

// Runs only against a throwaway PostgreSQL: CC_TEST_POSTGRES_URL=postgresql://user:pass@host/db
class MailPostgresTest : public ::testing::Test {};

TEST_F(MailPostgresTest, TwoDispatchersDeliverEachMessageExactlyOnceOnPostgres) {
  const char* url = std::getenv("CC_TEST_POSTGRES_URL");
  if (!url || !*url) GTEST_SKIP() << "CC_TEST_POSTGRES_URL not set";

  // A schema of our own, so parallel runs and other tests on the same database never meet.
  cc::core::DatabaseUrl base = cc::core::parseDatabaseUrl(url, "/");
  std::string schema = "cc_mail_test_" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString().substr(0, 8);
  cc::core::DatabaseConfig pool;  // pool_min 1, busy_timeout_ms 5000
  pool.poolMax = 2;
  cc::core::PooledDatabase admin(base, pool);
  execute(admin, "CREATE SCHEMA " + schema);
  struct DropSchema {
    cc::Database& db;
    std::string name;
    ~DropSchema() {
      try {
        auto s = db.session();
        s << "SET client_min_messages TO warning", now;  // no NOTICE per dropped table
        s << "DROP SCHEMA " + name + " CASCADE", now;
      } catch (...) {
      }
    }
  } dropSchema{admin, schema};

  cc::core::DatabaseUrl scoped = base;
  // No spaces in the value: Poco's PostgreSQL connector splits the connection string on them.
  scoped.connectorString += " options=-csearch_path=" + schema;
  pool.poolMax = 8;
  auto host1 = std::make_unique<cc::core::PooledDatabase>(scoped, pool);
  auto host2 = std::make_unique<cc::core::PooledDatabase>(scoped, pool);
  cc::core::applyMigrations(*host1, coreMigrations(), Poco::Logger::get("test"));

  Poco::Logger& log = Poco::Logger::get("mail-test.postgres");
  OutboxMailer mailer(*host1, MailConfig{}, log);
  EXPECT_TRUE(mailer.send({"sam@example.com", "dedupe", "text", "pg-key"}));
  EXPECT_FALSE(mailer.send({"sam@example.com", "dedupe", "text", "pg-key"}));
  execute(*host1, "DELETE FROM mail_outbox");

  expectExactlyOnceDelivery(*host1, *host2, log);
}

}  // namespace
