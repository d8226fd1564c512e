#include "deeprc/table/sort/radix_sort.h"

#include <arrow/util/bit_util.h>
#include <arrow/util/bitmap_ops.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "deeprc/table/kernel/gather.h"
#include "deeprc/table/kernel/large_buffer.h"
#include "deeprc/table/kernel/min_max.h"
#include "deeprc/table/kernel/numeric_dispatch.h"

namespace deeprc::table {
namespace {

// A key in its ordered form and its row. Packed to 12 bytes: every pass of the sort moves whole
// pairs, so the 4 bytes of padding would be a third more memory traffic.
#pragma pack(push, 4)
struct Pair {
  uint64_t key;
  uint32_t row;
};
#pragma pack(pop)
static_assert(sizeof(Pair) == 12);

// At most 2^11 buckets per pass within a bucket: the counts and the 2048 write streams of a
// scatter stay in L1/L2.
constexpr int kMaxDigitBits = 11;
// The first digit, counted and scattered over the whole column, may take one bit more: 4096
// buckets of 10M random keys hold ~2.4K pairs each, which the sort of a bucket keeps in L1 and
// L2; measured 7 % faster than 2048 buckets at 10M rows.
constexpr int kMaxFirstDigitBits = 12;
// Ranges this small are finished by insertion sort, cheaper than another counting pass.
constexpr int64_t kInsertionSortMax = 32;

// The unsigned 64-bit word whose unsigned order is the order of `value`.
template <typename T>
uint64_t OrderedBits(T value) {
  if constexpr (std::is_same_v<T, float>) {
    const uint32_t bits = std::bit_cast<uint32_t>(value + 0.0f);  // + 0 turns -0.0 into 0.0
    return (bits >> 31) ? ~bits : (bits | 0x80000000u);
  } else if constexpr (std::is_same_v<T, double>) {
    const uint64_t bits = std::bit_cast<uint64_t>(value + 0.0);
    return (bits >> 63) ? ~bits : (bits | (uint64_t{1} << 63));
  } else if constexpr (std::is_signed_v<T>) {
    return static_cast<uint64_t>(static_cast<int64_t>(value)) ^ (uint64_t{1} << 63);
  } else {
    return static_cast<uint64_t>(value);
  }
}

// The rows of sorted pairs into `out`, and their keys into `out_keys` unless it is null.
template <typename Row>
void WriteRows(const Pair* pairs, int64_t n, Row* out, uint64_t* out_keys) {
  for (int64_t i = 0; i < n; ++i) out[i] = pairs[i].row;
  if (out_keys != nullptr) {
    for (int64_t i = 0; i < n; ++i) out_keys[i] = pairs[i].key;
  }
}

// Digit width for a range of n keys: about one to a few keys per bucket, at most 2^max_bits buckets.
int DigitBits(int64_t n, int max_bits = kMaxDigitBits) {
  return std::clamp(static_cast<int>(std::bit_width(static_cast<uint64_t>(n))) - 1, 4, max_bits);
}

// Insertion sort of n pairs, stable (strictly greater moves): cheap while every pair sits at
// most a few places from where it belongs.
void InsertionSort(Pair* pairs, int64_t n) {
  for (int64_t i = 1; i < n; ++i) {
    const Pair item = pairs[i];
    int64_t j = i;
    for (; j > 0 && pairs[j - 1].key > item.key; --j) pairs[j] = pairs[j - 1];
    pairs[j] = item;
  }
}

// Sorts `n` pairs at `src` stably by the low `bits` bits of their keys (the higher bits are
// equal across the range) and writes their rows, in order, to `out`. `tmp` is scratch of n pairs.
// Out-of-place MSD radix: each pass scatters src into tmp by one digit, then every bucket is
// sorted by the remaining bits with the roles of the buffers swapped.
template <typename Row>
void SortRange(Pair* src, Pair* tmp, int64_t n, int bits, Row* out, uint64_t* out_keys) {
  if (n <= kInsertionSortMax) {
    InsertionSort(src, n);
    WriteRows(src, n, out, out_keys);
    return;
  }
  // Fewer buckets for smaller ranges: about one to a few keys per bucket.
  const int max_digit = DigitBits(n);
  std::array<int64_t, (1 << kMaxDigitBits) + 1> counts;
  while (bits > 0) {
    const int digit = std::min(bits, max_digit);
    const int shift = bits - digit;
    const uint64_t mask = (uint64_t{1} << digit) - 1;
    const int64_t num_buckets = int64_t{1} << digit;
    std::fill(counts.begin(), counts.begin() + num_buckets + 1, 0);
    for (int64_t i = 0; i < n; ++i) ++counts[((src[i].key >> shift) & mask) + 1];
    bits = shift;
    const int64_t largest = *std::max_element(counts.begin() + 1, counts.begin() + num_buckets + 1);
    // A digit on which every key agrees moves nothing: go straight to the next one.
    if (largest == n) continue;
    for (int64_t b = 0; b < num_buckets; ++b) counts[b + 1] += counts[b];  // counts[b] = start of b
    std::array<int64_t, (1 << kMaxDigitBits)> next;
    std::copy(counts.begin(), counts.begin() + num_buckets, next.begin());
    for (int64_t i = 0; i < n; ++i) tmp[next[(src[i].key >> shift) & mask]++] = src[i];
    // Buckets this small (the common case for random keys: a few pairs each) are finished by one
    // insertion sort over the whole range, which never moves a pair out of its bucket, instead
    // of a call per bucket.
    if (largest <= kInsertionSortMax) {
      InsertionSort(tmp, n);
      WriteRows(tmp, n, out, out_keys);
      return;
    }
    for (int64_t b = 0; b < num_buckets; ++b) {
      const int64_t begin = counts[b];
      const int64_t size = counts[b + 1] - begin;
      if (size == 1) {
        WriteRows(tmp + begin, 1, out + begin, out_keys == nullptr ? nullptr : out_keys + begin);
      } else if (size > 1) {
        SortRange(tmp + begin, src + begin, size, shift, out + begin,
                  out_keys == nullptr ? nullptr : out_keys + begin);
      }
    }
    return;
  }
  // Every key of the range is equal: the input order is the stable order.
  WriteRows(src, n, out, out_keys);
}

// Calls f(row, key, chunk, i) for each value of `column` that is neither null nor NaN, with `key`
// its ordered word (inverted for descending: ascending order of the inverted words is descending
// order, and ties keep their input order) and (chunk, i) where it lies.
template <typename T, typename F>
void ForEachKey(const arrow::ChunkedArray& column, uint64_t flip, F&& f) {
  uint32_t row = 0;
  for (int chunk = 0; chunk < column.num_chunks(); ++chunk) {
    const auto& data = *column.chunk(chunk)->data();
    const T* values = data.GetValues<T>(1);
    const uint8_t* validity = data.GetNullCount() != 0 ? data.GetValues<uint8_t>(0, 0) : nullptr;
    for (int64_t i = 0; i < data.length; ++i, ++row) {
      if (validity != nullptr && !arrow::bit_util::GetBit(validity, data.offset + i)) continue;
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(values[i])) continue;
      }
      f(row, OrderedBits(values[i]) ^ flip, chunk, i);
    }
  }
}

