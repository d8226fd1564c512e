// Row and column operators: select, project, drop and derive act on each share alone; calendar
// makes its rows distinct and ordered across the ranks.
#include <algorithm>

#include "deeprc/dist/distributed_set_ops.h"
#include "deeprc/dist/distributed_sort.h"
#include "deeprc/dist/ops/parts.h"
#include "deeprc/table/ops/calendar.h"
#include "deeprc/table/ops/derive.h"
#include "deeprc/table/ops/expression_parser.h"
#include "deeprc/table/ops/project.h"
#include "deeprc/table/ops/select.h"

namespace deeprc::dist::ops {
namespace {

TableOperator SelectOperator() {
  TableOperator op = OnOneTable(
      "select",
      {"Keep the rows for which a predicate is true",
       "Predicate syntax:\n"
       "  columns     bare names (price, n_2) or \"double quoted\" (\"unit price\")\n"
       "  literals    12, -3, 1.5, 2e-3, 'text' (quote inside doubled: 'it''s'), true, false, null\n"
       "  operators   == (or =)  != (or <>)  <  <=  >  >=   + - * /   is null   is not null\n"
       "              and (&&)  or (||)  not (!)   and parentheses\n"
       "  Rows where the predicate is null (e.g. x > 1 with x null) are dropped, as in SQL.\n"
       "  / divides as float64. A date or timestamp column compares with 'YYYY-MM-DD[ HH:MM:SS]'.\n"},
      {{.key = "where",
        .help = "The predicate, e.g. \"x > 1.5 and (s == 'a' or k is null)\"",
        .required = true,
        .flag = "-w,--where"}},
      "where");
  op.bind = [](const OperatorOptions& options, const std::vector<std::string>&) -> Result<BoundOperator> {
    DEEPRC_ASSIGN_OR_RETURN(auto predicate, WithContext(table::ParseExpression(options.String("where")),
                                                        options.Context("where")));
    return OnEachShare(
        [predicate](const std::vector<table::Table>& t) { return table::Select(t[0], predicate); });
  };
  return op;
}

TableOperator ProjectOperator() {
  TableOperator op = OnOneTable("project", {"Keep the named columns, in the order given", ""},
                                {ColumnList("Comma-separated column names, e.g. b,a")}, "columns");
  op.bind = [](const OperatorOptions& options, const std::vector<std::string>&) -> Result<BoundOperator> {
    return OnEachShare([columns = options.Strings("columns")](const std::vector<table::Table>& t) {
      return table::Project(t[0], columns);
    });
  };
  return op;
}

TableOperator DropOperator() {
  TableOperator op = OnOneTable("drop", {"Remove the named columns, keeping the others in order", ""},
                                {ColumnList("Comma-separated column names, e.g. b,a")}, "columns");
  op.bind = [](const OperatorOptions& options, const std::vector<std::string>&) -> Result<BoundOperator> {
    return OnEachShare(
        [dropped = options.Strings("columns")](const std::vector<table::Table>& t) -> Result<table::Table> {
          // A name the table lacks is an error, as in project: a typo must not pass unnoticed.
          for (const auto& name : dropped)
            DEEPRC_RETURN_NOT_OK(WithContext(t[0].ColumnIndex(name).status(), "drop: "));
          std::vector<std::string> kept;
          for (const auto& name : t[0].ColumnNames()) {
            if (std::find(dropped.begin(), dropped.end(), name) == dropped.end()) kept.push_back(name);
          }
          return table::Project(t[0], kept);
        });
  };
  return op;
}

TableOperator DeriveOperator() {
  TableOperator op = OnOneTable(
      "derive",
      {"Add (or replace) columns computed from expressions of the select language",
       "Each --column NAME=EXPRESSION is computed in order, so a later one may use an earlier one.\n"},
      {{.key = "columns",
        .type = OptionType::kPairs,
        .help = "NAME=EXPRESSION, e.g. ratio=a / b (repeatable, in order)",
        .required = true,
        .flag = "--column"}},
      "columns");
  op.bind = [](const OperatorOptions& options, const std::vector<std::string>&) -> Result<BoundOperator> {
    std::vector<std::pair<std::string, arrow::compute::Expression>> columns;
    for (const auto& [column, text] : options.Pairs("columns")) {
      auto expression = table::ParseExpression(text);
      if (!expression.ok()) return Status::Invalid("derive ", column, ": ", expression.status().message());
      columns.emplace_back(column, *std::move(expression));
    }
    if (columns.empty()) return options.Invalid("columns", "needs at least one `column: expression`");
    return OnEachShare([columns](const std::vector<table::Table>& t) -> Result<table::Table> {
      table::Table current = t[0];
      for (const auto& [column, expression] : columns) {
        DEEPRC_ASSIGN_OR_RETURN(current, table::Derive(current, column, expression));
      }
      return current;
    });
  };
  return op;
}

TableOperator CalendarOperator() {
  TableOperator op = OnOneTable(
      "calendar",
      {"One row per distinct timestamp of a column, with its calendar features",
       "Columns: the timestamp column, then year, month, day, weekday (0 = Monday), hour,\n"
       "day_of_year (int32) and weekend (boolean); sorted by time, one row per distinct time.\n"},
      {{.key = "column", .help = "Timestamp column", .required = true, .flag = "--column"}}, "column");
  op.bind = [](const OperatorOptions& options, const std::vector<std::string>&) -> Result<BoundOperator> {
    const std::string column = options.String("column");
    LocalFunction local = [column](const std::vector<table::Table>& t) {
      return table::CalendarTable(t[0], column);
    };
    DistributedFunction distributed = [column](net::Communicator& comm,
                                               const std::vector<table::Table>& t) -> Result<table::Table> {
      DEEPRC_ASSIGN_OR_RETURN(auto calendar, table::CalendarTable(t[0], column));
      // Each share's calendar may repeat another's times: make them distinct and ordered globally.
      DEEPRC_ASSIGN_OR_RETURN(calendar, DistributedUnique(comm, calendar, {column}));
      return DistributedSort(comm, calendar, {table::SortKey{column, true}});
    };
    return BoundOperator{local, distributed};
  };
  return op;
}

}  // namespace

Status AddRelationalOperators(OperatorRegistry& registry) {
  for (auto make : {&SelectOperator, &ProjectOperator, &DropOperator, &DeriveOperator, &CalendarOperator}) {
    DEEPRC_RETURN_NOT_OK(registry.Add(make()));
  }
  return Status::OK();
}

}  // namespace deeprc::dist::ops
