// Calls a templated callable with the C type that holds the values of an Arrow fixed-width type,
// so that a kernel is written once over `T` rather than once per Arrow type id.
#pragma once

#include <arrow/type.h>

#include <cstdint>
#include <string_view>

#include "deeprc/core/status.h"

namespace deeprc::table {

// Calls `f.template operator()<T>()` where T is the C type of `type`'s values: the integer types,
// and the temporal types stored as integers (date32/64, time32/64, timestamp, duration); with
// `with_floats`, float and double too. Returns false, without calling `f`, for any other type.
template <typename F>
bool VisitNumericCType(const arrow::DataType& type, bool with_floats, F&& f) {
  switch (type.id()) {
    case arrow::Type::INT8:
      f.template operator()<int8_t>();
      return true;
    case arrow::Type::INT16:
      f.template operator()<int16_t>();
      return true;
    case arrow::Type::INT32:
    case arrow::Type::DATE32:
    case arrow::Type::TIME32:
      f.template operator()<int32_t>();
      return true;
    case arrow::Type::INT64:
    case arrow::Type::DATE64:
    case arrow::Type::TIME64:
    case arrow::Type::TIMESTAMP:
    case arrow::Type::DURATION:
      f.template operator()<int64_t>();
      return true;
    case arrow::Type::UINT8:
      f.template operator()<uint8_t>();
      return true;
    case arrow::Type::UINT16:
      f.template operator()<uint16_t>();
      return true;
    case arrow::Type::UINT32:
      f.template operator()<uint32_t>();
      return true;
    case arrow::Type::UINT64:
      f.template operator()<uint64_t>();
      return true;
    case arrow::Type::FLOAT:
      if (!with_floats) return false;
      f.template operator()<float>();
      return true;
    case arrow::Type::DOUBLE:
      if (!with_floats) return false;
      f.template operator()<double>();
      return true;
    default:
      return false;
  }
}

// Calls `f.template operator()<T>()` with T the integer type of `byte_width` bytes, signed or
// not: kernels that work on a column's bits (radix sort, integer hash join) pick the signedness,
// this picks the width. Any other width is NotImplemented, naming `what`.
template <typename F>
auto VisitIntegerOfWidth(int byte_width, bool is_signed, std::string_view what, F&& f)
    -> decltype(f.template operator()<int8_t>()) {
  switch (byte_width) {
    case 1:
      return is_signed ? f.template operator()<int8_t>() : f.template operator()<uint8_t>();
    case 2:
      return is_signed ? f.template operator()<int16_t>() : f.template operator()<uint16_t>();
    case 4:
      return is_signed ? f.template operator()<int32_t>() : f.template operator()<uint32_t>();
    case 8:
      return is_signed ? f.template operator()<int64_t>() : f.template operator()<uint64_t>();
    default:
      return Status::NotImplemented(what, " of a ", byte_width, "-byte type");
  }
}

}  // namespace deeprc::table
