// The hash join on one fixed-width key (integers, floats, dates, timestamps): deeprc's own,
// because on this, the commonest join, Acero takes ~2x DuckDB's time and ~2.4x the memory of
// inputs + output (docs/benchmarks.md).
//
// The smaller side is the build side. Its rows are chained by bucket: heads[b] is the last build
// row of bucket b (or none) and next[row] the previous row of the same bucket, so the table is
// built in one pass over the keys with one random access per row (the head), and duplicates need
// no extra structure. When the build keys span a range less than kPerfectFactor times their
// count (ids, dates, dense codes, or a shuffled share of such keys), a bucket is the key minus the
// minimum: a perfect hash, so a chain holds only equal keys and no key is stored; a head's top bit
// says whether its chain goes on, so a probe reads links only for a repeated key and costs one
// cache miss for most keys. When no key repeats (a primary key) there are no links at all: the
// "direct" table. Otherwise buckets come from a multiplicative hash into a power-of-two table, and
// each row's key is stored beside its link so that one cache line answers both.
//
// The tables are far larger than the caches at 10M rows, so both the build and the probe work in
// batches: first compute a batch's buckets and prefetch them, then use them, which keeps many
// cache misses in flight instead of one. Chains list their rows last first, so a probe row's
// partners come out in descending build order (the output follows the probe side's order).
//
// The result is a pair of row-number arrays (uint32; a null for the side without a partner) from
// which TakeRows gathers the output columns, assembled as for the other algorithms.
#include <arrow/util/bit_util.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>
#include <type_traits>

#include "deeprc/table/join/join_internal.h"
#include "deeprc/table/kernel/large_buffer.h"
#include "deeprc/table/kernel/numeric_dispatch.h"
#include "deeprc/table/sort/sort.h"

