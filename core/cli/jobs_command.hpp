#pragma once
// `codecouncil jobs [list]` lists the plugins' scheduled jobs with their schedules, from their
// declarations alone (no database, no plugin started); `codecouncil jobs run NAME` starts the
// plugins and runs one once, now, with the scheduler's exclusivity.
#include "core/host/host.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace cc::core {

/// Exit code: 0 listed / the job succeeded; 1 it failed or is running elsewhere; 2 usage or
/// unknown job.
int runJobsCommand(Host& host, const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cc::core
