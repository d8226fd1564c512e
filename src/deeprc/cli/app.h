// What every `deeprc` command line shares, in both binaries that read them (`deeprc`, and
// `deeprc-learn` for the commands that need LibTorch): the application, its global options, and
// running a parsed command to an exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "deeprc/cli/commands.h"

namespace deeprc::cli {

// Builds the `deeprc` application with its global options (--log-level), lets `add_commands`
// register the subcommands, and parses argv: the subcommand's callback runs the work and leaves
// its outcome in the CommandResult, which becomes the exit code (errors printed as
// "deeprc: error: ...").
int RunDeeprc(int argc, char** argv, const std::function<void(CLI::App&, CommandResult&)>& add_commands);

}  // namespace deeprc::cli
