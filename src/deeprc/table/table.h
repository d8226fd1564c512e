// deeprc::table::Table: the unit every layer moves around. A value type over a shared, immutable
// arrow::Table, adding the lookups with clear errors that the operators and the CLI need.
#pragma once

#include <arrow/api.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::table {

class Table {
 public:
  Table();  // an empty table with no columns
  explicit Table(std::shared_ptr<arrow::Table> table);

  static Result<Table> FromRecordBatches(std::shared_ptr<arrow::Schema> schema,
                                         const arrow::RecordBatchVector& batches);

  const std::shared_ptr<arrow::Table>& arrow() const { return table_; }
  const std::shared_ptr<arrow::Schema>& schema() const { return table_->schema(); }
  int64_t num_rows() const { return table_->num_rows(); }
  int num_columns() const { return table_->num_columns(); }
  std::vector<std::string> ColumnNames() const { return table_->ColumnNames(); }

  // The index of a column by name; the error lists the columns the table has.
  Result<int> ColumnIndex(std::string_view name) const;
  Result<std::vector<int>> ColumnIndices(const std::vector<std::string>& names) const;
  Result<std::shared_ptr<arrow::ChunkedArray>> Column(std::string_view name) const;

  // One chunk per column: operators that index rows directly work on this form.
  Result<Table> CombineChunks(arrow::MemoryPool* pool = arrow::default_memory_pool()) const;

  // Human-readable rendering of the first rows, for the CLI and test failures.
  std::string ToString(int64_t max_rows = 10) const;

 private:
  std::shared_ptr<arrow::Table> table_;
};

}  // namespace deeprc::table
