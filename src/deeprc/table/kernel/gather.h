// Gather: the values of a column at given row numbers, the last step of sort and join.
//
// Arrow's Take handles every type; for fixed-width columns (the numbers, dates and timestamps
// that most joins and sorts carry) ours is faster: it reads the chunks where they are instead of
// resolving each index through a ChunkResolver, writes into huge-page memory and checks the
// indices once for all columns of a table. See docs/benchmarks.md.
#pragma once

#include <arrow/api.h>

#include <memory>

#include "deeprc/core/status.h"

namespace deeprc::table {

// Whether GatherColumn gathers `type` itself (fixed width of 1, 2, 4 or 8 bytes) rather than
// calling Arrow's Take, and whether it accepts `index_type` (int32/64, uint32/64).
bool GatherSupports(const arrow::DataType& type);
bool GatherSupportsIndices(const arrow::DataType& index_type);

// An error unless every valid index is in [0, num_rows).
Status CheckGatherIndices(const arrow::Array& indices, int64_t num_rows);

// `column`'s values at `indices` (a null index gives a null) as a single-chunk column. Indices
// must have passed CheckGatherIndices for the column's length.
Result<std::shared_ptr<arrow::ChunkedArray>> GatherColumn(const arrow::ChunkedArray& column,
                                                          const arrow::Array& indices);

}  // namespace deeprc::table
