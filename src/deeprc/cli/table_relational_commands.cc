#include "deeprc/cli/table_relational_commands.h"

#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "deeprc/cli/number_checks.h"
#include "deeprc/cli/table_job.h"
#include "deeprc/dist/distributed_groupby.h"
#include "deeprc/dist/distributed_set_ops.h"
#include "deeprc/table/groupby/groupby.h"
#include "deeprc/table/ops/expression_parser.h"
#include "deeprc/table/ops/project.h"
#include "deeprc/table/ops/select.h"
#include "deeprc/table/ops/set_ops.h"
#include "deeprc/table/ops/unique.h"

namespace deeprc::cli {
namespace {

constexpr char kFormats[] = "(.csv, .parquet, .arrow, .feather, .arrows)";

// "a, b,c" -> {"a", "b", "c"}; an empty item is an error rather than a column named "".
Result<std::vector<std::string>> SplitList(const std::string& text, const std::string& option) {
  std::vector<std::string> items;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const size_t first = item.find_first_not_of(" \t");
    const size_t last = item.find_last_not_of(" \t");
    if (first == std::string::npos) {
      return Status::Invalid(option, ": empty name in '", text, "'");
    }
    items.push_back(item.substr(first, last - first + 1));
    if (comma == std::string::npos) return items;
    start = comma + 1;
  }
}

CLI::Option* AddInput(CLI::App* command, std::string& input) {
  return command->add_option("input", input, std::string("Input table ") + kFormats)->required();
}

void AddSelect(CLI::App& table, CommandResult& result) {
  auto* command = table.add_subcommand("select", "Keep the rows for which a predicate is true");
  auto input = std::make_shared<std::string>();
  auto where = std::make_shared<std::string>();
  AddInput(command, *input);
  command->add_option("-w,--where", *where, "The predicate, e.g. \"x > 1.5 and (s == 'a' or k is null)\"")
      ->required();
  command->footer(
      "Predicate syntax:\n"
      "  columns     bare names (price, n_2) or \"double quoted\" (\"unit price\")\n"
      "  literals    12, -3, 1.5, 2e-3, 'text' (quote inside doubled: 'it''s'), true, false, null\n"
      "  operators   == (or =)  != (or <>)  <  <=  >  >=   + - * /   is null   is not null\n"
      "              and (&&)  or (||)  not (!)   and parentheses\n"
      "  Rows where the predicate is null (e.g. x > 1 with x null) are dropped, as in SQL.\n"
      "  / divides as float64. A date or timestamp column compares with 'YYYY-MM-DD[ HH:MM:SS]'.\n");
  TableJob job(command, /*distributed=*/true);
  command->callback([&result, input, where, job] {
    result.status = [&]() -> Status {
      DEEPRC_ASSIGN_OR_RETURN(auto predicate, WithContext(table::ParseExpression(*where), "--where: "));
      LocalOperator select = [&](const std::vector<table::Table>& t) {
        return table::Select(t[0], predicate);
      };
      return job.Run(result, {*input}, *input + ": ", select, EachShare(select));
    }();
  });
}

void AddProject(CLI::App& table, CommandResult& result) {
  auto* command = table.add_subcommand("project", "Keep the named columns, in the order given");
  auto input = std::make_shared<std::string>();
  auto columns = std::make_shared<std::string>();
  AddInput(command, *input);
  command->add_option("-c,--columns", *columns, "Comma-separated column names, e.g. b,a")->required();
  TableJob job(command, /*distributed=*/true);
  command->callback([&result, input, columns, job] {
    result.status = [&]() -> Status {
      DEEPRC_ASSIGN_OR_RETURN(auto names, SplitList(*columns, "--columns"));
      LocalOperator project = [&](const std::vector<table::Table>& t) { return table::Project(t[0], names); };
      return job.Run(result, {*input}, *input + ": ", project, EachShare(project));
    }();
  });
}

void AddGroupBy(CLI::App& table, CommandResult& result) {
  auto* command = table.add_subcommand("groupby", "Aggregate columns per group of key values");
  auto input = std::make_shared<std::string>();
  auto by = std::make_shared<std::string>();
  auto aggs = std::make_shared<std::vector<std::string>>();
  auto ddof = std::make_shared<int>(1);
  AddInput(command, *input);
  command->add_option("-b,--by", *by, "Comma-separated key columns, e.g. k or k,k2")->required();
  command->add_option("-a,--agg", *aggs,
                      "Comma-separated column:aggregation, e.g. v:sum,v:mean,w:quantile=0.9 (repeatable)");
  command
      ->add_option("--ddof", *ddof,
                   "Delta degrees of freedom of var and std (1 like pandas; 0 for population)")
      ->check(WholeNumber(0, std::numeric_limits<int>::max()))
      ->capture_default_str();
  command->footer(
      "Aggregations: sum, count (non-null values), mean, min, max, var, std, nunique (distinct non-null),\n"
      "median, quantile=Q (Q in [0, 1]); median and quantiles are exact, interpolated linearly like pandas.\n"
      "Output: the key columns, then one column per aggregation named <column>_<aggregation>\n"
      "(v_sum, v_median; v_q0.9 for quantile=0.9), one row per group sorted by the keys, nulls last.\n"
      "Null keys form their own group; aggregations skip nulls, and the sum of only nulls is null.\n"
      "Without --agg the output is the distinct keys.\n");
  TableJob job(command, /*distributed=*/true);
  command->callback([&result, input, by, aggs, ddof, job] {
    result.status = [&]() -> Status {
      DEEPRC_ASSIGN_OR_RETURN(auto keys, SplitList(*by, "--by"));
      std::vector<std::string> specs;
      for (const auto& list : *aggs) {
        DEEPRC_ASSIGN_OR_RETURN(auto items, SplitList(list, "--agg"));
        specs.insert(specs.end(), items.begin(), items.end());
      }
      DEEPRC_ASSIGN_OR_RETURN(auto aggregations,
                              WithContext(table::ParseAggregations(specs, *ddof), "--agg: "));
      return job.Run(
          result, {*input}, *input + ": ",
          [&](const std::vector<table::Table>& t) { return table::GroupBy(t[0], keys, aggregations); },
          [&](net::Communicator& comm, const std::vector<table::Table>& t) {
            return dist::DistributedGroupBy(comm, t[0], keys, aggregations);
          });
    }();
  });
}

void AddUnique(CLI::App& table, CommandResult& result) {
  auto* command =
      table.add_subcommand("unique", "Keep the first row of each distinct value of some columns, in order");
  auto input = std::make_shared<std::string>();
  auto on = std::make_shared<std::string>();
  AddInput(command, *input);
  command->add_option("--on", *on, "Comma-separated columns that make rows equal (default: all columns)");
  command->footer("Nulls equal nulls. Like pandas drop_duplicates(subset, keep='first').\n");
  TableJob job(command, /*distributed=*/true);
  command->callback([&result, input, on, job] {
    result.status = [&]() -> Status {
      std::vector<std::string> columns;
      if (!on->empty()) {
        DEEPRC_ASSIGN_OR_RETURN(columns, SplitList(*on, "--on"));
      }
      return job.Run(
          result, {*input}, *input + ": ",
          [&](const std::vector<table::Table>& t) { return table::Unique(t[0], columns); },
          [&](net::Communicator& comm, const std::vector<table::Table>& t) {
            return dist::DistributedUnique(comm, t[0], columns);
          });
    }();
  });
}

using SetOperator = Result<table::Table> (*)(const table::Table&, const table::Table&);
using DistributedSetOperator = Result<table::Table> (*)(net::Communicator&, const table::Table&,
                                                        const table::Table&);

void AddSetOperator(CLI::App& table, CommandResult& result, const std::string& name,
                    const std::string& description, SetOperator op, DistributedSetOperator distributed_op) {
  auto* command = table.add_subcommand(name, description);
  auto first = std::make_shared<std::string>();
  auto second = std::make_shared<std::string>();
  command->add_option("first", *first, std::string("First table ") + kFormats)->required();
  command->add_option("second", *second, "Second table, with the same column names in the same order")
      ->required();
  command->footer(
      "Rows compare whole and nulls equal nulls; the output has distinct rows in order of first occurrence.\n"
      "Column types may differ where one type holds both (int32/int64, int/float, string/large_string).\n");
  TableJob job(command, /*distributed=*/true);
  command->callback([&result, first, second, op, distributed_op, job] {
    result.status = job.Run(
        result, {*first, *second}, *first + " and " + *second + ": ",
        [op](const std::vector<table::Table>& t) { return op(t[0], t[1]); },
        [distributed_op](net::Communicator& comm, const std::vector<table::Table>& t) {
          return distributed_op(comm, t[0], t[1]);
        });
  });
}

}  // namespace

void AddTableRelationalCommands(CLI::App& table, CommandResult& result) {
  AddSelect(table, result);
  AddProject(table, result);
  AddGroupBy(table, result);
  AddUnique(table, result);
  AddSetOperator(table, result, "union", "The distinct rows of two tables together", &table::Union,
                 &dist::DistributedUnion);
  AddSetOperator(table, result, "intersect", "The distinct rows of the first table that the second has",
                 &table::Intersect, &dist::DistributedIntersect);
  AddSetOperator(table, result, "subtract", "The distinct rows of the first table that the second lacks",
                 &table::Subtract, &dist::DistributedSubtract);
}

}  // namespace deeprc::cli
