// What the operator families of dist/ops are built from: the inputs most operators share, the
// declaration of an operator on one table, and the bound functions of the common shapes (acting
// on each share alone; a local and a distributed function of the table and one parameter).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "deeprc/dist/operator_registry.h"

namespace deeprc::dist::ops {

inline std::vector<InputDoc> OneInput() {
  return {{"input", "input", "Input file (.csv, .parquet, .arrow, .feather, .arrows)"}};
}

inline std::vector<InputDoc> FirstAndSecond() {
  return {{"left", "first", "First table (.csv, .parquet, .arrow, .feather, .arrows)"},
          {"right", "second", "Second table, with the same column names in the same order"}};
}

// An operator on one table, declared: the caller adds `bind` (and what else differs).
inline TableOperator OnOneTable(std::string name, OperatorDoc doc, std::vector<OptionDoc> options = {},
                                std::string shorthand = {}) {
  TableOperator op;
  op.name = std::move(name);
  op.doc = std::move(doc);
  op.inputs = OneInput();
  op.options = std::move(options);
  op.shorthand = std::move(shorthand);
  return op;
}

// A required list of column names, set by -c/--columns.
inline OptionDoc ColumnList(std::string help) {
  return {.key = "columns",
          .type = OptionType::kStrings,
          .help = std::move(help),
          .required = true,
          .flag = "-c,--columns"};
}

// A distributed function for an operator that acts on each share alone: no row moves.
inline DistributedFunction EachShare(LocalFunction local) {
  return [local = std::move(local)](net::Communicator&, const std::vector<table::Table>& shares) {
    return local(shares);
  };
}

// Both functions of an operator that acts on each share alone.
inline BoundOperator OnEachShare(LocalFunction local) { return BoundOperator{local, EachShare(local)}; }

// Both functions of a one-table operator with one parameter: local(table, parameter) here,
// distributed(comm, share, parameter) across ranks.
template <typename Parameter, typename Local, typename Distributed>
BoundOperator WithParameter(Parameter parameter, Local local, Distributed distributed) {
  return BoundOperator{[=](const std::vector<table::Table>& t) { return local(t[0], parameter); },
                       [=](net::Communicator& comm, const std::vector<table::Table>& t) {
                         return distributed(comm, t[0], parameter);
                       }};
}

}  // namespace deeprc::dist::ops
