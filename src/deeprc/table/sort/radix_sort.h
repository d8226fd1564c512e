// Radix sort of one fixed-width key column: the fast path of SortIndices for a single key.
//
// Each non-null, non-NaN value becomes an unsigned 64-bit word whose unsigned order is the
// value order (sign bit flipped for signed integers, the IEEE-754 trick for floats, all bits
// inverted for descending), paired with its row number, and the pairs are sorted by an MSD
// radix sort that is stable, skips digits on which all keys of a range agree, and finishes
// small ranges by insertion sort. It beats Arrow's sort_indices (a comparison-based merge
// sort over the chunks) by several times on 10M rows; see docs/benchmarks.md.
#pragma once

#include <arrow/api.h>

#include <memory>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::table {

// Whether RadixSortIndices handles a column of `type`: integers, float32/64, date32/64,
// timestamp, time32/64 and duration.
bool RadixSortSupports(const arrow::DataType& type);

// The stable order of the rows of `column` (ascending or descending) with NaN after every
// number and nulls last in both directions, -0.0 equal to 0.0: SortIndices' contract for one key.
// Needs fewer than 2^32 rows (the caller falls back to Arrow beyond that).
Result<std::shared_ptr<arrow::UInt64Array>> RadixSortIndices(const arrow::ChunkedArray& column,
                                                             bool ascending);

// Whether RadixSort can carry `values` through the sort of `key` instead of leaving them to be
// gathered: a fixed-width column of 8-byte values (GatherSupports) without nulls, chunked exactly
// like the key (the columns of a table read from a file are).
bool RadixSortCanCarry(const arrow::ChunkedArray& key, const arrow::ChunkedArray& values);

// RadixSortIndices (as 32-bit row numbers) and, for integer and temporal keys, the sorted column itself (null
// for floats), written in order from the sorted words: cheaper than gathering it by the indices.
// Each of `carry` (RadixSortCanCarry) comes back in sorted order too, moved with the keys through
// the sort, which is cheaper than a gather by the indices (sequential reads instead of a cache
// miss per row) -- unless the key has nulls or NaN: then `carried` holds nulls, and the caller
// gathers those columns. When the columns were carried and not `indices_when_carried`, `indices`
// is null: the rows are then a stream of writes the sort can skip.
struct RadixSorted {
  std::shared_ptr<arrow::UInt32Array> indices;
  std::shared_ptr<arrow::Array> keys;
  std::vector<std::shared_ptr<arrow::Array>> carried;  // one per column of `carry`
};
Result<RadixSorted> RadixSort(const arrow::ChunkedArray& column, bool ascending,
                              const std::vector<std::shared_ptr<arrow::ChunkedArray>>& carry = {},
                              bool indices_when_carried = true);

// The row limit of RadixSortIndices (row numbers are kept in 32 bits to halve memory traffic).
inline constexpr int64_t kRadixSortMaxRows = int64_t{1} << 32;

}  // namespace deeprc::table
