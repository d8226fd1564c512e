// Dense group ids for the rows of a table by the values of some of its columns: the shared core
// of Unique, the set operators and GroupBy's exact quantiles. Nulls equal nulls here.
#pragma once

#include <arrow/api.h>
#include <arrow/compute/row/grouper.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "deeprc/table/table.h"

namespace deeprc::table {

// Wraps arrow::compute::Grouper, which hashes whole rows of key columns. Ids are dense and
// assigned in order of first appearance, and they carry on across calls to Consume: rows of a
// second table get the id of an equal row of the first, which is what Intersect and Subtract
// need. Floating-point keys compare by bit pattern (NaN equals NaN; 0.0 differs from -0.0).
class RowGrouper {
 public:
  static Result<RowGrouper> Make(const std::vector<std::shared_ptr<arrow::DataType>>& key_types);

  // The group id of every row of `keys`, a table holding exactly the key columns, in the key
  // types given to Make.
  Result<std::vector<uint32_t>> Consume(const arrow::Table& keys);

  uint32_t num_groups() const;

  // The key values of each group: one array per key column, row g holding group g's key.
  Result<std::vector<std::shared_ptr<arrow::Array>>> Uniques();

 private:
  explicit RowGrouper(std::unique_ptr<arrow::compute::Grouper> grouper);

  // Null when there are no key columns: then every row is equal and forms group 0.
  std::shared_ptr<arrow::compute::Grouper> grouper_;
  uint32_t num_groups_without_keys_ = 0;
};

// The key columns `indices` of `table`, as the table Consume takes.
std::shared_ptr<arrow::Table> SelectKeyColumns(const Table& table, const std::vector<int>& indices);

// The rows of `table` at `indices`, in that order.
Result<Table> TakeRows(const Table& table, const std::vector<int64_t>& indices);

}  // namespace deeprc::table
