#include "manifest.hpp"

#include <codecouncil/sdk/json.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace cc::backup {

std::string Manifest::toJson() const {
  auto o = json::object();
  o->set("format", format);
  o->set("file", file);
  o->set("environment", environment);
  o->set("engine", engine);
  o->set("serverVersion", serverVersion);
  o->set("dumpTool", dumpTool);
  o->set("codecouncilVersion", codecouncilVersion);
  o->set("createdAt", createdAt);
  o->set("durationSeconds", durationSeconds);
  o->set("bytes", static_cast<Poco::UInt64>(bytes));
  o->set("sqlBytes", static_cast<Poco::UInt64>(sqlBytes));
  o->set("sha256", sha256);
  o->set("encrypted", encrypted);
  if (encrypted) o->set("encryptionKeyId", encryptionKeyId);
  if (!auditCheckpoint.empty()) o->set("auditCheckpoint", json::parseObject(auditCheckpoint));
  auto list = json::array();
  for (auto& t : tables) {
    auto row = json::object();
    row->set("name", t.name);
    row->set("rows", static_cast<Poco::Int64>(t.rows));
    row->set("checksum", t.checksum);
    list->add(row);
  }
  o->set("tables", list);
  std::ostringstream out;
  o->stringify(out, 2);
  return out.str() + "\n";
}

Manifest Manifest::fromJson(const std::string& text) {
  try {
    Poco::JSON::Parser parser;
    auto o = parser.parse(text).extract<json::ObjectPtr>();
    Manifest m;
    m.format = o->getValue<int>("format");
    m.file = o->optValue<std::string>("file", "");
    m.environment = o->optValue<std::string>("environment", "");
    m.engine = o->getValue<std::string>("engine");
    m.serverVersion = o->optValue<std::string>("serverVersion", "");
    m.dumpTool = o->optValue<std::string>("dumpTool", "");
    m.codecouncilVersion = o->optValue<std::string>("codecouncilVersion", "");
    m.createdAt = o->optValue<std::string>("createdAt", "");
    m.durationSeconds = o->optValue<double>("durationSeconds", 0);
    m.bytes = o->optValue<Poco::UInt64>("bytes", 0);
    m.sqlBytes = o->optValue<Poco::UInt64>("sqlBytes", 0);
    m.sha256 = o->optValue<std::string>("sha256", "");
    m.encrypted = o->optValue<bool>("encrypted", false);
    m.encryptionKeyId = o->optValue<std::string>("encryptionKeyId", "");
    if (auto checkpoint = o->getObject("auditCheckpoint")) m.auditCheckpoint = json::stringify(checkpoint);
    auto list = o->getArray("tables");
    if (!list) throw std::runtime_error("no tables");
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto row = list->getObject(static_cast<unsigned>(i));
      m.tables.push_back({row->getValue<std::string>("name"), row->getValue<Poco::Int64>("rows"),
                          row->getValue<std::string>("checksum")});
    }
    return m;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("malformed manifest: ") + e.what());
  }
}

Manifest Manifest::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("manifest " + path + " is missing");
  std::stringstream ss;
  ss << in.rdbuf();
  return fromJson(ss.str());
}

std::vector<std::string> compareTables(const std::vector<TableStats>& expected, const std::vector<TableStats>& actual) {
  std::map<std::string, const TableStats*> have;
  for (auto& t : actual) have[t.name] = &t;
  std::vector<std::string> diffs;
  for (auto& e : expected) {
    auto it = have.find(e.name);
    if (it == have.end()) {
      diffs.push_back(e.name + ": missing (expected " + std::to_string(e.rows) + " rows)");
      continue;
    }
    if (it->second->rows != e.rows)
      diffs.push_back(e.name + ": " + std::to_string(it->second->rows) + " rows, expected " + std::to_string(e.rows));
    else if (it->second->checksum != e.checksum)
      diffs.push_back(e.name + ": checksum " + it->second->checksum + ", expected " + e.checksum);
    have.erase(it);
  }
  for (auto& [name, t] : have) diffs.push_back(name + ": not in the backup (" + std::to_string(t->rows) + " rows)");
  return diffs;
}

}  // namespace cc::backup
