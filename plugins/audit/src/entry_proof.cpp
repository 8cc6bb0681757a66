#include "entry_proof.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>
#include <stdexcept>

namespace cc::audit {

namespace {

constexpr const char* kFormat = "codecouncil-audit-proof/1";

void setOptional(Poco::JSON::Object& o, const std::string& key, const std::optional<std::string>& v) {
  if (v) o.set(key, *v);
  else o.set(key, Poco::Dynamic::Var());
}

Poco::JSON::Object::Ptr rowJson(const ChainRow& r) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("id", r.id);
  o->set("createdAt", r.createdAt);
  setOptional(*o, "userId", r.userId);
  o->set("action", r.action);
  o->set("severity", r.severity);
  o->set("resourceType", r.resourceType);
  setOptional(*o, "resourceId", r.resourceId);
  o->set("metadata", r.metadata);
  setOptional(*o, "ip", r.ip);
  setOptional(*o, "userAgent", r.userAgent);
  setOptional(*o, "requestId", r.requestId);
  o->set("prevHash", r.prevHash);
  o->set("hash", r.hash);
  return o;
}

std::string text(const Poco::JSON::Object::Ptr& o, const std::string& key, const std::string& where) {
  if (!o->has(key) || !o->get(key).isString()) throw std::invalid_argument(where + "." + key + " is missing or not a string");
  return o->get(key).toString();
}

std::optional<std::string> optionalText(const Poco::JSON::Object::Ptr& o, const std::string& key,
                                        const std::string& where) {
  if (!o->has(key)) throw std::invalid_argument(where + "." + key + " is missing");
  Poco::Dynamic::Var v = o->get(key);
  if (v.isEmpty()) return std::nullopt;
  if (!v.isString()) throw std::invalid_argument(where + "." + key + " is not a string or null");
  return v.toString();
}

ChainRow rowFrom(const Poco::JSON::Object::Ptr& o, const std::string& where) {
  if (!o) throw std::invalid_argument(where + " is not an object");
  ChainRow r;
  if (!o->has("id") || !o->get("id").isInteger()) throw std::invalid_argument(where + ".id is missing or not an integer");
  r.id = o->get("id").convert<std::int64_t>();
  r.createdAt = text(o, "createdAt", where);
  r.userId = optionalText(o, "userId", where);
  r.action = text(o, "action", where);
  r.severity = text(o, "severity", where);
  r.resourceType = text(o, "resourceType", where);
  r.resourceId = optionalText(o, "resourceId", where);
  r.metadata = text(o, "metadata", where);
  r.ip = optionalText(o, "ip", where);
  r.userAgent = optionalText(o, "userAgent", where);
  r.requestId = optionalText(o, "requestId", where);
  r.prevHash = text(o, "prevHash", where);
  r.hash = text(o, "hash", where);
  return r;
}

ProofCheck failed(ProofCheck c, std::string problem, std::string message) {
  c.ok = false;
  c.problem = std::move(problem);
  c.message = std::move(message);
  return c;
}

}  // namespace

std::string proofJson(const ChainRow& entry, const std::vector<ChainRow>& following, const Checkpoint& checkpoint) {
  Poco::JSON::Object proof(Poco::JSON_PRESERVE_KEY_ORDER);
  proof.set("format", kFormat);
  proof.set("entry", rowJson(entry));
  Poco::JSON::Array::Ptr rows = new Poco::JSON::Array();
  for (const auto& r : following) rows->add(rowJson(r));
  proof.set("following", rows);
  Poco::JSON::Parser parser;
  proof.set("checkpoint", parser.parse(toJson(checkpoint)));
  std::ostringstream out;
  proof.stringify(out, 2);
  return out.str();
}

ProofCheck checkProof(const std::string& input, const std::string& key) {
  ProofCheck result;
  ChainRow entry;
  std::vector<ChainRow> following;
  try {
    Poco::JSON::Parser parser;
    auto proof = parser.parse(input).extract<Poco::JSON::Object::Ptr>();
    if (!proof) throw std::invalid_argument("not a JSON object");
    if (!proof->has("format") || proof->get("format").toString() != kFormat)
      throw std::invalid_argument(std::string("format is not \"") + kFormat + "\"");
    entry = rowFrom(proof->getObject("entry"), "entry");
    auto rows = proof->getArray("following");
    if (!rows) throw std::invalid_argument("following is missing or not a list");
    for (std::size_t i = 0; i < rows->size(); ++i)
      following.push_back(rowFrom(rows->getObject(static_cast<unsigned>(i)), "following[" + std::to_string(i) + "]"));
    auto cp = proof->getObject("checkpoint");
    if (!cp) throw std::invalid_argument("checkpoint is missing or not an object");
    std::ostringstream cpText;
    cp->stringify(cpText);
    result.checkpoint = checkpointFromJson(cpText.str());
  } catch (const std::exception& e) {
    return failed(result, "malformed", std::string("the proof is malformed: ") + e.what());
  }
  result.entryId = entry.id;
  const Checkpoint& cp = result.checkpoint;
  std::string cpLabel = "checkpoint #" + std::to_string(cp.number) + " (row " + std::to_string(cp.seq) + ")";

  if (!signatureValid(cp, key))
    return failed(result, "bad signature",
                  cpLabel + " has a bad signature: it was edited or forged, or AUDIT_CHECKPOINT_KEY is not the key "
                            "that signed it");
  if (computeRowHash(entry) != entry.hash)
    return failed(result, "tampered entry",
                  "entry " + std::to_string(entry.id) + " was tampered with: its fields do not match its hash");
  const ChainRow* previous = &entry;
  for (const auto& row : following) {
    std::string id = std::to_string(row.id);
    if (row.id != previous->id + 1 || row.prevHash != previous->hash)
      return failed(result, "broken link",
                    "broken link at row " + id + ": it does not follow row " + std::to_string(previous->id));
    if (computeRowHash(row) != row.hash)
      return failed(result, "broken link", "broken link at row " + id + ": its fields do not match its hash");
    previous = &row;
  }
  if (previous->id != cp.seq || previous->hash != cp.headHash)
    return failed(result, "broken link",
                  "broken link: the rows end at row " + std::to_string(previous->id) + ", not at " + cpLabel +
                      "'s head hash");
  result.ok = true;
  return result;
}

}  // namespace cc::audit