// Puts values[0, n) in the order `perm` gives (values[j] = old values[perm[j]]), through `copy`.
template <typename V>
void Permute(V* values, const uint32_t* perm, int64_t n, V* copy) {
  std::copy(values, values + n, copy);
  for (int64_t j = 0; j < n; ++j) values[j] = copy[perm[j]];
}

// A column of 8-byte values, chunked like the key column, whose values travel with the keys
// through the sort into `out`: reading it in order beside the keys and reordering each bucket in
// cache replaces the random reads of a gather by the sorted row numbers (a cache and TLB miss
// per row: a fifth of a 10M-row sort).
struct CarriedColumn {
  std::vector<const uint64_t*> chunks;
  uint64_t* out;
};

// Writes the sorted rows of `column` to `out` (n entries, uint32 or uint64) and, unless null, the
// ordered words of the sortable ones to `out_keys`; returns how many rows are sortable (neither
// null nor NaN). When all of them are, also writes each of `carried` in sorted order, and leaves
// `out` alone unless `rows_when_carried`.
//
// The first digit is counted and scattered straight from the column (three sequential reads of
// it are cheaper than writing all pairs first and reading them twice); each bucket is then sorted
// by SortRange, with scratch only a few times as large as the largest bucket.
template <typename T, typename Row>
Result<int64_t> SortColumn(const arrow::ChunkedArray& column, bool ascending, Row* out, uint64_t* out_keys,
                           const std::vector<CarriedColumn>& carried = {}, bool rows_when_carried = true) {
  const uint64_t flip = ascending ? 0 : ~uint64_t{0};
  // Pass 1: the range of the keys, and the NaN and null rows, which go last in input order.
  uint64_t min = ~uint64_t{0}, max = 0;
  int64_t m = 0;
  if (std::is_integral_v<T> && column.null_count() == 0 && column.length() > 0) {
    // Every row is sortable, and the words' order is the values' order (reversed by the flip).
    T lo = std::numeric_limits<T>::max(), hi = std::numeric_limits<T>::lowest();
    for (const auto& chunk : column.chunks())
      UpdateMinMax(chunk->data()->GetValues<T>(1), chunk->length(), &lo, &hi);
    min = std::min(OrderedBits(lo) ^ flip, OrderedBits(hi) ^ flip);
    max = std::max(OrderedBits(lo) ^ flip, OrderedBits(hi) ^ flip);
    m = column.length();
  } else {
    ForEachKey<T>(column, flip, [&](uint32_t, uint64_t key, int, int64_t) {
      min = std::min(min, key);
      max = std::max(max, key);
      ++m;
    });
  }
  {
    int64_t at = m;
    std::vector<uint32_t> null_rows;
    uint32_t row = 0;
    for (const auto& chunk : column.chunks()) {
      const auto& data = *chunk->data();
      const T* values = data.GetValues<T>(1);
      const uint8_t* validity = data.GetNullCount() != 0 ? data.GetValues<uint8_t>(0, 0) : nullptr;
      if (validity == nullptr && !std::is_floating_point_v<T>) {
        row += static_cast<uint32_t>(data.length);
        continue;
      }
      for (int64_t i = 0; i < data.length; ++i, ++row) {
        if (validity != nullptr && !arrow::bit_util::GetBit(validity, data.offset + i)) {
          null_rows.push_back(row);
        } else if constexpr (std::is_floating_point_v<T>) {
          if (std::isnan(values[i])) out[at++] = row;
        }
      }
    }
    for (const uint32_t null_row : null_rows) out[at++] = null_row;
  }
  if (m == 0) return m;

  // Bits above the highest one in which min and max differ are the same in every key.
  const int bits = static_cast<int>(std::bit_width(min ^ max));
  const int digit = std::min(bits, DigitBits(m, kMaxFirstDigitBits));
  const int shift = bits - digit;
  const uint64_t mask = (uint64_t{1} << digit) - 1;
  const int64_t num_buckets = int64_t{1} << digit;
  // Pass 2: count the first digit.
  std::vector<int64_t> counts(num_buckets + 1, 0);
  ForEachKey<T>(column, flip,
                [&](uint32_t, uint64_t key, int, int64_t) { ++counts[((key >> shift) & mask) + 1]; });
  int64_t largest = 0;
  for (int64_t b = 0; b < num_buckets; ++b) {
    largest = std::max(largest, counts[b + 1]);
    counts[b + 1] += counts[b];
  }
  // Pass 3: scatter keys and rows (and carried values) to their buckets, into the output arrays
  // themselves (a scratch array for the keys when the caller wants none back): no n-pair array
  // to allocate, whose fresh pages the kernel would have to zero.
  LargeArray<uint64_t> key_scratch;
  if (out_keys == nullptr) {
    DEEPRC_ASSIGN_OR_RETURN(key_scratch, LargeArray<uint64_t>::Make(m));
  }
  uint64_t* keys = out_keys != nullptr ? out_keys : key_scratch.data();
  // Only when every row is sortable: then the carried columns need no rows at the end.
  const bool carry = m == column.length() && !carried.empty();
  // The rows are a fourth stream of random writes in the scatter: only when wanted.
  const bool write_rows = !carry || rows_when_carried;
  {
    std::vector<int64_t> next(counts.begin(), counts.end() - 1);
    ForEachKey<T>(column, flip, [&](uint32_t row, uint64_t key, int chunk, int64_t i) {
      const int64_t at = next[(key >> shift) & mask]++;
      keys[at] = key;
      if (write_rows) out[at] = static_cast<Row>(row);
      if (carry) {
        for (const CarriedColumn& c : carried) c.out[at] = c.chunks[chunk][i];
      }
    });
  }
  // Each bucket (cache-sized) is sorted as (key, position in the bucket) pairs in scratch; the
  // sorted positions then reorder the bucket's rows and carried values in place, in cache.
  const int64_t scratch_pairs = 2 * largest + (largest * static_cast<int64_t>(sizeof(uint64_t)) + 11) / 12;
  DEEPRC_ASSIGN_OR_RETURN(auto scratch, LargeArray<Pair>::Make(scratch_pairs));
  Pair* src = scratch.data();
  Pair* tmp = src + largest;
  auto* copy = reinterpret_cast<uint64_t*>(tmp + largest);
  DEEPRC_ASSIGN_OR_RETURN(auto perm_buffer, LargeArray<uint32_t>::Make(largest));
  uint32_t* perm = perm_buffer.data();
  for (int64_t b = 0; b < num_buckets; ++b) {
    const int64_t begin = counts[b];
    const int64_t size = counts[b + 1] - begin;
    if (size == 0) continue;
    for (int64_t i = 0; i < size; ++i) src[i] = {keys[begin + i], static_cast<uint32_t>(i)};
    SortRange(src, tmp, size, shift, perm, out_keys == nullptr ? nullptr : out_keys + begin);
    if (write_rows) Permute(out + begin, perm, size, reinterpret_cast<Row*>(copy));
    if (carry) {
      for (const CarriedColumn& c : carried) Permute(c.out + begin, perm, size, copy);
    }
  }
  return m;
}

