#pragma once
// TODO / FIXME / HACK / XXX markers in comments: unfinished or known-broken code.
#include "finding.hpp"
#include "source_scanner.hpp"

#include <vector>

namespace cc::analysis {

std::vector<Finding> findMarkers(const std::vector<ScannedLine>& lines);

}  // namespace cc::analysis
