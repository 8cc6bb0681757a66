#include "core/db/unnamed_pg_statement.hpp"

#include <Poco/Data/MetaColumn.h>
#include <Poco/Data/PostgreSQL/Binder.h>
#include <Poco/Data/PostgreSQL/PostgreSQLException.h>
#include <Poco/Data/PostgreSQL/PostgreSQLTypes.h>
#include <Poco/Data/PostgreSQL/StatementExecutor.h>
#include <Poco/NumberParser.h>
#include <Poco/Version.h>

#include "core/db/pg_result.hpp"

#include <libpq-fe.h>

#include <string>
#include <vector>

namespace cc::core {
namespace {

// --- Named access to private members of Poco 1.11's PostgreSQL statement classes ---------
// The result of our round trip goes into Poco's own StatementExecutor, which its Extractor
// reads. An explicit template instantiation may name a private member ([temp.spec]), and the
// friend function it defines hands out the member pointer. No layout is assumed: if Poco renames
// or retypes one of these members, this file stops compiling. Debian 12 ships Poco 1.11.0.
static_assert(POCO_VERSION >= 0x010B0000 && POCO_VERSION < 0x010C0000,
              "unnamed_pg_statement.cpp names private members of Poco 1.11's PostgreSQL connector: check them");

template <class Tag, typename Tag::type Member>
struct Expose {
  friend typename Tag::type member(Tag) { return Member; }
};

using Executor = Poco::Data::PostgreSQL::StatementExecutor;

#define CC_POCO_MEMBER(TagName, Class, Type, Name) \
  struct TagName {                                 \
    using type = Type Class::*;                    \
    friend type member(TagName);                   \
  };                                               \
  template struct Expose<TagName, &Class::Name>;

CC_POCO_MEMBER(StatementExecutorTag, Poco::Data::PostgreSQL::PostgreSQLStatementImpl, Executor, _statementExecutor)
CC_POCO_MEMBER(StateTag, Executor, Executor::State, _state)
CC_POCO_MEMBER(ResultTag, Executor, PGresult*, _pResultHandle)
CC_POCO_MEMBER(ColumnsTag, Executor, std::vector<Poco::Data::MetaColumn>, _resultColumns)
CC_POCO_MEMBER(OutputsTag, Executor, Poco::Data::PostgreSQL::OutputParameterVector, _outputParameterVector)
CC_POCO_MEMBER(CurrentRowTag, Executor, std::size_t, _currentRow)
CC_POCO_MEMBER(AffectedRowsTag, Executor, std::size_t, _affectedRowCount)
#undef CC_POCO_MEMBER

// ---------------------------------------------------------------------------------------------

Executor& executorOf(Poco::Data::PostgreSQL::PostgreSQLStatementImpl& statement) {
  return statement.*member(StatementExecutorTag{});
}

// What Poco's StatementExecutor::clearResults() does (private there).
void clearResult(Executor& ex) {
  PGresult*& result = ex.*member(ResultTag{});
  if (result) PQclear(result);
  result = nullptr;
  (ex.*member(OutputsTag{})).clear();
  ex.*member(AffectedRowsTag{}) = 0;
  ex.*member(CurrentRowTag{}) = 0;
}

// The columns as Poco's StatementExecutor::prepare() records them from its describe.
void recordColumns(Executor& ex, const PGresult* result) {
  auto& columns = ex.*member(ColumnsTag{});
  columns.clear();
  const int n = PQnfields(result);
  for (int i = 0; i < n; ++i)
    columns.emplace_back(static_cast<std::size_t>(i), PQfname(result, i),
                         Poco::Data::PostgreSQL::oidToColumnDataType(PQftype(result, i)), 0, 0, true);
}


// Poco's message format, with the SQLSTATE, so errors read the same with the setting on or off.
[[noreturn]] void fail(const char* what, const PGresult* r, PGconn* conn, const std::string& sql) {
  auto field = [&](int code) {
    const char* v = r ? PQresultErrorField(r, code) : nullptr;
    return std::string(v ? v : "N/A");
  };
  std::string message = r ? pg::message(PQresultErrorMessage(r)) : "";
  if (message.empty()) message = pg::message(PQerrorMessage(conn));
  throw Poco::Data::PostgreSQL::StatementException(std::string("postgresql_stmt_") + what + " error: " + message +
                                                   " State: " + field(PG_DIAG_SQLSTATE) + " Detail: " +
                                                   field(PG_DIAG_MESSAGE_DETAIL) + " Constraint: " +
                                                   field(PG_DIAG_CONSTRAINT_NAME) + " SQL: " + sql);
}

struct ResultGuard {
  PGresult* r;
  ~ResultGuard() {
    if (r) PQclear(r);
  }
};

}  // namespace

UnnamedPgStatement::UnnamedPgStatement(Poco::Data::PostgreSQL::SessionImpl& session)
    : PostgreSQLStatementImpl(session), conn_(session.handle()) {}

// Poco's executor sends DEALLOCATE <name> when destroyed in a compiled state; there is no named
// statement (its name is empty), so it is told it never compiled. It still frees the result.
UnnamedPgStatement::~UnnamedPgStatement() { executorOf(*this).*member(StateTag{}) = Executor::STMT_INITED; }

void UnnamedPgStatement::compileImpl() {
  Executor& ex = executorOf(*this);
  clearResult(ex);
  (ex.*member(ColumnsTag{})).clear();
  // Poco asks for the columns right after compiling only when the statement has no into():
  // it then makes extractors of its own (RecordSet). With into(), the result tells them.
  if (extractions().empty()) describe();
  ex.*member(StateTag{}) = Executor::STMT_COMPILED;
  row_ = Row::Unknown;
}

// Parse and Describe of the unnamed statement with one Sync: one round trip, so a pooling proxy
// serves both from the same server connection.
void UnnamedPgStatement::describe() {
  const std::string sql = toString();
  if (!PQenterPipelineMode(conn_)) fail("describe", nullptr, conn_, sql);
  bool sent = PQsendPrepare(conn_, "", sql.c_str(), 0, nullptr) && PQsendDescribePrepared(conn_, "") &&
              PQpipelineSync(conn_);
  PGresult* error = nullptr;
  PGresult* description = nullptr;
  // Results: prepare, NULL, describe, NULL, PIPELINE_SYNC. After an error the rest come back
  // as PGRES_PIPELINE_ABORTED. A lost connection ends the loop with a NULL or a fatal result.
  for (int commandsLeft = sent ? 2 : 0; commandsLeft > 0; --commandsLeft) {
    PGresult* r = PQgetResult(conn_);
    if (!r) break;
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_FATAL_ERROR && !error) {
      error = r;
    } else if (commandsLeft == 1 && st == PGRES_COMMAND_OK) {
      description = r;
    } else {
      PQclear(r);
    }
    if (PGresult* extra = PQgetResult(conn_)) PQclear(extra);  // the NULL ending this command's results
  }
  if (sent)
    if (PGresult* sync = PQgetResult(conn_)) PQclear(sync);
  ResultGuard errorGuard{error}, descriptionGuard{description};
  // Fails (and leaves the connection in pipeline mode, which the pool then refuses to lend
  // again) only when results are still pending, i.e. the connection broke.
  PQexitPipelineMode(conn_);
  if (error || !description) fail("describe", error, conn_, sql);
  recordColumns(executorOf(*this), description);
}

