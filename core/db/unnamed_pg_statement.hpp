#pragma once
// Poco::Data statements on PostgreSQL that leave nothing on the server session between round
// trips, for database.transaction_pooling (PgBouncer with pool_mode = transaction), where each
// round trip outside a transaction may be served by another server connection.
//
// Poco 1.11's own PostgreSQL statement prepares a *named* statement (PQprepare), describes it
// and executes it in three round trips, then DEALLOCATEs it in a fourth (after COMMIT, when it
// ran in a transaction). Behind a transaction-pooling proxy those land on different server
// connections: "prepared statement ... does not exist" at random, statements left behind on
// server connections, a COMMIT that throws after it committed. This statement instead executes
// with PQexecParams (Parse/Bind/Execute/Sync of the unnamed statement in one round trip, so the
// proxy serves it from one server connection) and fills Poco's executor with the result, so
// Poco's binder, extractor, into()/use() and RecordSet work unchanged. When Poco needs the
// columns before execution (no into(): a RecordSet), the unnamed statement is also described
// once, in one pipelined round trip.
#include <Poco/Data/PostgreSQL/PostgreSQLStatementImpl.h>
#include <Poco/Data/PostgreSQL/SessionImpl.h>

#include <cstddef>

namespace cc::core {

class UnnamedPgStatement : public Poco::Data::PostgreSQL::PostgreSQLStatementImpl {
 public:
  explicit UnnamedPgStatement(Poco::Data::PostgreSQL::SessionImpl& session);
  /// Never sends DEALLOCATE: there is no named statement to drop.
  ~UnnamedPgStatement() override;

 protected:
  void compileImpl() override;
  void bindImpl() override;
  bool hasNext() override;
  std::size_t next() override;

 private:
  void describe();
  PGconn* conn_;
  enum class Row { Unknown, Ready, None } row_ = Row::Unknown;  // Poco's hasNext() caching, of our own
};

}  // namespace cc::core
