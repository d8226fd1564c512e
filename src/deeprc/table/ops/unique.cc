#include "deeprc/table/ops/unique.h"

#include <numeric>
#include <unordered_set>

#include "deeprc/table/groupby/row_grouping.h"

namespace deeprc::table {

Result<Table> Unique(const Table& table, const std::vector<std::string>& columns) {
  std::vector<int> indices;
  if (columns.empty()) {
    indices.resize(static_cast<size_t>(table.num_columns()));
    std::iota(indices.begin(), indices.end(), 0);
  } else {
    std::unordered_set<std::string> seen;
    for (const auto& name : columns) {
      if (!seen.insert(name).second) return Status::Invalid("unique: column '", name, "' is listed twice");
    }
    DEEPRC_ASSIGN_OR_RETURN(indices, WithContext(table.ColumnIndices(columns), "unique: "));
  }
  auto keys = SelectKeyColumns(table, indices);
  std::vector<std::shared_ptr<arrow::DataType>> key_types;
  for (const auto& field : keys->schema()->fields()) key_types.push_back(field->type());
  DEEPRC_ASSIGN_OR_RETURN(auto grouper, RowGrouper::Make(key_types));
  DEEPRC_ASSIGN_OR_RETURN(auto ids, grouper.Consume(*keys));
  // Every row distinct: nothing to drop, and no copy to make.
  if (grouper.num_groups() == ids.size()) return table;

  std::vector<bool> seen(grouper.num_groups(), false);
  std::vector<int64_t> first_rows;
  first_rows.reserve(grouper.num_groups());
  for (size_t row = 0; row < ids.size(); ++row) {
    if (!seen[ids[row]]) {
      seen[ids[row]] = true;
      first_rows.push_back(static_cast<int64_t>(row));
    }
  }
  return TakeRows(table, first_rows);
}

}  // namespace deeprc::table
