#pragma once
// Small libpq helpers shared by the host's direct libpq code (prepared statements, unnamed
// statements for PgBouncer, the server-session probe).
#include <libpq-fe.h>

#include <memory>
#include <string>

namespace cc::core::pg {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
/// Owns a PGresult: cleared when it goes out of scope.
using Result = std::unique_ptr<PGresult, ResultDeleter>;

/// libpq's message without its trailing newline (libpq ends every message with one).
inline std::string message(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace cc::core::pg
