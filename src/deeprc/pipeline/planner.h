// The planner — the paper's system bridge: it turns the stages of a spec into task descriptions
// with resources and dependencies for one pilot, and refuses requests the pilot can never meet.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "deeprc/pilot/pilot_description.h"
#include "deeprc/pilot/task_description.h"
#include "deeprc/pipeline/session_layout.h"
#include "deeprc/pipeline/spec.h"

namespace deeprc::pipeline {

struct PlannedTask {
  std::string model;                   // train and predict tasks: the model; others: empty
  pilot::TaskDescription description;  // uid "<stage>" or "<stage>.<model>"
  // Files that exist once the task is DONE: with a DONE state they let --resume skip it.
  std::vector<std::string> outputs;
};

struct PlannedStage {
  std::string name;
  StageKind kind = StageKind::kTable;
  std::vector<std::string> depends;
  // Report stages run once the stages they depend on are over, however those ended, so a failed
  // model shows up in the report instead of cancelling it: their tasks wait with `after_ended`.
  bool runs_after_failures = false;
  std::vector<PlannedTask> tasks;
};

struct Plan {
  pilot::PilotDescription pilot;
  int cores = 0;  // the pilot's cores (per node on Slurm); 0: unknown until the pilot starts
  int gpus = 0;
  std::vector<PlannedStage> stages;  // generated data first, then the spec's order

  const PlannedStage* FindStage(const std::string& name) const;
};

struct PlanOptions {
  SessionLayout layout;
  std::string deeprc;   // the deeprc executable the tasks run
  int local_cores = 0;  // CPUs this process may use (for a local pilot with cores 0); 0: detect
  int local_gpus = 0;   // GPUs visible here
};

// Plans every stage. A train stage becomes one task per model, all of them free to run at once; a
// predict task waits for its own model only. Each task's ranks x cores and GPUs are checked against
// the pilot before anything is submitted; the error names the spec line that asked for too much.
Result<Plan> MakePlan(const PipelineSpec& spec, const PlanOptions& options);

// The plan as JSON: the pilot, and per stage its tasks' descriptions and outputs (`deeprc run
// --dry-run` prints it; bench/pipeline runs the same commands bare).
void to_json(nlohmann::json& json, const Plan& plan);

// The CPUs this process may run on.
int AvailableCores();

}  // namespace deeprc::pipeline
