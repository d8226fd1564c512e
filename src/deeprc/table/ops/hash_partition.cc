#include "deeprc/table/ops/hash_partition.h"

#include <arrow/compute/cast.h>
#include <arrow/util/checked_cast.h>

#include <cmath>
#include <algorithm>
#include <cstring>
#include <limits>

#include "deeprc/table/kernel/compute.h"
#include "deeprc/table/kernel/gather.h"
#include "deeprc/table/kernel/large_buffer.h"
#include "deeprc/table/kernel/numeric_dispatch.h"
#include "deeprc/table/ops/slice.h"
#include "deeprc/table/sort/sort.h"

// xxHash is vendored by Arrow as a header-only library; inlining it keeps its symbols private.
#define XXH_INLINE_ALL
#include <arrow/vendored/xxhash.h>

namespace deeprc::table {
namespace {

using arrow::internal::checked_cast;

// These constants are part of the hash's definition: changing them changes every partition.
constexpr uint64_t kNullHash = 0x6a09e667f3bcc908ULL;
constexpr uint64_t kWordSeed = 0xbb67ae8584caa73bULL;
constexpr uint64_t kCombine = 0x9e3779b97f4a7c15ULL;

// MurmurHash3's 64-bit finalizer: a bijection with full avalanche, endian-independent.
inline uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

inline uint64_t HashWord(uint64_t word) { return Mix(word ^ kWordSeed); }

inline uint64_t HashBytes(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

inline uint64_t HashDouble(double value) {
  if (std::isnan(value)) return HashWord(0x7ff8000000000000ULL);
  // Integral values hash as the integer they equal, so 5.0 meets int64 5 in the same partition.
  if (value == std::trunc(value)) {
    if (value >= -9223372036854775808.0 && value < 9223372036854775808.0) {
      return HashWord(static_cast<uint64_t>(static_cast<int64_t>(value)));  // also maps -0.0 to 0
    }
    if (value >= 0 && value < 18446744073709551616.0) return HashWord(static_cast<uint64_t>(value));
  }
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return HashWord(bits);
}

template <typename ArrayType, typename HashValue>
void HashValues(const arrow::Array& chunk, uint64_t* out, HashValue hash_value) {
  const auto& array = checked_cast<const ArrayType&>(chunk);
  for (int64_t i = 0; i < array.length(); ++i) out[i] = hash_value(array.GetView(i));
}

// Hashes of one chunk's values into out[0, chunk.length()), nulls included.
Status HashChunk(const arrow::Array& chunk, uint64_t* out) {
  const auto word = [](auto v) { return HashWord(static_cast<uint64_t>(v)); };
  const auto bytes = [](std::string_view v) { return HashBytes(v); };
  switch (chunk.type_id()) {
    case arrow::Type::NA:
      std::fill(out, out + chunk.length(), kNullHash);
      return Status::OK();
    case arrow::Type::BOOL:
      HashValues<arrow::BooleanArray>(chunk, out, word);
      break;
    // Signed values widen by sign extension, unsigned by zero extension: the 64-bit value is equal.
    case arrow::Type::INT8:
      HashValues<arrow::Int8Array>(chunk, out, [](int8_t v) { return HashWord(static_cast<int64_t>(v)); });
      break;
    case arrow::Type::INT16:
      HashValues<arrow::Int16Array>(chunk, out, [](int16_t v) { return HashWord(static_cast<int64_t>(v)); });
      break;
    case arrow::Type::INT32:
      HashValues<arrow::Int32Array>(chunk, out, [](int32_t v) { return HashWord(static_cast<int64_t>(v)); });
      break;
    case arrow::Type::INT64:
      HashValues<arrow::Int64Array>(chunk, out, word);
      break;
    case arrow::Type::UINT8:
      HashValues<arrow::UInt8Array>(chunk, out, word);
      break;
    case arrow::Type::UINT16:
      HashValues<arrow::UInt16Array>(chunk, out, word);
      break;
    case arrow::Type::UINT32:
      HashValues<arrow::UInt32Array>(chunk, out, word);
      break;
    case arrow::Type::UINT64:
      HashValues<arrow::UInt64Array>(chunk, out, word);
      break;
    case arrow::Type::FLOAT:
      HashValues<arrow::FloatArray>(chunk, out, [](float v) { return HashDouble(v); });
      break;
    case arrow::Type::DOUBLE:
      HashValues<arrow::DoubleArray>(chunk, out, [](double v) { return HashDouble(v); });
      break;
    case arrow::Type::DATE32:
      // As date64 (milliseconds) so that date32 and date64 of the same day agree.
      HashValues<arrow::Date32Array>(
          chunk, out, [](int32_t days) { return HashWord(static_cast<int64_t>(days) * 86400000LL); });
      break;
    case arrow::Type::DATE64:
      HashValues<arrow::Date64Array>(chunk, out, word);
      break;
    case arrow::Type::TIMESTAMP:
      HashValues<arrow::TimestampArray>(chunk, out, word);
      break;
    case arrow::Type::TIME32:
      HashValues<arrow::Time32Array>(chunk, out, [](int32_t v) { return HashWord(static_cast<int64_t>(v)); });
      break;
    case arrow::Type::TIME64:
      HashValues<arrow::Time64Array>(chunk, out, word);
      break;
    case arrow::Type::DURATION:
      HashValues<arrow::DurationArray>(chunk, out, word);
      break;
    case arrow::Type::STRING:
    case arrow::Type::BINARY:
      HashValues<arrow::BinaryArray>(chunk, out, bytes);
      break;
    case arrow::Type::LARGE_STRING:
    case arrow::Type::LARGE_BINARY:
      HashValues<arrow::LargeBinaryArray>(chunk, out, bytes);
      break;
    case arrow::Type::STRING_VIEW:
    case arrow::Type::BINARY_VIEW:
      HashValues<arrow::BinaryViewArray>(chunk, out, bytes);
      break;
    case arrow::Type::FIXED_SIZE_BINARY:
    case arrow::Type::DECIMAL128:
    case arrow::Type::DECIMAL256:
      HashValues<arrow::FixedSizeBinaryArray>(chunk, out, bytes);
      break;
    default:
      return Status::NotImplemented("cannot hash values of type ", chunk.type()->ToString());
  }
  if (chunk.null_count() > 0) {
    for (int64_t i = 0; i < chunk.length(); ++i) {
      if (chunk.IsNull(i)) out[i] = kNullHash;
    }
  }
  return Status::OK();
}

// The key columns to hash, dictionaries decoded.
Result<std::vector<std::shared_ptr<arrow::ChunkedArray>>> KeyColumns(const Table& table,
                                                                     const std::vector<std::string>& keys) {
  if (keys.empty()) return Status::Invalid("hashing rows needs at least one key column");
  std::vector<std::shared_ptr<arrow::ChunkedArray>> columns;
  for (const auto& key : keys) {
    DEEPRC_ASSIGN_OR_RETURN(auto column, table.Column(key));
    if (column->type()->id() == arrow::Type::DICTIONARY) {
      DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
      const auto& value_type = checked_cast<const arrow::DictionaryType&>(*column->type()).value_type();
      DEEPRC_ASSIGN_OR_RETURN(auto decoded, arrow::compute::Cast(column, value_type));
      column = decoded.chunked_array();
    }
    columns.push_back(std::move(column));
  }
  return columns;
}

// The row hashes of rows [begin, begin + length) into hashes[0, length).
Status HashRowRange(const std::vector<std::shared_ptr<arrow::ChunkedArray>>& columns,
                    const std::vector<std::string>& keys, int64_t begin, int64_t length, uint64_t* hashes,
                    std::vector<uint64_t>* scratch) {
  std::fill(hashes, hashes + length, 0);
  for (size_t k = 0; k < columns.size(); ++k) {
    const bool whole = begin == 0 && length == columns[k]->length();
    const auto range = whole ? columns[k] : columns[k]->Slice(begin, length);
    int64_t row = 0;
    for (const auto& chunk : range->chunks()) {
      scratch->resize(chunk->length());
      DEEPRC_RETURN_NOT_OK(WithContext(HashChunk(*chunk, scratch->data()), "column '", keys[k], "': "));
      // Order-dependent combination, so that (a, b) and (b, a) hash differently.
      for (int64_t i = 0; i < chunk->length(); ++i, ++row) {
        const uint64_t h = hashes[row];
        hashes[row] = Mix(h ^ ((*scratch)[i] + kCombine + (h << 6) + (h >> 2)));
      }
    }
  }
  return Status::OK();
}

// Whether a column is scattered straight into its partitions (fixed width, no nulls) rather than
// gathered through row numbers.
bool Scatters(const arrow::ChunkedArray& column) {
  return column.null_count() == 0 && GatherSupports(*column.type());
}

template <typename Value, typename Id>
void ScatterValues(const arrow::ChunkedArray& column, const Id* ids, std::vector<int64_t> cursors, Value* out) {
  int64_t row = 0;
  for (const auto& chunk : column.chunks()) {
    const Value* values = chunk->data()->GetValues<Value>(1);
    for (int64_t i = 0; i < chunk->length(); ++i, ++row) out[cursors[ids[row]]++] = values[i];
  }
}

// HashPartition with partition ids of type Id (wide enough for num_partitions): one pass hashes
// the rows in cache-sized blocks into partition ids and counts them; then every fixed-width column
// without nulls is scattered straight to its partitions' places in one output buffer (a read in
// order and a few write streams, on huge pages), and only the other columns (strings, booleans,
// nulls) are gathered through row numbers.
template <typename Id>
Result<std::vector<Table>> PartitionRows(const Table& table, const std::vector<std::string>& keys,
                                         int num_partitions) {
  DEEPRC_ASSIGN_OR_RETURN(auto key_columns, KeyColumns(table, keys));
  const int64_t num_rows = table.num_rows();
  DEEPRC_ASSIGN_OR_RETURN(auto id_array, LargeArray<Id>::Make(std::max<int64_t>(num_rows, 1)));
  Id* ids = id_array.data();
  std::vector<int64_t> offsets(num_partitions + 1, 0);
  {
    constexpr int64_t kBlock = 16384;  // 128 KiB of hashes: stays in cache
    std::vector<uint64_t> hashes(std::min(num_rows, kBlock));
    std::vector<uint64_t> scratch;
    for (int64_t begin = 0; begin < num_rows; begin += kBlock) {
      const int64_t length = std::min(kBlock, num_rows - begin);
      DEEPRC_RETURN_NOT_OK(HashRowRange(key_columns, keys, begin, length, hashes.data(), &scratch));
      for (int64_t i = 0; i < length; ++i) {
        const int p = PartitionOfHash(hashes[i], num_partitions);
        ids[begin + i] = static_cast<Id>(p);
        ++offsets[p + 1];
      }
    }
  }
  // One part: the table itself, as the identity gather returned it before.
  if (num_partitions == 1) return std::vector<Table>{table};
  for (int p = 0; p < num_partitions; ++p) offsets[p + 1] += offsets[p];
  const std::vector<int64_t> starts(offsets.begin(), offsets.end() - 1);

  const auto& input = *table.arrow();
  std::vector<std::shared_ptr<arrow::ChunkedArray>> columns(input.num_columns());
  std::vector<int> gathered;
  for (int c = 0; c < input.num_columns(); ++c) {
    const auto& column = *input.column(c);
    if (!Scatters(column)) {
      gathered.push_back(c);
      continue;
    }
    const int width = column.type()->byte_width();
    DEEPRC_ASSIGN_OR_RETURN(auto values, AllocateLargeBuffer(num_rows * width));
    uint8_t* out = values->mutable_data();
    // The values are moved as bits: an unsigned integer of the column's width.
    DEEPRC_RETURN_NOT_OK(VisitIntegerOfWidth(width, /*is_signed=*/false, "partitioning " + column.type()->ToString(),
                                             [&]<typename Bits>() {
                                               ScatterValues(column, ids, starts, reinterpret_cast<Bits*>(out));
                                               return Status::OK();
                                             }));
    columns[c] = std::make_shared<arrow::ChunkedArray>(
        arrow::MakeArray(arrow::ArrayData::Make(column.type(), num_rows, {nullptr, std::move(values)}, 0)));
  }
  if (!gathered.empty()) {
    // A stable counting sort of the row numbers by partition, then one gather of those columns.
    DEEPRC_ASSIGN_OR_RETURN(auto buffer, AllocateLargeBuffer(num_rows * static_cast<int64_t>(sizeof(int64_t))));
    auto* order = reinterpret_cast<int64_t*>(buffer->mutable_data());
    std::vector<int64_t> next = starts;
    for (int64_t i = 0; i < num_rows; ++i) order[next[ids[i]]++] = i;
    arrow::Int64Array indices(num_rows, std::move(buffer));
    DEEPRC_ASSIGN_OR_RETURN(auto subset, input.SelectColumns(gathered));
    DEEPRC_ASSIGN_OR_RETURN(auto taken, TakeRows(Table(subset), indices));
    for (size_t g = 0; g < gathered.size(); ++g) columns[gathered[g]] = taken.arrow()->column(static_cast<int>(g));
  }
  const Table partitioned(arrow::Table::Make(table.schema(), std::move(columns), num_rows));

  std::vector<Table> parts;
  parts.reserve(num_partitions);
  for (int p = 0; p < num_partitions; ++p) {
    DEEPRC_ASSIGN_OR_RETURN(auto part, Slice(partitioned, offsets[p], offsets[p + 1] - offsets[p]));
    parts.push_back(std::move(part));
  }
  return parts;
}

}  // namespace

Result<std::shared_ptr<arrow::UInt64Array>> HashRows(const Table& table,
                                                     const std::vector<std::string>& keys) {
  DEEPRC_ASSIGN_OR_RETURN(auto columns, KeyColumns(table, keys));
  const int64_t num_rows = table.num_rows();
  DEEPRC_ASSIGN_OR_RETURN(auto buffer, arrow::AllocateBuffer(num_rows * sizeof(uint64_t)));
  auto* hashes = reinterpret_cast<uint64_t*>(buffer->mutable_data());
  std::vector<uint64_t> scratch;
  DEEPRC_RETURN_NOT_OK(HashRowRange(columns, keys, 0, num_rows, hashes, &scratch));
  return std::make_shared<arrow::UInt64Array>(num_rows, std::move(buffer));
}

Result<std::vector<Table>> HashPartition(const Table& table, const std::vector<std::string>& keys,
                                         int num_partitions) {
  if (num_partitions < 1)
    return Status::Invalid("the number of partitions must be >= 1, got ", num_partitions);
  if (num_partitions <= 256) return PartitionRows<uint8_t>(table, keys, num_partitions);
  if (num_partitions <= 65536) return PartitionRows<uint16_t>(table, keys, num_partitions);
  return PartitionRows<int32_t>(table, keys, num_partitions);
}

}  // namespace deeprc::table
