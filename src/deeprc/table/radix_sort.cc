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

// Sorts `n` pairs at `src` stably by the low `bits` bits of their keys (the higher bits are
// equal across the range) and writes their rows, in order, to `out`. `tmp` is scratch of n pairs.
// Out-of-place MSD radix: each pass scatters src into tmp by one digit, then every bucket is
// sorted by the remaining bits with the roles of the buffers swapped.
void SortRange(Pair* src, Pair* tmp, int64_t n, int bits, uint64_t* out) {
  if (n <= kInsertionSortMax) {
    for (int64_t i = 1; i < n; ++i) {
      const Pair item = src[i];
      int64_t j = i;
      // Strictly greater: equal keys keep their order (stable).
      for (; j > 0 && src[j - 1].key > item.key; --j) src[j] = src[j - 1];
      src[j] = item;
    }
    for (int64_t i = 0; i < n; ++i) out[i] = src[i].row;
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
        out[begin] = tmp[begin].row;
      } else if (size > 1) {
        SortRange(tmp + begin, src + begin, size, shift, out + begin);
      }
    }
    return;
  }
  // Every key of the range is equal: the input order is the stable order.
  for (int64_t i = 0; i < n; ++i) out[i] = src[i].row;
}

// Where the rows of a column go: the sortable pairs, then NaN rows, then null rows.
struct Collected {
  LargeArray<Pair> pairs;
  int64_t num_pairs = 0;
  std::vector<uint32_t> nan_rows;
  std::vector<uint32_t> null_rows;
  uint64_t min = ~uint64_t{0};
  uint64_t max = 0;
};

template <typename T>
void Collect(const arrow::ChunkedArray& column, bool ascending, Collected* c) {
  // Descending order is ascending order of the inverted words; ties stay in input order.
  const uint64_t flip = ascending ? 0 : ~uint64_t{0};
  uint64_t min = c->min, max = c->max;
  Pair* pairs = c->pairs.data();
  int64_t num_pairs = 0;
  uint32_t row = 0;
  for (const auto& chunk : column.chunks()) {
    const auto& data = *chunk->data();
    const T* values = data.GetValues<T>(1);
    const uint8_t* validity = data.null_count != 0 ? data.GetValues<uint8_t>(0, 0) : nullptr;
    for (int64_t i = 0; i < data.length; ++i, ++row) {
      if (validity != nullptr && !arrow::bit_util::GetBit(validity, data.offset + i)) {
        c->null_rows.push_back(row);
        continue;
      }
      const T value = values[i];
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(value)) {
          c->nan_rows.push_back(row);
          continue;
        }
      }
      const uint64_t key = OrderedBits(value) ^ flip;
      min = std::min(min, key);
      max = std::max(max, key);
      pairs[num_pairs++] = {key, row};
    }
  }
  c->num_pairs = num_pairs;
  c->min = min;
  c->max = max;
}

Status CollectColumn(const arrow::ChunkedArray& column, bool ascending, Collected* c) {
  const auto& type = *column.type();
  if (arrow::is_floating(type.id())) {
    if (type.id() == arrow::Type::FLOAT) {
      Collect<float>(column, ascending, c);
    } else {
      Collect<double>(column, ascending, c);
    }
    return Status::OK();
  }
  // Integers and the temporal types, which are integers underneath.
  const bool is_signed = !arrow::is_unsigned_integer(type.id());
  switch (type.byte_width()) {
    case 1:
      is_signed ? Collect<int8_t>(column, ascending, c) : Collect<uint8_t>(column, ascending, c);
      return Status::OK();
    case 2:
      is_signed ? Collect<int16_t>(column, ascending, c) : Collect<uint16_t>(column, ascending, c);
      return Status::OK();
    case 4:
      is_signed ? Collect<int32_t>(column, ascending, c) : Collect<uint32_t>(column, ascending, c);
      return Status::OK();
    case 8:
      is_signed ? Collect<int64_t>(column, ascending, c) : Collect<uint64_t>(column, ascending, c);
      return Status::OK();
    default:
      return Status::NotImplemented("radix sort of ", type.ToString());
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

Result<std::shared_ptr<arrow::UInt64Array>> RadixSortIndices(const arrow::ChunkedArray& column,
                                                             bool ascending) {
  const int64_t n = column.length();
  if (!RadixSortSupports(*column.type())) {
    return Status::NotImplemented("radix sort of ", column.type()->ToString());
  }
  if (n >= kRadixSortMaxRows) return Status::NotImplemented("radix sort of 2^32 rows or more");

  Collected c;
  DEEPRC_ASSIGN_OR_RETURN(c.pairs, LargeArray<Pair>::Make(n - column.null_count()));
  DEEPRC_RETURN_NOT_OK(CollectColumn(column, ascending, &c));

  DEEPRC_ASSIGN_OR_RETURN(auto buffer, AllocateLargeBuffer(n * static_cast<int64_t>(sizeof(uint64_t))));
  auto* out = reinterpret_cast<uint64_t*>(buffer->mutable_data());
  const int64_t m = c.num_pairs;
  if (m > 0) {
    // Bits above the highest one in which min and max differ are the same in every key.
    const int bits = static_cast<int>(std::bit_width(c.min ^ c.max));
    DEEPRC_ASSIGN_OR_RETURN(auto scratch, LargeArray<Pair>::Make(m));
    SortRange(c.pairs.data(), scratch.data(), m, bits, out);
  }
  int64_t at = m;
  for (const uint32_t row : c.nan_rows) out[at++] = row;
  for (const uint32_t row : c.null_rows) out[at++] = row;
  return std::make_shared<arrow::UInt64Array>(n, std::move(buffer));
}

}  // namespace deeprc
