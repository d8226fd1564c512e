// Running a table stage: its operations in order on one table — locally, or, inside a job of
// several ranks, as distributed operators on each rank's share — and its output as Arrow IPC.
// The task receives the stage resolved (DescribeTableStage), so it needs no spec.
#pragma once

#include <nlohmann/json.hpp>

#include "deeprc/pipeline/session_layout.h"
#include "deeprc/pipeline/spec.h"

namespace deeprc::pipeline {

// A table stage with every table name resolved to its file:
//   {"kind": "table", "stage": NAME, "backend": "mpi", "output": FILE,
//    "ops": [{"op": "read", "where": "spec.yaml:12", "inputs": [FILE]},
//            {"op": "join", "where": ..., "inputs": [FILE], "options": {"on": ["date"]}}, ...]}
// where "inputs" of an operator are its tables after the current one and "options" its JSON options
// (dist/operator_registry.h).
nlohmann::json DescribeTableStage(const PipelineSpec& spec, const SessionLayout& layout,
                                  const StageSpec& stage);

// Runs a described table stage and writes its output, atomically. Under mpirun/srun (a stage with
// ranks > 1) every rank runs it on its share over the backend and rank 0 writes the gathered
// result. Progress lines (one per operation, with rows and seconds) go to stderr; errors name the
// operation and its spec line.
Status RunTableStage(const nlohmann::json& description);

}  // namespace deeprc::pipeline
