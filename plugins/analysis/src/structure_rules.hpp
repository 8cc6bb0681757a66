#pragma once
// Very long functions and deeply nested blocks. Brace languages are read by counting braces
// in code (strings and comments removed); Python by indentation of logical lines.
#include "finding.hpp"
#include "source_scanner.hpp"

#include <vector>

namespace cc::analysis {

struct StructureLimits {
  int maxFunctionLines = 60;
  int maxNestingDepth = 4;
};

std::vector<Finding> findStructureProblems(const std::vector<ScannedLine>& lines, Syntax syntax,
                                           const StructureLimits& limits);

}  // namespace cc::analysis
