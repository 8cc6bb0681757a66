#include "analysis_store.hpp"

#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;

namespace cc::analysis {
namespace {

const char* kColumns =
    "id, \"userId\", status, analyzer, model, COALESCE(language, ''), COALESCE(filename, ''), \"codeBytes\", "
    "\"codeLines\", \"codeSha256\", credits, tier, COALESCE(summary, ''), findings, \"findingCount\", "
    "COALESCE(error, ''), \"createdAt\", COALESCE(\"completedAt\", '')";

// Runs a SELECT of kColumns and reads the rows. Every column is NOT NULL or COALESCEd, so
// plain vectors suffice on both engines.
std::vector<AnalysisRecord> selectRecords(Poco::Data::Statement& stmt) {
  std::vector<std::string> id, userId, status, analyzer, model, language, filename, sha, tier, summary, findings,
      error, createdAt, completedAt;
  std::vector<Poco::Int64> bytes, lines, credits, findingCount;
  stmt, into(id), into(userId), into(status), into(analyzer), into(model), into(language), into(filename),
      into(bytes), into(lines), into(sha), into(credits), into(tier), into(summary), into(findings),
      into(findingCount), into(error), into(createdAt), into(completedAt), now;
  std::vector<AnalysisRecord> out(id.size());
  for (std::size_t k = 0; k < id.size(); ++k) {
    AnalysisRecord& r = out[k];
    r.id = id[k];
    r.userId = userId[k];
    r.status = status[k];
    r.analyzer = analyzer[k];
    r.model = model[k];
    r.language = language[k];
    r.filename = filename[k];
    r.codeBytes = bytes[k];
    r.codeLines = lines[k];
    r.codeSha256 = sha[k];
    r.credits = credits[k];
    r.tier = tier[k];
    r.summary = summary[k];
    r.findingsJson = findings[k];
    r.findingCount = findingCount[k];
    r.error = error[k];
    r.createdAt = createdAt[k];
    r.completedAt = completedAt[k];
  }
  return out;
}

}  // namespace

std::string AnalysisStore::agoSql(int seconds) const { return db_.nowPlusSql(-static_cast<std::int64_t>(seconds)); }

void AnalysisStore::insertRunning(Poco::Data::Session& s, const AnalysisRecord& r) {
  AnalysisRecord v = r;  // Poco binds lvalues
  Poco::Int64 bytes = v.codeBytes, lines = v.codeLines, credits = v.credits;
  s << db_.sql("INSERT INTO \"Analysis\" (id, \"userId\", status, analyzer, model, language, filename, \"codeBytes\","
               " \"codeLines\", \"codeSha256\", credits, tier, \"createdAt\") VALUES (?, ?, 'running', ?, ?, NULLIF(?, ''),"
               " NULLIF(?, ''), ?, ?, ?, ?, ?, " +
               db_.nowSql() + ")"),
      use(v.id), use(v.userId), use(v.analyzer), use(v.model), use(v.language), use(v.filename), use(bytes),
      use(lines), use(v.codeSha256), use(credits), use(v.tier), now;
}

bool AnalysisStore::complete(const std::string& id, const AnalysisOutput& output) {
  auto s = db_.session();
  std::string i = id, summary = output.summary, findings = json::stringify(toJson(output.findings));
  Poco::Int64 count = static_cast<Poco::Int64>(output.findings.size());
  std::vector<std::string> done;
  s << db_.sql("UPDATE \"Analysis\" SET status = 'completed', summary = ?, findings = ?, \"findingCount\" = ?,"
               " \"completedAt\" = " +
               db_.nowSql() + " WHERE id = ? AND status = 'running' RETURNING id"),
      use(summary), use(findings), use(count), use(i), into(done), now;
  return !done.empty();
}

bool AnalysisStore::fail(Poco::Data::Session& s, const std::string& id, const std::string& error) {
  std::string i = id, e = error;
  std::vector<std::string> done;
  s << db_.sql("UPDATE \"Analysis\" SET status = 'failed', error = ?, \"completedAt\" = " + db_.nowSql() +
               " WHERE id = ? AND status = 'running' RETURNING id"),
      use(e), use(i), into(done), now;
  return !done.empty();
}

std::optional<AnalysisRecord> AnalysisStore::find(const std::string& userId, const std::string& id) {
  auto s = db_.session();
  std::string u = userId, i = id;
  Poco::Data::Statement stmt(s);
  stmt << db_.sql(std::string("SELECT ") + kColumns + " FROM \"Analysis\" WHERE id = ? AND \"userId\" = ?"), use(i),
      use(u);
  auto rows = selectRecords(stmt);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

AnalysisPage AnalysisStore::list(const std::string& userId, int limit, int offset) {
  auto s = db_.session();
  std::string u = userId;
  AnalysisPage page;
  page.limit = limit;
  page.offset = offset;
  Poco::Int64 total = 0;
  s << db_.sql("SELECT COUNT(*) FROM \"Analysis\" WHERE \"userId\" = ?"), use(u), into(total), now;
  page.total = total;
  Poco::Int64 l = limit, o = offset;
  Poco::Data::Statement stmt(s);
  stmt << db_.sql(std::string("SELECT ") + kColumns +
                  " FROM \"Analysis\" WHERE \"userId\" = ? ORDER BY \"createdAt\" DESC, id DESC LIMIT ? OFFSET ?"),
      use(u), use(l), use(o);
  page.items = selectRecords(stmt);
  return page;
}

std::vector<RunRef> AnalysisStore::staleRuns(int seconds, int limit) {
  auto s = db_.session();
  std::vector<std::string> ids, users, tiers;
  std::vector<Poco::Int64> credits;
  Poco::Int64 l = limit;
  s << db_.sql("SELECT id, \"userId\", credits, tier FROM \"Analysis\" WHERE status = 'running' AND \"createdAt\" < " +
               agoSql(seconds) + " ORDER BY \"createdAt\" LIMIT ?"),
      use(l), into(ids), into(users), into(credits), into(tiers), now;
  std::vector<RunRef> out;
  for (std::size_t k = 0; k < ids.size(); ++k) out.push_back({ids[k], users[k], credits[k], tiers[k]});
  return out;
}

json::ObjectPtr toJson(const AnalysisRecord& r, bool withFindings) {
  auto o = json::object();
  auto textOrNull = [&](const char* key, const std::string& v) {
    if (v.empty()) o->set(key, Poco::Dynamic::Var());
    else o->set(key, v);
  };
  o->set("id", r.id);
  o->set("status", r.status);
  o->set("analyzer", r.analyzer);
  o->set("model", r.model);
  textOrNull("language", r.language);
  textOrNull("filename", r.filename);
  o->set("codeBytes", r.codeBytes);
  o->set("codeLines", r.codeLines);
  o->set("codeSha256", r.codeSha256);
  o->set("credits", r.credits);
  o->set("tier", r.tier);
  textOrNull("summary", r.summary);
  o->set("findingCount", r.findingCount);
  if (withFindings) o->set("findings", toJson(findingsFromJson(r.findingsJson)));
  textOrNull("error", r.error);
  o->set("createdAt", r.createdAt);
  textOrNull("completedAt", r.completedAt);
  return o;
}

}  // namespace cc::analysis
