// `deeprc table select|project|groupby|unique|union|intersect|subtract`: the relational
// operators of the table layer over files. Each subcommand parses its options and calls one operator.
#pragma once

#include <CLI/CLI.hpp>

#include "deeprc/cli/commands.h"

namespace deeprc::cli {

// Registers the subcommands on `table`, the `deeprc table` app.
void AddTableRelationalCommands(CLI::App& table, CommandResult& result);

}  // namespace deeprc::cli
