// Derive: new columns computed row by row from an expression over existing ones ("load = HUFL +
// MUFL + LUFL"), in the language of `select --where`; how pipelines make features from tables.
#pragma once

#include <arrow/compute/expression.h>

#include <string>

#include "deeprc/table/table.h"

namespace deeprc::table {

// `table` with column `name` set to `expression` evaluated on every row (a new column at the end,
// or the existing one replaced in place). Arithmetic follows Select: integers in int64 with
// overflow an error, `/` in float64; comparisons give booleans. An expression without columns
// (a literal) fills every row with its value. Unknown columns are errors that list the table's.
Result<Table> Derive(const Table& table, const std::string& name,
                     const arrow::compute::Expression& expression);

}  // namespace deeprc::table
