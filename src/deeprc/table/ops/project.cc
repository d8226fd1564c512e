#include "deeprc/table/ops/project.h"

#include <unordered_set>

namespace deeprc::table {

Result<Table> Project(const Table& table, const std::vector<std::string>& columns) {
  std::unordered_set<std::string> seen;
  for (const auto& name : columns) {
    if (!seen.insert(name).second) return Status::Invalid("project: column '", name, "' is listed twice");
  }
  DEEPRC_ASSIGN_OR_RETURN(auto indices, WithContext(table.ColumnIndices(columns), "project: "));
  std::vector<std::shared_ptr<arrow::Field>> fields;
  std::vector<std::shared_ptr<arrow::ChunkedArray>> arrays;
  for (int index : indices) {
    fields.push_back(table.schema()->field(index));
    arrays.push_back(table.arrow()->column(index));
  }
  // The row count is given explicitly so that projecting no columns keeps it.
  return Table(arrow::Table::Make(arrow::schema(std::move(fields), table.schema()->metadata()),
                                  std::move(arrays), table.num_rows()));
}

}  // namespace deeprc::table
