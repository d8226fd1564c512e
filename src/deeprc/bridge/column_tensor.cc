#include "deeprc/bridge/column_tensor.h"

#include <arrow/api.h>
#include <arrow/util/bit_util.h>

#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

namespace deeprc::bridge {
namespace {

// The torch dtype that holds an Arrow type's values as they are, or nullopt when torch has no
// such type (wider unsigned integers) or the type is not numeric.
std::optional<torch::ScalarType> SameLayoutDtype(arrow::Type::type id) {
  switch (id) {
    case arrow::Type::INT8:
      return torch::kInt8;
    case arrow::Type::INT16:
      return torch::kInt16;
    case arrow::Type::INT32:
      return torch::kInt32;
    case arrow::Type::INT64:
      return torch::kInt64;
    case arrow::Type::UINT8:
      return torch::kUInt8;
    case arrow::Type::FLOAT:
      return torch::kFloat32;
    case arrow::Type::DOUBLE:
      return torch::kFloat64;
    default:
      return std::nullopt;
  }
}

bool IsWideUnsigned(arrow::Type::type id) {
  return id == arrow::Type::UINT16 || id == arrow::Type::UINT32 || id == arrow::Type::UINT64;
}

// Calls f(CType{}) with the C type of a numeric Arrow type (bool excluded: it is bit-packed).
template <typename F>
void VisitCType(arrow::Type::type id, F&& f) {
  switch (id) {
    case arrow::Type::INT8:
      return f(int8_t{});
    case arrow::Type::INT16:
      return f(int16_t{});
    case arrow::Type::INT32:
      return f(int32_t{});
    case arrow::Type::INT64:
      return f(int64_t{});
    case arrow::Type::UINT8:
      return f(uint8_t{});
    case arrow::Type::UINT16:
      return f(uint16_t{});
    case arrow::Type::UINT32:
      return f(uint32_t{});
    case arrow::Type::UINT64:
      return f(uint64_t{});
    case arrow::Type::FLOAT:
      return f(float{});
    case arrow::Type::DOUBLE:
      return f(double{});
    default:
      return;
  }
}

template <typename CType>
const CType* Values(const arrow::ArrayData& data) {
  return data.GetValues<CType>(1);
}

// Nulls have no value to share, and torch has no validity mask: a float32 copy with NaN in their
// place is what a model can consume (and what a scaler or loss can mask).
void CopyWithNaN(const arrow::ChunkedArray& column, float* out) {
  const arrow::Type::type id = column.type()->id();
  for (const auto& chunk : column.chunks()) {
    const arrow::ArrayData& data = *chunk->data();
    const uint8_t* validity = data.buffers[0] ? data.buffers[0]->data() : nullptr;
    const int64_t n = data.length, offset = data.offset;
    auto valid = [&](int64_t i) {
      return validity == nullptr || arrow::bit_util::GetBit(validity, offset + i);
    };
    if (id == arrow::Type::BOOL) {
      const uint8_t* bits = data.buffers[1]->data();
      for (int64_t i = 0; i < n; ++i) {
        out[i] = valid(i) ? (arrow::bit_util::GetBit(bits, offset + i) ? 1.0f : 0.0f)
                          : std::numeric_limits<float>::quiet_NaN();
      }
    } else {
      VisitCType(id, [&](auto tag) {
        using CType = decltype(tag);
        const CType* values = Values<CType>(data);
        for (int64_t i = 0; i < n; ++i) {
          out[i] = valid(i) ? static_cast<float>(values[i]) : std::numeric_limits<float>::quiet_NaN();
        }
      });
    }
    out += n;
  }
}

void CopyBits(const arrow::ChunkedArray& column, bool* out) {
  for (const auto& chunk : column.chunks()) {
    const arrow::ArrayData& data = *chunk->data();
    const uint8_t* bits = data.buffers[1]->data();
    for (int64_t i = 0; i < data.length; ++i) out[i] = arrow::bit_util::GetBit(bits, data.offset + i);
    out += data.length;
  }
}

// Chunks of a type torch holds as it is: one memcpy per chunk into a contiguous tensor.
void ConcatenateChunks(const arrow::ChunkedArray& column, int byte_width, uint8_t* out) {
  for (const auto& chunk : column.chunks()) {
    const arrow::ArrayData& data = *chunk->data();
    if (data.length == 0) continue;
    std::memcpy(out, data.buffers[1]->data() + data.offset * byte_width, data.length * byte_width);
    out += data.length * byte_width;
  }
}

// uint16/32/64 have no torch dtype (1.13): int64 holds them, except uint64 values above 2^63 - 1.
Status WidenUnsigned(const arrow::ChunkedArray& column, int64_t* out) {
  int64_t row = 0;
  Status status;
  for (const auto& chunk : column.chunks()) {
    const arrow::ArrayData& data = *chunk->data();
    VisitCType(column.type()->id(), [&](auto tag) {
      using CType = decltype(tag);
      const CType* values = Values<CType>(data);
      for (int64_t i = 0; i < data.length; ++i) {
        if constexpr (std::is_same_v<CType, uint64_t>) {
          if (values[i] > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            status = Status::Invalid("value ", values[i], " at row ", row + i, " does not fit in int64");
            return;
          }
        }
        out[i] = static_cast<int64_t>(values[i]);
      }
    });
    DEEPRC_RETURN_NOT_OK(status);
    out += data.length;
    row += data.length;
  }
  return Status::OK();
}

Result<torch::Tensor> ColumnAsTensorImpl(const std::shared_ptr<arrow::ChunkedArray>& column,
                                         CopyCounter* counter) {
  const arrow::Type::type id = column->type()->id();
  const std::optional<torch::ScalarType> same = SameLayoutDtype(id);
  if (!same && !IsWideUnsigned(id) && id != arrow::Type::BOOL) {
    return Status::TypeError("type ", column->type()->ToString(),
                             " is not numeric: the data bridge takes int8..int64, uint8..uint64, float32, "
                             "float64 and bool columns");
  }
  const int64_t n = column->length();

  if (same && column->null_count() == 0 && column->num_chunks() == 1 && n > 0) {
    const std::shared_ptr<arrow::Array>& array = column->chunk(0);
    const int byte_width = column->type()->byte_width();
    const uint8_t* address = array->data()->buffers[1]->data() + array->offset() * byte_width;
    // The deleter owns a reference to the array, so the tensor keeps the table's buffer alive
    // after the table itself is gone. Arrow buffers are immutable: the tensor must not be written.
    torch::Tensor tensor = torch::from_blob(
        const_cast<uint8_t*>(address), {n}, [keep = array](void*) {}, torch::TensorOptions().dtype(*same));
    if (counter) counter->columns_shared += 1;
    return tensor;
  }

  torch::Tensor tensor;
  if (column->null_count() > 0) {
    tensor = torch::empty({n}, torch::kFloat32);
    CopyWithNaN(*column, tensor.data_ptr<float>());
  } else if (id == arrow::Type::BOOL) {
    tensor = torch::empty({n}, torch::kBool);
    CopyBits(*column, tensor.data_ptr<bool>());
  } else if (IsWideUnsigned(id)) {
    tensor = torch::empty({n}, torch::kInt64);
    DEEPRC_RETURN_NOT_OK(WidenUnsigned(*column, tensor.data_ptr<int64_t>()));
  } else {
    tensor = torch::empty({n}, *same);
    ConcatenateChunks(*column, column->type()->byte_width(), static_cast<uint8_t*>(tensor.data_ptr()));
  }
  // An empty column is nothing shared and nothing copied: count it as shared so that "copied"
  // stays the number of columns that cost memory.
  if (counter) {
    if (n == 0) {
      counter->columns_shared += 1;
    } else {
      counter->columns_copied += 1;
      counter->bytes_copied += tensor.numel() * static_cast<int64_t>(tensor.element_size());
    }
  }
  return tensor;
}

}  // namespace

Result<torch::Tensor> ColumnAsTensor(const std::shared_ptr<arrow::Table>& table, int column,
                                     CopyCounter* counter) {
  if (!table) return Status::Invalid("ColumnAsTensor: no table");
  if (column < 0 || column >= table->num_columns()) {
    return Status::IndexError("ColumnAsTensor: column index ", column, " out of range for a table of ",
                              table->num_columns(), " columns");
  }
  const std::string& name = table->schema()->field(column)->name();
  try {
    return WithContext(ColumnAsTensorImpl(table->column(column), counter), "column '", name, "': ");
  } catch (const std::exception& e) {  // c10::Error (e.g. an allocation) must not leave the bridge
    return Status::UnknownError("column '", name, "': LibTorch: ", e.what());
  }
}

}  // namespace deeprc::bridge
