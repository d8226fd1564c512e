// The common type of two key columns that should compare equal across compatible types
// (int32 vs int64, string vs large_string); the join casts both sides to it before matching.
#pragma once

#include <arrow/api.h>

#include <memory>

#include "deeprc/core/status.h"

namespace deeprc::table {

// The type that two key columns are cast to before they are compared, or a TypeError when the
// types cannot hold equal values (e.g. int64 vs string). The rules, in order:
//   - the same type, or null with anything: that type;
//   - integers: the wider type of one signedness; for mixed signedness a signed type wider than
//     the unsigned one, at most int64 (a uint64 value above INT64_MAX then fails the cast);
//   - an integer or float with a float: float64, unless both are float32;
//   - string, large_string, string_view: large_string if either is large, else string (the same
//     for binary, large_binary, binary_view);
//   - date32 with date64: date64; timestamps of the same time zone: the finer unit.
Result<std::shared_ptr<arrow::DataType>> CommonKeyType(const std::shared_ptr<arrow::DataType>& a,
                                                       const std::shared_ptr<arrow::DataType>& b);

// `column` cast to `type` (a no-op when it already has it); errors say which column failed.
Result<std::shared_ptr<arrow::ChunkedArray>> CastKeyColumn(const std::shared_ptr<arrow::ChunkedArray>& column,
                                                           const std::shared_ptr<arrow::DataType>& type,
                                                           std::string_view column_name);

}  // namespace deeprc::table
