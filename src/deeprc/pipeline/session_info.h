// How a pipeline session was started — spec, its folder, the overrides — and the runs it has had,
// in session.json: what `deeprc stage run` and `deeprc run --resume` read back.
#pragma once

#include <string>
#include <vector>

#include "deeprc/core/status.h"
#include "deeprc/pipeline/session_layout.h"
#include "deeprc/pipeline/spec.h"

namespace deeprc::pipeline {

struct RunInfo {
  int run = 0;
  double started = 0, finished = 0;
  std::string outcome;  // "running", "done", "failed", "interrupted", "killed"
};

struct SessionInfo {
  std::string name;      // the pipeline's
  std::string spec;      // the spec file as named when the session started
  std::string spec_dir;  // where its relative paths start
  std::vector<std::string> overrides;
  double created = 0;
  std::vector<RunInfo> runs;
};

Result<SessionInfo> ReadSessionInfo(const SessionLayout& layout);
Status WriteSessionInfo(const SessionInfo& info, const SessionLayout& layout);

// The session's spec (its copy in the session folder), parsed with the session's overrides.
Result<PipelineSpec> ReadSessionSpec(const SessionLayout& layout, const SessionInfo& info);

}  // namespace deeprc::pipeline
