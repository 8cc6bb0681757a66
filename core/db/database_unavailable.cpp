#include "core/db/database_unavailable.hpp"

#include <Poco/Data/DataException.h>
#include <Poco/Data/PostgreSQL/PostgreSQLException.h>
#include <Poco/Data/SQLite/SQLiteException.h>

#include <string>
#include <string_view>

namespace cc::core {

namespace {

// libpq's and the server's words for a connection that is gone or a server that is stopping
// (SQLSTATE class 57P: admin shutdown, crash shutdown, cannot connect now). Matched only at the
// start of the message, or right after the severity ("FATAL:  "), never inside it: a statement
// error's text can quote stored or request data (a unique violation's DETAIL shows the key).
constexpr std::string_view kConnectionLost[] = {
    "server closed the connection",  "terminating connection", "no connection to the server",
    "could not receive data from server", "could not send data to server", "the database system is",
    "connection to server",  // "connection to server at ... failed: Connection refused"
};

bool startsWithLoss(std::string_view text) {
  for (std::string_view prefix : {"FATAL:  ", "ERROR:  "})
    if (text.substr(0, prefix.size()) == prefix) text.remove_prefix(prefix.size());
  for (std::string_view lost : kConnectionLost)
    if (text.substr(0, lost.size()) == lost) return true;
  return false;
}

// The message after a "<prefix>: " lead-in our own code or Poco puts in front, if it has one.
bool lossAfter(std::string_view text, std::string_view lead) {
  if (text.substr(0, lead.size()) != lead) return false;
  text.remove_prefix(lead.size());
  const auto colon = text.find(": ");
  return colon != std::string_view::npos && startsWithLoss(text.substr(colon + 2));
}

}  // namespace

bool databaseIsUnavailable(const std::exception& e) noexcept {
  try {
    // Poco::Data: every pooled connection stayed busy, or none could be opened.
    if (dynamic_cast<const Poco::Data::SessionPoolExhaustedException*>(&e) ||
        dynamic_cast<const Poco::Data::ConnectionFailedException*>(&e) ||
        dynamic_cast<const Poco::Data::NotConnectedException*>(&e) ||
        dynamic_cast<const Poco::Data::SessionUnavailableException*>(&e) ||
        dynamic_cast<const Poco::Data::PostgreSQL::ConnectionException*>(&e))
      return true;
    // SQLite: another process held the write lock past busy_timeout_ms.
    if (dynamic_cast<const Poco::Data::SQLite::DBLockedException*>(&e) ||
        dynamic_cast<const Poco::Data::SQLite::TableLockedException*>(&e))
      return true;
    // A pooled connection whose server went away fails its next statement with libpq's
    // connection-loss message (or the server's shutdown notice), not with a connection class.
    if (auto* pg = dynamic_cast<const Poco::Data::PostgreSQL::PostgreSQLException*>(&e)) {
      // Poco puts its own lead-ins first: "[PostgreSQL]: postgresql_stmt_prepare error: <libpq's message>".
      std::string_view text = pg->message();
      if (text.starts_with("[PostgreSQL]: ")) text.remove_prefix(14);
      if (startsWithLoss(text)) return true;
      const auto colon = text.find(": ");
      return colon != std::string_view::npos && startsWithLoss(text.substr(colon + 2));
    }
    if (dynamic_cast<const Poco::Exception*>(&e)) return false;
    // queryPrepared() and begin() throw std::runtime_error with the engine's message after a lead-in
    // (core/db/prepared_postgres.cpp, prepared_sqlite.cpp, pooled_database.cpp).
    const std::string_view text = e.what();
    if (lossAfter(text, "postgresql ")) return true;
    if (text.starts_with("database is locked")) return true;  // this process's writer queue timed out
    return text.starts_with("sqlite ") && text.ends_with(": database is locked");  // SQLITE_BUSY
  } catch (...) {
    return false;
  }
}

}  // namespace cc::core
