// What every `deeprc` command line shares, in both binaries that read them (`deeprc`, and
// `deeprc-learn` for the commands that need LibTorch): the global options, and running a parsed
// command to an exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "deeprc/cli/commands.h"

namespace deeprc::cli {

// The options before the subcommand (--log-level), applied once parsing completes.
void AddGlobalOptions(CLI::App& app, std::string& log_level);

// Parses argv; the subcommand's callback runs the work and leaves its outcome in `result`, which
// becomes the exit code (errors printed as "deeprc: error: ...").
int ParseAndRun(CLI::App& app, const CommandResult& result, int argc, char** argv);

}  // namespace deeprc::cli
