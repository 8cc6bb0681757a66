// database.transaction_pooling against Debian's pgbouncer in transaction mode, started here in
// front of the test PostgreSQL with fewer server connections than the pool has client
// connections, so one client connection's consecutive round trips land on different server
// connections (docs/deployment.md, "PgBouncer"):
//   - Poco statements (into/use, RecordSet, a Statement run twice, failing ones) and the
//     prepared fast path are correct from many threads, in and outside transactions;
//   - with the setting on nothing is left prepared by name on a server connection; with it off
//     the fast path's named statements are (the reason for the setting);
//   - with it off, a named statement that went missing says which setting to use;
//   - the start-up check tells a transaction-pooling proxy from a direct server and a
//     session-mode pool, and does not hang on a proxy with one server connection.
// The real host through pgbouncer: tests/e2e/pgbouncer_test.cpp and the pgbouncer.* runs of the
// rate-limit, webhook and credit suites (cmake/Testing.cmake, cc_add_pgbouncer_run).
#include "core/db/database_impl.hpp"
#include "core/db/pooled_connection.hpp"
#include "support/pgbouncer.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace cc::test;
using cc::core::ServerSessions;
using namespace Poco::Data::Keywords;

namespace {

std::unique_ptr<cc::core::PooledDatabase> openThrough(const std::string& url, bool transactionPooling, int poolMax = 8) {
  cc::core::DatabaseConfig c;
  c.url = url;
  c.poolMin = 1;
  c.poolMax = poolMax;
  c.poolTimeoutMs = 30000;
  c.transactionPooling = transactionPooling;
  return cc::core::openDatabase(c, "/");
}

// A fresh database and a pgbouncer in front of its server.
class TransactionPooling : public ::testing::Test {
 protected:
  void start(const std::string& poolMode = "transaction", int serverConnections = 3) {
    direct_ = createPostgresDatabase("cc_txpool");
    if (direct_.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    if (pgbouncerBinary().empty()) GTEST_SKIP() << "pgbouncer is not installed (scripts/test installs it)";
    bouncer_ = std::make_unique<PgBouncer>(postgresAdminUrl(), poolMode, serverConnections);
    ASSERT_TRUE(bouncer_->ready()) << bouncer_->log();
    url_ = bouncer_->through(direct_);
    execute(direct_, "CREATE TABLE items (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, n INTEGER NOT NULL)");
  }
  std::string direct_, url_;
  std::unique_ptr<PgBouncer> bouncer_;
};

// What a plugin does with Poco outside any transaction, from `threads` threads at once.
void pocoWorkload(cc::Database& db, int threads, int rounds, std::atomic<int>& failures, std::string& firstError) {
  std::mutex errorMutex;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < rounds; ++i) {
        try {
          auto s = db.session();
          int id = t * 100000 + i, n = i;
          std::string owner = "thread-" + std::to_string(t);
          s << db.sql("INSERT INTO items (id, owner, n) VALUES (?, ?, ?)"), use(id), use(owner), use(n), now;
          int count = -1;
          s << db.sql("SELECT COUNT(*) FROM items WHERE owner = ?"), use(owner), into(count), now;
          if (count != i + 1) throw std::runtime_error("count " + std::to_string(count) + " after " + std::to_string(i + 1));
          // No into(): Poco describes the columns first (a RecordSet).
          Poco::Data::Statement select(s);
          select << db.sql("SELECT id, owner FROM items WHERE id = ?"), use(id);
          select.execute();
          Poco::Data::RecordSet rs(select);
          if (rs.rowCount() != 1 || rs.columnCount() != 2 || rs.value(1, 0).toString() != owner)
            throw std::runtime_error("RecordSet did not read the row back");
          // The same Statement executed again.
          int again = -1;
          Poco::Data::Statement twice(s);
          twice << db.sql("SELECT n FROM items WHERE id = ?"), use(id), into(again);
          twice.execute();
          twice.execute();
          if (again != n) throw std::runtime_error("re-executed statement read " + std::to_string(again));
          // A failing statement (duplicate key), then the session goes on.
          bool refused = false;
          try {
            s << db.sql("INSERT INTO items (id, owner, n) VALUES (?, ?, ?)"), use(id), use(owner), use(n), now;
          } catch (const Poco::Exception&) {
            refused = true;
          }
          if (!refused) throw std::runtime_error("duplicate insert was accepted");
        } catch (const Poco::Exception& e) {  // before std::exception: what() is only the class name
          std::lock_guard<std::mutex> lock(errorMutex);
          if (failures++ == 0) firstError = e.displayText();
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(errorMutex);
          if (failures++ == 0) firstError = e.what();
        }
      }
    });
  }
  for (auto& w : workers) w.join();
}

}  // namespace

TEST_F(TransactionPooling, PocoStatementsOutsideTransactionsFromManyThreads) {
  START_OR_RETURN();
  auto db = openThrough(url_, true);
  std::atomic<int> failures{0};
  std::string firstError;
  pocoWorkload(*db, 8, 40, failures, firstError);
  EXPECT_EQ(failures.load(), 0) << firstError;
  EXPECT_EQ(queryStrings(direct_, "SELECT COUNT(*) FROM items"), std::vector<std::string>{"320"});
}

