#include "deeprc/table/hash_partition.h"

#include <arrow/compute/cast.h>
#include <arrow/util/checked_cast.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "deeprc/table/compute.h"
#include "deeprc/table/slice.h"
#include "deeprc/table/sort.h"

// xxHash is vendored by Arrow as a header-only library; inlining it keeps its symbols private.
#define XXH_INLINE_ALL
#include <arrow/vendored/xxhash.h>

namespace deeprc {
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

}  // namespace

Result<std::shared_ptr<arrow::UInt64Array>> HashRows(const Table& table,
                                                     const std::vector<std::string>& keys) {
  if (keys.empty()) return Status::Invalid("hashing rows needs at least one key column");
  const int64_t num_rows = table.num_rows();
  DEEPRC_ASSIGN_OR_RETURN(auto buffer, arrow::AllocateBuffer(num_rows * sizeof(uint64_t)));
  auto* hashes = reinterpret_cast<uint64_t*>(buffer->mutable_data());
  std::fill(hashes, hashes + num_rows, 0);
  std::vector<uint64_t> scratch;
  for (const auto& key : keys) {
    DEEPRC_ASSIGN_OR_RETURN(auto column, table.Column(key));
    if (column->type()->id() == arrow::Type::DICTIONARY) {
      DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
      const auto& value_type = checked_cast<const arrow::DictionaryType&>(*column->type()).value_type();
      DEEPRC_ASSIGN_OR_RETURN(auto decoded, arrow::compute::Cast(column, value_type));
      column = decoded.chunked_array();
    }
    int64_t row = 0;
    for (const auto& chunk : column->chunks()) {
      scratch.resize(chunk->length());
      DEEPRC_RETURN_NOT_OK(WithContext(HashChunk(*chunk, scratch.data()), "column '", key, "': "));
      // Order-dependent combination, so that (a, b) and (b, a) hash differently.
      for (int64_t i = 0; i < chunk->length(); ++i, ++row) {
        const uint64_t h = hashes[row];
        hashes[row] = Mix(h ^ (scratch[i] + kCombine + (h << 6) + (h >> 2)));
      }
    }
  }
  return std::make_shared<arrow::UInt64Array>(num_rows, std::move(buffer));
}

Result<std::vector<Table>> HashPartition(const Table& table, const std::vector<std::string>& keys,
                                         int num_partitions) {
  if (num_partitions < 1)
    return Status::Invalid("the number of partitions must be >= 1, got ", num_partitions);
  DEEPRC_ASSIGN_OR_RETURN(auto hashes, HashRows(table, keys));
  const int64_t num_rows = table.num_rows();

  // A stable counting sort of the rows by partition: one gather, then zero-copy slices.
  std::vector<int32_t> partition_of(num_rows);
  std::vector<int64_t> offsets(num_partitions + 1, 0);
  for (int64_t i = 0; i < num_rows; ++i) {
    partition_of[i] = PartitionOfHash(hashes->Value(i), num_partitions);
    ++offsets[partition_of[i] + 1];
  }
  for (int p = 0; p < num_partitions; ++p) offsets[p + 1] += offsets[p];
  DEEPRC_ASSIGN_OR_RETURN(auto buffer, arrow::AllocateBuffer(num_rows * sizeof(int64_t)));
  auto* order = reinterpret_cast<int64_t*>(buffer->mutable_data());
  std::vector<int64_t> next(offsets.begin(), offsets.end() - 1);
  for (int64_t i = 0; i < num_rows; ++i) order[next[partition_of[i]]++] = i;
  arrow::Int64Array indices(num_rows, std::move(buffer));
  DEEPRC_ASSIGN_OR_RETURN(auto gathered, TakeRows(table, indices));

  std::vector<Table> parts;
  parts.reserve(num_partitions);
  for (int p = 0; p < num_partitions; ++p) {
    DEEPRC_ASSIGN_OR_RETURN(auto part, Slice(gathered, offsets[p], offsets[p + 1] - offsets[p]));
    parts.push_back(std::move(part));
  }
  return parts;
}

}  // namespace deeprc
