// What the two join algorithms share: the plan (key types, output names, coalesced keys) and
// the assembly of the output columns. Private to the table layer.
#pragma once

#include <arrow/api.h>

#include <memory>
#include <string>
#include <vector>

#include "deeprc/table/join/join.h"

namespace deeprc::table::join_internal {

struct JoinPlan {
  JoinType type = JoinType::kInner;
  std::vector<int> left_keys;   // column indices
  std::vector<int> right_keys;  // column indices
  // The type both sides of key pair i are compared in.
  std::vector<std::shared_ptr<arrow::DataType>> key_types;
  // For each right column, the left column it merges into (a same-named key pair), or -1.
  std::vector<int> right_coalesced_into;
  // For each left column, the common key type when a right key merges into it, else null.
  std::vector<std::shared_ptr<arrow::DataType>> left_coalesced_type;
  std::vector<std::string> output_names;

  bool KeepsUnmatchedLeft() const { return type == JoinType::kLeft || type == JoinType::kFullOuter; }
  bool KeepsUnmatchedRight() const { return type == JoinType::kRight || type == JoinType::kFullOuter; }
};

Result<JoinPlan> PlanJoin(const Table& left, const Table& right, const JoinOptions& options);

// The key columns of one side as the algorithms compare them: cast to the common type, floats
// with every NaN made the same NaN and -0.0 made 0.0 (so that bitwise and value equality agree),
// and an all-null key of type null made int8.
Result<std::vector<std::shared_ptr<arrow::ChunkedArray>>> MatchableKeys(
    const Table& table, const std::vector<int>& keys,
    const std::vector<std::shared_ptr<arrow::DataType>>& types, const std::string& table_name);

// The output table from the gathered input columns (one per input column, each of the output's
// length, null where a row has no partner on that side). A left key column that a same-named
// right key replaces (inner and right joins on a key that is not floating-point: the two are
// equal on every row) is not read and may be null.
Result<Table> AssembleOutput(const JoinPlan& plan,
                             std::vector<std::shared_ptr<arrow::ChunkedArray>> left_columns,
                             std::vector<std::shared_ptr<arrow::ChunkedArray>> right_columns);

// Whether IntegerHashJoin handles the plan: one key pair of a fixed-width type of at most 8
// bytes (integers, floats, dates, timestamps) and fewer than 2^32 - 1 rows per side.
bool IntegerJoinSupports(const Table& left, const Table& right, const JoinPlan& plan);
// Our hash join on one such key (int_hash_join.cc); HashJoin (Acero) does the other plans.
Result<Table> IntegerHashJoin(const Table& left, const Table& right, const JoinPlan& plan,
                              const JoinOptions& options);
Result<Table> HashJoin(const Table& left, const Table& right, const JoinPlan& plan,
                       const JoinOptions& options);
Result<Table> SortMergeJoin(const Table& left, const Table& right, const JoinPlan& plan,
                            const JoinOptions& options);

}  // namespace deeprc::table::join_internal
