#include "deeprc/pipeline/report_outcomes.h"

#include <deque>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "deeprc/pilot/profiler.h"

namespace deeprc::pipeline {
namespace {

namespace fs = std::filesystem;
using pilot::TaskState;

std::string Tail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  if (!in) return {};
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string text;
  for (const auto& line : last) text += line + "\n";
  return text;
}

// Pool workers that died in this run, from the agents' profiles: an idle one fails no task, yet
// the pool runs smaller from then on (and tasks wider than what is left fail), so the report names it.
nlohmann::json LostPoolWorkers(const fs::path& run_dir) {
  auto lost = nlohmann::json::array();
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(run_dir, error)) {
    const fs::path profile = entry.path() / "agent.prof";
    if (!fs::exists(profile, error)) continue;
    auto events = pilot::ReadProfile(profile.string());
    if (!events.ok()) continue;  // the overheads' analysis says why
    for (const auto& event : *events) {
      if (event.event != "pool_workers_lost") continue;
      lost.push_back({{"pilot", entry.path().filename().string()},
                      {"pool", event.uid},
                      {"slots", event.detail},
                      {"time", event.time}});
    }
  }
  return lost;
}

double Span(const StageRecord& record) {
  const double started = record.Started(), finished = record.Finished();
  return started > 0 && finished > started ? finished - started : 0;
}

}  // namespace

RunOutcomes SummarizeOutcomes(const RunReportInput& in) {
  RunOutcomes outcomes;
  for (const auto& record : in.records) {
    int done = 0, earlier = 0;
    for (const auto& task : record.tasks) {
      done += task.state == TaskState::kDone;
      earlier += task.from_earlier_run;
      if (task.state == TaskState::kFailed || task.state == TaskState::kCanceled) {
        const std::string tail = Tail(task.stderr_path, 15);
        const std::string state = ToString(task.state);
        outcomes.failures.push_back(
            {{"task", task.uid},
             {"stage", record.name},
             {"state", state},
             {"reason", task.reason},
             {"exit_code", task.exit_code ? nlohmann::json(*task.exit_code) : nlohmann::json()},
             {"stderr", task.stderr_path},
             {"stderr_tail", tail}});
        outcomes.failure_text += fmt::format(
            "- **{}** {}: {}{}\n", task.uid, state, task.reason.empty() ? "(no reason given)" : task.reason,
            task.stderr_path.empty() ? "" : fmt::format(" — `{}`", task.stderr_path));
        if (!tail.empty()) outcomes.failure_text += "\n  ```\n" + tail + "  ```\n";
      }
    }
    const std::string_view state = ToString(record.State());
    outcomes.stages.push_back({{"name", record.name},
                               {"kind", record.kind},
                               {"state", state},
                               {"tasks", record.tasks},
                               {"seconds", Span(record)}});
    outcomes.stage_rows += fmt::format(
        "| {} | {} | {} | {}/{}{} | {:.1f} |\n", record.name, record.kind, state, done, record.tasks.size(),
        earlier > 0 ? fmt::format(" ({} from an earlier run)", earlier) : "", Span(record));
  }
  outcomes.lost_workers = LostPoolWorkers(in.layout.RunDir(in.run));
  for (const auto& lost : outcomes.lost_workers) {
    outcomes.failure_text +=
        fmt::format("- function pool {} lost its worker(s) on {} (died; the pool went on without them)\n",
                    lost["pool"].get<std::string>(), lost["slots"].get<std::string>());
  }
  return outcomes;
}

}  // namespace deeprc::pipeline
