// Project: a table with chosen columns in a chosen order, as `deeprc table project --columns`
// and the pipelines use it; the columns are shared with the input, never copied.
#pragma once

#include <string>
#include <vector>

#include "deeprc/table/table.h"

namespace deeprc::table {

// The columns named in `columns`, in that order, with every row. A missing column is an error
// that names it and lists the table's columns; naming a column twice is an error too, since the
// output could then not be addressed by name.
Result<Table> Project(const Table& table, const std::vector<std::string>& columns);

}  // namespace deeprc::table
