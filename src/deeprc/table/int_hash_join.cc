// The hash join on one fixed-width key (integers, floats, dates, timestamps): deeprc's own,
// because on this, the commonest join, Acero takes ~2x DuckDB's time and ~2.4x the memory of
// inputs + output (docs/benchmarks.md).
//
// The smaller side is the build side. Its rows are laid out by bucket, counting-sort style: a
// bucket's rows sit together in `rows` between offsets[b] and offsets[b + 1], with their keys
// beside them in `keys`. No pointers, no per-entry allocation, duplicates need no chains, and a
// probe reads two arrays at one position each. When the build keys span a range not much wider
// than their count (ids, dates, dense codes), a bucket is the key minus the minimum: a perfect
// hash, so a bucket holds only equal keys and the keys need not be stored at all. Otherwise
// buckets come from a multiplicative hash into a power-of-two table.
//
// The tables are far larger than the caches at 10M rows, so both the build and the probe work in
// batches: first compute a batch's buckets and prefetch them, then use them, which keeps many
// cache misses in flight instead of one.
//
// The result is a pair of row-number arrays (uint32; a null for the side without a partner) from
// which TakeRows gathers the output columns, assembled as for the other algorithms.
#include <arrow/util/bit_util.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <type_traits>

#include "deeprc/table/join_internal.h"
#include "deeprc/table/large_buffer.h"
#include "deeprc/table/numeric_dispatch.h"
#include "deeprc/table/sort.h"

namespace deeprc::join_internal {
namespace {

// Row numbers are 32-bit (half the memory of 64-bit ones); this one means "no row".
constexpr uint32_t kNoRow = UINT32_MAX;
constexpr int kBatch = 32;

// Calls `batch(rows, keys, count)` for up to kBatch valid keys at a time, as 64-bit words that are
// equal exactly when the values are (floats were normalized by MatchableKeys) and whose order is
// the value order (so that a range of values is a range of words); `null_row(row)` for each null.
template <typename T, typename Batch, typename NullRow>
void ForEachKeyBatch(const arrow::ChunkedArray& column, Batch&& batch, NullRow&& null_row) {
  uint32_t rows[kBatch];
  uint64_t keys[kBatch];
  uint32_t row = 0;
  for (const auto& chunk : column.chunks()) {
    const auto& data = *chunk->data();
    const T* values = data.GetValues<T>(1);
    const uint8_t* validity = data.GetNullCount() != 0 ? data.GetValues<uint8_t>(0, 0) : nullptr;
    for (int64_t begin = 0; begin < data.length; begin += kBatch) {
      const int64_t end = std::min<int64_t>(data.length, begin + kBatch);
      int count = 0;
      for (int64_t i = begin; i < end; ++i) {
        const uint32_t r = row + static_cast<uint32_t>(i);
        if (validity != nullptr && !arrow::bit_util::GetBit(validity, data.offset + i)) {
          null_row(r);
          continue;
        }
        uint64_t word;
        if constexpr (std::is_signed_v<T>) {
          word = static_cast<uint64_t>(static_cast<int64_t>(values[i])) ^ (uint64_t{1} << 63);
        } else {
          word = static_cast<uint64_t>(values[i]);
        }
        rows[count] = r;
        keys[count] = word;
        ++count;
      }
      if (count > 0) batch(rows, keys, count);
    }
    row += static_cast<uint32_t>(data.length);
  }
}

// Calls f.template operator()<T>() with T the unsigned or signed integer type that holds the
// key's bits; floats count as unsigned integers of their width.
template <typename F>
auto DispatchKeyType(const arrow::DataType& type, F&& f) -> decltype(f.template operator()<int8_t>()) {
  const bool is_signed = arrow::is_signed_integer(type.id()) || arrow::is_temporal(type.id());
  return VisitIntegerOfWidth(type.byte_width(), is_signed, "integer join on " + type.ToString(),
                             std::forward<F>(f));
}

// A growable pair of row-number arrays: the output of the probe.
class MatchList {
 public:
  Status Reserve(int64_t capacity) {
    if (capacity <= capacity_) return Status::OK();
    DEEPRC_ASSIGN_OR_RETURN(auto probe, LargeArray<uint32_t>::Make(capacity));
    DEEPRC_ASSIGN_OR_RETURN(auto build, LargeArray<uint32_t>::Make(capacity));
    if (size_ > 0) {
      std::memcpy(probe.data(), probe_.data(), size_ * sizeof(uint32_t));
      std::memcpy(build.data(), build_.data(), size_ * sizeof(uint32_t));
    }
    probe_ = std::move(probe);
    build_ = std::move(build);
    capacity_ = capacity;
    return Status::OK();
  }
  // Room for `more` rows, growing by half at least so that appends stay amortized O(1).
  Status Ensure(int64_t more) {
    if (size_ + more <= capacity_) return Status::OK();
    return Reserve(std::max(size_ + more, capacity_ + capacity_ / 2 + 1024));
  }
  void Add(uint32_t probe_row, uint32_t build_row) {
    probe_[size_] = probe_row;
    build_[size_] = build_row;
    ++size_;
  }
  int64_t size() const { return size_; }
  LargeArray<uint32_t>& probe() { return probe_; }
  LargeArray<uint32_t>& build() { return build_; }

