#include "deeprc/table/radix_sort.h"

#include <arrow/util/bit_util.h>
#include <arrow/util/bitmap_ops.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "deeprc/table/large_buffer.h"
#include "deeprc/table/numeric_dispatch.h"

namespace deeprc {
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

// At most 2^11 buckets per pass: the counts and the 2048 write streams of a scatter stay in L1/L2.
constexpr int kMaxDigitBits = 11;
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

// Digit width for a range of n keys: about one to a few keys per bucket, at most 2^11 buckets.
int DigitBits(int64_t n) {
  return std::clamp(static_cast<int>(std::bit_width(static_cast<uint64_t>(n))) - 1, 4, kMaxDigitBits);
}

// Sorts `n` pairs at `src` stably by the low `bits` bits of their keys (the higher bits are
// equal across the range) and writes their rows, in order, to `out`. `tmp` is scratch of n pairs.
// Out-of-place MSD radix: each pass scatters src into tmp by one digit, then every bucket is
// sorted by the remaining bits with the roles of the buffers swapped.
template <typename Row>
void SortRange(Pair* src, Pair* tmp, int64_t n, int bits, Row* out, uint64_t* out_keys) {
  if (n <= kInsertionSortMax) {
    for (int64_t i = 1; i < n; ++i) {
      const Pair item = src[i];
      int64_t j = i;
      // Strictly greater: equal keys keep their order (stable).
      for (; j > 0 && src[j - 1].key > item.key; --j) src[j] = src[j - 1];
      src[j] = item;
    }
    WriteRows(src, n, out, out_keys);
    return;
  }
  // Fewer buckets for smaller ranges: about one to a few keys per bucket.
  const int max_digit =
      std::clamp(static_cast<int>(std::bit_width(static_cast<uint64_t>(n))) - 1, 4, kMaxDigitBits);
  std::array<int64_t, (1 << kMaxDigitBits) + 1> counts;
  while (bits > 0) {
    const int digit = std::min(bits, max_digit);
    const int shift = bits - digit;
    const uint64_t mask = (uint64_t{1} << digit) - 1;
    const int64_t num_buckets = int64_t{1} << digit;
    std::fill(counts.begin(), counts.begin() + num_buckets + 1, 0);
    for (int64_t i = 0; i < n; ++i) ++counts[((src[i].key >> shift) & mask) + 1];
    bits = shift;
    // A digit on which every key agrees moves nothing: go straight to the next one.
    if (std::find(counts.begin() + 1, counts.begin() + num_buckets + 1, n) !=
        counts.begin() + num_buckets + 1) {
      continue;
    }
    for (int64_t b = 0; b < num_buckets; ++b) counts[b + 1] += counts[b];  // counts[b] = start of b
    std::array<int64_t, (1 << kMaxDigitBits)> next;
    std::copy(counts.begin(), counts.begin() + num_buckets, next.begin());
    for (int64_t i = 0; i < n; ++i) tmp[next[(src[i].key >> shift) & mask]++] = src[i];
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

// Calls f(row, key) for each value of `column` that is neither null nor NaN, with `key` its
// ordered word (inverted for descending: ascending order of the inverted words is descending
// order, and ties keep their input order).
template <typename T, typename F>
void ForEachKey(const arrow::ChunkedArray& column, uint64_t flip, F&& f) {
  uint32_t row = 0;
  for (const auto& chunk : column.chunks()) {
    const auto& data = *chunk->data();
    const T* values = data.GetValues<T>(1);
    const uint8_t* validity = data.GetNullCount() != 0 ? data.GetValues<uint8_t>(0, 0) : nullptr;
    for (int64_t i = 0; i < data.length; ++i, ++row) {
      if (validity != nullptr && !arrow::bit_util::GetBit(validity, data.offset + i)) continue;
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(values[i])) continue;
      }
      f(row, OrderedBits(values[i]) ^ flip);
    }
  }
}

// Writes the sorted rows of `column` to `out` (n entries, uint32 or uint64) and, unless null, the ordered
// words of the sortable ones to `out_keys`; returns how many rows are sortable (neither null nor NaN).
//
// The first digit is counted and scattered straight from the column (three sequential reads of
// it are cheaper than writing all pairs first and reading them twice); each bucket is then sorted
// by SortRange, with scratch only as large as the largest bucket.
template <typename T, typename Row>
Result<int64_t> SortColumn(const arrow::ChunkedArray& column, bool ascending, Row* out, uint64_t* out_keys) {
  const uint64_t flip = ascending ? 0 : ~uint64_t{0};
  // Pass 1: the range of the keys, and the NaN and null rows, which go last in input order.
  uint64_t min = ~uint64_t{0}, max = 0;
  int64_t m = 0;
  ForEachKey<T>(column, flip, [&](uint32_t, uint64_t key) {
    min = std::min(min, key);
    max = std::max(max, key);
    ++m;
  });
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
  const int digit = std::min(bits, DigitBits(m));
  const int shift = bits - digit;
  const uint64_t mask = (uint64_t{1} << digit) - 1;
  const int64_t num_buckets = int64_t{1} << digit;
  // Pass 2: count the first digit.
  std::vector<int64_t> counts(num_buckets + 1, 0);
  ForEachKey<T>(column, flip, [&](uint32_t, uint64_t key) { ++counts[((key >> shift) & mask) + 1]; });
  int64_t largest = 0;
  for (int64_t b = 0; b < num_buckets; ++b) {
    largest = std::max(largest, counts[b + 1]);
    counts[b + 1] += counts[b];
  }
  // Pass 3: scatter the pairs to their buckets.
  DEEPRC_ASSIGN_OR_RETURN(auto pairs, LargeArray<Pair>::Make(m));
  {
    std::vector<int64_t> next(counts.begin(), counts.end() - 1);
    Pair* p = pairs.data();
    ForEachKey<T>(column, flip, [&](uint32_t row, uint64_t key) {
      p[next[(key >> shift) & mask]++] = {key, row};
    });
  }
  DEEPRC_ASSIGN_OR_RETURN(auto scratch, LargeArray<Pair>::Make(largest));
  for (int64_t b = 0; b < num_buckets; ++b) {
    const int64_t begin = counts[b];
    const int64_t size = counts[b + 1] - begin;
    if (size == 0) continue;
    SortRange(pairs.data() + begin, scratch.data(), size, shift, out + begin,
              out_keys == nullptr ? nullptr : out_keys + begin);
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

Result<RadixSorted> RadixSort(const arrow::ChunkedArray& column, bool ascending) {
  const int64_t n = column.length();
  const auto& type = column.type();
  if (!RadixSortSupports(*type)) return Status::NotImplemented("radix sort of ", type->ToString());
  if (n >= kRadixSortMaxRows) return Status::NotImplemented("radix sort of 2^32 rows or more");
  // 32-bit row numbers: half the memory of SortIndices' 64-bit ones, and TakeRows takes either.
  DEEPRC_ASSIGN_OR_RETURN(auto indices, AllocateLargeBuffer(n * static_cast<int64_t>(sizeof(uint32_t))));
  auto* out = reinterpret_cast<uint32_t*>(indices->mutable_data());
  RadixSorted sorted;
  if (arrow::is_floating(type->id())) {
    // Float keys are gathered by the caller: their ordered words lost the sign of -0.0.
    DEEPRC_RETURN_NOT_OK(DispatchSortType(*type, [&]<typename T>() -> Status {
      return SortColumn<T>(column, ascending, out, nullptr).status();
    }));
    sorted.indices = std::make_shared<arrow::UInt32Array>(n, std::move(indices));
    return sorted;
  }
  // Integer keys: the sorted words are the sorted values, written in order instead of gathered.
  // The words go into the values' own buffer (8 bytes a row) and become values in place: value i
  // never lies beyond word i, so each word is read before it is overwritten.
  DEEPRC_ASSIGN_OR_RETURN(auto values, AllocateLargeBuffer(n * static_cast<int64_t>(sizeof(uint64_t))));
  auto* words = reinterpret_cast<uint64_t*>(values->mutable_data());
  DEEPRC_RETURN_NOT_OK(DispatchSortType(*type, [&]<typename T>() -> Status {
    DEEPRC_ASSIGN_OR_RETURN(const int64_t m, SortColumn<T>(column, ascending, out, words));
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
  sorted.indices = std::make_shared<arrow::UInt32Array>(n, std::move(indices));
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

}  // namespace deeprc
