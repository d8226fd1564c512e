// Slice, Head and Tail: contiguous row ranges of a table, zero-copy (they share the buffers).
// Ranges past the end are clipped, so Head(t, 10) of a 3-row table is those 3 rows.
#pragma once

#include <cstdint>

#include "deeprc/table/table.h"

namespace deeprc::table {

// Rows [offset, offset + length), clipped to the table; offset and length must be >= 0.
Result<Table> Slice(const Table& table, int64_t offset, int64_t length);

// The first n rows (all of them if the table has fewer); n must be >= 0.
Result<Table> Head(const Table& table, int64_t n);

// The last n rows (all of them if the table has fewer); n must be >= 0.
Result<Table> Tail(const Table& table, int64_t n);

}  // namespace deeprc::table
