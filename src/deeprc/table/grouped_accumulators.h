// Per-group sum, count, mean, min, max, var and std of one numeric column, for GroupBy's fast
// path: every requested aggregate of a column comes from one pass over its values (a second one
// for var and std), updating one small record per group, where Acero runs one kernel per
// aggregate, each with its own pass and its own per-group arrays.
#pragma once

#include <arrow/api.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "deeprc/core/status.h"
#include "deeprc/table/groupby.h"

namespace deeprc {

// Whether GroupedAggregates computes `kind` over a column of `type`: sum, count, mean, min, max,
// var and std of integer, float32 and float64 columns.
bool IsAccumulatable(AggregateKind kind, const arrow::DataType& type);

// One array per aggregation (each over `values` and IsAccumulatable), with one row per group of
// `order`: row i aggregates the values whose row has group id order[i] in `group_ids` (one id
// per row, each below `num_ids`). Types and nulls are those of Acero's hash aggregates, which
// the general path uses: sum is int64, uint64 or float64 (wrapping on overflow, like Arrow) and
// null for a group without values; count is int64; mean, var and std are float64; min and max
// keep the column's type and skip NaN unless every value is NaN; var and std are null when
// count <= ddof. Null values are skipped.
Result<std::vector<std::shared_ptr<arrow::Array>>> GroupedAggregates(
    const arrow::ChunkedArray& values, const std::vector<uint32_t>& group_ids, uint32_t num_ids,
    const std::vector<uint32_t>& order, const std::vector<Aggregation>& aggregations);

}  // namespace deeprc
