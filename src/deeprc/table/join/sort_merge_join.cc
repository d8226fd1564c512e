// The sort-merge join: both sides' key columns are sorted (Arrow's stable sort), then walked
// together; each run of equal keys on the left meets the run of equal keys on the right.
#include <arrow/util/checked_cast.h>
#include <arrow/util/decimal.h>

#include <cmath>
#include <type_traits>

#include "deeprc/table/join/join_internal.h"
#include "deeprc/table/sort/sort.h"

namespace deeprc::table::join_internal {
namespace {

using arrow::internal::checked_cast;

// Three-way comparison of row i of one key array with row j of another of the same type. The
// order must be Arrow's sort order (NaN above every number), or the merge would miss matches.
class KeyComparator {
 public:
  virtual ~KeyComparator() = default;
  virtual int Compare(int64_t i, int64_t j) const = 0;
};

template <typename ArrayType>
class ValueComparator final : public KeyComparator {
 public:
  ValueComparator(const arrow::Array& a, const arrow::Array& b)
      : a_(checked_cast<const ArrayType&>(a)), b_(checked_cast<const ArrayType&>(b)) {}

  int Compare(int64_t i, int64_t j) const override {
    const auto x = a_.GetView(i);
    const auto y = b_.GetView(j);
    if constexpr (std::is_floating_point_v<decltype(x)>) {
      if (std::isnan(x)) return std::isnan(y) ? 0 : 1;
      if (std::isnan(y)) return -1;
    }
    return x < y ? -1 : (y < x ? 1 : 0);
  }

 private:
  const ArrayType& a_;
  const ArrayType& b_;
};

template <typename ArrayType, typename Decimal>
class DecimalComparator final : public KeyComparator {
 public:
  DecimalComparator(const arrow::Array& a, const arrow::Array& b)
      : a_(checked_cast<const ArrayType&>(a)), b_(checked_cast<const ArrayType&>(b)) {}

  int Compare(int64_t i, int64_t j) const override {
    const Decimal x(a_.GetValue(i));
    const Decimal y(b_.GetValue(j));
    return x < y ? -1 : (y < x ? 1 : 0);
  }

