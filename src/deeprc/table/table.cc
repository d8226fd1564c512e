#include "deeprc/table/table.h"

#include <arrow/pretty_print.h>

#include <sstream>

namespace deeprc::table {

Table::Table() : table_(arrow::Table::MakeEmpty(arrow::schema({})).ValueOrDie()) {}

Table::Table(std::shared_ptr<arrow::Table> table) : table_(std::move(table)) {}

Result<Table> Table::FromRecordBatches(std::shared_ptr<arrow::Schema> schema,
                                       const arrow::RecordBatchVector& batches) {
  DEEPRC_ASSIGN_OR_RETURN(auto table, arrow::Table::FromRecordBatches(std::move(schema), batches));
  return Table(std::move(table));
}

Result<int> Table::ColumnIndex(std::string_view name) const {
  const int index = table_->schema()->GetFieldIndex(std::string(name));
  if (index >= 0) return index;
  std::string available;
  for (const auto& field : table_->schema()->fields()) {
    available += available.empty() ? "" : ", ";
    available += field->name();
  }
  if (table_->schema()->GetAllFieldIndices(std::string(name)).size() > 1) {
    return Status::Invalid("column '", name, "' is ambiguous: the table has it more than once");
  }
  return Status::KeyError("no column '", name, "'; the table has: ", available);
}

Result<std::vector<int>> Table::ColumnIndices(const std::vector<std::string>& names) const {
  std::vector<int> indices;
  indices.reserve(names.size());
  for (const auto& name : names) {
    DEEPRC_ASSIGN_OR_RETURN(int index, ColumnIndex(name));
    indices.push_back(index);
  }
  return indices;
}

Result<std::shared_ptr<arrow::ChunkedArray>> Table::Column(std::string_view name) const {
  DEEPRC_ASSIGN_OR_RETURN(int index, ColumnIndex(name));
  return table_->column(index);
}

Result<Table> Table::CombineChunks(arrow::MemoryPool* pool) const {
  DEEPRC_ASSIGN_OR_RETURN(auto combined, table_->CombineChunks(pool));
  return Table(std::move(combined));
}

std::string Table::ToString(int64_t max_rows) const {
  std::stringstream out;
  arrow::PrettyPrintOptions options(/*indent=*/0, /*window=*/static_cast<int>(max_rows / 2));
  auto status = arrow::PrettyPrint(*table_, options, &out);
  if (!status.ok()) return status.ToString();
  return out.str();
}

}  // namespace deeprc::table
