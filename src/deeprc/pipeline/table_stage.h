// Running a table stage: its operations in order on one table — locally, or, inside a job of
// several ranks, as distributed operators on each rank's share — and its output as Arrow IPC.
#pragma once

#include "deeprc/pipeline/session_layout.h"
#include "deeprc/pipeline/spec.h"

namespace deeprc::pipeline {

// Runs `stage` (a table stage) and writes its output to layout.TableFile(stage.name), atomically.
// Under mpirun/srun (a stage with ranks > 1) every rank runs it on its share over stage.backend and
// rank 0 writes the gathered result. Progress lines (one per operation, with rows and seconds) go
// to stderr; errors name the operation and its spec line.
Status RunTableStage(const PipelineSpec& spec, const SessionLayout& layout, const StageSpec& stage);

}  // namespace deeprc::pipeline