// Calls f.template operator()<T>() with T the C type of a supported column type.
template <typename F>
auto DispatchSortType(const arrow::DataType& type, F&& f) -> decltype(f.template operator()<int8_t>()) {
  if (type.id() == arrow::Type::FLOAT) return f.template operator()<float>();
  if (type.id() == arrow::Type::DOUBLE) return f.template operator()<double>();
  // Integers and the temporal types, which are signed integers underneath.
  return VisitIntegerOfWidth(type.byte_width(), !arrow::is_unsigned_integer(type.id()),
                             "radix sort of " + type.ToString(), std::forward<F>(f));
}

// The values back from their ordered words: the inverse of OrderedBits (integers only).
template <typename T>
T FromOrderedBits(uint64_t word) {
  if constexpr (std::is_signed_v<T>) {
    return static_cast<T>(static_cast<int64_t>(word ^ (uint64_t{1} << 63)));
  } else {
    return static_cast<T>(word);
  }
}

}  // namespace

bool RadixSortSupports(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::UINT8:
    case arrow::Type::UINT16:
    case arrow::Type::UINT32:
    case arrow::Type::UINT64:
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE:
    case arrow::Type::DATE32:
    case arrow::Type::DATE64:
    case arrow::Type::TIMESTAMP:
    case arrow::Type::TIME32:
    case arrow::Type::TIME64:
    case arrow::Type::DURATION:
      return true;
    default:
      return false;
  }
}