void UnnamedPgStatement::bindImpl() {
  // As Poco's PostgreSQLStatementImpl::bindImpl(): every binding writes into the binder.
  auto& bindings = this->bindings();
  std::size_t position = 0;
  for (auto it = bindings.begin(); it != bindings.end() && (*it)->canBind(); ++it) {
    (*it)->bind(position);
    position += (*it)->numOfColumnsHandled();
  }
  auto pgBinder = binder().cast<Poco::Data::PostgreSQL::Binder>();
  pgBinder->updateBindVectorToCurrentValues();
  const Poco::Data::PostgreSQL::InputParameterVector inputs = pgBinder->bindVector();
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  values.reserve(inputs.size());
  lengths.reserve(inputs.size());
  formats.reserve(inputs.size());
  for (const auto& in : inputs) {
    values.push_back(static_cast<const char*>(in.pInternalRepresentation()));
    lengths.push_back(static_cast<int>(in.size()));
    formats.push_back(in.isBinary() ? 1 : 0);
  }

  Executor& ex = executorOf(*this);
  clearResult(ex);
  const std::string sql = toString();
  // Parameter types left to the server, text results: what Poco's PQprepare/PQexecPrepared do.
  PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(inputs.size()), nullptr,
                             inputs.empty() ? nullptr : values.data(), inputs.empty() ? nullptr : lengths.data(),
                             inputs.empty() ? nullptr : formats.data(), 0);
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    ResultGuard guard{r};
    fail("execute", r, conn_, sql);
  }
  ex.*member(ResultTag{}) = r;
  if ((ex.*member(ColumnsTag{})).empty()) recordColumns(ex, r);
  // Row counts as Poco's StatementExecutor::execute() keeps them: a SELECT's rows are fetched;
  // other statements report affected rows and have nothing to fetch.
  if (st == PGRES_TUPLES_OK) {
    ex.*member(AffectedRowsTag{}) = static_cast<std::size_t>(PQntuples(r));
  } else {
    int affected = 0;
    if (Poco::NumberParser::tryParse(PQcmdTuples(r), affected) && affected >= 0) {
      ex.*member(AffectedRowsTag{}) = static_cast<std::size_t>(affected);
      ex.*member(CurrentRowTag{}) = static_cast<std::size_t>(affected);
    }
  }
  ex.*member(StateTag{}) = Executor::STMT_EXECUTED;
  row_ = Row::Unknown;
}

// Poco's hasNext()/next(), with the row cache here (Poco's is private and reset only by its
// own bindImpl()).
bool UnnamedPgStatement::hasNext() {
  if (row_ == Row::Unknown) {
    if (columnsReturned() == 0) return false;
    row_ = executorOf(*this).fetch() ? Row::Ready : Row::None;
  }
  return row_ == Row::Ready;
}

std::size_t UnnamedPgStatement::next() {
  if (!hasNext()) throw Poco::Data::PostgreSQL::StatementException("No data received");
  std::size_t position = 0;
  for (auto& extraction : extractions()) {
    extraction->extract(position);
    position += extraction->numOfColumnsHandled();
  }
  row_ = Row::Unknown;
  return 1;
}

}  // namespace cc::core
