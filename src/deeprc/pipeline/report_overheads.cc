#include "deeprc/pipeline/report_overheads.h"

#include <fmt/format.h>

#include "deeprc/core/atomic_file.h"
#include "deeprc/pilot/profile_report.h"

namespace deeprc::pipeline {
namespace {

nlohmann::json PercentilesJson(const pilot::Percentiles& p) {
  return {{"p50", p.p50}, {"p95", p.p95}, {"p99", p.p99}, {"max", p.max}};
}

}  // namespace

Result<OverheadsReport> WriteOverheads(const RunReportInput& in, const std::filesystem::path& dir) {
  OverheadsReport report;
  auto& overheads = report.json;
  std::string runtime;
  auto profile = pilot::AnalyzeSession(in.layout.RunDir(in.run).string());
  if (profile.ok()) {
    overheads = {{"pilot_startup_s", profile->pilot_startup},
                 {"runtime_own_s", PercentilesJson(profile->runtime_overhead)},
                 {"submit_to_start_s", PercentilesJson(profile->submit_to_start)},
                 {"stop_to_final_s", PercentilesJson(profile->stop_to_final)},
                 {"utilization", profile->utilization},
                 {"cores", profile->cores},
                 {"tasks", profile->tasks}};
    if (profile->function_tasks > 0) {  // the paper's overheads of function tasks
      overheads["function_tasks"] = {{"tasks", profile->function_tasks},
                                     {"deserialize_s", PercentilesJson(profile->function_deserialize)},
                                     {"communicator_s", PercentilesJson(profile->function_communicator)},
                                     {"deliver_s", PercentilesJson(profile->function_deliver)},
                                     {"pool_queue_s", PercentilesJson(profile->function_queued)}};
    }
    runtime = pilot::FormatReport(*profile);
  } else {
    runtime = "no runtime profile: " + profile.status().message() + "\n";
  }
  if (in.first_submit > 0) overheads["setup_s"] = in.first_submit - in.started;
  if (in.pilot_active > 0) overheads["pilot_active_after_s"] = in.pilot_active - in.started;
  report.report_started = pilot::Now();
  if (in.tasks_over > 0) overheads["last_task_to_report_s"] = report.report_started - in.tasks_over;
  std::string own = "deeprc run:\n";
  if (in.first_submit > 0) {
    own +=
        fmt::format("  spec, plan and session folder: {:.3f} s from the start to the first task submitted\n",
                    in.first_submit - in.started);
  }
  if (in.pilot_active > 0)
    own += fmt::format("  pilot ACTIVE {:.3f} s after deeprc run started\n", in.pilot_active - in.started);
  if (in.tasks_over > 0) {
    own += fmt::format("  from the last task's end to this report: {:.3f} s\n",
                       report.report_started - in.tasks_over);
  }
  report.text = runtime + own;
  DEEPRC_RETURN_NOT_OK(WriteTextFileAtomically((dir / "overheads.txt").string(),
                                               "pilot runtime (run " + std::to_string(in.run) + "):\n" + report.text));
  return report;
}

}  // namespace deeprc::pipeline
