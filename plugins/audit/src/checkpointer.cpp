#include "checkpointer.hpp"

namespace cc::audit {

Checkpoint Checkpointer::write(const std::string& why) {
  Checkpoint c = store_.writeNext(key_);
  // The new one and any this host has not seen yet; files already there are left alone.
  for (const Checkpoint& recorded : store_.recordedAfter(highestCheckpointFile(dir_)))
    writeCheckpointFile(dir_, recorded);
  writeCheckpointFile(dir_, c);
  log_.information("audit checkpoint #%Ld (%s): row %Ld, %Ld rows, written to %s", static_cast<Poco::Int64>(c.number),
                   why, static_cast<Poco::Int64>(c.seq), static_cast<Poco::Int64>(c.count), dir_);
  return c;
}

}  // namespace cc::audit
