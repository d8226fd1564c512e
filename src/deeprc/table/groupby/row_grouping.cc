#include "deeprc/table/groupby/row_grouping.h"

#include <arrow/compute/api.h>
#include <arrow/compute/exec.h>

#include "deeprc/table/kernel/compute.h"

namespace deeprc::table {

RowGrouper::RowGrouper(std::unique_ptr<arrow::compute::Grouper> grouper) : grouper_(std::move(grouper)) {}

Result<RowGrouper> RowGrouper::Make(const std::vector<std::shared_ptr<arrow::DataType>>& key_types) {
  DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
  if (key_types.empty()) return RowGrouper(nullptr);
  std::vector<arrow::TypeHolder> types(key_types.begin(), key_types.end());
  DEEPRC_ASSIGN_OR_RETURN(auto grouper, arrow::compute::Grouper::Make(types));
  return RowGrouper(std::move(grouper));
}

Result<std::vector<uint32_t>> RowGrouper::Consume(const arrow::Table& keys) {
  std::vector<uint32_t> ids;
  ids.reserve(static_cast<size_t>(keys.num_rows()));
  if (grouper_ == nullptr) {
    if (keys.num_rows() > 0) num_groups_without_keys_ = 1;
    ids.assign(static_cast<size_t>(keys.num_rows()), 0);
    return ids;
  }
  arrow::TableBatchReader reader(keys);
  std::shared_ptr<arrow::RecordBatch> batch;
  while (true) {
    DEEPRC_RETURN_NOT_OK(reader.ReadNext(&batch));
    if (batch == nullptr) break;
    if (batch->num_rows() == 0) continue;
    arrow::compute::ExecBatch exec_batch(*batch);
    DEEPRC_ASSIGN_OR_RETURN(arrow::Datum batch_ids, grouper_->Consume(arrow::compute::ExecSpan(exec_batch)));
    const auto& array = *batch_ids.array();
    const uint32_t* values = array.GetValues<uint32_t>(1);
    ids.insert(ids.end(), values, values + array.length);
  }
  return ids;
}

uint32_t RowGrouper::num_groups() const {
  return grouper_ == nullptr ? num_groups_without_keys_ : grouper_->num_groups();
}

Result<std::vector<std::shared_ptr<arrow::Array>>> RowGrouper::Uniques() {
  std::vector<std::shared_ptr<arrow::Array>> arrays;
  if (grouper_ == nullptr) return arrays;
  DEEPRC_ASSIGN_OR_RETURN(auto uniques, grouper_->GetUniques());
  for (const auto& value : uniques.values) arrays.push_back(value.make_array());
  return arrays;
}

std::shared_ptr<arrow::Table> SelectKeyColumns(const Table& table, const std::vector<int>& indices) {
  std::vector<std::shared_ptr<arrow::Field>> fields;
  std::vector<std::shared_ptr<arrow::ChunkedArray>> columns;
  for (int index : indices) {
    fields.push_back(table.schema()->field(index));
    columns.push_back(table.arrow()->column(index));
  }
  return arrow::Table::Make(arrow::schema(std::move(fields)), std::move(columns), table.num_rows());
}

Result<Table> TakeRows(const Table& table, const std::vector<int64_t>& indices) {
  DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
  arrow::Int64Builder builder;
  DEEPRC_RETURN_NOT_OK(builder.AppendValues(indices));
  DEEPRC_ASSIGN_OR_RETURN(auto index_array, builder.Finish());
  if (table.num_columns() == 0) {
    // Take has no columns to count rows by; the row count alone is the answer.
    return Table(arrow::Table::Make(table.schema(), std::vector<std::shared_ptr<arrow::ChunkedArray>>{},
                                    static_cast<int64_t>(indices.size())));
  }
  DEEPRC_ASSIGN_OR_RETURN(arrow::Datum taken, arrow::compute::Take(table.arrow(), index_array));
  return Table(taken.table());
}

}  // namespace deeprc::table
