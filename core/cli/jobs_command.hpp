#pragma once
// `codecouncil jobs [list]` lists the plugins' scheduled jobs with their schedules;
// `codecouncil jobs run NAME` runs one once, now, with the scheduler's exclusivity.
#include "core/host/host.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace cc::core {

/// Exit code: 0 listed / the job succeeded; 1 it failed or is running elsewhere; 2 usage or
/// unknown job.
int runJobsCommand(Host& host, const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cc::core
