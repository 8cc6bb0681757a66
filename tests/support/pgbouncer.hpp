#pragma once
// Debian's pgbouncer, started by a test on a free loopback port in front of the test
// PostgreSQL (any database on that server, by the same name), so the real host can be run
// through it (docs/deployment.md, "PgBouncer").
//
// Whole suites can run through one: with CC_TEST_POSTGRES_VIA_PGBOUNCER=1 in the environment,
// createPostgresDatabase() returns URLs through a pgbouncer in transaction mode that this test
// process starts on first use, and HostProcess and openTestDatabase() then turn on
// database.transaction_pooling for them (cmake/Testing.cmake, cc_add_pgbouncer_run, registers such
// runs; their --cc-via-pgbouncer argument sets the variable).
#include <string>

namespace cc::test {

/// /usr/sbin/pgbouncer (or from PATH), "" when not installed.
std::string pgbouncerBinary();

class PgBouncer {
 public:
  /// In front of the server of `serverUrl` (postgresql://user[:password]@host:port/any).
  /// `poolMode` is pgbouncer's pool_mode; `poolSize` its default_pool_size (server connections
  /// per database and user). Runs as the postgres user when we are root (pgbouncer refuses root).
  explicit PgBouncer(const std::string& serverUrl, const std::string& poolMode = "transaction", int poolSize = 20);
  ~PgBouncer();
  PgBouncer(const PgBouncer&) = delete;
  PgBouncer& operator=(const PgBouncer&) = delete;

  /// False (with why in log()) when pgbouncer is missing or did not start.
  bool ready() const { return pid_ > 0; }
  std::string log() const;
  int port() const { return port_; }
  const std::string& poolMode() const { return poolMode_; }
  /// `url` (a database on the same server) through this pgbouncer: same user and database.
  std::string through(const std::string& url) const;

 private:
  std::string dir_;
  int port_;
  std::string poolMode_;
  int pid_ = -1;
  std::string problem_;
};

/// True when CC_TEST_POSTGRES_VIA_PGBOUNCER is set (to anything but "" or "0").
bool postgresViaPgBouncer();
/// The test process's pgbouncer for CC_TEST_POSTGRES_VIA_PGBOUNCER, started on first use;
/// nullptr without a test PostgreSQL.
const PgBouncer* sharedPgBouncer();
/// Whether `url` goes through a running PgBouncer of this process in transaction mode (the
/// host then needs database.transaction_pooling: true).
bool throughTransactionPooling(const std::string& url);

}  // namespace cc::test

/// For a fixture whose start(...) sets up PostgreSQL and pgbouncer and may skip (neither
/// installed, outside ./scripts/test) or fail inside a helper: the calling test must end too,
/// which a helper's own `return` cannot do.
#define START_OR_RETURN(...)                          \
  do {                                                \
    start(__VA_ARGS__);                               \
    if (IsSkipped() || HasFatalFailure()) return;     \
  } while (0)
