#pragma once
// Hard-coded secrets: well-known token shapes (AWS, GitHub, Stripe, Google, Slack, private
// keys) and string literals assigned to names like password/secret/api_key. A finding names
// the kind of secret and never repeats its value: results are stored and shown again.
#include "finding.hpp"
#include "source_scanner.hpp"

#include <vector>

namespace cc::analysis {

std::vector<Finding> findSecrets(const std::vector<ScannedLine>& lines);

}  // namespace cc::analysis