 private:
  LargeArray<uint32_t> probe_, build_;
  int64_t size_ = 0, capacity_ = 0;
};

// The build side laid out by bucket (see the top of the file).
struct BuildTable {
  bool perfect = false;  // bucket = key - min, and a bucket's keys are all equal
  // Perfect and every key unique (a primary key): rows[key - min] is the row of that key or
  // kNoRow, without offsets. A probe then costs one cache miss instead of two.
  bool direct = false;
  uint64_t min = 0, max = 0;
  int shift = 64;  // hashed: bucket = (key * kMultiplier) >> shift
  int64_t num_buckets = 0;
  LargeArray<uint32_t> offsets;  // num_buckets + 1 entries
  LargeArray<uint32_t> rows;     // build rows in bucket order (direct: indexed by bucket)
  LargeArray<uint64_t> keys;     // their keys (hashed layout only)
  std::vector<uint32_t> null_rows;

  static constexpr uint64_t kMultiplier = 0x9E3779B97F4A7C15ull;  // 2^64 / golden ratio

  uint64_t Bucket(uint64_t key) const { return perfect ? key - min : (key * kMultiplier) >> shift; }
  // Entries: the slots of `rows` (matched flags are kept per slot).
  int64_t num_slots() const { return num_buckets == 0 ? 0 : rows.length(); }
  // Whether a probe key can be in the table at all (outside [min, max] it cannot).
  bool MayContain(uint64_t key) const { return key >= min && key <= max; }
};

// Lays the direct table out when the keys are dense and unique; false (and nothing kept) when not.
template <typename T>
Result<bool> BuildDirect(const arrow::ChunkedArray& column, BuildTable* t) {
  DEEPRC_ASSIGN_OR_RETURN(t->rows, LargeArray<uint32_t>::Make(t->num_buckets));
  uint32_t* rows = t->rows.data();
  std::memset(rows, 0xFF, t->num_buckets * sizeof(uint32_t));  // kNoRow everywhere
  bool unique = true;
  ForEachKeyBatch<T>(
      column,
      [&](const uint32_t* batch_rows, const uint64_t* keys, int n) {
        if (!unique) return;
        for (int i = 0; i < n; ++i) __builtin_prefetch(rows + (keys[i] - t->min), 1);
        for (int i = 0; i < n; ++i) {
          uint32_t& slot = rows[keys[i] - t->min];
          unique = unique && slot == kNoRow;
          slot = batch_rows[i];
        }
      },
      [](uint32_t) {});
  if (!unique) {
    t->rows.Reset();
    return false;
  }
  t->direct = true;
  return true;
}

// Builds the table on `column`; with `direct_only`, only the direct layout, returning false when
// the keys do not allow it (the caller then tries the other side first).
template <typename T>
Result<bool> Build(const arrow::ChunkedArray& column, bool direct_only, BuildTable* t) {
  // Pass 1: the range of the keys and their number decide the layout.
  int64_t count = 0;
  uint64_t min = ~uint64_t{0}, max = 0;
  ForEachKeyBatch<T>(
      column,
      [&](const uint32_t*, const uint64_t* keys, int n) {
        for (int i = 0; i < n; ++i) {
          min = std::min(min, keys[i]);
          max = std::max(max, keys[i]);
        }
        count += n;
      },
      [&](uint32_t row) { t->null_rows.push_back(row); });
  t->min = min;
  t->max = max;
  if (count == 0) {
    t->num_buckets = 0;
    return true;
  }
  // A perfect hash when the range is at most twice the count: the offsets then cost at most
  // 8 bytes per build row, no more than the hashed layout's keys would.
  const uint64_t range = max - min;
  t->perfect = range < static_cast<uint64_t>(2 * count);
  if (t->perfect) {
    t->num_buckets = static_cast<int64_t>(range) + 1;
    DEEPRC_ASSIGN_OR_RETURN(const bool direct, BuildDirect<T>(column, t));
    if (direct || direct_only) return direct;
  } else if (direct_only) {
    return false;
  } else {
    // About one row per bucket.
    const int bits = std::max(1, static_cast<int>(std::bit_width(static_cast<uint64_t>(count - 1))));
    t->num_buckets = int64_t{1} << bits;
    t->shift = 64 - bits;
  }

  // Pass 2: count the rows of each bucket into offsets[b + 1] (batched: compute, prefetch, count).
  DEEPRC_ASSIGN_OR_RETURN(t->offsets, LargeArray<uint32_t>::Make(t->num_buckets + 1));
  uint32_t* offsets = t->offsets.data();
  std::memset(offsets, 0, (t->num_buckets + 1) * sizeof(uint32_t));
  ForEachKeyBatch<T>(
      column,
      [&](const uint32_t*, const uint64_t* keys, int n) {
        uint64_t buckets[kBatch];
        for (int i = 0; i < n; ++i) {
          buckets[i] = t->Bucket(keys[i]);
          __builtin_prefetch(offsets + buckets[i] + 1, 1);
        }
        for (int i = 0; i < n; ++i) ++offsets[buckets[i] + 1];
      },
      [](uint32_t) {});
  // Exclusive prefix sums: offsets[b + 1] = the first slot of bucket b. While scattering,
  // offsets[b + 1] is bucket b's cursor, which ends at the end of bucket b; then bucket b is
  // [offsets[b], offsets[b + 1]) with offsets[0] = 0, without a second array of cursors.
  uint32_t sum = 0;
  for (int64_t b = 0; b <= t->num_buckets; ++b) {
    const uint32_t c = offsets[b];
    offsets[b] = sum;
    sum += c;
  }

  // Pass 3: scatter the rows (and, hashed, the keys) to their buckets' slots.
  DEEPRC_ASSIGN_OR_RETURN(t->rows, LargeArray<uint32_t>::Make(count));
  if (!t->perfect) {
    DEEPRC_ASSIGN_OR_RETURN(t->keys, LargeArray<uint64_t>::Make(count));
  }
  uint32_t* rows = t->rows.data();
  uint64_t* slot_keys = t->perfect ? nullptr : t->keys.data();
  ForEachKeyBatch<T>(
      column,
      [&](const uint32_t* batch_rows, const uint64_t* keys, int n) {
        uint64_t buckets[kBatch];
        for (int i = 0; i < n; ++i) {
          buckets[i] = t->Bucket(keys[i]);
          __builtin_prefetch(offsets + buckets[i] + 1, 1);
        }
        for (int i = 0; i < n; ++i) {
          const uint32_t slot = offsets[buckets[i] + 1]++;
          rows[slot] = batch_rows[i];
          if (slot_keys != nullptr) slot_keys[slot] = keys[i];
        }
      },
      [](uint32_t) {});
  return true;
}

template <typename T>
Status Probe(const arrow::ChunkedArray& column, const BuildTable& t, bool keep_probe, uint8_t* build_matched,
             MatchList* matches) {
  const uint32_t* offsets = t.num_buckets > 0 && !t.direct ? t.offsets.data() : nullptr;
  const uint32_t* rows = t.num_buckets > 0 ? t.rows.data() : nullptr;
  const uint64_t* slot_keys = t.num_buckets > 0 && !t.perfect ? t.keys.data() : nullptr;
  Status status;
  ForEachKeyBatch<T>(
      column,
      [&](const uint32_t* batch_rows, const uint64_t* keys, int n) {
        if (!status.ok()) return;
        if (t.direct) {
          status = matches->Ensure(n);
          if (!status.ok()) return;
          for (int i = 0; i < n; ++i) {
            if (t.MayContain(keys[i])) __builtin_prefetch(rows + (keys[i] - t.min));
          }
          for (int i = 0; i < n; ++i) {
            const uint64_t slot = keys[i] - t.min;
            const uint32_t row = t.MayContain(keys[i]) ? rows[slot] : kNoRow;
            if (row != kNoRow) {
              matches->Add(batch_rows[i], row);
              if (build_matched != nullptr) build_matched[slot] = 1;
            } else if (keep_probe) {
              matches->Add(batch_rows[i], kNoRow);
            }
          }
          return;
        }
        uint64_t buckets[kBatch];
        bool candidate[kBatch];
        for (int i = 0; i < n; ++i) {
          candidate[i] = offsets != nullptr && t.MayContain(keys[i]);
          buckets[i] = candidate[i] ? t.Bucket(keys[i]) : 0;
          if (candidate[i]) __builtin_prefetch(offsets + buckets[i]);
        }
        uint32_t begin[kBatch], end[kBatch];
        for (int i = 0; i < n; ++i) {
          begin[i] = candidate[i] ? offsets[buckets[i]] : 0;
          end[i] = candidate[i] ? offsets[buckets[i] + 1] : 0;
          if (begin[i] < end[i]) {
            __builtin_prefetch(rows + begin[i]);
            if (slot_keys != nullptr) __builtin_prefetch(slot_keys + begin[i]);
          }
        }
        for (int i = 0; i < n; ++i) {
          const int64_t found = static_cast<int64_t>(end[i]) - begin[i];
          status = matches->Ensure(std::max<int64_t>(found, 1));
          if (!status.ok()) return;
          bool matched = false;
          for (uint32_t s = begin[i]; s < end[i]; ++s) {
            if (slot_keys != nullptr && slot_keys[s] != keys[i]) continue;
            matches->Add(batch_rows[i], rows[s]);
            if (build_matched != nullptr) build_matched[s] = 1;
            matched = true;
          }
          if (!matched && keep_probe) matches->Add(batch_rows[i], kNoRow);
        }
      },
      [&](uint32_t row) {
        if (!keep_probe || !status.ok()) return;
        status = matches->Ensure(1);
        if (status.ok()) matches->Add(row, kNoRow);
      });
  return status;
}

// Row numbers as a UInt32Array, kNoRow as null (TakeRows then emits a null row on that side).
Result<std::shared_ptr<arrow::Array>> ToIndexArray(LargeArray<uint32_t>& rows, int64_t length) {
  const uint32_t* data = length > 0 ? rows.data() : nullptr;
  int64_t null_count = 0;
  for (int64_t i = 0; i < length; ++i) null_count += data[i] == kNoRow ? 1 : 0;
  std::shared_ptr<arrow::Buffer> validity;
  if (null_count > 0) {
    DEEPRC_ASSIGN_OR_RETURN(validity, arrow::AllocateBitmap(length));
    uint8_t* bits = validity->mutable_data();
    for (int64_t i = 0; i < length; ++i) arrow::bit_util::SetBitTo(bits, i, data[i] != kNoRow);
  }
  std::shared_ptr<arrow::Buffer> values = rows.buffer();
  if (values == nullptr) {
    DEEPRC_ASSIGN_OR_RETURN(values, arrow::AllocateBuffer(0));
  } else {
    values = arrow::SliceBuffer(values, 0, length * static_cast<int64_t>(sizeof(uint32_t)));
  }
  return arrow::MakeArray(
      arrow::ArrayData::Make(arrow::uint32(), length, {std::move(validity), std::move(values)}, null_count));
}

// The matches as (left rows, right rows).
struct MatchedRows {
  std::shared_ptr<arrow::Array> left, right;
};

Result<MatchedRows> MatchRows(const arrow::ChunkedArray& left_key, const arrow::ChunkedArray& right_key,
                              const JoinPlan& plan) {
  const auto& type = *left_key.type();
  // The smaller side builds; on a tie the right one, as in SQL engines, so that the output
  // follows the left (probe) side's order. But a side whose keys are dense and unique (a primary
  // key) makes the direct table, half the cache misses of the others: when the sides are of
  // similar size, that side builds even when it is the larger one.
  bool build_left = left_key.length() < right_key.length();
  const int64_t smaller = std::min(left_key.length(), right_key.length());
  const bool other_may_build = std::max(left_key.length(), right_key.length()) <= 2 * smaller;
  BuildTable table;
  const auto build = [&](bool left, bool direct_only) -> Result<bool> {
    table = BuildTable();
    return DispatchKeyType(
        type, [&]<typename T>() { return Build<T>(left ? left_key : right_key, direct_only, &table); });
  };
  DEEPRC_ASSIGN_OR_RETURN(bool built, build(build_left, other_may_build));
  if (!built) {
    DEEPRC_ASSIGN_OR_RETURN(built, build(!build_left, /*direct_only=*/true));
    if (built) {
      build_left = !build_left;
    } else {
      DEEPRC_RETURN_NOT_OK(build(build_left, /*direct_only=*/false).status());
    }
  }
  const arrow::ChunkedArray& build_key = build_left ? left_key : right_key;
  const arrow::ChunkedArray& probe_key = build_left ? right_key : left_key;
  const bool keep_build = build_left ? plan.KeepsUnmatchedLeft() : plan.KeepsUnmatchedRight();
  const bool keep_probe = build_left ? plan.KeepsUnmatchedRight() : plan.KeepsUnmatchedLeft();

  MatchList matches;
  {
    const int64_t num_slots = table.num_slots();
    std::vector<uint8_t> matched(keep_build ? num_slots : 0, 0);
    // Enough for the commonest joins (at most one partner per probe row) without growing.
    DEEPRC_RETURN_NOT_OK(matches.Reserve(probe_key.length() + (keep_build ? build_key.length() : 0)));
    DEEPRC_RETURN_NOT_OK(DispatchKeyType(type, [&]<typename T>() {
      return Probe<T>(probe_key, table, keep_probe, keep_build ? matched.data() : nullptr, &matches);
    }));
    if (keep_build) {
      DEEPRC_RETURN_NOT_OK(matches.Ensure(build_key.length()));
      for (int64_t s = 0; s < num_slots; ++s) {
        if (!matched[s] && table.rows[s] != kNoRow) matches.Add(kNoRow, table.rows[s]);
      }
      for (const uint32_t row : table.null_rows) matches.Add(kNoRow, row);
    }
    // The table dies here, before the output columns are gathered.
    table = BuildTable();
  }
  MatchedRows result;
  DEEPRC_ASSIGN_OR_RETURN(auto probe_rows, ToIndexArray(matches.probe(), matches.size()));
  DEEPRC_ASSIGN_OR_RETURN(auto build_rows, ToIndexArray(matches.build(), matches.size()));
  result.left = build_left ? std::move(build_rows) : std::move(probe_rows);
  result.right = build_left ? std::move(probe_rows) : std::move(build_rows);
  return result;
}

}  // namespace

bool IntegerJoinSupports(const Table& left, const Table& right, const JoinPlan& plan) {
  if (plan.key_types.size() != 1) return false;
  // Row numbers must fit in 32 bits with kNoRow to spare.
  if (left.num_rows() >= kNoRow || right.num_rows() >= kNoRow) return false;
  const auto& type = *plan.key_types[0];
  if (type.id() == arrow::Type::NA) return true;  // MatchableKeys makes it int8, all null
  if (type.id() == arrow::Type::BOOL || type.id() == arrow::Type::HALF_FLOAT) return false;
  const bool integer_like = arrow::is_integer(type.id()) || arrow::is_floating(type.id()) ||
                            type.id() == arrow::Type::DATE32 || type.id() == arrow::Type::DATE64 ||
                            type.id() == arrow::Type::TIMESTAMP || type.id() == arrow::Type::TIME32 ||
                            type.id() == arrow::Type::TIME64 || type.id() == arrow::Type::DURATION;
  return integer_like && type.byte_width() <= 8;
}

Result<Table> IntegerHashJoin(const Table& left, const Table& right, const JoinPlan& plan,
                              const JoinOptions& options) {
  MatchedRows rows;
  {
    DEEPRC_ASSIGN_OR_RETURN(auto left_keys,
                            MatchableKeys(left, plan.left_keys, plan.key_types, options.left_name));
    DEEPRC_ASSIGN_OR_RETURN(auto right_keys,
                            MatchableKeys(right, plan.right_keys, plan.key_types, options.right_name));
    DEEPRC_ASSIGN_OR_RETURN(rows, MatchRows(*left_keys[0], *right_keys[0], plan));
    // Cast or normalized key copies die here, before the output columns are gathered.
  }
  // AssembleOutput takes a same-named key of an inner or right join from the right side (see
  // there): the left key column need not be gathered at all.
  std::vector<int> left_gathered;
  for (int i = 0; i < left.num_columns(); ++i) {
    const auto& coalesced = plan.left_coalesced_type[i];
    const bool from_right = coalesced != nullptr && coalesced->id() != arrow::Type::NA &&
                            !plan.KeepsUnmatchedLeft() && !arrow::is_floating(coalesced->id());
    if (!from_right) left_gathered.push_back(i);
  }
  DEEPRC_ASSIGN_OR_RETURN(auto left_subset, left.arrow()->SelectColumns(left_gathered));
  DEEPRC_ASSIGN_OR_RETURN(auto left_taken, TakeRows(Table(left_subset), *rows.left));
  rows.left.reset();
  DEEPRC_ASSIGN_OR_RETURN(auto right_taken, TakeRows(right, *rows.right));
  rows.right.reset();
  std::vector<std::shared_ptr<arrow::ChunkedArray>> left_columns(left.num_columns());
  for (size_t c = 0; c < left_gathered.size(); ++c) {
    left_columns[left_gathered[c]] = left_taken.arrow()->column(static_cast<int>(c));
  }
  return AssembleOutput(plan, std::move(left_columns), right_taken.arrow()->columns());
}

}  // namespace deeprc::join_internal
