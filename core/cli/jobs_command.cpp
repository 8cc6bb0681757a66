#include "core/cli/jobs_command.hpp"

#include <codecouncil/sdk/config.hpp>

#include <algorithm>

namespace cc::core {

namespace {

constexpr const char* kUsage = "usage: codecouncil jobs [list]\n       codecouncil jobs run NAME\n";

void listJobs(const std::vector<JobInfo>& jobs, std::ostream& out,
              const char* none = "(no jobs: no enabled plugin schedules one)") {
  std::size_t width = 0;
  for (auto& j : jobs) width = std::max(width, j.name.size());
  for (auto& j : jobs)
    out << "  " << j.name << std::string(width - j.name.size() + 2, ' ') << j.schedule
        << (j.exclusive ? "" : "  (every instance)") << "\n";
  if (jobs.empty()) out << "  " << none << "\n";
}

/// The job a mistyped name most likely meant: the only one with that short name
/// ("retention" -> "audit.retention"), else the nearest within a third of its length.
std::string suggestion(const std::string& name, const std::vector<JobInfo>& jobs) {
  std::vector<std::string> sameShortName;
  for (auto& j : jobs)
    if (j.name.size() > name.size() && j.name.compare(j.name.size() - name.size(), name.size(), name) == 0 &&
        j.name[j.name.size() - name.size() - 1] == '.')
      sameShortName.push_back(j.name);
  if (sameShortName.size() == 1) return sameShortName.front();
  std::string best;
  std::size_t bestDistance = 0;
  for (auto& j : jobs) {
    std::size_t d = keyDistance(name, j.name);
    if (best.empty() || d < bestDistance) {
      best = j.name;
      bestDistance = d;
    }
  }
  return !best.empty() && bestDistance <= std::max<std::size_t>(1, name.size() / 3) ? best : "";
}

std::vector<JobInfo> sortedByName(std::vector<JobInfo> jobs) {
  std::sort(jobs.begin(), jobs.end(), [](const JobInfo& a, const JobInfo& b) { return a.name < b.name; });
  return jobs;
}

/// `jobs list` from the declarations alone, like `plugins` and `events`: no database is opened,
/// no plugin started, no thread started, no file written, so it answers on a machine whose
/// database is down or not yet created. A plugin that registers in start() (no declare())
/// cannot say its jobs without starting; starting it would need the database for every
/// listing, so it is named instead, and `jobs run NAME` (which starts every plugin) still
/// runs its jobs.
int listDeclaredJobs(Host& host, std::ostream& out, std::ostream& err) {
  std::vector<std::string> problems = host.prepareListing();
  std::vector<JobInfo> jobs = sortedByName(host.jobScheduler().jobs());
  std::vector<std::string> registeringInStart = host.pluginsRegisteringInStart();
  flushLog();
  out << "jobs:\n";
  listJobs(jobs, out, registeringInStart.empty() ? "(no jobs: no enabled plugin schedules one)" : "(no jobs declared)");
  for (auto& name : registeringInStart)
    out << "  (plugin " << name << " registers in start(): its jobs are not listed; `jobs run NAME` starts it)\n";
  for (auto& p : problems) err << "codecouncil jobs: " << p << "\n";
  return problems.empty() ? 0 : 1;
}

std::string milliseconds(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

}  // namespace

int runJobsCommand(Host& host, const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  bool list = args.empty() || (args.size() == 1 && args[0] == "list");
  bool run = args.size() == 2 && args[0] == "run";
  if (!list && !run) {
    err << kUsage;
    return 2;
  }
  if (list) return listDeclaredJobs(host, out, err);
  host.prepare(true);
  JobScheduler& scheduler = host.startPluginsForCommand();
  std::vector<JobInfo> jobs = sortedByName(scheduler.jobs());
  // Plugins are stopped (their last log lines written) before the answer is printed: nothing
  // logs after the final flush, so the answer comes last and the log is not reopened at exit.
  auto stopAndFlush = [&] {
    host.shutdown();
    flushLog();
  };

  const std::string& name = args[1];
  if (std::none_of(jobs.begin(), jobs.end(), [&](const JobInfo& j) { return j.name == name; })) {
    stopAndFlush();
    std::string hint = suggestion(name, jobs);
    err << "codecouncil jobs run: no job '" << name << "'" << (hint.empty() ? "" : " (did you mean '" + hint + "'?)")
        << "\njobs:\n";
    listJobs(jobs, err);
    return 2;
  }
  JobOutcome outcome = scheduler.runNow(name);
  stopAndFlush();
  switch (outcome.status) {
    case JobOutcome::Status::Succeeded:
      out << "job " << name << ": succeeded in " << milliseconds(outcome.took) << "\n";
      return 0;
    case JobOutcome::Status::Busy:
      err << "job " << name << ": not run: " << outcome.detail << "\n";
      return 1;
    case JobOutcome::Status::Failed:
      break;
  }
  err << "job " << name << ": failed after " << milliseconds(outcome.took) << ": " << outcome.detail << "\n";
  return 1;
}

}  // namespace cc::core
