// A table as a person reads it in a terminal: its shape, its columns with their types, and its
// first and last rows, as pyarrow and Polars print a table, rather than every row.
#pragma once

#include <cstdint>
#include <string>

#include "deeprc/table/table.h"

namespace deeprc::table {

// "shape: (rows, columns)", a header of names and types, then the rows aligned in columns; past
// `max_rows` rows, the first and last max_rows / 2 with a "…" row between them. Long values are
// cut to 40 characters. Null is printed as null.
std::string FormatPreview(const Table& table, int64_t max_rows = 10);

}  // namespace deeprc::table