bool RadixSortCanCarry(const arrow::ChunkedArray& key, const arrow::ChunkedArray& values) {
  if (!GatherSupports(*values.type()) || values.type()->byte_width() != 8 || values.null_count() != 0 ||
      values.num_chunks() != key.num_chunks()) {
    return false;
  }
  for (int c = 0; c < key.num_chunks(); ++c) {
    if (values.chunk(c)->length() != key.chunk(c)->length()) return false;
  }
  return true;
}

Result<RadixSorted> RadixSort(const arrow::ChunkedArray& column, bool ascending,
                              const std::vector<std::shared_ptr<arrow::ChunkedArray>>& carry,
                              bool indices_when_carried) {
  const int64_t n = column.length();
  const auto& type = column.type();
  if (!RadixSortSupports(*type)) return Status::NotImplemented("radix sort of ", type->ToString());
  if (n >= kRadixSortMaxRows) return Status::NotImplemented("radix sort of 2^32 rows or more");
  // 32-bit row numbers: half the memory of SortIndices' 64-bit ones, and TakeRows takes either.
  DEEPRC_ASSIGN_OR_RETURN(auto indices, AllocateLargeBuffer(n * static_cast<int64_t>(sizeof(uint32_t))));
  auto* out = reinterpret_cast<uint32_t*>(indices->mutable_data());
  std::vector<CarriedColumn> carried(carry.size());
  std::vector<std::shared_ptr<arrow::Buffer>> carried_buffers(carry.size());
  for (size_t c = 0; c < carry.size(); ++c) {
    if (!RadixSortCanCarry(column, *carry[c])) {
      return Status::Invalid("radix sort cannot carry a column of ", carry[c]->type()->ToString());
    }
    DEEPRC_ASSIGN_OR_RETURN(carried_buffers[c],
                            AllocateLargeBuffer(n * static_cast<int64_t>(sizeof(uint64_t))));
    carried[c].out = reinterpret_cast<uint64_t*>(carried_buffers[c]->mutable_data());
    for (const auto& chunk : carry[c]->chunks())
      carried[c].chunks.push_back(chunk->data()->GetValues<uint64_t>(1));
  }
  RadixSorted sorted;
  int64_t m = 0;
  if (arrow::is_floating(type->id())) {
    // Float keys are gathered by the caller: their ordered words lost the sign of -0.0.
    DEEPRC_RETURN_NOT_OK(DispatchSortType(*type, [&]<typename T>() -> Status {
      DEEPRC_ASSIGN_OR_RETURN(m,
                              SortColumn<T>(column, ascending, out, nullptr, carried, indices_when_carried));
      return Status::OK();
    }));
  } else {
    // Integer keys: the sorted words are the sorted values, written in order instead of gathered.
    // The words go into the values' own buffer (8 bytes a row) and become values in place: value i
    // never lies beyond word i, so each word is read before it is overwritten.
    DEEPRC_ASSIGN_OR_RETURN(auto values, AllocateLargeBuffer(n * static_cast<int64_t>(sizeof(uint64_t))));
    auto* words = reinterpret_cast<uint64_t*>(values->mutable_data());
    DEEPRC_RETURN_NOT_OK(DispatchSortType(*type, [&]<typename T>() -> Status {
      DEEPRC_ASSIGN_OR_RETURN(m, SortColumn<T>(column, ascending, out, words, carried, indices_when_carried));
      T* v = reinterpret_cast<T*>(words);
      const uint64_t flip = ascending ? 0 : ~uint64_t{0};
      for (int64_t i = 0; i < m; ++i) v[i] = FromOrderedBits<T>(words[i] ^ flip);
      std::fill(v + m, v + n, T{});
      // Integers have no NaN: the m sortable rows come first, then the nulls.
      std::shared_ptr<arrow::Buffer> validity;
      if (m < n) {
        DEEPRC_ASSIGN_OR_RETURN(validity, arrow::AllocateEmptyBitmap(n));
        arrow::bit_util::SetBitsTo(validity->mutable_data(), 0, m, true);
      }
      sorted.keys =
          arrow::MakeArray(arrow::ArrayData::Make(type, n, {std::move(validity), std::move(values)}, n - m));
      return Status::OK();
    }));
  }
  // SortColumn carries the columns only when every row is sortable. The indices' buffer, unless
  // written, was never touched: it cost address space, not memory.
  const bool carried_all = m == n && !carry.empty();
  if (!carried_all || indices_when_carried) {
    sorted.indices = std::make_shared<arrow::UInt32Array>(n, std::move(indices));
  }
  sorted.carried.resize(carry.size());
  for (size_t c = 0; c < carry.size() && m == n; ++c) {
    sorted.carried[c] = arrow::MakeArray(
        arrow::ArrayData::Make(carry[c]->type(), n, {nullptr, std::move(carried_buffers[c])}, 0));
  }
  return sorted;
}

Result<std::shared_ptr<arrow::UInt64Array>> RadixSortIndices(const arrow::ChunkedArray& column,
                                                             bool ascending) {
  const int64_t n = column.length();
  const auto& type = column.type();
  if (!RadixSortSupports(*type)) return Status::NotImplemented("radix sort of ", type->ToString());
  if (n >= kRadixSortMaxRows) return Status::NotImplemented("radix sort of 2^32 rows or more");
  DEEPRC_ASSIGN_OR_RETURN(auto indices, AllocateLargeBuffer(n * static_cast<int64_t>(sizeof(uint64_t))));
  auto* out = reinterpret_cast<uint64_t*>(indices->mutable_data());
  DEEPRC_RETURN_NOT_OK(DispatchSortType(*type, [&]<typename T>() -> Status {
    return SortColumn<T>(column, ascending, out, nullptr).status();
  }));
  return std::make_shared<arrow::UInt64Array>(n, std::move(indices));
}

}  // namespace deeprc::table
