#include "deeprc/table/join/key_types.h"

#include <arrow/compute/cast.h>

#include <algorithm>

#include "deeprc/table/kernel/compute.h"

namespace deeprc::table {
namespace {

std::shared_ptr<arrow::DataType> SignedIntegerOfWidth(int bits) {
  switch (bits) {
    case 8:
      return arrow::int8();
    case 16:
      return arrow::int16();
    case 32:
      return arrow::int32();
    default:
      return arrow::int64();
  }
}

std::shared_ptr<arrow::DataType> UnsignedIntegerOfWidth(int bits) {
  switch (bits) {
    case 8:
      return arrow::uint8();
    case 16:
      return arrow::uint16();
    case 32:
      return arrow::uint32();
    default:
      return arrow::uint64();
  }
}

bool IsStringLike(arrow::Type::type id) {
  return id == arrow::Type::STRING || id == arrow::Type::LARGE_STRING || id == arrow::Type::STRING_VIEW;
}

bool IsBinaryLike(arrow::Type::type id) {
  return id == arrow::Type::BINARY || id == arrow::Type::LARGE_BINARY || id == arrow::Type::BINARY_VIEW;
}

int TimeUnitRank(arrow::TimeUnit::type unit) {
  switch (unit) {
    case arrow::TimeUnit::SECOND:
      return 0;
    case arrow::TimeUnit::MILLI:
      return 1;
    case arrow::TimeUnit::MICRO:
      return 2;
    case arrow::TimeUnit::NANO:
      return 3;
  }
  return 3;
}

}  // namespace

Result<std::shared_ptr<arrow::DataType>> CommonKeyType(const std::shared_ptr<arrow::DataType>& a,
                                                       const std::shared_ptr<arrow::DataType>& b) {
  const auto ida = a->id();
  const auto idb = b->id();
  // View types are not supported by the hash join; their plain counterparts hold the same values.
  if (a->Equals(*b) && ida != arrow::Type::STRING_VIEW && ida != arrow::Type::BINARY_VIEW) return a;
  if (ida == arrow::Type::NA) return b;
  if (idb == arrow::Type::NA) return a;

  if (arrow::is_integer(ida) && arrow::is_integer(idb)) {
    const int bits_a = a->bit_width();
    const int bits_b = b->bit_width();
    const bool signed_a = arrow::is_signed_integer(ida);
    const bool signed_b = arrow::is_signed_integer(idb);
    if (signed_a == signed_b) {
      const int bits = std::max(bits_a, bits_b);
      return signed_a ? SignedIntegerOfWidth(bits) : UnsignedIntegerOfWidth(bits);
    }
    const int signed_bits = signed_a ? bits_a : bits_b;
    const int unsigned_bits = signed_a ? bits_b : bits_a;
    return SignedIntegerOfWidth(std::max(signed_bits, std::min(2 * unsigned_bits, 64)));
  }
  const bool numeric_a = arrow::is_integer(ida) || arrow::is_floating(ida);
  const bool numeric_b = arrow::is_integer(idb) || arrow::is_floating(idb);
  if (numeric_a && numeric_b && ida != arrow::Type::HALF_FLOAT && idb != arrow::Type::HALF_FLOAT) {
    if (ida == arrow::Type::FLOAT && idb == arrow::Type::FLOAT) return arrow::float32();
    return arrow::float64();
  }
  if (IsStringLike(ida) && IsStringLike(idb)) {
    if (ida == arrow::Type::LARGE_STRING || idb == arrow::Type::LARGE_STRING) return arrow::large_utf8();
    return arrow::utf8();
  }
  if (IsBinaryLike(ida) && IsBinaryLike(idb)) {
    if (ida == arrow::Type::LARGE_BINARY || idb == arrow::Type::LARGE_BINARY) return arrow::large_binary();
    return arrow::binary();
  }
  if ((ida == arrow::Type::DATE32 || ida == arrow::Type::DATE64) &&
      (idb == arrow::Type::DATE32 || idb == arrow::Type::DATE64)) {
    return arrow::date64();
  }
  if (ida == arrow::Type::TIMESTAMP && idb == arrow::Type::TIMESTAMP) {
    const auto& ta = static_cast<const arrow::TimestampType&>(*a);
    const auto& tb = static_cast<const arrow::TimestampType&>(*b);
    if (ta.timezone() == tb.timezone()) {
      return TimeUnitRank(ta.unit()) >= TimeUnitRank(tb.unit()) ? a : b;
    }
  }
  return Status::TypeError("types ", a->ToString(), " and ", b->ToString(), " have no common type");
}

Result<std::shared_ptr<arrow::ChunkedArray>> CastKeyColumn(const std::shared_ptr<arrow::ChunkedArray>& column,
                                                           const std::shared_ptr<arrow::DataType>& type,
                                                           std::string_view column_name) {
  if (column->type()->Equals(*type)) return column;
  DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
  auto cast = arrow::compute::Cast(column, type, arrow::compute::CastOptions::Safe());
  if (!cast.ok()) {
    return WithContext(cast.status(), "column '", column_name, "': cannot cast ", column->type()->ToString(),
                       " to ", type->ToString(), ": ");
  }
  return cast->chunked_array();
}

}  // namespace deeprc::table
