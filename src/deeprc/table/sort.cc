#include "deeprc/table/sort.h"

#include <arrow/compute/api_vector.h>

#include "deeprc/table/compute.h"

namespace deeprc {

Result<std::shared_ptr<arrow::UInt64Array>> SortIndices(const Table& table,
                                                        const std::vector<SortKey>& keys) {
  DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
  if (keys.empty()) return Status::Invalid("sort needs at least one key column");
  std::vector<arrow::compute::SortKey> sort_keys;
  sort_keys.reserve(keys.size());
  for (const auto& key : keys) {
    DEEPRC_RETURN_NOT_OK(table.ColumnIndex(key.column).status());
    sort_keys.emplace_back(arrow::FieldRef(key.column), key.ascending
                                                            ? arrow::compute::SortOrder::Ascending
                                                            : arrow::compute::SortOrder::Descending);
  }
  // Arrow's sort_indices is stable, and with AtEnd it puts NaN after the numbers and null after
  // NaN, in both directions: exactly the order documented in the header.
  arrow::compute::SortOptions options(std::move(sort_keys), arrow::compute::NullPlacement::AtEnd);
  auto indices = arrow::compute::SortIndices(arrow::Datum(table.arrow()), options);
  if (!indices.ok()) return WithContext(indices.status(), "sort: ");
  return std::static_pointer_cast<arrow::UInt64Array>(*std::move(indices));
}

Result<Table> Sort(const Table& table, const std::vector<SortKey>& keys) {
  DEEPRC_ASSIGN_OR_RETURN(auto indices, SortIndices(table, keys));
  return TakeRows(table, *indices);
}

Result<Table> TakeRows(const Table& table, const arrow::Array& indices) {
  DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
  DEEPRC_ASSIGN_OR_RETURN(auto taken,
                          arrow::compute::Take(arrow::Datum(table.arrow()), arrow::Datum(indices.data())));
  return Table(taken.table());
}

}  // namespace deeprc
