#pragma once
// The PostgreSQL database named by `verify_database_url`, held for one verification.
//
// A verification drops everything in it, so before anything is dropped the lease
//   1. takes an advisory lock in it: one verification at a time, however many hosts share it;
//   2. asks both servers who they are (postmaster start time, database oid): a verify URL
//      that reaches the live database under another name (a DNS alias) is refused;
//   3. requires the scratch marker table `codecouncil_verify_scratch`. An empty database gets
//      it; a database with objects of its own and no marker is refused untouched, since this
//      plugin did not prepare it.
#include "database_target.hpp"
#include "manifest.hpp"

#include <Poco/Data/Session.h>

#include <vector>

namespace cc::backup {

class VerifyScratchLease {
 public:
  /// Throws std::runtime_error naming the reason; nothing in `scratch` has changed then.
  VerifyScratchLease(const DatabaseTarget& scratch, const DatabaseTarget& live);
  ~VerifyScratchLease();
  VerifyScratchLease(const VerifyScratchLease&) = delete;
  VerifyScratchLease& operator=(const VerifyScratchLease&) = delete;

 private:
  Poco::Data::Session session_;  ///< holds the advisory lock until the lease ends
};

/// Drops everything in the scratch database but its marker (call while holding the lease).
void emptyScratchDatabase(const DatabaseTarget& scratch);

/// `stats` without the marker table (it is not part of any backup).
std::vector<TableStats> withoutScratchMarker(std::vector<TableStats> stats);

}  // namespace cc::backup
