// Reading a session's profiles back: per-task overheads, throughput and core utilization, and a
// Chrome-trace JSON of the task timeline (Perfetto and chrome://tracing open it).
#pragma once

#include <string>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::pilot {

struct Percentiles {
  double p50 = 0, p95 = 0, p99 = 0, max = 0;
  static Percentiles Of(std::vector<double> values);
};

struct ProfileReport {
  int tasks = 0, done = 0, failed = 0, canceled = 0;
  int cores = 0;             // slots of all pilots
  double span = 0;           // first submission to last final state, seconds
  double throughput = 0;     // final tasks per second over the span
  double pilot_startup = 0;  // first pilot: NEW to PMGR_ACTIVE, seconds
  // The first pilot's last state, and why when it ended without ever being ACTIVE (e.g. FAILED).
  bool pilot_active = false;
  std::string pilot_state, pilot_reason;
  double pilot_ended = 0;  // seconds after submission when it ended without being ACTIVE
  // Submission to start of execution (includes waiting for dependencies and for a free core) and
  // stop to final state. The first is split in two: waiting on `after` (submission to the last
  // dependency DONE, for the tasks that waited) and ready -> start (scheduling, a free core, launch).
  Percentiles submit_to_start, stop_to_final;
  int dependency_waiters = 0;
  Percentiles dependency_wait, ready_to_start;
  // The runtime's own share: scheduled -> started, plus stopped -> final; no queueing in it.
  Percentiles runtime_overhead;
  // Function tasks (the pool's): the paper's overheads per task, each its slowest rank's, and the
  // wait in the pool master's queue; in seconds like the rest.
  int function_tasks = 0;
  Percentiles function_deserialize, function_communicator, function_deliver, function_queued;
  double utilization = 0;                  // busy core-seconds / (cores x span)
  std::vector<double> utilization_series;  // the same in 20 equal slices of the span
};

// Reads client.prof and every <pilot>/agent.prof under the session folder.
Result<ProfileReport> AnalyzeSession(const std::string& session_dir);
// One "X" event per task execution, on a row per node and core; pilot states as instant events.
Status WriteChromeTrace(const std::string& session_dir, const std::string& path);
std::string FormatReport(const ProfileReport& report);

}  // namespace deeprc::pilot
