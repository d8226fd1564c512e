#include "deeprc/table/groupby/grouped_accumulators.h"

#include <arrow/util/bit_run_reader.h>
#include <arrow/util/bit_util.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "deeprc/table/kernel/huge_pages.h"
#include "deeprc/table/kernel/numeric_dispatch.h"
#include "deeprc/table/kernel/valid_runs.h"

namespace deeprc::table {
namespace {

// The accumulator type of a sum, as Arrow's: int64 for signed integers, uint64 for unsigned
// ones, double for floats.
template <typename T>
using SumType = std::conditional_t<std::is_floating_point_v<T>, double,
                                   std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;

// Integer sums wrap on overflow, like Arrow's (through unsigned arithmetic: no undefined behaviour).
template <typename Sum, typename T>
Sum Add(Sum sum, T value) {
  if constexpr (std::is_floating_point_v<Sum>) {
    return sum + static_cast<Sum>(value);
  } else {
    return static_cast<Sum>(static_cast<uint64_t>(sum) + static_cast<uint64_t>(static_cast<Sum>(value)));
  }
}

// One record per group, so that a row touches one cache line however many aggregates it feeds.
template <typename T>
struct SumCount {
  SumType<T> sum = 0;
  int64_t count = 0;
};

template <typename T>
struct SumCountMinMax {
  SumType<T> sum = 0;
  int64_t count = 0;
  // NaN for floats, so that a NaN only stays while it is all the group has seen.
  T min = std::is_floating_point_v<T> ? std::numeric_limits<T>::quiet_NaN() : std::numeric_limits<T>::max();
  T max =
      std::is_floating_point_v<T> ? std::numeric_limits<T>::quiet_NaN() : std::numeric_limits<T>::lowest();
};

template <typename T, typename State>
constexpr bool kHasMinMax = std::is_same_v<State, SumCountMinMax<T>>;

// The sums that give a group's variance by the shifted two-pass method: with `shift` the group's
// mean from the first pass, m2 = sum (x - shift)^2 - (sum (x - shift))^2 / n is as exact as the
// textbook two-pass formula, and the correction term absorbs the rounding of the mean.
struct ShiftedSquares {
  double shift = 0;
  double sum = 0;
  double squares = 0;
};

// Calls update(group id, value) for every valid value among rows [begin, end) of `values`, whose
// group ids are ids[0, end - begin).
template <typename T, typename Update>
void ForEachValid(const arrow::ChunkedArray& values, int64_t begin, int64_t end, const uint32_t* ids,
                  Update&& update) {
  auto visit = [&](const arrow::ArrayData& chunk, int64_t from, int64_t to, int64_t first_row) {
    const T* data = chunk.GetValues<T>(1);
    const uint32_t* chunk_ids = ids + (first_row + from - begin);  // chunk_ids[0] is position from's
    VisitValidRuns(chunk, from, to, [&](int64_t run_begin, int64_t run_end) {
      for (int64_t i = run_begin; i < run_end; ++i) update(chunk_ids[i - from], data[i]);
    });
  };
  VisitChunkRanges(values, begin, end, visit);
}

template <typename T, typename State>
void Accumulate(const arrow::ChunkedArray& values, int64_t begin, int64_t end, const uint32_t* ids,
                std::vector<State>& states) {
  ForEachValid<T>(values, begin, end, ids, [&states](uint32_t id, T value) {
    State& state = states[id];
    state.sum = Add(state.sum, value);
    state.count += 1;
    if constexpr (kHasMinMax<T, State>) {
      if (value < state.min || (std::is_floating_point_v<T> && state.min != state.min)) state.min = value;
      if (value > state.max || (std::is_floating_point_v<T> && state.max != state.max)) state.max = value;
    }
  });
}

// An output column of `type` (whose values are C type `Out`) with one row per group of `order`:
// value(id) where valid(id), null elsewhere.
template <typename Out, typename Valid, typename Value>
Result<std::shared_ptr<arrow::Array>> MakeColumn(const std::shared_ptr<arrow::DataType>& type,
                                                 const std::vector<uint32_t>& order, Valid&& valid,
                                                 Value&& value) {
  const auto n = static_cast<int64_t>(order.size());
  DEEPRC_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Buffer> data, arrow::AllocateBuffer(n * sizeof(Out)));
  DEEPRC_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Buffer> validity, arrow::AllocateBitmap(n));
  Out* out = data->mutable_data_as<Out>();
  uint8_t* bits = validity->mutable_data();
  int64_t null_count = 0;
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t id = order[static_cast<size_t>(i)];
    const bool is_valid = valid(id);
    arrow::bit_util::SetBitTo(bits, i, is_valid);
    out[i] = is_valid ? static_cast<Out>(value(id)) : Out{};
    null_count += is_valid ? 0 : 1;
  }
  if (null_count == 0) validity = nullptr;
  return arrow::MakeArray(arrow::ArrayData::Make(type, n, {validity, data}, null_count));
}

