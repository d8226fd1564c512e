#include "deeprc/table/ops/calendar.h"

#include <arrow/compute/api.h>

#include "deeprc/table/kernel/compute.h"
#include "deeprc/table/ops/unique.h"
#include "deeprc/table/sort/sort.h"

namespace deeprc::table {
namespace {

namespace cp = arrow::compute;

// Temporal kernels need a date or timestamp; strings are parsed as ISO 8601 timestamps.
Result<arrow::Datum> AsTemporal(const std::shared_ptr<arrow::ChunkedArray>& values,
                                const std::string& column) {
  const auto id = values->type()->id();
  if (id == arrow::Type::TIMESTAMP) return arrow::Datum(values);
  // Dates become midnight timestamps: the hour kernel takes no dates.
  if (id == arrow::Type::DATE32 || id == arrow::Type::DATE64 || id == arrow::Type::STRING ||
      id == arrow::Type::LARGE_STRING) {
    return WithContext(cp::Cast(values, arrow::timestamp(arrow::TimeUnit::SECOND)), "calendar: column '",
                       column, "' holds strings that are not ISO 8601 timestamps: ");
  }
  return Status::TypeError("calendar: column '", column, "' is ", values->type()->ToString(),
                           "; it must be a timestamp, a date or ISO 8601 strings");
}

}  // namespace

Result<Table> CalendarTable(const Table& table, const std::string& column) {
  DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
  DEEPRC_ASSIGN_OR_RETURN(int index, WithContext(table.ColumnIndex(column), "calendar: "));
  auto keys = Table(arrow::Table::Make(arrow::schema({table.schema()->field(index)}),
                                       {table.arrow()->column(index)}, table.num_rows()));
  DEEPRC_ASSIGN_OR_RETURN(keys, Unique(keys));
  DEEPRC_ASSIGN_OR_RETURN(keys, Sort(keys, {SortKey{column, true}}));
  // Sort puts nulls last: cut them off, a null time has no calendar.
  const int64_t valid = keys.num_rows() - keys.arrow()->column(0)->null_count();
  keys = Table(keys.arrow()->Slice(0, valid));
  DEEPRC_ASSIGN_OR_RETURN(auto when, AsTemporal(keys.arrow()->column(0), column));

  std::vector<std::shared_ptr<arrow::Field>> fields = {keys.schema()->field(0)};
  std::vector<std::shared_ptr<arrow::ChunkedArray>> columns = {keys.arrow()->column(0)};
  auto add = [&](const std::string& name, const arrow::Datum& datum) -> Status {
    DEEPRC_ASSIGN_OR_RETURN(auto cast, cp::Cast(datum, arrow::int32()));
    fields.push_back(arrow::field(name, arrow::int32()));
    columns.push_back(cast.chunked_array());
    return Status::OK();
  };
  for (const char* part : {"year", "month", "day"}) {
    DEEPRC_ASSIGN_OR_RETURN(auto value, cp::CallFunction(part, {when}));
    DEEPRC_RETURN_NOT_OK(add(part, value));
  }
  DEEPRC_ASSIGN_OR_RETURN(auto weekday, cp::DayOfWeek(when));  // Monday = 0, as pandas
  DEEPRC_RETURN_NOT_OK(add("weekday", weekday));
  DEEPRC_ASSIGN_OR_RETURN(auto hour, cp::CallFunction("hour", {when}));
  DEEPRC_RETURN_NOT_OK(add("hour", hour));
  DEEPRC_ASSIGN_OR_RETURN(auto day_of_year, cp::CallFunction("day_of_year", {when}));
  DEEPRC_RETURN_NOT_OK(add("day_of_year", day_of_year));
  DEEPRC_ASSIGN_OR_RETURN(auto weekend,
                          cp::CallFunction("greater_equal", {weekday, arrow::Datum(int64_t{5})}));
  fields.push_back(arrow::field("weekend", arrow::boolean()));
  columns.push_back(weekend.chunked_array());
  return Table(arrow::Table::Make(arrow::schema(fields), columns, keys.num_rows()));
}

}  // namespace deeprc::table