 private:
  const ArrayType& a_;
  const ArrayType& b_;
};

Result<std::unique_ptr<KeyComparator>> MakeComparator(const arrow::Array& a, const arrow::Array& b) {
  switch (a.type_id()) {
// NOLINTBEGIN(bugprone-macro-parentheses): ARRAY is a template argument
#define DEEPRC_VALUE_COMPARATOR(TYPE_ID, ARRAY) \
  case arrow::Type::TYPE_ID:                    \
    return std::make_unique<ValueComparator<ARRAY>>(a, b);
    DEEPRC_VALUE_COMPARATOR(BOOL, arrow::BooleanArray)
    DEEPRC_VALUE_COMPARATOR(INT8, arrow::Int8Array)
    DEEPRC_VALUE_COMPARATOR(INT16, arrow::Int16Array)
    DEEPRC_VALUE_COMPARATOR(INT32, arrow::Int32Array)
    DEEPRC_VALUE_COMPARATOR(INT64, arrow::Int64Array)
    DEEPRC_VALUE_COMPARATOR(UINT8, arrow::UInt8Array)
    DEEPRC_VALUE_COMPARATOR(UINT16, arrow::UInt16Array)
    DEEPRC_VALUE_COMPARATOR(UINT32, arrow::UInt32Array)
    DEEPRC_VALUE_COMPARATOR(UINT64, arrow::UInt64Array)
    DEEPRC_VALUE_COMPARATOR(FLOAT, arrow::FloatArray)
    DEEPRC_VALUE_COMPARATOR(DOUBLE, arrow::DoubleArray)
    DEEPRC_VALUE_COMPARATOR(DATE32, arrow::Date32Array)
    DEEPRC_VALUE_COMPARATOR(DATE64, arrow::Date64Array)
    DEEPRC_VALUE_COMPARATOR(TIMESTAMP, arrow::TimestampArray)
    DEEPRC_VALUE_COMPARATOR(TIME32, arrow::Time32Array)
    DEEPRC_VALUE_COMPARATOR(TIME64, arrow::Time64Array)
    DEEPRC_VALUE_COMPARATOR(DURATION, arrow::DurationArray)
    DEEPRC_VALUE_COMPARATOR(STRING, arrow::BinaryArray)
    DEEPRC_VALUE_COMPARATOR(BINARY, arrow::BinaryArray)
    DEEPRC_VALUE_COMPARATOR(LARGE_STRING, arrow::LargeBinaryArray)
    DEEPRC_VALUE_COMPARATOR(LARGE_BINARY, arrow::LargeBinaryArray)
    DEEPRC_VALUE_COMPARATOR(FIXED_SIZE_BINARY, arrow::FixedSizeBinaryArray)
#undef DEEPRC_VALUE_COMPARATOR
      // NOLINTEND(bugprone-macro-parentheses)
    case arrow::Type::DECIMAL128:
      return std::make_unique<DecimalComparator<arrow::Decimal128Array, arrow::Decimal128>>(a, b);
    case arrow::Type::DECIMAL256:
      return std::make_unique<DecimalComparator<arrow::Decimal256Array, arrow::Decimal256>>(a, b);
    default:
      return Status::NotImplemented("sort-merge join cannot compare keys of type ", a.type()->ToString());
  }
}

// Lexicographic comparison over all key columns; rows with a null key never reach it.
class RowComparator {
 public:
  static Result<RowComparator> Make(const arrow::ArrayVector& a, const arrow::ArrayVector& b) {
    RowComparator comparator;
    for (size_t k = 0; k < a.size(); ++k) {
      DEEPRC_ASSIGN_OR_RETURN(auto key, MakeComparator(*a[k], *b[k]));
      comparator.keys_.push_back(std::move(key));
    }
    return comparator;
  }

  int Compare(int64_t i, int64_t j) const {
    for (const auto& key : keys_) {
      if (const int c = key->Compare(i, j); c != 0) return c;
    }
    return 0;
  }

