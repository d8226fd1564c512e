// Unique: the rows of a table whose values on chosen columns are seen for the first time, like
// pandas drop_duplicates(subset, keep='first'); `deeprc table unique` and Union build on it.
#pragma once

#include <string>
#include <vector>

#include "deeprc/table/table.h"

namespace deeprc::table {

// Keeps the first row of each distinct combination of `columns` (all columns when empty), with
// every column of the table, in the original row order. Nulls equal nulls; floating-point values
// compare by bit pattern, so NaN equals NaN and 0.0 differs from -0.0.
Result<Table> Unique(const Table& table, const std::vector<std::string>& columns = {});

}  // namespace deeprc::table