TEST_F(TransactionPooling, TransactionsCommitRollBackAndSurviveErrorsFromManyThreads) {
  START_OR_RETURN();
  auto db = openThrough(url_, true);
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        try {
          int kept = (t * 100 + i) * 2, dropped = kept + 1, n = i;  // kept even, dropped odd
          std::string owner = "t" + std::to_string(t);
          db->transaction([&](Poco::Data::Session& s) {
            s << db->sql("INSERT INTO items (id, owner, n) VALUES (?, ?, ?)"), use(kept), use(owner), use(n), now;
            // Several statements and a prepared one in the same transaction.
            auto rows = db->queryPrepared(s, "SELECT owner FROM items WHERE id = CAST(? AS INTEGER)",
                                          {std::to_string(kept)});
            if (rows.size() != 1) throw std::runtime_error("own insert not visible in the transaction");
          });
          auto s = db->session();
          db->begin(s);
          s << db->sql("INSERT INTO items (id, owner, n) VALUES (?, ?, ?)"), use(dropped), use(owner), use(n), now;
          db->rollback(s);
          // An error inside a transaction, rolled back; the connection goes on.
          db->begin(s);
          try {
            s << db->sql("INSERT INTO items (id, owner, n) VALUES (?, ?, ?)"), use(kept), use(owner), use(n), now;
          } catch (const Poco::Exception&) {
          }
          db->rollback(s);
        } catch (...) {
          failures++;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(queryStrings(direct_, "SELECT COUNT(*) FROM items"), std::vector<std::string>{"240"});
  EXPECT_EQ(queryStrings(direct_, "SELECT COUNT(*) FROM items WHERE id % 2 = 1"), std::vector<std::string>{"0"});
}

TEST_F(TransactionPooling, PreparedFastPathFromManyThreads) {
  START_OR_RETURN();
  auto db = openThrough(url_, true);
  std::atomic<int> wrong{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        try {
          std::string id = std::to_string(t * 1000 + i);
          db->queryPrepared("INSERT INTO items (id, owner, n) VALUES (CAST(? AS INTEGER), ?, 1)", {id, "fast"});
          auto rows = db->queryPrepared("SELECT id, owner, n FROM items WHERE id = CAST(? AS INTEGER)", {id});
          if (rows.size() != 1 || rows[0][0] != id || rows[0][1] != "fast") wrong++;
        } catch (...) {
          wrong++;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(queryStrings(direct_, "SELECT COUNT(*) FROM items"), std::vector<std::string>{"800"});
}

// One server connection: everything this test sends runs on it, so what is left prepared on it
// afterwards is visible through pgbouncer.
TEST_F(TransactionPooling, NothingIsLeftPreparedByNameOnTheServer) {
  START_OR_RETURN("transaction", 1);
  auto leftOver = [&](bool transactionPooling) {
    auto db = openThrough(url_, transactionPooling, 2);
    db->queryPrepared("SELECT COUNT(*) FROM items WHERE owner = ?", {"x"});
    db->transaction([&](Poco::Data::Session& s) {
      int id = transactionPooling ? 1 : 2, n = 0;
      std::string owner = "x";
      s << db->sql("INSERT INTO items (id, owner, n) VALUES (?, ?, ?)"), use(id), use(owner), use(n), now;
    });
    auto s = db->session();
    Poco::Data::Statement st(s);
    st << "SELECT id FROM items";
    st.execute();
    int count = -1;
    s << "SELECT COUNT(*) FROM pg_prepared_statements", into(count), now;
    return count;
  };
  EXPECT_EQ(leftOver(true), 0);
  // Off: the fast path keeps its statement prepared by name on the server connection.
  EXPECT_GE(leftOver(false), 1);
}

TEST_F(TransactionPooling, AMissingNamedStatementNamesTheSetting) {
  START_OR_RETURN("transaction", 3);
  auto x = openThrough(url_, false, 1);
  auto holder = openThrough(url_, false, 1);
  x->queryPrepared("SELECT 1", {});  // prepared by name on the only server connection so far
  auto s = holder->session();
  holder->begin(s);  // holds that server connection: x's next round trip gets another one
  try {
    x->queryPrepared("SELECT 1", {});
    ADD_FAILURE() << "the statement prepared on another server connection was found";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("database.transaction_pooling: true"), std::string::npos) << e.what();
  }
  holder->rollback(s);
}

TEST_F(TransactionPooling, StartUpCheckTellsTransactionPoolingApart) {
  START_OR_RETURN("transaction", 3);
  EXPECT_EQ(openThrough(direct_, false)->probeServerSessions(), ServerSessions::Kept);
  EXPECT_EQ(openThrough(url_, false)->probeServerSessions(), ServerSessions::Swapped);
  EXPECT_EQ(openThrough(url_, false, 1)->probeServerSessions(), ServerSessions::Unknown);  // needs two connections
  PgBouncer session(postgresAdminUrl(), "session", 3);
  ASSERT_TRUE(session.ready()) << session.log();
  EXPECT_EQ(openThrough(session.through(direct_), false)->probeServerSessions(), ServerSessions::Kept);
}

TEST_F(TransactionPooling, StartUpCheckDoesNotHangOnOneServerConnection) {
  START_OR_RETURN("transaction", 1);
  auto begun = std::chrono::steady_clock::now();
  EXPECT_EQ(openThrough(url_, false)->probeServerSessions(), ServerSessions::Unknown);
  EXPECT_LT(std::chrono::steady_clock::now() - begun, std::chrono::seconds(10));
}
