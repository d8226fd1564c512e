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

#include "deeprc/core/status.h"

namespace deeprc {

// Whether RadixSortIndices handles a column of `type`: integers, float32/64, date32/64,
// timestamp, time32/64 and duration.
bool RadixSortSupports(const arrow::DataType& type);

// The stable order of the rows of `column` (ascending or descending) with NaN after every
// number and nulls last in both directions, -0.0 equal to 0.0: SortIndices' contract for one key.
// Needs fewer than 2^32 rows (the caller falls back to Arrow beyond that).
Result<std::shared_ptr<arrow::UInt64Array>> RadixSortIndices(const arrow::ChunkedArray& column,
                                                             bool ascending);

// RadixSortIndices (as 32-bit row numbers) and, for integer and temporal keys, the sorted column itself (null
// for floats), written in order from the sorted words: cheaper than gathering it by the indices.
struct RadixSorted {
  std::shared_ptr<arrow::UInt32Array> indices;
  std::shared_ptr<arrow::Array> keys;
};
Result<RadixSorted> RadixSort(const arrow::ChunkedArray& column, bool ascending);

// The row limit of RadixSortIndices (row numbers are kept in 32 bits to halve memory traffic).
inline constexpr int64_t kRadixSortMaxRows = int64_t{1} << 32;

}  // namespace deeprc
