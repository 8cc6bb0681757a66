#include "core/db/lent_session.hpp"

#include <Poco/Data/DataException.h>
#include <Poco/Exception.h>

namespace cc::core {

// No connection string is passed to the base class: Poco would keep a copy (with the
// PostgreSQL password) in every lent session, and nothing needs it.
LentSession::LentSession(std::shared_ptr<ConnectionPool> pool, ConnectionPool::Lease lease)
    : Poco::Data::SessionImpl(""), pool_(std::move(pool)), lease_(std::move(lease)),
      connector_(lease_->impl().connectorName()) {}

LentSession::~LentSession() { lease_.release(); }

PooledConnection& LentSession::connection() const {
  if (!lease_) throw Poco::Data::SessionUnavailableException("the session was closed and its connection returned to the pool");
  return *lease_;
}

Poco::SharedPtr<Poco::Data::StatementImpl> LentSession::createStatementImpl() {
  return connection().createStatementImpl();
}

void LentSession::open(const std::string&) {
  throw Poco::InvalidAccessException("a pooled database session cannot be reopened; ask Database::session() for another");
}

void LentSession::close() { lease_.release(); }
bool LentSession::isConnected() const { return lease_ && inner().isConnected(); }
bool LentSession::isGood() const { return lease_ && inner().isGood(); }
std::size_t LentSession::getConnectionTimeout() const { return inner().getConnectionTimeout(); }
void LentSession::reset() { inner().reset(); }
void LentSession::begin() { inner().begin(); }
void LentSession::commit() { inner().commit(); }
void LentSession::rollback() { inner().rollback(); }
bool LentSession::canTransact() const { return inner().canTransact(); }
bool LentSession::isTransaction() const { return inner().isTransaction(); }
Poco::UInt32 LentSession::getTransactionIsolation() const { return inner().getTransactionIsolation(); }
bool LentSession::hasTransactionIsolation(Poco::UInt32 level) const { return inner().hasTransactionIsolation(level); }
bool LentSession::isTransactionIsolation(Poco::UInt32 level) const { return inner().isTransactionIsolation(level); }
const std::string& LentSession::connectorName() const { return connector_; }
bool LentSession::getFeature(const std::string& name) { return inner().getFeature(name); }
Poco::Any LentSession::getProperty(const std::string& name) { return inner().getProperty(name); }

// Settings would stay with the connection after the loan and surprise its next borrower
// (PostgreSQL's autoCommit feature even opens a transaction). Nothing in the host changes
// them; SQL inside a transaction (SET LOCAL ...) ends with it.
void LentSession::refuseSetting(const std::string& what) const {
  throw Poco::InvalidAccessException(what + " cannot be changed on a pooled database session (it would outlive the "
                                            "loan); use SQL inside a transaction, e.g. SET LOCAL");
}
void LentSession::setConnectionTimeout(std::size_t) { refuseSetting("the connection timeout"); }
void LentSession::setTransactionIsolation(Poco::UInt32) { refuseSetting("the transaction isolation"); }
void LentSession::setFeature(const std::string& name, bool) { refuseSetting("feature '" + name + "'"); }
void LentSession::setProperty(const std::string& name, const Poco::Any&) { refuseSetting("property '" + name + "'"); }

}  // namespace cc::core
