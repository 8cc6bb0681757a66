#include "core/db/server_session_probe.hpp"

#include "core/db/pg_result.hpp"

#include <poll.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

namespace cc::core {
namespace {

using pg::Result;

Result expect(PGconn* conn, PGresult* raw, ExecStatusType wanted, const char* what) {
  Result r(raw);
  if (!r || PQresultStatus(r.get()) != wanted) {
    std::string msg = r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw std::runtime_error(std::string("checking the server sessions (") + what + "): " + msg);
  }
  return r;
}

std::string backendPid(PGconn* conn) {
  Result r = expect(conn, PQexec(conn, "SELECT pg_backend_pid()"), PGRES_TUPLES_OK, "pg_backend_pid");
  return PQgetvalue(r.get(), 0, 0);
}

// Waits up to waitMs for `conn`'s pending query to finish; false on timeout.
bool waitForResult(PGconn* conn, int waitMs) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(waitMs);
  while (true) {
    if (!PQconsumeInput(conn)) return true;  // broken: PQgetResult reports it
    if (!PQisBusy(conn)) return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{PQsocket(conn), POLLIN, 0};
    ::poll(&pfd, 1, static_cast<int>(left.count()));
  }
}

// The last result of `conn`'s pending query, checked.
std::string pendingPid(PGconn* conn) {
  Result last;
  while (PGresult* r = PQgetResult(conn)) last.reset(r);
  return PQgetvalue(expect(conn, last.release(), PGRES_TUPLES_OK, "pg_backend_pid").get(), 0, 0);
}

}  // namespace

ServerSessions probeServerSessions(PGconn* a, PGconn* b, int waitMs) {
  const std::string before = backendPid(a);
  expect(b, PQexec(b, "BEGIN"), PGRES_COMMAND_OK, "BEGIN");
  // Whatever happens next, b's transaction must end, or a proxy with one server connection
  // would keep a waiting for ever.
  struct Rollback {
    PGconn* b;
    bool open = true;
    void now() {
      if (open) PQclear(PQexec(b, "ROLLBACK"));
      open = false;
    }
    ~Rollback() { now(); }
  } rollback{b};
  backendPid(b);  // a statement in the transaction: a proxy now has given b a server connection
  if (!PQsendQuery(a, "SELECT pg_backend_pid()"))
    throw std::runtime_error(std::string("checking the server sessions: ") + PQerrorMessage(a));
  const bool answered = waitForResult(a, waitMs);
  if (!answered) {
    rollback.now();  // frees the only server connection; a's query then runs
    pendingPid(a);
    return ServerSessions::Unknown;
  }
  return pendingPid(a) == before ? ServerSessions::Kept : ServerSessions::Swapped;
}

}  // namespace cc::core
