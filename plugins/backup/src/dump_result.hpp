#pragma once
#include "manifest.hpp"

#include <string>
#include <vector>

namespace cc::backup {

/// What an engine reports about a dump it wrote: statistics of the snapshot it dumped.
struct DumpResult {
  std::vector<TableStats> tables;
  std::string serverVersion;
  std::string dumpTool;
  std::string completionMarker;  ///< a line the dump must end with; its absence means a cut-off dump
};

}  // namespace cc::backup
