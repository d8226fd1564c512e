// The subcommands of `deeprc`. Each Add* registers its subcommand on the app; the callback it
// installs runs the work and leaves the outcome in `result`, which main turns into an exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::cli {

struct CommandResult {
  Status status;
  // The command line, for commands that start copies of themselves (`--ranks N`).
  std::vector<std::string> argv;
  // A subcommand's own exit code when it succeeded in running but reports a verdict or its
  // children's outcome (e.g. `equals` on different tables, a rank that failed).
  mutable int exit_code = 0;
};

void AddTableCommand(CLI::App& app, CommandResult& result);
void AddTasksCommand(CLI::App& app, CommandResult& result);
void AddProfileCommand(CLI::App& app, CommandResult& result);
// `train` and `predict`, which need LibTorch: defined in `deeprc-learn` by AddTrainCommand and
// AddPredictCommand, and in `deeprc` by AddLearnForwarding, which hands them over to it.
void AddTrainCommand(CLI::App& app, CommandResult& result);
void AddPredictCommand(CLI::App& app, CommandResult& result);
void AddLearnForwarding(CLI::App& app, CommandResult& result);
// `deeprc data generate-ett` and `generate-calendar`.
void AddDataCommands(CLI::App& app, CommandResult& result);
void AddRunCommand(CLI::App& app, CommandResult& result);           // and the internal `deeprc stage`

}  // namespace deeprc::cli