// The output columns from the accumulated `states` (a second pass over `values` for var and std).
template <typename T, typename State>
Result<std::vector<std::shared_ptr<arrow::Array>>> FinishColumns(
    const arrow::ChunkedArray& values, const std::vector<uint32_t>& group_ids,
    const std::vector<State>& states, const std::vector<uint32_t>& order,
    const std::vector<Aggregation>& aggregations) {
  bool variance = false;
  for (const auto& aggregation : aggregations) {
    variance = variance || aggregation.kind == AggregateKind::kVar || aggregation.kind == AggregateKind::kStd;
  }
  std::vector<ShiftedSquares> squares;
  if (variance) {
    ReserveOnHugePages(&squares, states.size());
    squares.resize(states.size());
    for (uint32_t id : order) {
      if (states[id].count > 0) squares[id].shift = static_cast<double>(states[id].sum) / states[id].count;
    }
    ForEachValid<T>(values, 0, values.length(), group_ids.data(), [&squares](uint32_t id, T value) {
      ShiftedSquares& s = squares[id];
      const double d = static_cast<double>(value) - s.shift;
      s.sum += d;
      s.squares += d * d;
    });
  }
  auto count = [&](uint32_t id) { return states[id].count; };
  auto has_values = [&](uint32_t id) { return states[id].count > 0; };
  auto var = [&](uint32_t id, int ddof) {
    const ShiftedSquares& s = squares[id];
    const auto n = static_cast<double>(states[id].count);
    const double m2 = s.squares - s.sum * s.sum / n;
    return (m2 < 0 ? 0.0 : m2) / (n - ddof);  // rounding can go below 0; NaN must stay NaN
  };

  std::vector<std::shared_ptr<arrow::Array>> columns;
  for (const auto& aggregation : aggregations) {
    const int ddof = aggregation.ddof;
    auto more_than_ddof = [&](uint32_t id) { return states[id].count > ddof; };
    Result<std::shared_ptr<arrow::Array>> column;
    switch (aggregation.kind) {
      case AggregateKind::kSum:
        column = MakeColumn<SumType<T>>(arrow::CTypeTraits<SumType<T>>::type_singleton(), order, has_values,
                                        [&](uint32_t id) { return states[id].sum; });
        break;
      case AggregateKind::kCount:
        column = MakeColumn<int64_t>(
            arrow::int64(), order, [](uint32_t) { return true; }, count);
        break;
      case AggregateKind::kMean:
        column = MakeColumn<double>(arrow::float64(), order, has_values, [&](uint32_t id) {
          return static_cast<double>(states[id].sum) / static_cast<double>(states[id].count);
        });
        break;
      case AggregateKind::kMin:
        if constexpr (kHasMinMax<T, State>) {
          column =
              MakeColumn<T>(values.type(), order, has_values, [&](uint32_t id) { return states[id].min; });
        }
        break;
      case AggregateKind::kMax:
        if constexpr (kHasMinMax<T, State>) {
          column =
              MakeColumn<T>(values.type(), order, has_values, [&](uint32_t id) { return states[id].max; });
        }
        break;
      case AggregateKind::kVar:
        column = MakeColumn<double>(arrow::float64(), order, more_than_ddof,
                                    [&](uint32_t id) { return var(id, ddof); });
        break;
      case AggregateKind::kStd:
        column = MakeColumn<double>(arrow::float64(), order, more_than_ddof,
                                    [&](uint32_t id) { return std::sqrt(var(id, ddof)); });
        break;
      default:
        return Status::NotImplemented("groupby: no accumulator for ", AggregateKindName(aggregation.kind));
    }
    DEEPRC_RETURN_NOT_OK(column.status());
    columns.push_back(*std::move(column));
  }
  return columns;
}

