// The `deeprc table` commands that are no operator of dist's registry: convert (a format change),
// equals (a verdict, not a table) and partition (N output files from one table).
#include <limits>
#include <memory>

#include "deeprc/cli/number_checks.h"
#include "deeprc/cli/table_operator_commands.h"
#include "deeprc/dist/partitioned_io.h"
#include "deeprc/table/io/file_format.h"
#include "deeprc/table/ops/equals.h"
#include "deeprc/table/ops/hash_partition.h"

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

void AddEquals(CLI::App& table, CommandResult& result) {
  auto* command = table.add_subcommand("equals", "Whether two tables hold the same data");
  command->footer(
      "Exit status 0 when equal; 1 with the first difference otherwise. Column names and types must match;\n"
      "nulls equal nulls and NaN equals NaN.");
  auto first = std::make_shared<std::string>();
  auto second = std::make_shared<std::string>();
  auto unordered = std::make_shared<bool>(false);
  command->add_option("first", *first, "First file")->required();
  command->add_option("second", *second, "Second file")->required();
  command->add_flag("--unordered", *unordered, "Compare the rows as multisets: row order does not matter");
  command->callback([&result, first, second, unordered] {
    result.status = [&]() -> Status {
      DEEPRC_ASSIGN_OR_RETURN(auto a, table::ReadTable(*first));
      DEEPRC_ASSIGN_OR_RETURN(auto b, table::ReadTable(*second));
      DEEPRC_ASSIGN_OR_RETURN(auto comparison, table::Compare(a, b, table::EqualsOptions{!*unordered}));
      if (comparison.equal) return Status::OK();
      return Status::Invalid(*first, " and ", *second, " differ: ", comparison.difference);
    }();
  });
}

void AddPartition(CLI::App& table, CommandResult& result) {
  auto* command = table.add_subcommand("partition", "Split a table into N files by a hash of key columns");
  command->footer(
      "Rows with equal keys land in the same part, in every process and run; int32 and int64 (and string\n"
      "and large_string) keys of equal value too. The parts are named as every part file of deeprc:\n"
      "--out parts/p.parquet writes parts/p.0.parquet, parts/p.1.parquet ...; a '{rank}' in --out is\n"
      "replaced by the part number instead (p-{rank}.parquet: p-0.parquet ...), which is also how\n"
      "`--ranks N` reads them back one per rank.");
  auto input = std::make_shared<std::string>();
  auto by = std::make_shared<std::vector<std::string>>();
  auto parts = std::make_shared<int>(2);
  auto out = std::make_shared<std::string>();
  command->add_option("input", *input, "Input file (.csv, .parquet, .arrow, .feather, .arrows)")->required();
  command->add_option("--by", *by, "Key columns, comma-separated")->required()->delimiter(',');
  command->add_option("-n,--parts", *parts, "Number of parts")
      ->check(WholeNumber(1, std::numeric_limits<int>::max()))
      ->capture_default_str();
  command->add_option("--out,-o", *out, "Output path pattern, format by extension")->required();
  command->callback([&result, input, by, parts, out] {
    result.status = [&]() -> Status {
      // The old placeholder: refused, not written literally into file names.
      if (out->find("{}") != std::string::npos) {
        return Status::Invalid("--out: '{}' is no part placeholder; write {rank} for the part number (",
                               "p-{rank}.parquet), or leave it out for p.<part>.parquet");
      }
      DEEPRC_ASSIGN_OR_RETURN(auto table, table::ReadTable(*input));
      DEEPRC_ASSIGN_OR_RETURN(auto split,
                              WithContext(table::HashPartition(table, *by, *parts), *input, ": "));
      for (int p = 0; p < static_cast<int>(split.size()); ++p) {
        DEEPRC_RETURN_NOT_OK(table::WriteTable(split[p], dist::PartPath(*out, p)));
      }
      return Status::OK();
    }();
  });
}

}  // namespace

void AddTableFileCommands(CLI::App& table, CommandResult& result) {
  AddConvert(table, result);
  AddEquals(table, result);
  AddPartition(table, result);
}

}  // namespace deeprc::cli
