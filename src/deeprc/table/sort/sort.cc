#include "deeprc/table/sort/sort.h"

#include <arrow/compute/api_vector.h>

#include <algorithm>

#include "deeprc/table/kernel/compute.h"
#include "deeprc/table/kernel/gather.h"
#include "deeprc/table/sort/radix_sort.h"

namespace deeprc::table {

Result<std::shared_ptr<arrow::UInt64Array>> SortIndices(const Table& table,
                                                        const std::vector<SortKey>& keys) {
  DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
  if (keys.empty()) return Status::Invalid("sort needs at least one key column");
  std::vector<arrow::compute::SortKey> sort_keys;
  sort_keys.reserve(keys.size());
  std::vector<int> columns;
  for (const auto& key : keys) {
    DEEPRC_ASSIGN_OR_RETURN(const int column, table.ColumnIndex(key.column));
    columns.push_back(column);
    sort_keys.emplace_back(arrow::FieldRef(key.column), key.ascending
                                                            ? arrow::compute::SortOrder::Ascending
                                                            : arrow::compute::SortOrder::Descending);
  }
  // One fixed-width key: our radix sort, several times faster than Arrow's merge sort.
  if (keys.size() == 1 && table.num_rows() < kRadixSortMaxRows) {
    const auto& column = table.arrow()->column(columns[0]);
    if (RadixSortSupports(*column->type())) return RadixSortIndices(*column, keys[0].ascending);
  }
  // Arrow's sort_indices is stable, and with AtEnd it puts NaN after the numbers and null after
  // NaN, in both directions: exactly the order documented in the header.
  arrow::compute::SortOptions options(std::move(sort_keys), arrow::compute::NullPlacement::AtEnd);
  auto indices = arrow::compute::SortIndices(arrow::Datum(table.arrow()), options);
  if (!indices.ok()) return WithContext(indices.status(), "sort: ");
  return std::static_pointer_cast<arrow::UInt64Array>(*std::move(indices));
}

Result<Table> Sort(const Table& table, const std::vector<SortKey>& keys) {
  if (keys.size() == 1 && table.num_rows() < kRadixSortMaxRows) {
    DEEPRC_ASSIGN_OR_RETURN(const int key, table.ColumnIndex(keys[0].column));
    const auto& column = table.arrow()->column(key);
    if (RadixSortSupports(*column->type())) {
      // The columns that can travel with the keys through the sort do; the others are gathered.
      std::vector<int> carried;
      std::vector<std::shared_ptr<arrow::ChunkedArray>> carry;
      for (int i = 0; i < table.num_columns(); ++i) {
        if (i != key && RadixSortCanCarry(*column, *table.arrow()->column(i))) {
          carried.push_back(i);
          carry.push_back(table.arrow()->column(i));
        }
      }
      // The indices are needed only for columns left to gather: the float key (its words lost
      // the sign of -0.0) and those that cannot be carried.
      const bool gathers = arrow::is_floating(column->type()->id()) ||
                           static_cast<int>(carry.size()) + 1 < table.num_columns();
      DEEPRC_ASSIGN_OR_RETURN(auto sorted, RadixSort(*column, keys[0].ascending, carry, gathers));
      // Columns that come sorted already: the key (integer keys) and the carried ones.
      arrow::ChunkedArrayVector columns(table.num_columns());
      if (sorted.keys != nullptr) columns[key] = std::make_shared<arrow::ChunkedArray>(sorted.keys);
      for (size_t c = 0; c < carried.size(); ++c) {
        if (sorted.carried[c] != nullptr) {
          columns[carried[c]] = std::make_shared<arrow::ChunkedArray>(sorted.carried[c]);
        }
      }
      std::vector<int> others;
      for (int i = 0; i < table.num_columns(); ++i) {
        if (columns[i] == nullptr) others.push_back(i);
      }
      if (!others.empty()) {
        DEEPRC_ASSIGN_OR_RETURN(auto rest, table.arrow()->SelectColumns(others));
        DEEPRC_ASSIGN_OR_RETURN(auto taken, TakeRows(Table(rest), *sorted.indices));
        for (size_t o = 0; o < others.size(); ++o)
          columns[others[o]] = taken.arrow()->column(static_cast<int>(o));
      }
      return Table(arrow::Table::Make(table.schema(), std::move(columns), table.num_rows()));
    }
  }
  DEEPRC_ASSIGN_OR_RETURN(auto indices, SortIndices(table, keys));
  return TakeRows(table, *indices);
}

namespace {

template <typename Index>
bool IsIdentity(const Index* index, int64_t length) {
  // Blocks without early exit vectorize; a mismatch stops at the end of its block.
  constexpr int64_t kBlock = 1024;
  for (int64_t begin = 0; begin < length; begin += kBlock) {
    const int64_t end = std::min(length, begin + kBlock);
    bool same = true;
    for (int64_t i = begin; i < end; ++i) same &= static_cast<int64_t>(index[i]) == i;
    if (!same) return false;
  }
  return true;
}

// Whether `indices` are 0, 1, ..., num_rows - 1 without nulls.
bool IsIdentity(const arrow::Array& indices, int64_t num_rows) {
  if (indices.length() != num_rows || indices.null_count() != 0) return false;
  const auto& data = *indices.data();
  switch (indices.type_id()) {
    case arrow::Type::INT32:
      return IsIdentity(data.GetValues<int32_t>(1), num_rows);
    case arrow::Type::UINT32:
      return IsIdentity(data.GetValues<uint32_t>(1), num_rows);
    case arrow::Type::INT64:
      return IsIdentity(data.GetValues<int64_t>(1), num_rows);
    case arrow::Type::UINT64:
      return IsIdentity(data.GetValues<uint64_t>(1), num_rows);
    default:
      return false;
  }
}

}  // namespace

Result<std::vector<SortKey>> ParseSortKeys(const std::vector<std::string>& specs) {
  std::vector<SortKey> keys;
  for (const auto& spec : specs) {
    SortKey key{spec, true};
    if (!spec.empty() && (spec[0] == '-' || spec[0] == '+')) {
      key.ascending = spec[0] == '+';
      key.column = spec.substr(1);
    }
    if (key.column.empty()) return Status::Invalid("empty column name in sort key '", spec, "'");
    keys.push_back(std::move(key));
  }
  if (keys.empty()) return Status::Invalid("no sort key given");
  return keys;
}

Result<Table> TakeRows(const Table& table, const arrow::Array& indices) {
  DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
  const auto& input = *table.arrow();
  // Rows taken in their own order (a sorted input, a join whose every probe row has one
  // partner): the table itself, without copying.
  if (IsIdentity(indices, input.num_rows())) return table;
  // Fixed-width columns go through our gather, the others through Arrow's Take.
  std::vector<int> ours, arrows;
  for (int i = 0; i < input.num_columns(); ++i) {
    (GatherSupportsIndices(*indices.type()) && GatherSupports(*input.column(i)->type()) ? ours : arrows)
        .push_back(i);
  }
  arrow::ChunkedArrayVector columns(input.num_columns());
  if (!ours.empty()) {
    DEEPRC_RETURN_NOT_OK(CheckGatherIndices(indices, input.num_rows()));
    for (const int i : ours) {
      DEEPRC_ASSIGN_OR_RETURN(columns[i], GatherColumn(*input.column(i), indices));
    }
  }
  if (!arrows.empty()) {
    DEEPRC_ASSIGN_OR_RETURN(auto subset, input.SelectColumns(arrows));
    DEEPRC_ASSIGN_OR_RETURN(auto taken,
                            arrow::compute::Take(arrow::Datum(subset), arrow::Datum(indices.data())));
    for (size_t c = 0; c < arrows.size(); ++c)
      columns[arrows[c]] = taken.table()->column(static_cast<int>(c));
  }
  return Table(arrow::Table::Make(input.schema(), std::move(columns), indices.length()));
}

}  // namespace deeprc::table
