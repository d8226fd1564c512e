#include "deeprc/table/kernel/gather.h"

#include <arrow/util/bit_util.h>
#include <arrow/util/bitmap_ops.h>

#include <algorithm>
#include <bit>
#include <vector>

#include "deeprc/table/kernel/large_buffer.h"

namespace deeprc::table {
namespace {

// Where row `row` of a chunked column lives. Parquet files give equal row groups, often a power
// of two long (1 << 20 by default in pyarrow): then a shift finds the chunk, otherwise a binary
// search over the chunk starts.
struct ChunkLayout {
  std::vector<const arrow::ArrayData*> chunks;
  std::vector<int64_t> starts;  // starts[c] = first row of chunk c; then the total
  int shift = -1;               // all chunks but the last have length 1 << shift

  explicit ChunkLayout(const arrow::ChunkedArray& column) {
    int64_t start = 0;
    for (const auto& chunk : column.chunks()) {
      if (chunk->length() == 0) continue;
      chunks.push_back(chunk->data().get());
      starts.push_back(start);
      start += chunk->length();
    }
    starts.push_back(start);
    if (chunks.size() > 1) {
      const auto first = static_cast<uint64_t>(chunks[0]->length);
      bool uniform = std::has_single_bit(first);
      for (size_t c = 1; c + 1 < chunks.size(); ++c)
        uniform = uniform && chunks[c]->length == chunks[0]->length;
      uniform = uniform && static_cast<uint64_t>(chunks.back()->length) <= first;
      if (uniform) shift = std::countr_zero(first);
    }
  }

