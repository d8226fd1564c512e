// Walking the non-null values of an Arrow array a run at a time, so kernels loop over plain
// ranges of rows instead of testing a validity bit per row; and walking a range of rows of a
// chunked column a chunk at a time, for kernels that process a column in cache-sized blocks.
#pragma once

#include <arrow/array/data.h>
#include <arrow/chunked_array.h>
#include <arrow/util/bit_run_reader.h>

#include <algorithm>
#include <cstdint>
#include <utility>

namespace deeprc::table {

// Calls visit(run_begin, run_end) for each run of valid values among positions [begin, end) of
// `array`.
template <typename Visit>
void VisitValidRuns(const arrow::ArrayData& array, int64_t begin, int64_t end, Visit&& visit) {
  if (array.GetNullCount() == 0) {
    if (begin < end) visit(begin, end);
    return;
  }
  arrow::internal::VisitSetBitRunsVoid(
      array.buffers[0], array.offset + begin, end - begin,
      [&](int64_t run_begin, int64_t length) { visit(begin + run_begin, begin + run_begin + length); });
}

// Calls visit(begin, end) for each run of rows [begin, end) of `array` whose values are valid.
template <typename Visit>
void VisitValidRuns(const arrow::ArrayData& array, Visit&& visit) {
  VisitValidRuns(array, 0, array.length, std::forward<Visit>(visit));
}

// Calls visit(chunk, chunk_begin, chunk_end, first_row) for each chunk of `column` that holds
// rows of [begin, end): positions [chunk_begin, chunk_end) of `chunk` are those rows, and
// position p of the chunk is row first_row + p of the column.
template <typename Visit>
void VisitChunkRanges(const arrow::ChunkedArray& column, int64_t begin, int64_t end, Visit&& visit) {
  int64_t first_row = 0;
  for (const auto& chunk : column.chunks()) {
    const int64_t length = chunk->length();
    if (first_row + length > begin && first_row < end) {
      visit(*chunk->data(), std::max(begin - first_row, int64_t{0}), std::min(end - first_row, length),
            first_row);
    }
    first_row += length;
    if (first_row >= end) return;
  }
}

}  // namespace deeprc::table