 private:
  std::vector<std::unique_ptr<KeyComparator>> keys_;
};

// One side's keys as single arrays, its rows with no null key in key order, and the others.
struct SortedSide {
  arrow::ArrayVector keys;
  std::vector<int64_t> rows;
  std::vector<int64_t> null_key_rows;
};

Result<SortedSide> SortSide(std::vector<std::shared_ptr<arrow::ChunkedArray>> keys) {
  SortedSide side;
  arrow::FieldVector fields;
  std::vector<SortKey> sort_keys;
  for (size_t k = 0; k < keys.size(); ++k) {
    std::shared_ptr<arrow::Array> array;
    if (keys[k]->num_chunks() == 0) {
      DEEPRC_ASSIGN_OR_RETURN(array, arrow::MakeEmptyArray(keys[k]->type()));
    } else if (keys[k]->num_chunks() == 1) {
      array = keys[k]->chunk(0);
    } else {
      DEEPRC_ASSIGN_OR_RETURN(array, arrow::Concatenate(keys[k]->chunks()));
    }
    const std::string name = "k" + std::to_string(k);
    fields.push_back(arrow::field(name, array->type()));
    sort_keys.push_back({name, true});
    side.keys.push_back(std::move(array));
  }
  const int64_t num_rows = side.keys.front()->length();
  Table key_table(arrow::Table::Make(arrow::schema(fields), side.keys, num_rows));
  DEEPRC_ASSIGN_OR_RETURN(auto order, SortIndices(key_table, sort_keys));

  side.rows.reserve(num_rows);
  for (int64_t i = 0; i < num_rows; ++i) {
    const auto row = static_cast<int64_t>(order->Value(i));
    bool has_null = false;
    for (const auto& key : side.keys) has_null = has_null || key->IsNull(row);
    (has_null ? side.null_key_rows : side.rows).push_back(row);
  }
  return side;
}

// Row numbers with -1 for "no partner", as an Int64Array whose nulls make Take emit nulls.
Result<std::shared_ptr<arrow::Array>> ToIndices(const std::vector<int64_t>& rows) {
  arrow::Int64Builder builder;
  DEEPRC_RETURN_NOT_OK(builder.Reserve(static_cast<int64_t>(rows.size())));
  for (const int64_t row : rows) {
    if (row < 0) {
      builder.UnsafeAppendNull();
    } else {
      builder.UnsafeAppend(row);
    }
  }
  return builder.Finish();
}

}  // namespace

Result<Table> SortMergeJoin(const Table& left, const Table& right, const JoinPlan& plan,
                            const JoinOptions& options) {
  DEEPRC_ASSIGN_OR_RETURN(auto left_keys,
                          MatchableKeys(left, plan.left_keys, plan.key_types, options.left_name));
  DEEPRC_ASSIGN_OR_RETURN(auto right_keys,
                          MatchableKeys(right, plan.right_keys, plan.key_types, options.right_name));
  DEEPRC_ASSIGN_OR_RETURN(auto l, SortSide(std::move(left_keys)));
  DEEPRC_ASSIGN_OR_RETURN(auto r, SortSide(std::move(right_keys)));
  DEEPRC_ASSIGN_OR_RETURN(auto left_right, RowComparator::Make(l.keys, r.keys));
  DEEPRC_ASSIGN_OR_RETURN(auto left_left, RowComparator::Make(l.keys, l.keys));
  DEEPRC_ASSIGN_OR_RETURN(auto right_right, RowComparator::Make(r.keys, r.keys));

  const bool keep_left = plan.KeepsUnmatchedLeft();
  const bool keep_right = plan.KeepsUnmatchedRight();
  std::vector<int64_t> left_rows, right_rows;
  const auto emit = [&](int64_t a, int64_t b) {
    left_rows.push_back(a);
    right_rows.push_back(b);
  };

  const size_t nl = l.rows.size();
  const size_t nr = r.rows.size();
  size_t i = 0, j = 0;
  while (i < nl && j < nr) {
    const int c = left_right.Compare(l.rows[i], r.rows[j]);
    if (c < 0) {
      if (keep_left) emit(l.rows[i], -1);
      ++i;
    } else if (c > 0) {
      if (keep_right) emit(-1, r.rows[j]);
      ++j;
    } else {
      size_t i_end = i + 1;
      while (i_end < nl && left_left.Compare(l.rows[i], l.rows[i_end]) == 0) ++i_end;
      size_t j_end = j + 1;
      while (j_end < nr && right_right.Compare(r.rows[j], r.rows[j_end]) == 0) ++j_end;
      for (size_t a = i; a < i_end; ++a) {
        for (size_t b = j; b < j_end; ++b) emit(l.rows[a], r.rows[b]);
      }
      i = i_end;
      j = j_end;
    }
  }
  if (keep_left) {
    for (; i < nl; ++i) emit(l.rows[i], -1);
    for (const int64_t row : l.null_key_rows) emit(row, -1);
  }
  if (keep_right) {
    for (; j < nr; ++j) emit(-1, r.rows[j]);
    for (const int64_t row : r.null_key_rows) emit(-1, row);
  }

  DEEPRC_ASSIGN_OR_RETURN(auto left_indices, ToIndices(left_rows));
  DEEPRC_ASSIGN_OR_RETURN(auto right_indices, ToIndices(right_rows));
  DEEPRC_ASSIGN_OR_RETURN(auto left_taken, TakeRows(left, *left_indices));
  DEEPRC_ASSIGN_OR_RETURN(auto right_taken, TakeRows(right, *right_indices));
  return AssembleOutput(plan, left_taken.arrow()->columns(), right_taken.arrow()->columns());
}

}  // namespace deeprc::table::join_internal
