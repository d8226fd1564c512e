// `deeprc table <operator>` for every operator of dist's registry, its options generated from the
// operator's declarations; and the table commands that are no operator (convert, equals, partition).
#pragma once

#include <CLI/CLI.hpp>

#include "deeprc/cli/commands.h"

namespace deeprc::cli {

// One subcommand per registered operator: its inputs, options, --out, and where the operator has a
// distributed form --ranks, --backend and --gather.
void AddTableOperatorCommands(CLI::App& table, CommandResult& result);

// convert, equals and partition: a format change, a verdict and N output files, not one table out.
void AddTableFileCommands(CLI::App& table, CommandResult& result);

}  // namespace deeprc::cli
