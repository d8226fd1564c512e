// `deeprc table` subcommands for the row-order and combining operators: sort, join, head, tail,
// concat, equals and partition. AddTableCommand calls AddSortJoinCommands once.
#pragma once

#include <CLI/CLI.hpp>

#include "deeprc/cli/commands.h"

namespace deeprc::cli {

void AddSortJoinCommands(CLI::App& table, CommandResult& result);

}  // namespace deeprc::cli
