// Equals: whether two tables hold the same data, in order or as row multisets, and if not, the
// first difference in words (the CLI prints it; tests show it on failure).
#pragma once

#include <string>

#include "deeprc/table/table.h"

namespace deeprc::table {

struct EqualsOptions {
  // false: compare the row multisets (both sides sorted by every column, then compared in order).
  bool ordered = true;
};

struct TableComparison {
  bool equal = false;
  // Empty when equal; otherwise e.g. "row 3, column 'x': 1.5 vs 2.5".
  std::string difference;
};

// Compares column names and types (not nullability or metadata), row counts and values.
// Nulls equal nulls, NaN equals NaN and -0.0 equals 0.0, so a table always equals itself.
// Unordered comparison needs sortable column types (all the primitive, string and temporal ones).
Result<TableComparison> Compare(const Table& a, const Table& b, const EqualsOptions& options = {});

Result<bool> Equals(const Table& a, const Table& b, bool ordered = true);

}  // namespace deeprc::table
