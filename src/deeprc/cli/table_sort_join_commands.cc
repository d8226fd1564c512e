#include "deeprc/cli/table_sort_join_commands.h"

#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "deeprc/cli/number_checks.h"
#include "deeprc/cli/table_job.h"
#include "deeprc/dist/distributed_join.h"
#include "deeprc/dist/distributed_sort.h"
#include "deeprc/dist/repartition.h"
#include "deeprc/table/io/file_format.h"
#include "deeprc/table/join/join.h"
#include "deeprc/table/ops/concat.h"
#include "deeprc/table/ops/equals.h"
#include "deeprc/table/ops/hash_partition.h"
#include "deeprc/table/ops/slice.h"
#include "deeprc/table/sort/sort.h"

namespace deeprc::cli {
namespace {

void AddSort(CLI::App& table, CommandResult& result) {
  auto* command = table.add_subcommand("sort", "Sort rows by one or more columns (stable, nulls last)");
  command->footer(
      "A leading '-' sorts a column descending: --by k1,-k2 (or --by=-k2 if the name looks like an option).\n"
      "Nulls come last in both directions; floating-point NaN sorts after every number, before null.");
  auto input = std::make_shared<std::string>();
  auto by = std::make_shared<std::vector<std::string>>();
  command->add_option("input", *input, "Input file (.csv, .parquet, .arrow, .feather, .arrows)")->required();
  command->add_option("--by", *by, "Sort keys, comma-separated, in priority order; -name for descending")
      ->required()
      ->delimiter(',')
      ->allow_extra_args(false);
  TableJob job(command, /*distributed=*/true);
  command->callback([&result, input, by, job] {
    result.status = [&]() -> Status {
      DEEPRC_ASSIGN_OR_RETURN(auto keys, WithContext(table::ParseSortKeys(*by), "--by: "));
      return job.Run(
          result, {*input}, *input + ": ",
          [&](const std::vector<table::Table>& t) { return table::Sort(t[0], keys); },
          [&](net::Communicator& comm, const std::vector<table::Table>& t) {
            return dist::DistributedSort(comm, t[0], keys);
          });
    }();
  });
}

void AddJoin(CLI::App& table, CommandResult& result) {
  auto* command = table.add_subcommand("join", "Join two tables on key columns (SQL semantics)");
  command->footer(
      "A null key matches nothing (not even another null). Keys of compatible types (int32 and int64,\n"
      "string and large_string, ...) are compared in a common type. The output has the left columns then\n"
      "the right ones; a key with the same name on both sides appears once (the left value, or the right\n"
      "one for rows only the right table has). Other names on both sides take the suffixes.");
  auto left = std::make_shared<std::string>();
  auto right = std::make_shared<std::string>();
  auto on = std::make_shared<std::vector<std::string>>();
  auto left_on = std::make_shared<std::vector<std::string>>();
  auto right_on = std::make_shared<std::vector<std::string>>();
  auto how = std::make_shared<std::string>("inner");
  auto algorithm = std::make_shared<std::string>("hash");
  auto suffixes = std::make_shared<std::vector<std::string>>(std::vector<std::string>{"_x", "_y"});
  command->add_option("--left", *left, "Left input file")->required();
  command->add_option("--right", *right, "Right input file")->required();
  auto* on_option =
      command->add_option("--on", *on, "Key columns of both tables, comma-separated")->delimiter(',');
  auto* left_on_option =
      command->add_option("--left-on", *left_on, "Key columns of the left table (with --right-on)")
          ->delimiter(',');
  auto* right_on_option =
      command->add_option("--right-on", *right_on, "Key columns of the right table (with --left-on)")
          ->delimiter(',');
  on_option->excludes(left_on_option)->excludes(right_on_option);
  left_on_option->needs(right_on_option);
  right_on_option->needs(left_on_option);
  command->add_option("--how", *how, "inner, left, right or outer")->capture_default_str();
  command->add_option("--algorithm", *algorithm, "hash (Arrow Acero) or sort (sort-merge)")
      ->capture_default_str();
  command->add_option("--suffixes", *suffixes, "Suffixes for names both tables have: LEFT,RIGHT")
      ->delimiter(',')
      ->expected(2)
      ->capture_default_str();
  TableJob job(command, /*distributed=*/true);
  command->callback([&result, left, right, on, left_on, right_on, how, algorithm, suffixes, job] {
    result.status = [&]() -> Status {
      table::JoinOptions options;
      if (on->empty() && left_on->empty())
        return Status::Invalid("join: give the keys with --on or --left-on/--right-on");
      options.left_keys = on->empty() ? *left_on : *on;
      options.right_keys = on->empty() ? *right_on : *on;
      DEEPRC_ASSIGN_OR_RETURN(options.type, table::ParseJoinType(*how));
      DEEPRC_ASSIGN_OR_RETURN(options.algorithm, table::ParseJoinAlgorithm(*algorithm));
      options.left_suffix = suffixes->at(0);
      options.right_suffix = suffixes->at(1);
      options.left_name = *left;
      options.right_name = *right;
      return job.Run(
          result, {*left, *right}, "",
          [&](const std::vector<table::Table>& t) { return table::Join(t[0], t[1], options); },
          [&](net::Communicator& comm, const std::vector<table::Table>& t) {
            return dist::DistributedJoin(comm, t[0], t[1], options);
          });
    }();
  });
}

void AddHeadOrTail(CLI::App& table, CommandResult& result, bool head) {
  auto* command = table.add_subcommand(head ? "head" : "tail",
                                       head ? "The first N rows of a table" : "The last N rows of a table");
  auto input = std::make_shared<std::string>();
  auto rows = std::make_shared<int64_t>(10);
  command->add_option("input", *input, "Input file (.csv, .parquet, .arrow, .feather, .arrows)")->required();
  command->add_option("-n,--rows", *rows, "Number of rows (all of them if the table has fewer)")
      ->check(WholeNumber(0))
      ->capture_default_str();
  // The first rows of a distributed table are a prefix of the global order; the last rows have no
  // distributed form yet.
  TableJob job(command, /*distributed=*/head);
  command->callback([&result, input, rows, head, job] {
    DistributedOperator distributed;
    if (head) {
      distributed = [&](net::Communicator& comm, const std::vector<table::Table>& t) {
        return dist::DistributedHead(comm, t[0], *rows);
      };
    }
    result.status = job.Run(
        result, {*input}, *input + ": ",
        [&](const std::vector<table::Table>& t) {
          return head ? table::Head(t[0], *rows) : table::Tail(t[0], *rows);
        },
        distributed);
  });
}

void AddConcat(CLI::App& table, CommandResult& result) {
  auto* command = table.add_subcommand("concat", "Stack tables with the same columns, one after another");
  command->footer("The inputs must have the same column names and types, in the same order.");
  auto inputs = std::make_shared<std::vector<std::string>>();
  command->add_option("inputs", *inputs, "Input files, in output order")->required();
  TableJob job(command, /*distributed=*/false);
  command->callback([&result, inputs, job] {
    result.status = job.Run(result, *inputs, "",
                            [&](const std::vector<table::Table>& t) { return table::Concat(t, *inputs); });
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

// "parts/p.parquet" -> "parts/p-3.parquet"; a "{}" in the pattern is replaced instead.
std::string PartPath(const std::string& pattern, int part) {
  const auto braces = pattern.find("{}");
  if (braces != std::string::npos)
    return pattern.substr(0, braces) + std::to_string(part) + pattern.substr(braces + 2);
  const std::filesystem::path path(pattern);
  return (path.parent_path() /
          (path.stem().string() + "-" + std::to_string(part) + path.extension().string()))
      .string();
}

void AddPartition(CLI::App& table, CommandResult& result) {
  auto* command = table.add_subcommand("partition", "Split a table into N files by a hash of key columns");
  command->footer(
      "Rows with equal keys land in the same part, in every process and run; int32 and int64 (and string\n"
      "and large_string) keys of equal value too. --out parts/p.parquet writes parts/p-0.parquet ...;\n"
      "a '{}' in --out is replaced by the part number instead.");
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
      DEEPRC_ASSIGN_OR_RETURN(auto table, table::ReadTable(*input));
      DEEPRC_ASSIGN_OR_RETURN(auto split,
                              WithContext(table::HashPartition(table, *by, *parts), *input, ": "));
      for (int p = 0; p < static_cast<int>(split.size()); ++p) {
        DEEPRC_RETURN_NOT_OK(table::WriteTable(split[p], PartPath(*out, p)));
      }
      return Status::OK();
    }();
  });
}

}  // namespace

void AddSortJoinCommands(CLI::App& table, CommandResult& result) {
  AddSort(table, result);
  AddJoin(table, result);
  AddHeadOrTail(table, result, /*head=*/true);
  AddHeadOrTail(table, result, /*head=*/false);
  AddConcat(table, result);
  AddEquals(table, result);
  AddPartition(table, result);
}

}  // namespace deeprc::cli