template <typename T, typename State>
class Accumulator final : public GroupedAccumulator {
 public:
  Accumulator(std::shared_ptr<arrow::ChunkedArray> values, uint32_t num_ids,
              std::vector<Aggregation> aggregations)
      : values_(std::move(values)), aggregations_(std::move(aggregations)) {
    ReserveOnHugePages(&states_, num_ids);
    states_.resize(num_ids);
  }
  void Add(int64_t begin, int64_t end, const uint32_t* ids) override {
    Accumulate<T>(*values_, begin, end, ids, states_);
  }
  Result<std::vector<std::shared_ptr<arrow::Array>>> Finish(const std::vector<uint32_t>& group_ids,
                                                            const std::vector<uint32_t>& order) override {
    return FinishColumns<T>(*values_, group_ids, states_, order, aggregations_);
  }

 private:
  std::shared_ptr<arrow::ChunkedArray> values_;
  std::vector<Aggregation> aggregations_;
  std::vector<State> states_;
};

}  // namespace

bool IsAccumulatable(AggregateKind kind, const arrow::DataType& type) {
  switch (kind) {
    case AggregateKind::kSum:
    case AggregateKind::kCount:
    case AggregateKind::kMean:
    case AggregateKind::kMin:
    case AggregateKind::kMax:
    case AggregateKind::kVar:
    case AggregateKind::kStd:
      return arrow::is_integer(type.id()) || type.id() == arrow::Type::FLOAT ||
             type.id() == arrow::Type::DOUBLE;
    default:
      return false;
  }
}

bool NeedsAllGroupIds(const std::vector<Aggregation>& aggregations) {
  return std::any_of(aggregations.begin(), aggregations.end(), [](const Aggregation& a) {
    return a.kind == AggregateKind::kVar || a.kind == AggregateKind::kStd;
  });
}

Result<std::unique_ptr<GroupedAccumulator>> MakeGroupedAccumulator(
    std::shared_ptr<arrow::ChunkedArray> values, uint32_t num_ids, std::vector<Aggregation> aggregations) {
  for (const auto& aggregation : aggregations) {
    if (!IsAccumulatable(aggregation.kind, *values->type())) {
      return Status::NotImplemented("groupby: no accumulator for the ", AggregateKindName(aggregation.kind),
                                    " of ", values->type()->ToString());
    }
  }
  // Min and max widen the per-group record (and the cache lines a row touches): only when asked.
  const bool min_max = std::any_of(aggregations.begin(), aggregations.end(), [](const Aggregation& a) {
    return a.kind == AggregateKind::kMin || a.kind == AggregateKind::kMax;
  });
  std::unique_ptr<GroupedAccumulator> accumulator;
  VisitNumericCType(*values->type(), /*with_floats=*/true, [&]<typename T>() {
    if (min_max) {
      accumulator = std::make_unique<Accumulator<T, SumCountMinMax<T>>>(values, num_ids, aggregations);
    } else {
      accumulator = std::make_unique<Accumulator<T, SumCount<T>>>(values, num_ids, aggregations);
    }
  });
  return accumulator;
}

}  // namespace deeprc::table