namespace deeprc::table::join_internal {
namespace {

// Row numbers are 32-bit (half the memory of 64-bit ones); this one means "no row".
constexpr uint32_t kNoRow = UINT32_MAX;
// Rows per batch of the build and the probe. Measured: 32 -> 128 took the 2-rank distributed
// join's local join from 0.35 to 0.27 CPU s per rank and bench/table's join from 0.27 to 0.19 s
// (the longer a batch, the longer a prefetch has to land before its use); 256 gained little more.
constexpr int kBatch = 128;

// The key of a value as a 64-bit word that is equal exactly when the values are (floats were
// normalized by MatchableKeys) and whose order is the value order (so that a range of values is a
// range of words).
template <typename T>
inline uint64_t KeyWord(T value) {
  if constexpr (std::is_signed_v<T>) {
    return static_cast<uint64_t>(static_cast<int64_t>(value)) ^ (uint64_t{1} << 63);
  } else {
    return static_cast<uint64_t>(value);
  }
}

// Calls `batch(rows, keys, count)` for up to kBatch valid keys at a time (as KeyWords) and
// `null_row(row)` for each null, in row order. A `batch` that returns bool stops the walk by
// returning false.
template <typename T, typename Batch, typename NullRow>
void ForEachKeyBatch(const arrow::ChunkedArray& column, Batch&& batch, NullRow&& null_row) {
  uint32_t rows[kBatch];
  uint64_t keys[kBatch];
  uint32_t chunk_start = 0;
  for (const auto& chunk : column.chunks()) {
    const auto& data = *chunk->data();
    const T* values = data.GetValues<T>(1);
    const uint8_t* validity = data.GetNullCount() != 0 ? data.GetValues<uint8_t>(0, 0) : nullptr;
    for (int64_t begin = 0; begin < data.length; begin += kBatch) {
      const int64_t end = std::min<int64_t>(data.length, begin + kBatch);
      int count = 0;
      for (int64_t i = begin; i < end; ++i) {
        const uint32_t r = chunk_start + static_cast<uint32_t>(i);
        if (validity != nullptr && !arrow::bit_util::GetBit(validity, data.offset + i)) {
          null_row(r);
          continue;
        }
        rows[count] = r;
        keys[count] = KeyWord(values[i]);
        ++count;
      }
      if (count == 0) continue;
      if constexpr (std::is_same_v<decltype(batch(rows, keys, count)), bool>) {
        if (!batch(rows, keys, count)) return;
      } else {
        batch(rows, keys, count);
      }
    }
    chunk_start += static_cast<uint32_t>(data.length);
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

// A perfect hash when the build keys span at most this many times their count. The heads then
// cost at most 4 * kPerfectFactor bytes per build row, against 4-8 (heads) + 16 (key and link)
// for the hashed layout; and a perfect probe neither hashes nor compares keys. Measured on the
// 2-rank distributed join's shares (5M random keys over [0, 10M), span ~2x the count).
constexpr uint64_t kPerfectFactor = 4;

// Count, minimum and maximum of a column's valid keys (as KeyWords).
struct KeyStats {
  int64_t count = 0;
  uint64_t min = ~uint64_t{0}, max = 0;
  // Whether the keys are dense enough for the perfect hash.
  bool Dense() const { return count > 0 && max - min < kPerfectFactor * static_cast<uint64_t>(count); }
};

template <typename T>
KeyStats Stats(const arrow::ChunkedArray& column) {
  KeyStats stats;
  ForEachKeyBatch<T>(
      column,
      [&](const uint32_t*, const uint64_t* keys, int n) {
        for (int i = 0; i < n; ++i) {
          stats.min = std::min(stats.min, keys[i]);
          stats.max = std::max(stats.max, keys[i]);
        }
        stats.count += n;
      },
      [](uint32_t) {});
  return stats;
}

// Whether the first keys of a column (up to kSample of them) are all distinct: a cheap guess that
// the column is a primary key, which picks the build side when both sides could build. Random
// keys with as many values as rows repeat after ~sqrt(values) rows: among 10M of them, 2^14 keys
// hold ~13 repeats. A wrong guess costs time, never correctness.
template <typename T>
bool FirstKeysDistinct(const arrow::ChunkedArray& column) {
  constexpr int kSample = 1 << 14;
  constexpr int kBits = 16;  // a quarter full at most
  std::vector<uint64_t> slots(size_t{1} << kBits);
  std::vector<uint8_t> used(size_t{1} << kBits, 0);
  int seen = 0;
  bool distinct = true;
  ForEachKeyBatch<T>(
      column,
      [&](const uint32_t*, const uint64_t* keys, int n) {
        for (int i = 0; i < n; ++i) {
          uint64_t slot = (keys[i] * 0x9E3779B97F4A7C15ull) >> (64 - kBits);
          while (used[slot] && slots[slot] != keys[i]) slot = (slot + 1) & ((uint64_t{1} << kBits) - 1);
          if (used[slot]) {
            distinct = false;
            return false;
          }
          used[slot] = 1;
          slots[slot] = keys[i];
        }
        seen += n;
        return seen < kSample;
      },
      [](uint32_t) {});
  return distinct;
}

// Set in a perfect table's head when its chain has more than one row (so perfect tables hold
// fewer than 2^31 - 1 rows: kNoRow, all ones, is then no row with the flag).
constexpr uint32_t kMore = uint32_t{1} << 31;

// A hashed build row: its key beside its link, so one cache line answers a probe's step.
struct HashedEntry {
  uint64_t key;
  uint32_t next;
};

// The build side chained by bucket (see the top of the file).
struct BuildTable {
  enum class Layout { kEmpty, kDirect, kPerfect, kHashed };
  Layout layout = Layout::kEmpty;
  uint64_t min = 0, max = 0;
  int shift = 64;  // hashed: bucket = (key * kMultiplier) >> shift
  int64_t num_buckets = 0;
  // num_buckets: the bucket's first build row, or kNoRow; perfect: | kMore when it has others.
  LargeArray<uint32_t> heads;
  LargeArray<uint32_t> next;        // perfect: per build row, the next row of its bucket or kNoRow
  LargeArray<HashedEntry> entries;  // hashed: per build row, its key and the next row of its bucket

  static constexpr uint64_t kMultiplier = 0x9E3779B97F4A7C15ull;  // 2^64 / golden ratio

  bool perfect() const { return layout == Layout::kDirect || layout == Layout::kPerfect; }
  uint64_t Bucket(uint64_t key) const { return perfect() ? key - min : (key * kMultiplier) >> shift; }
  // Whether a probe key can be in the table at all (outside [min, max] it cannot).
  bool MayContain(uint64_t key) const { return layout != Layout::kEmpty && key >= min && key <= max; }
};

// Builds the table on `column`, whose valid keys are described by `stats`: one pass.
template <typename T>
Status Build(const arrow::ChunkedArray& column, const KeyStats& stats, BuildTable* t) {
  if (stats.count == 0) return Status::OK();  // Layout::kEmpty: no probe key can match
  t->min = stats.min;
  t->max = stats.max;
  const bool perfect = stats.Dense() && column.length() < kMore - 1;
  if (perfect) {
    t->layout = BuildTable::Layout::kPerfect;
    t->num_buckets = static_cast<int64_t>(stats.max - stats.min) + 1;
  } else {
    // About one row per bucket.
    t->layout = BuildTable::Layout::kHashed;
    const int bits =
        std::max(1, static_cast<int>(std::bit_width(static_cast<uint64_t>(stats.count - 1))));
    t->num_buckets = int64_t{1} << bits;
    t->shift = 64 - bits;
  }
  DEEPRC_ASSIGN_OR_RETURN(t->heads, LargeArray<uint32_t>::Make(t->num_buckets));
  uint32_t* heads = t->heads.data();
  std::memset(heads, 0xFF, t->num_buckets * sizeof(uint32_t));  // kNoRow everywhere
  // Entries of null rows stay unwritten: no chain reaches them. Perfect tables get their links
  // only at the first repeated key (all kNoRow until then): a primary key never writes them.
  const int64_t num_rows = column.length();
  uint32_t* next = nullptr;
  HashedEntry* entries = nullptr;
  if (!perfect) {
    DEEPRC_ASSIGN_OR_RETURN(t->entries, LargeArray<HashedEntry>::Make(num_rows));
    entries = t->entries.data();
  }
  Status status;
  ForEachKeyBatch<T>(
      column,
      [&](const uint32_t* rows, const uint64_t* keys, int n) {
        uint64_t buckets[kBatch];
        for (int i = 0; i < n; ++i) {
          buckets[i] = t->Bucket(keys[i]);
          __builtin_prefetch(heads + buckets[i], 1);
        }
        for (int i = 0; i < n; ++i) {
          uint32_t& head = heads[buckets[i]];
          if (!perfect) {
            entries[rows[i]] = HashedEntry{keys[i], head};
            head = rows[i];
          } else if (head == kNoRow) {
            head = rows[i];
          } else {
            if (next == nullptr) {
              auto links = LargeArray<uint32_t>::Make(num_rows);
              if (!links.ok()) {
                status = links.status();
                return false;
              }
              t->next = std::move(links).ValueUnsafe();
              next = t->next.data();
              std::memset(next, 0xFF, num_rows * sizeof(uint32_t));  // kNoRow everywhere
            }
            next[rows[i]] = head & ~kMore;
            head = rows[i] | kMore;
          }
        }
        return true;
      },
      [](uint32_t) {});
  DEEPRC_RETURN_NOT_OK(status);
  // A primary key: every chain is one row long.
  if (perfect && next == nullptr) t->layout = BuildTable::Layout::kDirect;
  return Status::OK();
}

// Probes the table with `column`: every match as (probe row, build row); with `keep_probe` a probe
// row without partner as (row, kNoRow); `build_matched` (when given) flags the matched build rows.
//
// A batch's probe rows walk their chains in lockstep, one step each per round, prefetching every
// chain's next step before the round that reads it: a chain's steps depend on each other, but the
// chains do not, so a repeated key costs overlapped misses instead of a full memory latency per
// partner. Partners are collected per probe row (up to kRun of them; the rest of a longer chain is
// walked afterwards) and emitted in probe order.
template <typename T>
Status Probe(const arrow::ChunkedArray& column, const BuildTable& t, bool keep_probe, uint8_t* build_matched,
             MatchList* matches) {
  using Layout = BuildTable::Layout;
  constexpr int kRun = 8;
  const uint32_t* heads = t.layout != Layout::kEmpty ? t.heads.data() : nullptr;
  const uint32_t* next = t.layout == Layout::kPerfect ? t.next.data() : nullptr;
  const HashedEntry* entries = t.layout == Layout::kHashed ? t.entries.data() : nullptr;
  // One step of probe row i's chain at build row `row`: whether `row` (hashed) or the row it links
  // to (perfect) is a partner, stored in *partner; returns the row to step to next, or kNoRow.
  // Perfect chains hold only equal keys; a hashed chain's rows are checked by key.
  const auto step = [&](uint64_t key, uint32_t row, uint32_t* partner) -> uint32_t {
    if (entries != nullptr) {
      const HashedEntry& entry = entries[row];
      *partner = entry.key == key ? row : kNoRow;
      return entry.next;
    }
    *partner = next[row];
    return *partner;
  };
  Status status;
  ForEachKeyBatch<T>(
      column,
      [&](const uint32_t* batch_rows, const uint64_t* keys, int n) {
        if (!status.ok()) return;
        if (t.layout == Layout::kDirect) {
          // One row per key at most: prefetch the slots, then read them.
          status = matches->Ensure(n);
          if (!status.ok()) return;
          for (int i = 0; i < n; ++i) {
            if (t.MayContain(keys[i])) __builtin_prefetch(heads + (keys[i] - t.min));
          }
          for (int i = 0; i < n; ++i) {
            const uint32_t row = t.MayContain(keys[i]) ? heads[keys[i] - t.min] : kNoRow;
            if (row != kNoRow) {
              matches->Add(batch_rows[i], row);
              if (build_matched != nullptr) build_matched[row] = 1;
            } else if (keep_probe) {
              matches->Add(batch_rows[i], kNoRow);
            }
          }
          return;
        }
        // 1. Buckets, and their heads prefetched.
        uint64_t buckets[kBatch];
        bool candidate[kBatch];
        for (int i = 0; i < n; ++i) {
          candidate[i] = t.MayContain(keys[i]);
          buckets[i] = candidate[i] ? t.Bucket(keys[i]) : 0;
          if (candidate[i]) __builtin_prefetch(heads + buckets[i]);
        }
        // 2. The heads: a perfect head is a partner already; a chain to walk is prefetched.
        uint32_t found[kBatch][kRun];
        int num_found[kBatch];
        uint32_t at[kBatch];    // the build row whose step is next (a link or a hashed entry)
        uint32_t rest[kBatch];  // where a chain longer than kRun goes on, or kNoRow
        int active[kBatch];
        int num_active = 0;
        for (int i = 0; i < n; ++i) {
          num_found[i] = 0;
          rest[i] = kNoRow;
          const uint32_t head = candidate[i] ? heads[buckets[i]] : kNoRow;
          if (head == kNoRow) continue;
          if (entries != nullptr) {
            at[i] = head;
            __builtin_prefetch(entries + head);
          } else {
            at[i] = head & ~kMore;
            found[i][num_found[i]++] = at[i];
            // Perfect: a link is read only after a flagged head (a repeated key).
            if ((head & kMore) == 0) continue;
            __builtin_prefetch(next + at[i]);
          }
          active[num_active++] = i;
        }
        // 3. The chains in lockstep.
        while (num_active > 0) {
          int still = 0;
          for (int a = 0; a < num_active; ++a) {
            const int i = active[a];
            if (num_found[i] == kRun) {
              rest[i] = at[i];
              continue;
            }
            uint32_t partner;
            const uint32_t following = step(keys[i], at[i], &partner);
            if (partner != kNoRow) found[i][num_found[i]++] = partner;
            if (following == kNoRow) continue;
            at[i] = following;
            __builtin_prefetch(entries != nullptr ? static_cast<const void*>(entries + following)
                                                  : static_cast<const void*>(next + following));
            active[still++] = i;
          }
          num_active = still;
        }
        // 4. Emit in probe order.
        int64_t owed = 0;  // rows emitted below that Ensure was asked for at once
        for (int i = 0; i < n; ++i) owed += num_found[i] > 0 ? num_found[i] : (keep_probe ? 1 : 0);
        status = matches->Ensure(owed);
        if (!status.ok()) return;
        for (int i = 0; i < n; ++i) {
          for (int k = 0; k < num_found[i]; ++k) {
            matches->Add(batch_rows[i], found[i][k]);
            if (build_matched != nullptr) build_matched[found[i][k]] = 1;
            --owed;
          }
          for (uint32_t row = rest[i]; row != kNoRow;) {
            uint32_t partner;
            row = step(keys[i], row, &partner);
            if (partner == kNoRow) continue;
            status = matches->Ensure(owed + 1);
            if (!status.ok()) return;
            matches->Add(batch_rows[i], partner);
            if (build_matched != nullptr) build_matched[partner] = 1;
          }
          if (num_found[i] == 0 && keep_probe) {
            matches->Add(batch_rows[i], kNoRow);
            --owed;
          }
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

// The matches as (left rows, right rows), and which side built the table.
struct MatchedRows {
  std::shared_ptr<arrow::Array> left, right;
  bool build_left = false;
};

template <typename T>
Result<MatchedRows> MatchRowsOf(const arrow::ChunkedArray& left_key, const arrow::ChunkedArray& right_key,
                                const JoinPlan& plan) {
  // The smaller side builds; on a tie the right one, as in SQL engines, so that the output
  // follows the left (probe) side's order. But a side whose keys are dense and unique (a primary
  // key) makes the direct table, about half the cache misses of a chained one: when the sides are
  // of similar size and only the other one looks like a primary key, the other one builds.
  bool build_left = left_key.length() < right_key.length();
  const int64_t smaller = std::min(left_key.length(), right_key.length());
  const bool other_may_build = std::max(left_key.length(), right_key.length()) <= 2 * smaller;
  std::optional<KeyStats> stats;
  if (other_may_build && !FirstKeysDistinct<T>(build_left ? left_key : right_key) &&
      FirstKeysDistinct<T>(build_left ? right_key : left_key)) {
    stats = Stats<T>(build_left ? right_key : left_key);
    if (stats->Dense()) {
      build_left = !build_left;
    } else {
      stats.reset();
    }
  }
  const arrow::ChunkedArray& build_key = build_left ? left_key : right_key;
  const arrow::ChunkedArray& probe_key = build_left ? right_key : left_key;
  const bool keep_build = build_left ? plan.KeepsUnmatchedLeft() : plan.KeepsUnmatchedRight();
  const bool keep_probe = build_left ? plan.KeepsUnmatchedRight() : plan.KeepsUnmatchedLeft();
  if (!stats) stats = Stats<T>(build_key);

  MatchList matches;
  {
    BuildTable table;
    DEEPRC_RETURN_NOT_OK(Build<T>(build_key, *stats, &table));
    // Flags by build row: null rows are never matched, so the outer side's unmatched rows, nulls
    // included, are the unflagged ones, emitted in row order.
    std::vector<uint8_t> matched(keep_build ? build_key.length() : 0, 0);
    // Enough for the commonest joins (at most one partner per probe row) without growing.
    DEEPRC_RETURN_NOT_OK(matches.Reserve(probe_key.length() + (keep_build ? build_key.length() : 0)));
    DEEPRC_RETURN_NOT_OK(
        Probe<T>(probe_key, table, keep_probe, keep_build ? matched.data() : nullptr, &matches));
    if (keep_build) {
      DEEPRC_RETURN_NOT_OK(matches.Ensure(build_key.length()));
      for (int64_t row = 0; row < build_key.length(); ++row) {
        if (!matched[row]) matches.Add(kNoRow, static_cast<uint32_t>(row));
      }
    }
    // The table dies here, before the output columns are gathered.
  }
  MatchedRows result;
  DEEPRC_ASSIGN_OR_RETURN(auto probe_rows, ToIndexArray(matches.probe(), matches.size()));
  DEEPRC_ASSIGN_OR_RETURN(auto build_rows, ToIndexArray(matches.build(), matches.size()));
  result.left = build_left ? std::move(build_rows) : std::move(probe_rows);
  result.right = build_left ? std::move(probe_rows) : std::move(build_rows);
  result.build_left = build_left;
  return result;
}

Result<MatchedRows> MatchRows(const arrow::ChunkedArray& left_key, const arrow::ChunkedArray& right_key,
                              const JoinPlan& plan) {
  return DispatchKeyType(*left_key.type(),
                         [&]<typename T>() { return MatchRowsOf<T>(left_key, right_key, plan); });
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
  // there): the two are equal on every row, so only one is gathered. For an inner join that is
  // the probe side's, which comes out in order (a sequential read), not the build side's (a
  // random one): when the left side probes, its key is gathered and handed over as the right's.
  const auto replaced_by_right = [&](int i) {
    const auto& coalesced = plan.left_coalesced_type[i];
    return coalesced != nullptr && coalesced->id() != arrow::Type::NA && !plan.KeepsUnmatchedLeft() &&
           !arrow::is_floating(coalesced->id());
  };
  const bool key_from_left = plan.type == JoinType::kInner && !rows.build_left;
  std::vector<int> left_gathered, right_gathered;
  for (int i = 0; i < left.num_columns(); ++i) {
    if (!replaced_by_right(i) || key_from_left) left_gathered.push_back(i);
  }
  for (int j = 0; j < right.num_columns(); ++j) {
    const int into = plan.right_coalesced_into[j];
    if (!(key_from_left && into >= 0 && replaced_by_right(into))) right_gathered.push_back(j);
  }
  std::vector<std::shared_ptr<arrow::ChunkedArray>> left_columns(left.num_columns());
  std::vector<std::shared_ptr<arrow::ChunkedArray>> right_columns(right.num_columns());
  {
    DEEPRC_ASSIGN_OR_RETURN(auto left_subset, left.arrow()->SelectColumns(left_gathered));
    DEEPRC_ASSIGN_OR_RETURN(auto left_taken, TakeRows(Table(left_subset), *rows.left));
    rows.left.reset();
    for (size_t c = 0; c < left_gathered.size(); ++c) {
      left_columns[left_gathered[c]] = left_taken.arrow()->column(static_cast<int>(c));
    }
  }
  {
    DEEPRC_ASSIGN_OR_RETURN(auto right_subset, right.arrow()->SelectColumns(right_gathered));
    DEEPRC_ASSIGN_OR_RETURN(auto right_taken, TakeRows(Table(right_subset), *rows.right));
    rows.right.reset();
    for (size_t c = 0; c < right_gathered.size(); ++c) {
      right_columns[right_gathered[c]] = right_taken.arrow()->column(static_cast<int>(c));
    }
  }
  for (int j = 0; j < right.num_columns(); ++j) {
    if (right_columns[j] == nullptr) right_columns[j] = left_columns[plan.right_coalesced_into[j]];
  }
  return AssembleOutput(plan, std::move(left_columns), std::move(right_columns));
}

}  // namespace deeprc::table::join_internal
