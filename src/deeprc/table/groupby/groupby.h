// GroupBy: one row per distinct combination of key columns with aggregates of other columns,
// as `deeprc table groupby` and the distributed group-by (which merges partial results) use it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "deeprc/table/table.h"

namespace deeprc::table {

enum class AggregateKind {
  kSum,    // of numbers or booleans; null for a group with no non-null value (SQL; pandas gives 0)
  kCount,  // non-null values
  kMean,   // float64
  kMin,    // of anything orderable: numbers, booleans, strings, dates, timestamps
  kMax,
  kVar,       // sample variance with `ddof` (1 by default, like pandas); null when count <= ddof
  kStd,       // square root of kVar
  kNunique,   // distinct non-null values, like pandas' nunique()
  kMedian,    // exact, float64: the mean of the two middle values for an even count
  kQuantile,  // exact, float64: linear interpolation at rank q * (count - 1), like pandas
};

struct Aggregation {
  std::string column;
  AggregateKind kind = AggregateKind::kSum;
  double quantile = 0.5;  // kQuantile only, in [0, 1]
  int ddof = 1;           // kVar and kStd only: the divisor is count - ddof
};

// "sum", "count", "mean", "min", "max", "var", "std", "nunique", "median", "quantile".
std::string_view AggregateKindName(AggregateKind kind);

// The output column of an aggregation: "<column>_<kind>" ("v_sum", "v_median"), and for a
// quantile "<column>_q<q>" with q written in the fewest digits that read back the same ("v_q0.9").
std::string AggregationOutputName(const Aggregation& aggregation);

// Parses "column:kind" as the CLI and pipeline specs write it: "v:sum", "v:median",
// "w:quantile=0.9". The kind also accepts "avg", "variance", "stddev" and "count_distinct";
// the column name is everything before the last ':'.
Result<Aggregation> ParseAggregation(std::string_view spec);

// ParseAggregation of each spec (one aggregation an item), with `ddof` for var and std.
Result<std::vector<Aggregation>> ParseAggregations(const std::vector<std::string>& specs, int ddof = 1);

// Groups the rows of `table` by the values of `keys` and computes `aggregations` per group.
// Null keys form a group of their own (pandas' dropna=False); aggregates skip null values. The
// output holds the key columns, then one column per aggregation named by AggregationOutputName,
// with one row per group sorted by the keys ascending, nulls last, so it is deterministic. An
// empty `aggregations` gives the distinct keys. Median and quantiles are exact.
//
// Integer-like keys (integers, dates, times, timestamps, durations) with sum, count, mean, min,
// max, var, std, median and quantiles of integer or float columns take a fast path: keys folded
// into one order-preserving code per row, indexed directly or hashed, and one pass per value
// column for all its aggregates. Anything else (string or boolean keys, nunique, other value
// types) runs on Acero's hash aggregate kernels. Both give the same schema and values.
Result<Table> GroupBy(const Table& table, const std::vector<std::string>& keys,
                      const std::vector<Aggregation>& aggregations);

namespace internal {

// GroupBy on the general (Acero) path even where the fast path applies: what tests compare the
// fast path with.
Result<Table> GroupByWithoutFastPath(const Table& table, const std::vector<std::string>& keys,
                                     const std::vector<Aggregation>& aggregations);

}  // namespace internal

}  // namespace deeprc::table
