// Concat: stacks tables with the same columns (names and types, in order) into one, zero-copy:
// the result's columns hold the inputs' chunks.
#pragma once

#include <string>
#include <vector>

#include "deeprc/table/table.h"

namespace deeprc::table {

// The rows of `tables` one after another. The schemas must match in names, types and order
// (nullability may differ); otherwise the error names the table and the differing column.
// `names` (one per table, e.g. file paths) are used in errors; without them tables are
// called "table 1", "table 2", ... At least one table is needed.
Result<Table> Concat(const std::vector<Table>& tables, const std::vector<std::string>& names = {});

}  // namespace deeprc::table
