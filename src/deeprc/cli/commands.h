// The subcommands of `deeprc`. Each Add* registers its subcommand on the app; the callback it
// installs runs the work and leaves the outcome in `result`, which main turns into an exit code.
#pragma once

#include <CLI/CLI.hpp>

#include "deeprc/core/status.h"

namespace deeprc::cli {

struct CommandResult {
  Status status;
};

void AddTableCommand(CLI::App& app, CommandResult& result);
void AddTasksCommand(CLI::App& app, CommandResult& result);
void AddProfileCommand(CLI::App& app, CommandResult& result);

}  // namespace deeprc::cli
