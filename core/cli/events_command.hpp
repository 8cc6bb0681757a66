#pragma once
// `codecouncil events` lists every declared event topic with its publisher, its subscribers
// (plugin names) and its payload fields, as the enabled plugins declare them at start.
#include "core/host/host.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace cc::core {

/// Exit code: 0 listed; 2 usage.
int runEventsCommand(Host& host, const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cc::core
