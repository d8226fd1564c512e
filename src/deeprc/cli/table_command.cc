// `deeprc table <op>`: table operators over files, format by extension.
#include "deeprc/cli/commands.h"
#include "deeprc/cli/table_operator_commands.h"

namespace deeprc::cli {

void AddTableCommand(CLI::App& app, CommandResult& result) {
  auto* table = app.add_subcommand("table", "Table operators over files (format by extension)");
  table->require_subcommand(1);
  AddTableFileCommands(*table, result);
  AddTableOperatorCommands(*table, result);
}

}  // namespace deeprc::cli
