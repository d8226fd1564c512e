// `deeprc table <op>`: local table operators over files, format by extension.
#include <iostream>

#include "deeprc/cli/commands.h"
#include "deeprc/cli/table_relational_commands.h"
#include "deeprc/cli/table_sort_join_commands.h"
#include "deeprc/table/io/file_format.h"

namespace deeprc::cli {
namespace {

void AddConvert(CLI::App& table, CommandResult& result) {
  auto* command = table.add_subcommand("convert", "Read a table and write it in another format");
  auto input = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  command->add_option("input", *input, "Input file (.csv, .parquet, .arrow, .feather, .arrows)")->required();
  command->add_option("output", *output, "Output file; the format follows the extension")->required();
  command->callback([&result, input, output] {
    result.status = [&]() -> Status {
      DEEPRC_ASSIGN_OR_RETURN(auto table, table::ReadTable(*input));
      return table::WriteTable(table, *output);
    }();
  });
}

}  // namespace

void AddTableCommand(CLI::App& app, CommandResult& result) {
  auto* table = app.add_subcommand("table", "Table operators over files (format by extension)");
  table->require_subcommand(1);
  AddConvert(*table, result);
  AddTableRelationalCommands(*table, result);
  AddSortJoinCommands(*table, result);
}

}  // namespace deeprc::cli
