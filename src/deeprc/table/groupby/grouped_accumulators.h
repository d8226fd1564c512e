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
#include "deeprc/table/groupby/groupby.h"

namespace deeprc::table {

// Whether a GroupedAccumulator computes `kind` over a column of `type`: sum, count, mean, min, max,
// var and std of integer, float32 and float64 columns.
bool IsAccumulatable(AggregateKind kind, const arrow::DataType& type);

// The aggregations (each IsAccumulatable) of one value column, accumulated over blocks of rows as
// their group ids become known, then turned into one array per aggregation.
class GroupedAccumulator {
 public:
  virtual ~GroupedAccumulator() = default;
  // Adds rows [begin, end) of the values; ids[i] is the group id of row begin + i.
  virtual void Add(int64_t begin, int64_t end, const uint32_t* ids) = 0;
  // One array per aggregation, with one row per group of `order`: row i aggregates the values
  // whose group id is order[i]. Var and std read the values again, with `group_ids` (one per
  // row, which the caller must then keep: NeedsAllGroupIds).
  virtual Result<std::vector<std::shared_ptr<arrow::Array>>> Finish(const std::vector<uint32_t>& group_ids,
                                                                    const std::vector<uint32_t>& order) = 0;
};

// Whether Finish of an accumulator of `aggregations` needs every row's group id (var and std).
bool NeedsAllGroupIds(const std::vector<Aggregation>& aggregations);

// An accumulator of `aggregations` over `values` for group ids below `num_ids`. Types and nulls
// are those of Acero's hash aggregates, which the general path uses: sum is int64, uint64 or
// float64 (wrapping on overflow, like Arrow) and null for a group without values; count is int64;
// mean, var and std are float64; min and max keep the column's type and skip NaN unless every
// value is NaN; var and std are null when count <= ddof. Null values are skipped.
Result<std::unique_ptr<GroupedAccumulator>> MakeGroupedAccumulator(
    std::shared_ptr<arrow::ChunkedArray> values, uint32_t num_ids, std::vector<Aggregation> aggregations);

}  // namespace deeprc::table