  // (chunk, position within it) of a row.
  std::pair<int64_t, int64_t> Locate(int64_t row) const {
    if (chunks.size() == 1) return {0, row};
    if (shift >= 0) return {row >> shift, row & ((int64_t{1} << shift) - 1)};
    const auto c = std::upper_bound(starts.begin(), starts.end(), row) - starts.begin() - 1;
    return {c, row - starts[c]};
  }
};

// Up to this many chunks, the no-null gather finds a row's chunk by comparisons, not a search.
constexpr int kFewChunks = 8;

template <typename Value, typename Index>
Result<std::shared_ptr<arrow::ChunkedArray>> Gather(const arrow::ChunkedArray& column,
                                                    const arrow::ArrayData& indices) {
  const int64_t n = indices.length;
  const Index* index = indices.GetValues<Index>(1);
  const uint8_t* index_validity = indices.GetNullCount() != 0 ? indices.GetValues<uint8_t>(0, 0) : nullptr;
  const ChunkLayout layout(column);
  DEEPRC_ASSIGN_OR_RETURN(auto values, AllocateLargeBuffer(n * static_cast<int64_t>(sizeof(Value))));
  auto* out = reinterpret_cast<Value*>(values->mutable_data());

  // The common case first: every index valid, every value valid, one chunk or power-of-two chunks.
  if (index_validity == nullptr && column.null_count() == 0) {
    if (layout.chunks.size() == 1) {
      const Value* in = layout.chunks[0]->GetValues<Value>(1);
      for (int64_t i = 0; i < n; ++i) out[i] = in[index[i]];
      return std::make_shared<arrow::ChunkedArray>(
          arrow::MakeArray(arrow::ArrayData::Make(column.type(), n, {nullptr, std::move(values)}, 0)));
    }
    if (layout.shift >= 0) {
      std::vector<const Value*> in;
      for (const auto* chunk : layout.chunks) in.push_back(chunk->GetValues<Value>(1));
      const int shift = layout.shift;
      const uint64_t mask = (uint64_t{1} << shift) - 1;
      for (int64_t i = 0; i < n; ++i) {
        const auto row = static_cast<uint64_t>(index[i]);
        out[i] = in[row >> shift][row & mask];
      }
      return std::make_shared<arrow::ChunkedArray>(
          arrow::MakeArray(arrow::ArrayData::Make(column.type(), n, {nullptr, std::move(values)}, 0)));
    }
    if (layout.chunks.size() <= kFewChunks) {
      // A few chunks of any lengths (a shuffle's output: one chunk per sending rank): the chunk of
      // a row is the number of chunk starts at or below it, counted without a branch.
      const int num_chunks = static_cast<int>(layout.chunks.size());
      const Value* in[kFewChunks];
      uint64_t starts[kFewChunks];
      for (int c = 0; c < num_chunks; ++c) {
        in[c] = layout.chunks[c]->GetValues<Value>(1);
        starts[c] = static_cast<uint64_t>(layout.starts[c]);
      }
      for (int c = num_chunks; c < kFewChunks; ++c) starts[c] = UINT64_MAX;
      for (int64_t i = 0; i < n; ++i) {
        const auto row = static_cast<uint64_t>(index[i]);
        int c = 0;
        for (int j = 1; j < kFewChunks; ++j) c += row >= starts[j] ? 1 : 0;
        out[i] = in[c][row - starts[c]];
      }
      return std::make_shared<arrow::ChunkedArray>(
          arrow::MakeArray(arrow::ArrayData::Make(column.type(), n, {nullptr, std::move(values)}, 0)));
    }
  }

  // The general case: nulls among the indices or the values, or chunks of any lengths.
  DEEPRC_ASSIGN_OR_RETURN(auto validity, arrow::AllocateBitmap(n));
  uint8_t* valid = validity->mutable_data();
  int64_t null_count = 0;
  for (int64_t i = 0; i < n; ++i) {
    bool is_valid = index_validity == nullptr || arrow::bit_util::GetBit(index_validity, indices.offset + i);
    Value value{};
    if (is_valid) {
      const auto [c, pos] = layout.Locate(static_cast<int64_t>(index[i]));
      const arrow::ArrayData& chunk = *layout.chunks[c];
      const uint8_t* chunk_validity = chunk.buffers[0] != nullptr ? chunk.buffers[0]->data() : nullptr;
      is_valid = chunk_validity == nullptr || arrow::bit_util::GetBit(chunk_validity, chunk.offset + pos);
      value = chunk.GetValues<Value>(1)[pos];
    }
    arrow::bit_util::SetBitTo(valid, i, is_valid);
    null_count += is_valid ? 0 : 1;
    out[i] = value;
  }
  std::shared_ptr<arrow::Buffer> bitmap = null_count == 0 ? nullptr : std::move(validity);
  return std::make_shared<arrow::ChunkedArray>(arrow::MakeArray(
      arrow::ArrayData::Make(column.type(), n, {std::move(bitmap), std::move(values)}, null_count)));
}

template <typename Index>
Result<std::shared_ptr<arrow::ChunkedArray>> GatherByWidth(const arrow::ChunkedArray& column,
                                                           const arrow::ArrayData& indices) {
  switch (column.type()->byte_width()) {
    case 1:
      return Gather<uint8_t, Index>(column, indices);
    case 2:
      return Gather<uint16_t, Index>(column, indices);
    case 4:
      return Gather<uint32_t, Index>(column, indices);
    case 8:
      return Gather<uint64_t, Index>(column, indices);
    default:
      return Status::NotImplemented("gather of ", column.type()->ToString());
  }
}

template <typename Index>
Status CheckIndices(const arrow::ArrayData& indices, int64_t num_rows) {
  const Index* index = indices.GetValues<Index>(1);
  const uint8_t* validity = indices.GetNullCount() != 0 ? indices.GetValues<uint8_t>(0, 0) : nullptr;
  // Unsigned comparison catches negative indices too.
  const auto limit = static_cast<uint64_t>(num_rows);
  if (validity == nullptr) {
    bool out_of_range = false;
    for (int64_t i = 0; i < indices.length; ++i) out_of_range |= static_cast<uint64_t>(index[i]) >= limit;
    if (!out_of_range) return Status::OK();
  }
  for (int64_t i = 0; i < indices.length; ++i) {
    if (validity != nullptr && !arrow::bit_util::GetBit(validity, indices.offset + i)) continue;
    if (static_cast<uint64_t>(index[i]) >= limit) {
      return Status::IndexError("index ", index[i], " out of bounds for ", num_rows, " rows");
    }
  }
  return Status::OK();
}

}  // namespace

bool GatherSupports(const arrow::DataType& type) {
  if (!arrow::is_fixed_width(type.id()) || type.id() == arrow::Type::BOOL) return false;
  if (type.id() == arrow::Type::DICTIONARY || type.id() == arrow::Type::EXTENSION) return false;
  const int width = type.byte_width();
  return width == 1 || width == 2 || width == 4 || width == 8;
}

bool GatherSupportsIndices(const arrow::DataType& index_type) {
  const auto id = index_type.id();
  return id == arrow::Type::INT32 || id == arrow::Type::INT64 || id == arrow::Type::UINT32 ||
         id == arrow::Type::UINT64;
}

Status CheckGatherIndices(const arrow::Array& indices, int64_t num_rows) {
  const auto& data = *indices.data();
  switch (indices.type_id()) {
    case arrow::Type::INT32:
      return CheckIndices<int32_t>(data, num_rows);
    case arrow::Type::INT64:
      return CheckIndices<int64_t>(data, num_rows);
    case arrow::Type::UINT32:
      return CheckIndices<uint32_t>(data, num_rows);
    case arrow::Type::UINT64:
      return CheckIndices<uint64_t>(data, num_rows);
    default:
      return Status::NotImplemented("gather indices of type ", indices.type()->ToString());
  }
}

Result<std::shared_ptr<arrow::ChunkedArray>> GatherColumn(const arrow::ChunkedArray& column,
                                                          const arrow::Array& indices) {
  if (!GatherSupports(*column.type())) return Status::NotImplemented("gather of ", column.type()->ToString());
  const auto& data = *indices.data();
  switch (indices.type_id()) {
    case arrow::Type::INT32:
      return GatherByWidth<int32_t>(column, data);
    case arrow::Type::INT64:
      return GatherByWidth<int64_t>(column, data);
    case arrow::Type::UINT32:
      return GatherByWidth<uint32_t>(column, data);
    case arrow::Type::UINT64:
      return GatherByWidth<uint64_t>(column, data);
    default:
      return Status::NotImplemented("gather indices of type ", indices.type()->ToString());
  }
}

}  // namespace deeprc::table
