// Deterministic random tables for the multi-rank tests: every rank can build every rank's input
// (seeded by rank), so each computes the expected result of the local operator on its own.
#pragma once

#include <arrow/api.h>

#include <random>
#include <string>

#include "deeprc/table/table.h"

namespace deeprc::testing {

// Columns: k (int64 key, few distinct, ~10% null), k32 (int32 copy of k, for mixed-type joins),
// s (string, ~10% null), v (float64, ~10% null), w (int32).
inline table::Table RandomTable(uint32_t seed, int64_t rows, int distinct_keys = 20) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> key(0, distinct_keys - 1), percent(0, 99), small(-50, 50);
  std::normal_distribution<double> normal(10.0, 3.0);
  arrow::Int64Builder k;
  arrow::Int32Builder k32, w;
  arrow::StringBuilder s;
  arrow::DoubleBuilder v;
  for (int64_t i = 0; i < rows; ++i) {
    if (percent(rng) < 10) {
      (void)k.AppendNull();
      (void)k32.AppendNull();
    } else {
      const int value = key(rng);
      (void)k.Append(value);
      (void)k32.Append(value);
    }
    if (percent(rng) < 10) {
      (void)s.AppendNull();
    } else {
      (void)s.Append("s" + std::to_string(key(rng) % 7));
    }
    if (percent(rng) < 10) {
      (void)v.AppendNull();
    } else {
      (void)v.Append(normal(rng));
    }
    (void)w.Append(small(rng));
  }
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("k32", arrow::int32()),
                               arrow::field("s", arrow::utf8()), arrow::field("v", arrow::float64()),
                               arrow::field("w", arrow::int32())});
  return table::Table(
      arrow::Table::Make(schema, {k.Finish().ValueOrDie(), k32.Finish().ValueOrDie(), s.Finish().ValueOrDie(),
                                  v.Finish().ValueOrDie(), w.Finish().ValueOrDie()}));
}

// Rank r's share of a global table: RandomTable(seed * 1000 + r, rows_of(r)).
inline int64_t RowsOf(int rank, int64_t base) { return base + 37 * rank; }

}  // namespace deeprc::testing
