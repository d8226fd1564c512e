// Calendar: one row per distinct timestamp of a table with its calendar features (year, month,
// day, weekday, hour, day of year, weekend), for joining time features onto series tables.
#pragma once

#include <string>

#include "deeprc/table/table.h"

namespace deeprc::table {

// The distinct values of `column` (a timestamp or date column, or strings in ISO 8601 such as
// "2016-07-01 00:00:00"), sorted, null dropped, beside int32 columns year, month (1-12), day
// (1-31), weekday (0 = Monday), hour (0-23), day_of_year (1-366) and a boolean weekend. The key
// column keeps its name and type, so the calendar joins back onto `table` on it.
Result<Table> CalendarTable(const Table& table, const std::string& column);

}  // namespace deeprc::table
