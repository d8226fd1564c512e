// `deeprc run`: a pipeline from its spec to its report as one pilot job — parse and plan (every
// error before anything starts), a session folder, the tasks with live progress, state files that
// let an interrupted session resume without redoing finished stages, and the report at the end.
#pragma once

#include <string>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::pipeline {

struct RunOptions {
  std::string spec;                    // the spec file of a new session
  std::vector<std::string> overrides;  // --set key.path=value
  std::string resource;                // --resource: replaces pilot.resource when not empty
  std::string session;                 // folder of a new session; empty: sessions/<name>.<time>
  std::string resume;                  // a session folder to finish instead of starting one
  bool progress = true;                // the live view on stderr
  bool dry_run = false;                // print the plan as JSON on stdout; create and run nothing
  std::string deeprc;                  // the executable that tasks run; empty: this program
};

struct RunResult {
  std::string session;  // the session folder
  std::string report;   // report/README.md
  std::string outcome;  // "done", "failed" or "interrupted"
  int exit_code = 0;    // 0 done, 1 failed, 128 + signal when interrupted
};

// Runs (or resumes) a pipeline. Spec and plan errors return before any folder or process exists;
// once the tasks run, failures are reported in the result and the report, not as an error.
// SIGINT and SIGTERM cancel the running tasks, record what finished and return "interrupted".
Result<RunResult> RunPipeline(const RunOptions& options);

}  // namespace deeprc::pipeline
