#pragma once
// The Poco::Data::SessionImpl behind every Session that Database::session() hands out: it
// forwards to the raw session of a connection borrowed from the ConnectionPool and gives the
// connection back when closed or when the last Session copy goes (the pattern of Poco's
// PooledSessionImpl, over our own pool).
#include "core/db/connection_pool.hpp"

#include <Poco/Data/SessionImpl.h>

#include <memory>
#include <string>

namespace cc::core {

class LentSession : public Poco::Data::SessionImpl {
 public:
  LentSession(std::shared_ptr<ConnectionPool> pool, ConnectionPool::Lease lease);
  ~LentSession() override;

  /// The borrowed connection; throws Poco::Data::SessionUnavailableException once closed.
  PooledConnection& connection() const;
  const ConnectionPool* pool() const { return pool_.get(); }

  Poco::SharedPtr<Poco::Data::StatementImpl> createStatementImpl() override;
  /// A lent session cannot be reconnected elsewhere.
  void open(const std::string& connectionString = "") override;
  /// Gives the connection back; the session is unusable afterwards.
  void close() override;
  bool isConnected() const override;
  bool isGood() const override;
  void setConnectionTimeout(std::size_t timeout) override;
  std::size_t getConnectionTimeout() const override;
  void reset() override;
  void begin() override;
  void commit() override;
  void rollback() override;
  bool canTransact() const override;
  bool isTransaction() const override;
  void setTransactionIsolation(Poco::UInt32 level) override;
  Poco::UInt32 getTransactionIsolation() const override;
  bool hasTransactionIsolation(Poco::UInt32 level) const override;
  bool isTransactionIsolation(Poco::UInt32 level) const override;
  const std::string& connectorName() const override;
  void setFeature(const std::string& name, bool state) override;
  bool getFeature(const std::string& name) override;
  void setProperty(const std::string& name, const Poco::Any& value) override;
  Poco::Any getProperty(const std::string& name) override;

 private:
  Poco::Data::SessionImpl& inner() const { return connection().impl(); }
  [[noreturn]] void refuseSetting(const std::string& what) const;

  std::shared_ptr<ConnectionPool> pool_;  // keeps the pool alive while this session is out
  ConnectionPool::Lease lease_;           // declared after pool_: given back first
  std::string connector_;
};

}  // namespace cc::core
