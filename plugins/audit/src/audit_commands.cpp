#include "audit_commands.hpp"

#include "audit_store.hpp"
#include "checkpoint_files.hpp"
#include "checkpoint_store.hpp"
#include "checkpoint_verifier.hpp"
#include "entry_proof.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace cc::audit {

namespace {

constexpr const char* kNoKey =
    "checkpoint_key is empty (set AUDIT_CHECKPOINT_KEY): signed checkpoints are off";
constexpr std::size_t kMaxProofBytes = 256 * 1024 * 1024;

}  // namespace

int verifyCommand(Context& ctx, AuditStore& store, const std::string& key) {
  VerifyResult chain = store.verify();
  if (!chain.ok) {
    std::printf("audit verify: TAMPERED at row %lld (%s): %s\n", static_cast<long long>(chain.firstBadId),
                chain.problem.c_str(), chain.message.c_str());
    std::printf("audit verify: the %lld rows before it are intact\n", static_cast<long long>(chain.rowsChecked));
    return 1;
  }
  std::printf("audit verify: OK, %lld rows checked, the chain is intact\n", static_cast<long long>(chain.rowsChecked));
  if (key.empty()) {
    std::printf("audit verify: checkpoints not checked: %s\n", kNoKey);
    return 0;
  }
  CheckpointStore checkpoints(ctx.db());
  std::string dir = checkpointDir(ctx.host().dataDir);
  std::vector<CheckpointFile> files = readCheckpointFiles(dir);
  std::int64_t newestFile = files.empty() ? 0 : files.back().numberInName;
  for (Checkpoint& recorded : checkpoints.recordedAfter(newestFile)) {
    CheckpointFile f;
    f.name = "checkpoint #" + std::to_string(recorded.number) + " in the database";
    f.numberInName = recorded.number;
    f.checkpoint = std::move(recorded);
    f.fromDatabase = true;
    files.push_back(std::move(f));
  }
  CheckpointVerdict verdict = verifyCheckpoints(files, key, checkpoints.facts(),
                                                [&](std::int64_t id) { return checkpoints.rowHash(id); });
  if (!verdict.ok) {
    std::printf("audit verify: TAMPERED at row %lld (%s): %s\n", static_cast<long long>(verdict.firstBadId),
                verdict.problem.c_str(), verdict.message.c_str());
    return 1;
  }
  if (!verdict.latest) {
    std::printf("audit verify: no checkpoint yet in %s\n", dir.c_str());
    return 0;
  }
  if (verdict.onlyInDatabase > 0)
    std::printf("audit verify: note: the newest %lld checkpoint(s) have no file in %s, only their signed copy in "
                "the database (written by another host, or the file was deleted); they were checked all the same\n",
                static_cast<long long>(verdict.onlyInDatabase), dir.c_str());
  std::printf("audit verify: OK, %lld signed checkpoints chain together; the log matches checkpoint #%lld "
              "(row %lld, %s)\n",
              static_cast<long long>(verdict.checkpointsChecked), static_cast<long long>(verdict.latest->number),
              static_cast<long long>(verdict.latest->seq), verdict.latest->time.c_str());
  return 0;
}

int proveCommand(Context& ctx, const std::string& idText, const std::string& key) {
  std::int64_t id = 0;
  try {
    std::size_t used = 0;
    id = std::stoll(idText, &used);
    if (used != idText.size() || id < 1) throw std::invalid_argument("");
  } catch (const std::exception&) {
    std::fprintf(stderr, "codecouncil audit prove: the entry id must be a positive integer\n");
    return 2;
  }
  std::string dir = checkpointDir(ctx.host().dataDir);
  // The earliest good checkpoint covering the entry: fewest rows to carry.
  std::optional<Checkpoint> chosen;
  for (const auto& f : readCheckpointFiles(dir)) {
    if (!f.checkpoint || f.checkpoint->seq < id) continue;
    if (!key.empty() && !signatureValid(*f.checkpoint, key)) continue;
    chosen = f.checkpoint;
    break;
  }
  if (!chosen) {
    std::fprintf(stderr,
                 "codecouncil audit prove: no checkpoint in %s covers entry %lld yet: it is newer than the newest "
                 "checkpoint (or checkpoints are off); wait for the next one\n",
                 dir.c_str(), static_cast<long long>(id));
    return 1;
  }
  CheckpointStore store(ctx.db());
  std::vector<ChainRow> rows = store.rows(id, chosen->seq);
  if (rows.empty() || rows.front().id != id) {
    std::fprintf(stderr, "codecouncil audit prove: entry %lld is not in the log (purged by retention, or deleted)\n",
                 static_cast<long long>(id));
    return 1;
  }
  ChainRow entry = rows.front();
  rows.erase(rows.begin());
  std::string proof = proofJson(entry, rows, *chosen);
  // Never hand out a proof that does not hold: the log changed since the checkpoint.
  if (!key.empty()) {
    ProofCheck check = checkProof(proof, key);
    if (!check.ok) {
      std::fprintf(stderr, "codecouncil audit prove: the log no longer matches checkpoint #%lld: %s; run "
                           "`codecouncil audit verify`\n",
                   static_cast<long long>(chosen->number), check.message.c_str());
      return 1;
    }
  }
  std::fwrite(proof.data(), 1, proof.size(), stdout);
  std::fputc('\n', stdout);
  return 0;
}

int checkProofCommand(const std::string& path, const std::string& key) {
  if (key.empty()) {
    std::fprintf(stderr, "codecouncil audit check-proof: %s; the key is needed to check the signature\n", kNoKey);
    return 2;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "codecouncil audit check-proof: cannot read %s\n", path.c_str());
    return 2;
  }
  std::string text;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxProofBytes) {
      std::fprintf(stderr, "codecouncil audit check-proof: %s is larger than a proof can be\n", path.c_str());
      return 1;
    }
  }
  ProofCheck check = checkProof(text, key);
  if (!check.ok) {
    std::printf("audit check-proof: REFUSED (%s): %s\n", check.problem.c_str(), check.message.c_str());
    return 1;
  }
  std::printf("audit check-proof: OK, entry %lld is in the audit log as of checkpoint #%lld (row %lld, %s)\n",
              static_cast<long long>(check.entryId), static_cast<long long>(check.checkpoint.number),
              static_cast<long long>(check.checkpoint.seq), check.checkpoint.time.c_str());
  return 0;
}

}  // namespace cc::audit
