// Union, Intersect and Subtract of two tables with row-set semantics: each returns distinct rows,
// as SQL's UNION, INTERSECT and EXCEPT do. The distributed set operators build on these.
#pragma once

#include "deeprc/table/table.h"

namespace deeprc::table {

// The two tables must have the same column names in the same order. Column types may differ
// where a common type holds both without loss (int32 and int64, uint8 and int16, an integer and
// a float, float32 and float64, string and large_string, timestamps of different units and the
// same zone, null and anything); the output has that type, otherwise the error names the column.
// Rows compare whole, nulls equal nulls, and the output keeps each row's first occurrence in
// order: rows of `a` first, then for Union the new rows of `b`.

// The distinct rows of a and b together.
Result<Table> Union(const Table& a, const Table& b);

// The distinct rows of a that also occur in b.
Result<Table> Intersect(const Table& a, const Table& b);

// The distinct rows of a that do not occur in b.
Result<Table> Subtract(const Table& a, const Table& b);

}  // namespace deeprc::table
