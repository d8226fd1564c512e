// Walking the non-null values of an Arrow array a run at a time, so kernels loop over plain
// ranges of rows instead of testing a validity bit per row.
#pragma once

#include <arrow/array/data.h>
#include <arrow/util/bit_run_reader.h>

#include <cstdint>

namespace deeprc {

// Calls visit(begin, end) for each run of rows [begin, end) of `array` whose values are valid.
template <typename Visit>
void VisitValidRuns(const arrow::ArrayData& array, Visit&& visit) {
  if (array.GetNullCount() == 0) {
    visit(int64_t{0}, array.length);
    return;
  }
  arrow::internal::VisitSetBitRunsVoid(array.buffers[0], array.offset, array.length,
                                       [&](int64_t begin, int64_t length) { visit(begin, begin + length); });
}

}  // namespace deeprc
