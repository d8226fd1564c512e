// Sort: reorders a table's rows by one or more key columns, each ascending or descending.
// The sort is stable and places nulls last; the sort-merge join and unordered Equals build on it.
#pragma once

#include <arrow/api.h>

#include <memory>
#include <string>
#include <vector>

#include "deeprc/table/table.h"

namespace deeprc::table {

struct SortKey {
  std::string column;
  bool ascending = true;
};

// Sort keys as the CLI (--by k1,-k2), the pipeline specs and the table.sort function write them,
// one per item: "k" or "+k" ascending, "-k" descending. No key, or an empty name, is an error.
Result<std::vector<SortKey>> ParseSortKeys(const std::vector<std::string>& specs);

// The row order that sorts `table` by `keys`: the first key decides, later keys break ties,
// and rows equal on every key keep their input order (stable).
//
// Nulls come last whatever the direction. Floating-point NaN counts as larger than any number
// but smaller than null, in both directions, so NaNs sit at the end just before the nulls. -0.0
// and 0.0 compare equal (their relative order is the input order).
Result<std::shared_ptr<arrow::UInt64Array>> SortIndices(const Table& table, const std::vector<SortKey>& keys);

// `table` with its rows in the order of SortIndices.
Result<Table> Sort(const Table& table, const std::vector<SortKey>& keys);

// The rows of `table` in the order of `indices` (any integer type; a null index gives a row of
// nulls). The one gather that the operators of this layer share.
Result<Table> TakeRows(const Table& table, const arrow::Array& indices);

}  // namespace deeprc::table
