// Join: the relational join of two tables on one or more key columns (inner, left, right, full
// outer), by hashing (Arrow Acero's hash join) or by sorting both sides and merging.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "deeprc/table/table.h"

namespace deeprc::table {

enum class JoinType { kInner, kLeft, kRight, kFullOuter };
enum class JoinAlgorithm { kHash, kSortMerge };

// "inner", "left", "right", "outer" (also "full", "full_outer"); the error lists the choices.
Result<JoinType> ParseJoinType(std::string_view name);
// "hash", "sort" (also "sort_merge").
Result<JoinAlgorithm> ParseJoinAlgorithm(std::string_view name);
std::string_view ToString(JoinType type);
std::string_view ToString(JoinAlgorithm algorithm);

struct JoinOptions {
  // Key column i of the left table matches key column i of the right table.
  std::vector<std::string> left_keys;
  std::vector<std::string> right_keys;
  JoinType type = JoinType::kInner;
  JoinAlgorithm algorithm = JoinAlgorithm::kHash;
  // Appended to a non-coalesced column name that both sides have (as pandas does).
  std::string left_suffix = "_x";
  std::string right_suffix = "_y";
  // What errors call the two tables (the CLI passes the file paths).
  std::string left_name = "left";
  std::string right_name = "right";

  // The same key names on both sides.
  static JoinOptions On(std::vector<std::string> keys, JoinType type = JoinType::kInner) {
    JoinOptions options;
    options.left_keys = keys;
    options.right_keys = std::move(keys);
    options.type = type;
    return options;
  }
};

// Joins `left` and `right` with SQL semantics:
//   - a row matches when all its key values equal the other row's; a null key never matches
//     (not even another null), so a row with a null key is unmatched: dropped by an inner join,
//     kept with nulls on the other side by the outer joins. For floating-point keys NaN matches
//     NaN and -0.0 matches 0.0.
//   - keys of different but compatible types (int32 vs int64, string vs large_string, ...) are
//     compared in their common type (see CommonKeyType); incompatible types are an error.
//   - the output has the left columns, in order, then the right columns, in order. A key pair
//     with the same name on both sides (`on=` in pandas) becomes one column at the left key's
//     place, of the common type, holding the left value or, for rows only the right side has,
//     the right value. Key pairs with different names keep both columns. Other names present
//     on both sides get left_suffix / right_suffix; a name that would still appear twice is an
//     error.
//   - both algorithms return the same rows; the order of rows is unspecified (sort-merge happens
//     to return them ordered by key, with null-key rows last).
Result<Table> Join(const Table& left, const Table& right, const JoinOptions& options);

}  // namespace deeprc::table
